"""The player when the session ends under it (ASVS 3.3): it says so in words, offers the login
(and back to the video), and keeps the beats the server did not take for after the login."""

from __future__ import annotations

from datetime import datetime, timedelta

from learning.clock import Clock
from tests.browser.conftest import PHONE, LiveServer
from tests.browser.player import PASSWORD, Learner, beats, open_player, play


class Later(Clock):
    """The real clock, some hours on: the session's last request lies that far back."""

    def __init__(self, hours: float) -> None:
        self.shift = timedelta(hours=hours)

    def now(self) -> datetime:
        return super().now() + self.shift


def test_the_player_says_the_session_ended_and_keeps_the_beats(
    viewer, live_server: LiveServer, learner: Learner
) -> None:
    open_player(viewer, live_server, learner, learner.lecture_id)
    play(viewer)
    viewer.wait_for_function("window.learningPlayer.seq >= 1 && !window.learningPlayer.sending")
    app = live_server.app
    real = app.extensions["clock"]
    app.extensions["clock"] = Later(hours=3)  # more than the trainees' 2 idle hours
    try:
        viewer.wait_for_selector("[data-notice]:not([hidden])", timeout=15_000)
    finally:
        app.extensions["clock"] = real
    notice = viewer.inner_text("[data-notice]")
    assert "120" in notice  # "... after 120 minutes without activity ..."
    assert viewer.evaluate("document.getElementById('video').paused")
    playback_id = viewer.evaluate("window.learningPlayer.playbackId")
    kept = viewer.evaluate("window.learningPlayer.queue.map((beat) => beat.seq)")
    assert kept, "the refused beat stays queued"
    viewer.screenshot(path="/tmp/learning-screenshots/player-session-ended.png")
    viewer.set_viewport_size(PHONE)  # most trainees study on a phone
    viewer.locator("[data-notice] a").scroll_into_view_if_needed()
    assert viewer.evaluate("document.documentElement.scrollWidth - innerWidth") <= 0
    assert viewer.is_visible("[data-notice] a")
    viewer.screenshot(path="/tmp/learning-screenshots/player-session-ended-390x844.png")

    viewer.click("[data-notice] a")  # the login, and back to this video
    viewer.fill("input[name=username]", learner.username)
    viewer.fill("input[name=password]", PASSWORD)
    viewer.click("button.primary")
    viewer.wait_for_function("window.learningPlayer && window.learningPlayer.playbackId")
    assert f"/videos/{learner.lecture_id}" in viewer.url
    waiting = "Object.keys(localStorage).filter(k => k.startsWith('learning.beats.')).length"
    assert viewer.evaluate(waiting) == 0
    taken = {b.seq for b in beats(live_server, learner) if b.playback_id == playback_id}
    assert set(kept) <= taken, "the beats kept while logged out arrived after the login"
