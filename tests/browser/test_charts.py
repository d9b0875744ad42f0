"""Charts are drawn once the deferred plotly.js has arrived, and the text never waits for it."""

from __future__ import annotations

from tests.browser.conftest import LiveServer, log_in


def test_the_course_page_shows_its_text_first_then_draws_its_charts(
    page, live_server: LiveServer
) -> None:
    log_in(page, live_server.url, "trainee01")
    link = page.locator("a[href^='/enrolments/']").first.get_attribute("href")
    held = []
    # plotly.js held back: the page still shows its text, down to the footer after the scripts
    page.route("**/vendor/plotly-*.min.js", lambda route: held.append(route))
    page.goto(live_server.url + link, wait_until="commit")
    page.locator("footer.footer").wait_for(state="visible", timeout=10_000)
    assert page.locator("h1").first.is_visible() and held
    assert page.locator(".main-svg").count() == 0
    held[0].continue_()
    page.wait_for_selector(".main-svg", timeout=20_000)
    assert page.locator("[data-figure] .main-svg").count() >= 2
