"""What the player tests share: opening and playing a video in a page, and reading what the
server credited. Each test has a trainee of its own on the live server (the `learner` fixture
of conftest.py), so playbacks never supersede each other across tests. Times are real: the
video really plays."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import select

from learning.db import get_database
from learning.models import BeatRecord, Coverage
from learning.services import recompute
from tests.live import LiveServer

PASSWORD = "quiet violin harbour"


@dataclass
class Learner:
    """A trainee of the test's own, enrolled in trading-3."""

    username: str
    user_id: int
    enrolment_id: int
    intro_id: int  # 75 s
    lecture_id: int  # 45 min


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
