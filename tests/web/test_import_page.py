"""The import page: a file is checked and its problems shown cell by cell; a good one is
imported once the admin confirms."""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import select

from learning.models import User
from learning.services import ServiceError
from tests.api.test_trainee_import import good_rows, roster
from tests.factories import Factory


def _upload(client, data: bytes):
    return client.post_form(
        "/admin/trainees/import",
        {"file": (io.BytesIO(data), "名单.xlsx")},
    )


def test_problems_are_shown_per_cell_and_a_good_file_imports_on_confirmation(
    login, make: Factory, db_session
) -> None:
    admin = login(make.admin())
    rows = good_rows("")
    rows[1][6] = "no-such-4"
    page = _upload(admin, roster(rows)).get_data(as_text=True)
    assert "发现 1 处问题，未导入任何数据" in page
    assert "培训项目代码" in page and "no-such-4" in page
    assert "确认导入" not in page
    checked = _upload(admin, roster(good_rows(""))).get_data(as_text=True)
    assert "导入将新建 2 名学员" in checked
    assert db_session.scalar(select(User).where(User.username == "li.ming")) is None
    action = checked.split('action="/admin/trainees/import/')[1].split('"')[0]
    done = admin.post_form(f"/admin/trainees/import/{action}")
    assert done.status_code == 303
    assert db_session.scalar(select(User).where(User.username == "li.ming")) is not None
    again = admin.post_form(f"/admin/trainees/import/{action}")
    assert again.status_code == 303  # used once: back to the page, nothing imported twice


def test_a_weak_initial_password_is_shown_in_its_cell(login, make: Factory, db_session) -> None:
    admin = login(make.admin())
    rows = good_rows("")
    rows[1][8] = "qwertyuiop"
    page = _upload(admin, roster(rows)).get_data(as_text=True)
    assert "发现 1 处问题，未导入任何数据" in page
    assert "初始密码" in page and "此密码常见或容易被猜到" in page
    assert db_session.scalar(select(User).where(User.username == "zhao.li")) is None


def test_the_empty_template_uploaded_says_it_has_no_trainees_and_offers_no_import(
    login, make: Factory
) -> None:
    admin = login(make.admin())
    template = admin.get("/admin/trainees/import-template.xlsx").data
    page = _upload(admin, template).get_data(as_text=True)
    assert "文件中没有学员" in page
    assert "确认导入" not in page and 'action="/admin/trainees/import/' not in page


def test_a_missing_file_is_explained(login, make: Factory) -> None:
    admin = login(make.admin())
    page = admin.post_form("/admin/trainees/import")
    assert "请选择文件" in page.get_data(as_text=True)


def _with_part(data: bytes, name: str, text: bytes) -> bytes:
    """The workbook with one part replaced."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as book, zipfile.ZipFile(out, "w") as copy:
        for item in book.infolist():
            copy.writestr(item, text if item.filename == name else book.read(item))
    return out.getvalue()


BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";" if i > 1 else "&lol;") * 10}">'.encode()
        for i in range(1, 10)
    )
    + b"]>"
)
XXE = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


@pytest.mark.parametrize("prolog", [BOMB, XXE], ids=["bomb", "xxe"])
@pytest.mark.parametrize(
    "part", ["xl/worksheets/sheet1.xml", "xl/workbook.xml", "[Content_Types].xml"]
)
def test_a_workbook_with_a_dtd_is_refused_in_words(
    login, make: Factory, db_session, prolog: bytes, part: str
) -> None:
    admin = login(make.admin())
    data = roster(good_rows(""))
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        body = book.read(part)
    body = body.split(b"?>", 1)[1] if body.startswith(b"<?xml") else body  # one declaration
    page = _upload(admin, _with_part(data, part, prolog + body))
    assert page.status_code == 200
    assert "实体" in page.get_data(as_text=True)  # DTD or entities: refused
    assert db_session.scalar(select(User).where(User.username == "li.ming")) is None


def test_a_dtd_is_refused_in_the_payments_and_results_sheets_too() -> None:
    from learning.services import fee_import, workbooks

    data = workbooks.write("缴费", fee_import.COLUMNS, [])
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        body = book.read("xl/workbook.xml")
    body = body.split(b"?>", 1)[1] if body.startswith(b"<?xml") else body
    hostile = _with_part(data, "xl/workbook.xml", XXE + body)
    with pytest.raises(ServiceError) as refused:
        workbooks.read_rows(hostile, fee_import.COLUMNS, error_code="not_a_payments_sheet")
    assert refused.value.params["reason"] == "dtd"


def test_a_workbook_that_unpacks_too_large_is_refused_before_it_is_read(
    login, make: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    from learning.services import workbooks

    monkeypatch.setattr(workbooks, "MAX_UNPACKED_BYTES", 64 * 1024)
    admin = login(make.admin())
    data = roster(good_rows(""))
    data = _with_part(data, "docProps/app.xml", b"<a>" + b" " * 200_000 + b"</a>")
    page = _upload(admin, data)
    assert page.status_code == 200 and "解压后超过" in page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("column", "header"),
    [
        (0, "用户名"),
        (1, "姓名"),
        (3, "手机号"),
        (4, "电子邮箱"),
        (5, "工作单位"),
        (7, "班级"),
        (8, "初始密码"),
    ],
)
def test_a_cell_longer_than_its_column_is_refused_cell_by_cell(
    login, make: Factory, db_session, column: int, header: str
) -> None:
    admin = login(make.admin())
    rows = good_rows("")
    rows[0][column] = "长" * 5000
    rows[1][column] = "长" * 5000
    page = _upload(admin, roster(rows)).get_data(as_text=True)
    assert "未导入任何数据" in page and "确认导入" not in page
    assert page.count("字符，最多") >= 2, header
    assert db_session.scalar(select(User).where(User.username == "li.ming")) is None
