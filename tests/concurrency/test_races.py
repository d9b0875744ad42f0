"""Beats and openings racing from several threads, on a database that really commits.

Runs on SQLite (the default) and on PostgreSQL (`DATABASE_URL`), like the rest of the suite.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from learning.db import get_database
from learning.models import BeatRecord, Coverage, FaceProfile, Playback
from learning.services import face_profiles, recompute
from tests.conftest import Client
from tests.factories import PASSWORD, Factory

THREADS = 8


@pytest.fixture
def setup(live_app: Flask) -> dict[str, Any]:
    database = get_database(live_app)
    with database.transaction() as session:
        make = Factory(session, live_app.extensions["clock"])
        trainee = make.trainee("racer")
        enrolment = make.enrolment(trainee, "accounting-4")
        video = make.video("accounting-4", duration_s=3600)
        return {"enrolment_id": enrolment.id, "video_id": video.id}


def clients(app: Flask, count: int) -> list[Client]:
    result = []
    for _ in range(count):
        client: Client = app.test_client()  # type: ignore[assignment]
        assert client.log_in("racer", PASSWORD).status_code == 303
        result.append(client)
    return result


def race(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls in threads released at the same moment; their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait()
        results[index] = calls[index]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def beat(client: Client, token: str, playback_id: str, seq: int, position: float):
    body = {
        "seq": seq,
        "position_s": position,
        "rate": 1,
        "paused": False,
        "visible": True,
        "event": "tick",
    }
    return client.post(
        f"/api/v1/playbacks/{playback_id}/heartbeats", json=body, headers={"X-CSRFToken": token}
    )


def open_playback(client: Client, token: str, setup: dict[str, Any]):
    return client.post("/api/v1/playbacks", json=setup, headers={"X-CSRFToken": token})


def assert_rebuilds_exactly(app: Flask) -> None:
    with get_database(app).transaction() as session:
        assert recompute.compare(session, now_ms=0) == []


def test_the_same_beat_from_many_threads_is_credited_once(live_app: Flask, setup) -> None:
    pages = clients(live_app, THREADS)
    tokens = [page.csrf_token() for page in pages]
    playback_id = open_playback(pages[0], tokens[0], setup).get_json()["playback_id"]
    assert beat(pages[0], tokens[0], playback_id, 1, 0).status_code == 200
    live_app.extensions["clock"].advance(15)
    answers = race(
        [lambda i=i: beat(pages[i], tokens[i], playback_id, 2, 15) for i in range(THREADS)]
    )
    assert [answer.status_code for answer in answers] == [200] * THREADS
    assert sorted(answer.get_json()["credited_s"] for answer in answers) == [0] * 7 + [15]
    assert_rebuilds_exactly(live_app)


def test_different_beats_racing_earn_no_more_than_the_wall_clock(live_app: Flask, setup) -> None:
    pages = clients(live_app, THREADS)
    tokens = [page.csrf_token() for page in pages]
    playback_id = open_playback(pages[0], tokens[0], setup).get_json()["playback_id"]
    beat(pages[0], tokens[0], playback_id, 1, 0)
    live_app.extensions["clock"].advance(15)
    answers = race(
        [
            lambda i=i: beat(pages[i], tokens[i], playback_id, 2 + i, 15 * (i + 1))
            for i in range(THREADS)
        ]
    )
    assert all(answer.status_code == 200 for answer in answers)
    with get_database(live_app).transaction() as session:
        covered = session.scalar(select(Coverage.covered_s)) or 0
        credited_ms = session.scalar(select(func.sum(BeatRecord.credited_ms))) or 0
    # whatever order they were processed in (the highest seq first reads as a jump: nothing)
    assert covered <= 15 + 5
    assert credited_ms // 1000 == covered
    assert_rebuilds_exactly(live_app)


def test_racing_opens_leave_exactly_one_active_playback(live_app: Flask, setup) -> None:
    pages = clients(live_app, THREADS)
    tokens = [page.csrf_token() for page in pages]
    answers = race([lambda i=i: open_playback(pages[i], tokens[i], setup) for i in range(THREADS)])
    assert [answer.status_code for answer in answers] == [201] * THREADS
    with get_database(live_app).transaction() as session:
        statuses = session.scalars(select(Playback.status)).all()
        event_numbers = session.scalars(select(Playback.event_no)).all()
    assert sorted(statuses) == ["active"] + ["superseded"] * (THREADS - 1)
    assert sorted(event_numbers) == list(range(1, THREADS + 1))
    assert_rebuilds_exactly(live_app)


def test_racing_registrations_never_oversell_seats(live_app: Flask) -> None:
    from datetime import date

    from learning.models import ExamRegistration, ExamSession, Payment

    database = get_database(live_app)
    clock = live_app.extensions["clock"]
    with database.transaction() as session:
        make = Factory(session, clock)
        enrolment_ids = []
        for number in range(THREADS):
            enrolment = make.enrolment(make.trainee(f"seat{number}"), "accounting-4")
            enrolment.online_s = 80 * 45 * 60
            session.add(
                Payment(
                    enrolment_id=enrolment.id,
                    kind="training",
                    amount_fen=1,
                    paid_on=date(2026, 3, 1),
                    method="cash",
                    receipt_no=f"S{number}",
                    recorded_at=clock.now(),
                )
            )
            enrolment_ids.append(enrolment.id)
        exam_session = make.exam_session(capacity=3)
        session_id = exam_session.id
    pages = []
    for number in range(THREADS):
        client: Client = live_app.test_client()  # type: ignore[assignment]
        assert client.log_in(f"seat{number}", PASSWORD).status_code == 303
        pages.append((client, client.csrf_token()))
    answers = race(
        [
            lambda i=i: pages[i][0].post(
                "/api/v1/exam-registrations",
                json={"enrolment_id": enrolment_ids[i], "exam_session_id": session_id},
                headers={"X-CSRFToken": pages[i][1]},
            )
            for i in range(THREADS)
        ]
    )
    codes = sorted(answer.status_code for answer in answers)
    assert codes == [201] * 3 + [409] * (THREADS - 3)
    refused = [a.get_json() for a in answers if a.status_code == 409]
    assert all(body["blocking_reasons"] == ["session_full"] for body in refused)
    with database.transaction() as session:
        assert session.get(ExamSession, session_id).seats_taken == 3
        registrations = session.scalars(select(ExamRegistration)).all()
        assert len(registrations) == 3


# --- a trainee's rows are taken in one order: no deadlock between beats, opens and the job ----

ROUNDS = 12


def _still_playing(client: Client, token: str, playback_id: str, answered: list, codes: list):
    """Beat a playback until it is superseded or ended, keeping every status code."""
    for seq in range(1, ROUNDS + 1):
        response = beat(client, token, playback_id, seq, seq * 0.5)
        codes.append(response.status_code)
        if response.status_code in (200, 409):
            answered.append((playback_id, seq))
        if response.status_code == 409:
            return


def _assert_one_active_and_every_answered_beat_stored(app: Flask, answered: list) -> None:
    with get_database(app).transaction() as session:
        statuses = session.scalars(select(Playback.status)).all()
        stored = set(session.execute(select(BeatRecord.playback_id, BeatRecord.seq)).tuples())
    assert statuses.count("active") <= 1
    assert set(answered) <= stored


def test_beats_racing_opens_never_deadlock(live_app: Flask, setup) -> None:
    """A phone beating while a laptop opens playbacks: each takes the trainee's row first."""
    phone, laptop = clients(live_app, 2)
    tokens = [phone.csrf_token(), laptop.csrf_token()]
    answered: list = []
    codes: list = []

    def the_phone() -> None:
        for _ in range(ROUNDS // 2):
            opened = open_playback(phone, tokens[0], setup)
            codes.append(opened.status_code)
            if opened.status_code == 201:
                _still_playing(phone, tokens[0], opened.get_json()["playback_id"], answered, codes)

    def the_laptop() -> None:
        for _ in range(ROUNDS):
            opened = open_playback(laptop, tokens[1], setup)
            codes.append(opened.status_code)
            if opened.status_code == 201:
                playback_id = opened.get_json()["playback_id"]
                response = beat(laptop, tokens[1], playback_id, 1, 0)
                codes.append(response.status_code)
                answered.append((playback_id, 1))

    race([the_phone, the_laptop])
    assert codes and all(code < 500 for code in codes), sorted(set(codes))
    assert sorted(set(codes)) <= [200, 201, 409]
    _assert_one_active_and_every_answered_beat_stored(live_app, answered)
    assert_rebuilds_exactly(live_app)


def test_beats_racing_the_closing_job_never_deadlock(live_app: Flask, setup) -> None:
    """The job that ends expired playbacks takes each trainee's row first, like a beat: a page
    back after an hour, beating the playback the job is ending at that moment."""
    from learning.jobs.tasks import JobContext, close_expired_playbacks

    database = get_database(live_app)
    clock = live_app.extensions["clock"]
    (page,) = clients(live_app, 1)
    token = page.csrf_token()
    answered: list = []
    codes: list = []
    for _round in range(ROUNDS):
        playback_id = open_playback(page, token, setup).get_json()["playback_id"]
        clock.advance(3600)  # past its grace deadline: the job and the beat both end it

        def the_job() -> None:
            close_expired_playbacks(JobContext(database, clock.now(), "Asia/Shanghai"))

        def the_page(playback_id: str = playback_id) -> None:
            _still_playing(page, token, playback_id, answered, codes)

        race([the_job, the_page])
    assert codes and all(code < 500 for code in codes), sorted(set(codes))
    _assert_one_active_and_every_answered_beat_stored(live_app, answered)
    assert_rebuilds_exactly(live_app)


def test_racing_consents_record_one_profile(live_app: Flask) -> None:
    """A double click on the consent: both answers are taken, one after the other."""
    database = get_database(live_app)
    with database.transaction() as session:
        trainee_id = Factory(session, live_app.extensions["clock"]).trainee("consenter").id
    now = live_app.extensions["clock"].now()

    def consent() -> str:
        with database.transaction() as session:
            profile = face_profiles.record_consent(
                session,
                trainee_id,
                given=True,
                upload_folder=live_app.config["UPLOAD_FOLDER"],
                now=now,
            )
            return profile.consent

    assert race([consent] * THREADS) == ["given"] * THREADS
    with database.transaction() as session:
        assert session.scalar(select(func.count()).select_from(FaceProfile)) == 1


def test_beats_racing_check_answers_never_deadlock(live_app: Flask, setup) -> None:
    """Ticks (a transaction of their own on a driver connection) racing answers to presence
    checks (the request's session) of the same trainee: both wait for the trainee's row (and
    on SQLite for the one writer's lock) in turn; every beat answered is stored once."""
    pages = clients(live_app, 2)
    tokens = [page.csrf_token() for page in pages]
    playback_id = open_playback(pages[0], tokens[0], setup).get_json()["playback_id"]
    sent = [(i, 1 + i) for i in range(2 * ROUNDS)]  # (page, seq): the pages take turns

    def page(number: int) -> list[int]:
        codes = []
        for index, seq in sent[number::2]:
            live_app.extensions["clock"].advance(1)
            event = "tick" if index % 4 < 2 else "attention_ok"
            body = {
                "seq": seq,
                "position_s": seq,
                "rate": 1,
                "paused": False,
                "visible": True,
                "event": event,
                **({"attention_id": "none", "attention_code": "0000"} if index % 4 >= 2 else {}),
            }
            response = pages[number].post(
                f"/api/v1/playbacks/{playback_id}/heartbeats",
                json=body,
                headers={"X-CSRFToken": tokens[number]},
            )
            codes.append(response.status_code)
        return codes

    codes = [code for result in race([lambda: page(0), lambda: page(1)]) for code in result]
    assert codes == [200] * len(sent)
    with get_database(live_app).transaction() as session:
        stored = session.scalar(
            select(func.count(BeatRecord.id)).where(BeatRecord.playback_id == playback_id)
        )
    assert stored == len(sent)
    assert_rebuilds_exactly(live_app)
