"""Each role logs in through the real form in Chromium and lands on its home page."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser.conftest import LiveServer, log_in

SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/learning-screenshots"))


@pytest.mark.parametrize(
    ("username", "path", "heading"),
    [("trainee01", "/", "我的课程"), ("teacher1", "/", "我的班级"), ("admin", "/admin", "概览")],
)
def test_role_lands_on_its_home(page, live_server: LiveServer, username, path, heading) -> None:
    log_in(page, live_server.url, username)
    assert page.url == live_server.url + path
    assert page.locator("h1").first.inner_text() == heading
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"home-{username}.png"), full_page=True)


def test_wrong_password_is_shown_on_the_form(page, live_server: LiveServer) -> None:
    log_in(page, live_server.url, "trainee01", "wrong-password1")
    assert page.url.startswith(live_server.url + "/login")
    assert page.locator(".error").inner_text() == "用户名或密码错误。"


def test_language_switch_turns_the_page_english_and_back(page, live_server: LiveServer) -> None:
    log_in(page, live_server.url, "trainee02")
    page.click("button[name=language][value=en]")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").first.inner_text() == "My courses"
    page.click("button[name=language][value=zh]")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").first.inner_text() == "我的课程"


def test_phone_sized_screen_has_no_sideways_scrolling(browser, live_server: LiveServer) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server.url, "trainee03")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    context.close()
    assert overflow <= 0


def test_logout_returns_to_the_login_page(page, live_server: LiveServer) -> None:
    log_in(page, live_server.url, "teacher2")
    page.click("text=退出")
    page.wait_for_load_state("networkidle")
    assert page.url.startswith(live_server.url + "/login")
    assert page.locator(".flash").inner_text() == "您已退出登录。"
