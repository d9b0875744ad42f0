"""The import page: a file is checked and its problems shown cell by cell; a good one is
imported once the admin confirms."""

from __future__ import annotations

import io

from sqlalchemy import select

from learning.models import User
from tests.api.test_trainee_import import good_rows, roster
from tests.factories import Factory


def _upload(client, data: bytes):
    return client.post(
        "/admin/trainees/import",
        data={"csrf_token": client.csrf_token(), "file": (io.BytesIO(data), "名单.xlsx")},
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
    done = admin.post(f"/admin/trainees/import/{action}", data={"csrf_token": admin.csrf_token()})
    assert done.status_code == 303
    assert db_session.scalar(select(User).where(User.username == "li.ming")) is not None
    again = admin.post(f"/admin/trainees/import/{action}", data={"csrf_token": admin.csrf_token()})
    assert again.status_code == 303  # used once: back to the page, nothing imported twice


def test_a_missing_file_is_explained(login, make: Factory) -> None:
    admin = login(make.admin())
    page = admin.post("/admin/trainees/import", data={"csrf_token": admin.csrf_token()})
    assert "请选择文件" in page.get_data(as_text=True)
