"""On a phone (390x844): a refused form keeps the chosen proof, an applicant corrects a returned
application with a new proof and sees the approval on the home page, and a second registration
with the same ID-card number is refused."""

from __future__ import annotations

from pathlib import Path

from tests.browser.conftest import LiveServer, log_in

SHOTS = Path("/tmp/shots18d")
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 256
PHONE = {"viewport": {"width": 390, "height": 844}, "locale": "zh-CN"}
ID_NUMBER = "11010519491231002X"


def _fill(page, username: str, phone: str) -> None:
    for name, value in {
        "username": username,
        "password": "orchard kite pebble",
        "confirm": "orchard kite pebble",
        "real_name": "林晓",
        "id_number": ID_NUMBER,
        "phone": phone,
        "years_of_work": "2",
    }.items():
        page.fill(f"input[name={name}]", value)
    page.select_option("select[name=programme]", "accounting-4")
    page.check("input[name=declaration]")


def test_return_correct_approve_and_one_account_per_id(browser, live_server: LiveServer, tmp_path):
    SHOTS.mkdir(parents=True, exist_ok=True)
    first, second = tmp_path / "身份证.png", tmp_path / "毕业证.png"
    first.write_bytes(PNG)
    second.write_bytes(PNG)
    applicant = browser.new_context(**PHONE)
    page = applicant.new_page()
    page.goto(f"{live_server.url}/register")
    _fill(page, "linxiao", "1390013")  # a phone number too short
    page.set_input_files("input[name=documents]", [str(first)])
    page.wait_for_selector("#declared .notice")  # evidence meeting no condition: warned
    page.click("form button.primary")
    page.wait_for_selector("text=已选择：身份证.png")
    page.screenshot(path=str(SHOTS / "register-error-files-kept.png"), full_page=True)
    page.fill("input[name=phone]", "13900139001")
    page.fill("input[name=password]", "orchard kite pebble")
    page.fill("input[name=confirm]", "orchard kite pebble")
    page.click("form button.primary")
    page.wait_for_url("**/me/applications")

    staff = browser.new_context(**PHONE)
    admin = staff.new_page()
    log_in(admin, live_server.url, "admin")
    admin.goto(f"{live_server.url}/admin/applications")
    admin.click('table a:text-is("审核")')
    admin.fill("textarea[name=note]", "请补充毕业证书。")
    admin.click("input[name=return_]")
    admin.wait_for_url("**/admin/applications")

    page.goto(f"{live_server.url}/")
    assert "请补充毕业证书。" in page.inner_text("main")
    page.click("text=修改后重新提交")
    page.select_option("select[name=education_kind]", "junior_college")
    page.fill("input[name=education_graduated_on]", "2015-07-01")
    page.set_input_files("input[name=documents]", [str(second)])
    page.check("input[name=declaration]")
    page.screenshot(path=str(SHOTS / "returned-application-edited.png"), full_page=True)
    page.click("form button.primary")
    page.wait_for_url("**/me/applications")

    admin.goto(f"{live_server.url}/admin/applications")
    admin.click('table a:text-is("审核")')
    admin.select_option("select[name=condition]", "L4-c")
    admin.click("input[name=approve]")
    admin.wait_for_url("**/admin/applications")
    page.goto(f"{live_server.url}/")
    assert "已按报考条件 L4-c 审核通过" in page.inner_text("main")
    page.screenshot(path=str(SHOTS / "home-approval-message.png"), full_page=True)

    stranger = browser.new_context(**PHONE).new_page()
    stranger.goto(f"{live_server.url}/register")
    _fill(stranger, "linxiao2", "13900139002")
    stranger.click("form button.primary")
    stranger.wait_for_selector("text=该身份证号码已有账号")
    assert "linxiao" not in stranger.inner_text("main").replace("linxiao2", "")
    stranger.screenshot(path=str(SHOTS / "register-id-known.png"), full_page=True)
    for context in (applicant, staff, stranger.context):
        context.close()
