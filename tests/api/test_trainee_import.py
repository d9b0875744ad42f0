"""Trainees imported from an Excel roster: every bad row and column reported, nothing written
while any is bad; then created or updated, enrolled, and made to change their password."""

from __future__ import annotations

import io

from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from learning.models import Enrolment, User
from learning.services.identity import check_digit
from learning.services.trainee_import import COLUMNS
from tests.conftest import Client
from tests.factories import Factory

HEADERS = [header for _key, header, _required in COLUMNS]


def id_number(first17: str) -> str:
    return first17 + check_digit(first17)


def good_rows(class_name: str) -> list[list[str]]:
    return [
        [
            "li.ming",
            "李明",
            id_number("44010619900101123"),
            "13900000001",
            "li@example.cn",
            "广州电力",
            "accounting-4",
            class_name,
            "linen forest echo",
        ],
        [
            "zhao.li",
            "赵丽",
            id_number("44010619920202234"),
            "13900000002",
            "",
            "",
            "accounting-4",
            "",
            "linen forest echo",
        ],
    ]


def roster(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def send(client: Client, data: bytes, dry_run: str):
    return client.post(
        f"/api/v1/admin/trainees/import?dry_run={dry_run}",
        data={"file": (io.BytesIO(data), "名单.xlsx")},
        headers={"X-CSRFToken": client.csrf_token()},
    )


def users(db_session) -> int:
    db_session.expire_all()
    return db_session.scalar(select(func.count(User.id)))


def test_the_template_has_the_columns_of_the_import(login, make: Factory) -> None:
    admin = login(make.admin())
    response = admin.get("/admin/trainees/import-template.xlsx")
    book = load_workbook(io.BytesIO(response.data))
    assert [cell.value for cell in book.worksheets[0][1]] == HEADERS


def test_a_dry_run_reports_each_bad_row_and_column_and_writes_nothing(
    login, make: Factory, db_session
) -> None:
    taken = make.trainee("wang")
    taken.profile.phone = "13911112222"
    admin = login(make.admin())
    rows = good_rows("")
    rows[0][2] = "440106199001011230"  # a wrong check digit (unless it happens to be right)
    rows[0][2] = rows[0][2][:17] + ("1" if rows[0][2][17] != "1" else "2")
    rows[1][3] = "13911112222"  # wang's phone
    rows.append(
        [
            "sun.qi",
            "孙琦",
            id_number("44010619930303345"),
            "13900000001",
            "",
            "",
            "no-such-9",
            "不存在的班",
            "short",
        ]
    )  # phone of row 2, and more
    before = users(db_session)
    for dry_run in ("1", "0"):
        answer = send(admin, roster(rows), dry_run)
        assert answer.status_code == 200
        report = answer.get_json()
        assert (report["created"], report["updated"]) == (0, 0)
        problems = {(e["row"], e["column"]) for e in report["errors"]}
        assert problems >= {
            (2, "身份证号"),
            (3, "手机号"),
            (4, "手机号"),
            (4, "培训项目代码"),
            (4, "班级"),
            (4, "初始密码"),
        }
        messages = " ".join(e["message"] for e in report["errors"])
        assert "校验" in messages or "身份证号" in messages
        assert users(db_session) == before


def test_a_good_roster_creates_then_updates_and_enrols(login, make: Factory, db_session) -> None:
    instructor = make.instructor()
    training_class = make.training_class(instructor, name="2026秋季核算员四级班")
    admin = login(make.admin())
    data = roster(good_rows(training_class.name))
    dry = send(admin, data, "1").get_json()
    assert (dry["created"], dry["updated"], dry["errors"]) == (2, 0, [])
    assert db_session.scalar(select(User).where(User.username == "li.ming")) is None
    done = send(admin, data, "0").get_json()
    assert (done["created"], done["updated"], done["errors"]) == (2, 0, [])
    db_session.expire_all()
    li = db_session.scalar(select(User).where(User.username == "li.ming"))
    assert li.must_change_password and li.profile.employer == "广州电力"
    enrolment = db_session.scalar(select(Enrolment).where(Enrolment.trainee_id == li.id))
    assert enrolment.class_id == training_class.id
    rows = good_rows(training_class.name)
    rows[0][3] = "13900000009"
    again = send(admin, roster(rows), "0").get_json()
    assert (again["created"], again["updated"]) == (0, 2)
    db_session.expire_all()
    assert db_session.get(User, li.id).profile.phone == "13900000009"


def test_a_file_that_is_not_a_roster_is_refused(login, make: Factory) -> None:
    admin = login(make.admin())
    answer = send(admin, b"name,phone\n", "1")
    assert (answer.status_code, answer.get_json()["error"]) == (422, "not_a_roster")
    headless = roster([])
    book = load_workbook(io.BytesIO(headless))
    book.worksheets[0].delete_rows(1)
    data = io.BytesIO()
    book.save(data)
    assert send(admin, data.getvalue(), "1").get_json()["error"] == "not_a_roster"


def test_each_weak_or_personal_initial_password_is_refused_in_its_cell(
    login, make: Factory, db_session
) -> None:
    """Li's password is his phone number with a word, Zhao's a common one; a third, a
    passphrase without digits, is fine."""
    admin = login(make.admin())
    rows = good_rows("")
    rows[0][8] = "13900000001 kite"
    rows[1][8] = "password1"
    passphrase = ["wu.gang", "吴刚", id_number("44010619940404456"), "13900000003"]
    rows.append([*passphrase, "", "", "accounting-4", "", "amber meadow lantern"])
    before = users(db_session)
    report = send(admin, roster(rows), "1").get_json()
    assert [(e["row"], e["column"]) for e in report["errors"]] == [(2, "初始密码"), (3, "初始密码")]
    first, second = (e["message"] for e in report["errors"])
    assert "密码中含有手机号" in first and "13900000001" not in first
    assert "此密码常见或容易被猜到" in second
    assert send(admin, roster(rows), "0").get_json()["created"] == 0
    assert users(db_session) == before
    rows[0][8], rows[1][8] = "quiet violin harbour", "silver moth compass"
    assert send(admin, roster(rows), "0").get_json()["created"] == 3


def test_the_template_explains_the_password_rules(login, make: Factory) -> None:
    admin = login(make.admin())
    book = load_workbook(io.BytesIO(admin.get("/admin/trainees/import-template.xlsx").data))
    notes = {row[0]: row[2] for row in book["填写说明"].iter_rows(values_only=True)}
    assert "几个不相关的词" in notes["初始密码"] and "字母和数字" not in notes["初始密码"]
