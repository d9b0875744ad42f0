"""The admins' list of users reaches each trainee's enrolments, in one query for the page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from sqlalchemy import event

from learning.db import get_database
from tests.factories import Factory


def _row_of(page: str, username: str) -> str:
    match = re.search(rf"<tr>\s*<td><code>{re.escape(username)}</code>.*?</tr>", page, re.S)
    assert match, f"no row for {username}"
    return match.group(0)


def test_each_trainee_links_to_their_enrolments(login, make: Factory) -> None:
    taught = make.training_class(make.instructor(), name="核算四级一班")
    trainee = make.trainee("zhao_min", display_name="赵敏")
    placed = make.enrolment(trainee, "accounting-4", taught)
    waiting = make.enrolment(trainee, "trading-3")
    other = make.enrolment(make.trainee("qian_li"), "monitoring-4", taught)
    teacher = make.instructor("sun_wu")
    page = login(make.admin()).get("/admin/users").get_data(as_text=True)
    row = _row_of(page, "zhao_min")
    assert f'href="/enrolments/{placed.id}"' in row and f'href="/enrolments/{waiting.id}"' in row
    assert "碳排放核算员" in row and "核算四级一班" in row and "不在任何班级" in row
    assert f'href="/enrolments/{other.id}"' not in row
    assert f'href="/enrolments/{other.id}"' in _row_of(page, "qian_li")
    assert "/enrolments/" not in _row_of(page, teacher.username)  # no enrolments: a dash
    followed = login(make.admin()).get(f"/enrolments/{waiting.id}")
    assert followed.status_code == 200


@contextmanager
def _counted(app: Flask) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    engine = get_database(app).engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _queries_of_the_list(app: Flask, client) -> int:
    client.get("/admin/users")  # the log-in's first look-ups are behind us
    with _counted(app) as statements:
        assert client.get("/admin/users").status_code == 200
    return len(statements)


def test_the_list_costs_the_same_queries_whatever_its_length(
    app: Flask, login, make: Factory
) -> None:
    taught = make.training_class(make.instructor())
    make.enrolment(make.trainee(), "accounting-4", taught)
    admin = login(make.admin())
    few = _queries_of_the_list(app, admin)
    for _number in range(6):
        trainee = make.trainee()
        make.enrolment(trainee, "accounting-4", taught)
        make.enrolment(trainee, "trading-3")
    make.commit()
    assert _queries_of_the_list(app, admin) == few
