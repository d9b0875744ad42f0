"""The player when the trainee is not there: a hidden page earns nothing, a presence check
stops credit until it is answered. Times are real: the video really plays."""

from __future__ import annotations

import time
from dataclasses import replace

from learning.db import get_database
from learning.models import TraineeStudyState
from tests.browser.player import (
    beats,
    covered,
    open_player,
    pause_and_settle,
    play,
    rebuilds_exactly,
)

HIDE = """() => {
  Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true});
  Object.defineProperty(document, 'hidden', {value: true, configurable: true});
  document.dispatchEvent(new Event('visibilitychange'));
}"""


def test_a_hidden_page_pauses_and_earns_nothing(viewer, live_server, learner) -> None:
    open_player(viewer, live_server, learner, learner.lecture_id)
    play(viewer)
    time.sleep(6)
    viewer.evaluate(HIDE)
    viewer.wait_for_function("document.getElementById('video').paused")
    pause_and_settle(viewer)
    before = covered(live_server, learner, learner.lecture_id)
    # a page that forces playing on while hidden still earns nothing
    viewer.evaluate("document.getElementById('video').play()")
    time.sleep(8)
    viewer.evaluate("window.learningPlayer.beat('tick')")
    pause_and_settle(viewer)
    assert covered(live_server, learner, learner.lecture_id) == before
    hidden = sum(b.not_credited.get("hidden", 0) for b in beats(live_server, learner))
    assert hidden >= 5000


def test_a_presence_check_blocks_credit_until_answered(viewer, live_server, learner) -> None:
    app = live_server.app
    settings = app.extensions["accounting_settings"]
    app.extensions["accounting_settings"] = replace(
        settings, attention_min_minutes=0.25, attention_max_minutes=0.25
    )
    try:
        open_player(viewer, live_server, learner, learner.lecture_id)
        play(viewer)
        viewer.wait_for_selector("[data-check]:not([hidden])", timeout=40_000)
        assert viewer.evaluate("document.getElementById('video').paused")
        at_check = covered(live_server, learner, learner.lecture_id)
        assert abs(at_check - 15) <= 1  # credit stopped exactly at the due point
        viewer.screenshot(path="/tmp/learning-screenshots/player-check.png")
        time.sleep(6)
        assert covered(live_server, learner, learner.lecture_id) == at_check
        with get_database(app).transaction() as session:
            code = session.get(TraineeStudyState, learner.user_id).pending_code
        viewer.fill("[data-check-code]", code)
        viewer.click("[data-check-submit]")
        viewer.wait_for_selector("[data-check]", state="hidden")
        viewer.wait_for_function("!document.getElementById('video').paused")
        time.sleep(6)
        pause_and_settle(viewer)
        assert covered(live_server, learner, learner.lecture_id) >= at_check + 4
        with get_database(app).transaction() as session:
            assert session.get(TraineeStudyState, learner.user_id).pending_id is None
        assert rebuilds_exactly(live_server)
    finally:
        app.extensions["accounting_settings"] = settings
