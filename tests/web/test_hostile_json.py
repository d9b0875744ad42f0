"""Every JSON endpoint that takes a body, fed what no schema generator sends: NaN and Infinity
as JSON tokens, bytes that are not UTF-8, keys twice, bodies that are not objects, huge values,
far-future and impossible dates. Each gets a 4xx with a code and a message, and nothing is
written."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import func, select

from learning.api.openapi import build_document
from learning.models import Base
from tests.web.conftest import World

BODIES = {
    "NaN token": b'{"seq": 1, "position_s": NaN, "rate": 1, "amount_fen": NaN}',
    "Infinity token": b'{"seq": 1, "position_s": Infinity, "coaching_hours": -Infinity}',
    "not UTF-8": b'{"reason": "\xff\xfe\xc3("}',
    "not JSON": b"{'single': 'quotes'}",
    "an array": b"[1, 2, 3]",
    "a string": b'"reason"',
    "null": b"null",
    "empty": b"",
    "keys twice": b'{"enrolment_id": 1, "enrolment_id": "1"}',
    "huge string": b'{"reason": "' + "九".encode() * 6000 + b'"}',
    "deep nesting": b"[" * 5000 + b"]" * 5000,
    "far future": b'{"starts_on": "9999-12-31", "registration_closes_on": "9999-12-30"}',
    "impossible date": b'{"paid_on": "2026-02-30", "starts_on": "2026-13-01"}',
    "negative ids": b'{"enrolment_id": -1, "video_id": -5, "exam_session_id": 0}',
    "NUL in a string": b'{"reason": "a\\u0000b", "name": "x\\u0000.webm", "title": "\\u0000"}',
    "wrong types": b'{"enrolment_id": "1", "video_id": 1.5, "seq": true, "reason": 5}',
}
SENDER = {"trainee": "trainee", "admin": "admin"}


PATH_VALUES = {
    "registration_id": "1",
    "upload_id": "0" * 32,
    "check_id": "nocheck",
    "position": "1",
}


def _path(world: World, path: str) -> str:
    """The document's path with the world's objects in it."""
    values = {
        **PATH_VALUES,
        "enrolment_id": str(world.enrolment.id),
        "playback_id": world.playback_id,
        "exam_id": str(world.mock_exam_id),
    }
    return re.sub(r"{(\w+)}", lambda match: values[match.group(1)], path)


def _operations_with_a_body(app: Flask) -> list[tuple[str, str]]:
    """(method, path) of every operation of the document that takes a body."""
    return [
        (method, path)
        for path, operations in build_document(app)["paths"].items()
        for method, operation in operations.items()
        if "requestBody" in operation
    ]


def _row_counts(session) -> dict[str, int]:
    session.expire_all()
    return {
        table.name: session.scalar(select(func.count()).select_from(table))
        for table in Base.metadata.sorted_tables
    }


@pytest.mark.parametrize("name", sorted(BODIES))
def test_hostile_bodies_are_refused_whole(
    app: Flask, world: World, login, db_session, name: str
) -> None:
    clients = {role: login(world.users[role]) for role in ("trainee", "admin")}
    operations = _operations_with_a_body(app)
    assert len(operations) >= 16  # what the document says, not nothing
    for method, path in operations:
        client = clients["admin" if "/admin/" in path else "trainee"]
        before = _row_counts(db_session)
        response = client.open(
            _path(world, path),
            method=method.upper(),
            data=BODIES[name],
            content_type="application/json",
            headers={"X-CSRFToken": client.csrf_token()},
        )
        where = f"{method} {path} with {name}"
        assert 400 <= response.status_code < 500, where
        answer = response.get_json()
        assert answer["error"] and answer["message"], where
        assert _row_counts(db_session) == before, f"written: {where}"


@pytest.mark.parametrize("cell", ["dtd", "long"])
def test_the_roster_api_refuses_a_dtd_or_an_overlong_cell_in_json(
    login, make, db_session, cell: str
) -> None:
    from tests.api.test_trainee_import import good_rows, roster, send, users
    from tests.web.test_import_page import XXE, _with_part

    admin = login(make.admin())
    rows = good_rows("")
    if cell == "long":
        rows[0][1] = "长" * 5000
    data = roster(rows)
    if cell == "dtd":
        data = _with_part(data, "[Content_Types].xml", XXE + b"<Types/>")
    before = users(db_session)
    response = send(admin, data, "0")
    assert response.status_code < 500 and response.is_json, response.status_code
    assert users(db_session) == before
    if cell == "dtd":
        assert response.status_code == 422 and "DTD" in response.get_json()["message"]
    else:  # a report of the bad cells, nothing imported
        report = response.get_json()
        assert (report["created"], report["updated"]) == (0, 0)
        assert (2, "姓名") in {(e["row"], e["column"]) for e in report["errors"]}
