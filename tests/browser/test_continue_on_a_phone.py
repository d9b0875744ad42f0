"""On a 390x844 phone: 继续学习 opens the right video at the right second, and the study-hour
certificate fits the screen and prints on one A4 page."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from learning.db import get_database
from learning.models import BeatRecord, Coverage, Enrolment
from learning.services import catalogue, recompute
from tests.browser.conftest import PHONE, LiveServer, log_in
from tests.browser.player import PASSWORD, Learner, pause_and_settle, play


@pytest.fixture(autouse=True)
def rebuilt_afterwards(live_server: LiveServer) -> Iterator[None]:
    """These tests write coverage that no beat earned. Afterwards the kept totals are rebuilt
    from the raw beats, as `recompute` does, so that the other browser tests' whole-database
    check (the totals rebuild exactly) still holds on the shared live server."""
    yield
    report = recompute.rebuild(get_database(live_server.app), now_ms=int(time.time() * 1000))
    assert report.differences, "the synthetic coverage should have been taken back"


def _no_sideways_scrolling(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_continue_studying_opens_the_first_gap(page, live_server: LiveServer, learner: Learner):
    with get_database(live_server.app).transaction() as session:
        session.add(
            Coverage(
                enrolment_id=learner.enrolment_id,
                video_id=learner.intro_id,  # the programme's first video, 75 s
                intervals=[[0, 30_000]],
                covered_s=30,
            )
        )
    page.set_viewport_size(PHONE)
    log_in(page, live_server.url, learner.username, PASSWORD)
    page.goto(f"{live_server.url}/enrolments/{learner.enrolment_id}")
    button = page.locator("[data-next-step]")
    assert button.is_visible() and button.bounding_box()["y"] < PHONE["height"]
    assert _no_sideways_scrolling(page)
    button.click()
    page.wait_for_function("window.learningPlayer && window.learningPlayer.playbackId")
    page.wait_for_function("document.getElementById('video').readyState >= 1")
    assert f"/videos/{learner.intro_id}?t=30" in page.url
    assert abs(page.evaluate("document.getElementById('video').currentTime") - 30) < 0.5
    play(page)
    page.wait_for_function("document.getElementById('video').currentTime > 32")
    pause_and_settle(page)
    with get_database(live_server.app).transaction() as session:
        first = session.scalars(
            select(BeatRecord)
            .where(BeatRecord.trainee_id == learner.user_id)
            .order_by(BeatRecord.id)
            .limit(1)
        ).one()
        coverage = session.get(Coverage, (learner.enrolment_id, learner.intro_id))
    assert first.event == "play" and 29_500 <= first.position_ms <= 30_500
    assert coverage.intervals[0][0] == 0 and coverage.intervals[0][1] > 31_000  # went on at 30


def test_the_certificate_fits_a_phone_and_prints_on_one_a4_page(
    page, live_server: LiveServer, learner: Learner
):
    """The worst case of the programme: every video watched, so every chapter has a line."""
    with get_database(live_server.app).transaction() as session:
        enrolment = session.get(Enrolment, learner.enrolment_id)
        for video in catalogue.programme_videos(session, enrolment.programme_id):
            session.add(
                Coverage(
                    enrolment_id=enrolment.id,
                    video_id=video.id,
                    intervals=[[0, video.duration_s * 1000]],
                    covered_s=video.duration_s,
                )
            )
    page.set_viewport_size(PHONE)
    log_in(page, live_server.url, learner.username, PASSWORD)
    page.goto(f"{live_server.url}/enrolments/{learner.enrolment_id}/certificate")
    assert page.locator(".certificate svg.qr-code").is_visible()
    assert len(page.locator(".certificate table.chapters tbody tr").all()) == 8
    assert _no_sideways_scrolling(page)
    pdf = page.pdf(format="A4")
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1
