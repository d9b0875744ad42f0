"""The pages with charts, forms and the player keep to the content security policy."""

from __future__ import annotations

import pytest

from tests.browser.conftest import LiveServer, log_in

PAGES = {
    "admin": ["/admin", "/admin/jobs", "/admin/applications", "/admin/exam-sessions"],
    "teacher1": ["/", "/classes/1", "/classes/1/readiness"],
    "trainee01": [
        "/",
        "/enrolments/1",
        "/me/record",
        "/enrolments/1/videos/1",
        "/enrolments/1/practice",
    ],
}


@pytest.mark.parametrize("username", list(PAGES))
def test_pages_break_no_rule_of_the_policy(browser, live_server: LiveServer, username) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()  # the policy enforced, unlike the other tests' pages
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: violations.append(f"{page.url}: {error}"))
    log_in(page, live_server.url, username)
    for path in PAGES[username]:
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
    context.close()
    assert violations == []
