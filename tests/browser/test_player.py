"""The course player in a real Chromium playing real WebM video (issue: heartbeats lose nothing).

Each test has a trainee of its own on the live server, so playbacks never supersede each other
across tests. Times are real: the video really plays.
"""

from __future__ import annotations

import itertools
import re
import time
from dataclasses import dataclass, replace

import pytest
from sqlalchemy import select

from learning.db import get_database
from learning.models import BeatRecord, Coverage, Role, TraineeStudyState, Video
from learning.services import accounts, catalogue, enrolments, recompute
from tests.browser.conftest import LiveServer, log_in

_numbers = itertools.count(1)
PASSWORD = "quiet violin harbour"


@dataclass
class Learner:
    username: str
    user_id: int
    enrolment_id: int
    intro_id: int  # 75 s
    lecture_id: int  # 45 min


@pytest.fixture
def learner(live_server: LiveServer) -> Learner:
    app = live_server.app
    with get_database(app).transaction() as session:
        user = accounts.create_user(
            session,
            username=f"viewer{next(_numbers)}",
            password=PASSWORD,
            role=Role.TRAINEE,
            display_name="观看者",
            now=app.extensions["clock"].now(),
            hash_method="pbkdf2:sha256:1000",
        )
        enrolment = enrolments.enrol(
            session,
            trainee=user,
            programme=catalogue.programme_by_code(session, "trading-3"),
            now=app.extensions["clock"].now(),
            standard_hour_minutes=45,
            eligibility_condition="L3-a",
        )
        titles = {
            v.title: v.id for v in catalogue.programme_videos(session, enrolment.programme_id)
        }
        intro = next(vid for title, vid in titles.items() if title.startswith("课程导论"))
        lecture = next(vid for title, vid in titles.items() if title.startswith("第1讲"))
        return Learner(user.username, user.id, enrolment.id, intro, lecture)


@pytest.fixture
def viewer(page, live_server: LiveServer, learner: Learner):
    log_in(page, live_server.url, learner.username, PASSWORD)
    return page


def open_player(page, live_server: LiveServer, learner: Learner, video_id: int) -> None:
    page.goto(f"{live_server.url}/enrolments/{learner.enrolment_id}/videos/{video_id}")
    page.wait_for_function("window.learningPlayer && window.learningPlayer.playbackId")
    page.wait_for_function("document.getElementById('video').readyState >= 1")


def play(page) -> None:
    page.evaluate("document.getElementById('video').play()")
    page.wait_for_function("!document.getElementById('video').paused")


# Resolves once the video's "pause" event has reached the player (its listener, registered
# first, has queued the pause beat): the event fires after pause() returns, so a wait begun at
# once could find the queue empty before the beat was in it.
PAUSED = """() => new Promise((done) => {
  const video = document.getElementById('video');
  if (video.paused) return done();
  video.addEventListener('pause', () => done(), {once: true});
  video.pause();
})"""


def pause_and_settle(page) -> None:
    page.evaluate(PAUSED)
    page.wait_for_function(
        "window.learningPlayer.queue.length === 0 && !window.learningPlayer.sending",
        timeout=30_000,
    )


def covered(live_server: LiveServer, learner: Learner, video_id: int) -> int:
    with get_database(live_server.app).transaction() as session:
        row = session.get(Coverage, (learner.enrolment_id, video_id))
        return row.covered_s if row else 0


def intervals(live_server: LiveServer, learner: Learner, video_id: int) -> list[list[int]]:
    with get_database(live_server.app).transaction() as session:
        row = session.get(Coverage, (learner.enrolment_id, video_id))
        return row.intervals if row else []


def beats(live_server: LiveServer, learner: Learner) -> list[BeatRecord]:
    with get_database(live_server.app).transaction() as session:
        return list(
            session.scalars(
                select(BeatRecord)
                .where(BeatRecord.trainee_id == learner.user_id)
                .order_by(BeatRecord.id)
            )
        )


def rebuilds_exactly(live_server: LiveServer) -> bool:
    with get_database(live_server.app).transaction() as session:
        return recompute.compare(session, now_ms=int(time.time() * 1000)) == []


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


def test_a_network_cut_loses_nothing_and_counts_nothing_twice(viewer, live_server, learner) -> None:
    open_player(viewer, live_server, learner, learner.lecture_id)
    play(viewer)
    time.sleep(5)
    viewer.route("**/heartbeats", lambda route: route.abort("internetdisconnected"))
    time.sleep(11)
    waiting = viewer.evaluate("window.learningPlayer.queue.length")
    stored = viewer.evaluate(
        "Object.keys(localStorage).filter(k => k.startsWith('learning.beats.'))"
    )
    viewer.unroute("**/heartbeats")
    time.sleep(5)
    pause_and_settle(viewer)
    assert waiting >= 2 and stored, "beats should wait in localStorage while offline"
    assert (
        viewer.evaluate(
            "Object.keys(localStorage).filter(k => k.startsWith('learning.beats.')).length"
        )
        == 0
    )
    assert abs(covered(live_server, learner, learner.lecture_id) - 21) <= 3
    recorded = beats(live_server, learner)
    seqs = [b.seq for b in recorded]
    assert seqs == sorted(set(seqs)), "each beat arrives once, in order"
    assert all(b.status == "ok" for b in recorded)
    credited = sum(b.credited_ms for b in recorded) // 1000
    assert credited == covered(live_server, learner, learner.lecture_id)
    assert rebuilds_exactly(live_server)


def test_a_second_tab_stops_the_first(viewer, live_server, learner, browser) -> None:
    open_player(viewer, live_server, learner, learner.lecture_id)
    play(viewer)
    time.sleep(6)
    second = viewer.context.new_page()
    open_player(second, live_server, learner, learner.intro_id)
    play(second)
    viewer.wait_for_selector("[data-notice]:not([hidden])", timeout=15_000)
    assert "其他窗口" in viewer.inner_text("[data-notice]")
    assert viewer.evaluate("document.getElementById('video').paused")
    time.sleep(6)
    pause_and_settle(second)
    first = covered(live_server, learner, learner.lecture_id)
    second_s = covered(live_server, learner, learner.intro_id)
    assert first >= 6 - 3 and second_s >= 6 - 3  # each page played about six seconds
    assert first + second_s <= 6 + 6 + 5 + 5  # no faster than one page playing, with slack
    viewer.screenshot(path="/tmp/learning-screenshots/player-superseded.png")
    second.close()
    assert rebuilds_exactly(live_server)


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
