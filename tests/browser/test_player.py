"""The course player in a real Chromium playing real WebM video: what playing and seeking
credit, and how the player looks. Times are real: the video really plays."""

from __future__ import annotations

import re
import time

import pytest

from learning.db import get_database
from learning.models import Video
from tests.browser.conftest import log_in
from tests.browser.player import (
    PASSWORD,
    beats,
    covered,
    intervals,
    open_player,
    pause_and_settle,
    play,
    rebuilds_exactly,
)


def test_playing_20_seconds_credits_20_seconds(viewer, live_server, learner) -> None:
    open_player(viewer, live_server, learner, learner.lecture_id)
    play(viewer)
    time.sleep(20)
    pause_and_settle(viewer)
    assert abs(covered(live_server, learner, learner.lecture_id) - 20) <= 3
    viewer.goto(f"{live_server.url}/enrolments/{learner.enrolment_id}")
    row = viewer.locator(".video", has_text="第1讲").text_content()  # its chapter may be folded
    shown = re.search(r"(\d+):(\d{2}) / 45:00", row)
    assert shown and abs(int(shown[1]) * 60 + int(shown[2]) - 20) <= 3
    assert rebuilds_exactly(live_server)


def test_seeking_ahead_credits_nothing_skipped(viewer, live_server, learner) -> None:
    open_player(viewer, live_server, learner, learner.lecture_id)
    play(viewer)
    time.sleep(8)
    viewer.evaluate("document.getElementById('video').currentTime = 600")
    viewer.wait_for_function("!document.getElementById('video').seeking")
    time.sleep(8)
    pause_and_settle(viewer)
    spans = intervals(live_server, learner, learner.lecture_id)
    assert len(spans) == 2, spans
    assert spans[0][0] == 0 and abs(spans[0][1] - 8000) <= 2500
    assert abs(spans[1][0] - 600_000) <= 1000 and abs(spans[1][1] - 608_000) <= 2500
    assert abs(covered(live_server, learner, learner.lecture_id) - 16) <= 4
    seeked = [b for b in beats(live_server, learner) if b.event == "seeked"]
    assert seeked and seeked[0].from_ms is not None and abs(seeked[0].from_ms - 8000) <= 2500


@pytest.mark.parametrize("width", [1280, 390])
def test_player_and_course_page_screenshots(browser, live_server, learner, width) -> None:
    context = browser.new_context(
        viewport={"width": width, "height": 860}, locale="zh-CN", bypass_csp=True
    )
    page = context.new_page()
    log_in(page, live_server.url, learner.username, PASSWORD)
    open_player(page, live_server, learner, learner.intro_id)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    page.screenshot(path=f"/tmp/learning-screenshots/player-{width}.png")
    page.goto(f"{live_server.url}/enrolments/{learner.enrolment_id}")
    page.screenshot(path=f"/tmp/learning-screenshots/course-{width}.png")
    context.close()
    assert overflow <= 0
    with get_database(live_server.app).transaction() as session:
        assert session.get(Video, learner.intro_id).duration_s == 75
