"""The three check-then-import pages (roster, payments, question bank) on a phone: a checked
file's problems, each a sentence, wrap within the screen, and the upload form's button stays
inside its card."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.api.test_trainee_import import good_rows, roster
from tests.browser.conftest import PHONE, LiveServer, log_in

SHOTS = Path("/tmp/learning-screenshots")
INSIDE = """([inner, outer]) => {
  const a = document.querySelector(inner).getBoundingClientRect();
  const b = document.querySelector(outer).getBoundingClientRect();
  return a.left >= b.left && a.right <= b.right;
}"""


#: Each page, sent the same roster with two bad cells: the roster page lists the cells, the
#: others say it is not their sheet.
SAID = {
    "/admin/trainees/import": "不存在培训项目 no-such-4",
    "/admin/payments": "这不是按模板填写的缴费表",
    "/admin/questions/import": "这不是按模板填写的题库",
}


@pytest.mark.parametrize(("path", "said"), SAID.items())
def test_an_import_page_and_its_problems_fit_a_phone(
    page, live_server: LiveServer, path: str, said: str, tmp_path: Path
) -> None:
    rows = good_rows("")
    rows[1][6] = "no-such-4"
    rows[1][8] = "qwertyuiop"
    sheet = tmp_path / "sheet.xlsx"
    sheet.write_bytes(roster(rows))
    page.set_viewport_size(PHONE)
    log_in(page, live_server.url, "admin")
    page.goto(live_server.url + path)
    assert page.evaluate(INSIDE, ["form[enctype] button", "section.card"])
    page.set_input_files("input[type=file]", str(sheet))
    with page.expect_navigation():
        page.click("form[enctype] button")
    assert said in page.inner_text("main")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    SHOTS.mkdir(exist_ok=True)
    name = path.strip("/").replace("/", "-")
    page.screenshot(path=str(SHOTS / f"{name}-390.png"), full_page=True)
