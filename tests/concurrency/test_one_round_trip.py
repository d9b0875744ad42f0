"""A beat decided from what the process remembers of its playback's last beat
(learning/services/beats.py), and written only where the rows still hold exactly that: on
PostgreSQL in one round trip, on SQLite decided before the writers' lock is taken.

Two application hosts on one database, each remembering its own: beats of one playback sent
to them in turn, or at once, store and credit what one host does; and every change that
another process (or anyone) makes between two beats is seen by the next beat, as the longer
way, which reads first and decides in its transaction, would see it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from learning import migrate
from learning.db import Database, get_database
from learning.domain.accounting import Beat
from learning.extensions import accounting_settings
from learning.models import BeatRecord, Enrolment, Playback, User
from learning.services import accounts, beats, recompute, study
from tests.api.player import Player
from tests.api.test_beat_paths import guesses_kept
from tests.concurrency.test_dropped_connections import terminate_other_backends
from tests.conftest import Client, make_test_app
from tests.factories import PASSWORD, Factory

VIDEO_S = 3600


@pytest.fixture
def hosts(empty_database: Database, tmp_path) -> Iterator[tuple[Flask, Flask]]:
    """Two apps on one migrated database, each with its own memory of playbacks (and on SQLite
    its own writers' lock, on the same lock file), their fake clocks moved together
    (`advance`)."""
    migrate.upgrade(empty_database)
    apps = []
    for _ in range(2):
        app = make_test_app(empty_database.url, UPLOAD_FOLDER=str(tmp_path / "uploads"))
        app.test_client_class = Client
        apps.append(app)
    apps[1].extensions["clock"] = apps[0].extensions["clock"]
    yield apps[0], apps[1]
    for app in apps:
        get_database(app).dispose()


@dataclass
class Learner:
    trainee_id: int
    username: str
    enrolment_id: int
    video_id: int


def add_learner(app: Flask, username: str) -> Learner:
    with get_database(app).transaction() as session:
        make = Factory(session, app.extensions["clock"])
        trainee = make.trainee(username)
        enrolment = make.enrolment(trainee, "accounting-4")
        video = make.video("accounting-4", duration_s=VIDEO_S)
        session.flush()
        return Learner(trainee.id, username, enrolment.id, video.id)


def now_ms(app: Flask) -> int:
    return int(app.extensions["clock"].now().timestamp() * 1000)


def opened(app: Flask, learner: Learner) -> str:
    with get_database(app).transaction() as session:
        return study.open_playback(
            session,
            trainee_id=learner.trainee_id,
            enrolment_id=learner.enrolment_id,
            video_id=learner.video_id,
            settings=accounting_settings(app.config),
            now_ms=now_ms(app),
        ).playback_id


def tick(seq: int, **fields: Any) -> Beat:
    values = {"paused": False, "visible": True, "rate_milli": 1000, "event": "tick"}
    return Beat(seq=seq, position_ms=(seq - 1) * 15_000, **(values | fields))


def send(app: Flask, learner: Learner, playback_id: str, beat: Beat) -> beats.BeatAnswer:
    return beats.record_plain_beat(
        get_database(app),
        trainee_id=learner.trainee_id,
        playback_id=playback_id,
        beat=beat,
        client_ts=None,
        now_ms=now_ms(app),
    )


@pytest.fixture
def one_trip(hosts, monkeypatch: pytest.MonkeyPatch) -> list[bool | None]:
    """Whether each beat decided from memory was written as decided: on PostgreSQL in its one
    round trip (None: its connection dropped), on SQLite because its read in the transaction
    found the rows it was decided from unchanged."""
    return guesses_kept(get_database(hosts[0]), monkeypatch)


def postgresql_only(app: Flask) -> None:
    if get_database(app).is_sqlite:
        pytest.skip("a dropped connection under one round trip: PostgreSQL's")


def tally(app: Flask, learner: Learner) -> dict[str, Any]:
    """What the beats left: stored beats by status, seconds credited, the enrolment's total,
    the coverage, the trainee's event count; and whether every kept total rebuilds exactly."""
    with get_database(app).session_factory() as session:
        statuses = session.execute(
            select(BeatRecord.status, func.count(), func.sum(BeatRecord.credited_ms))
            .where(BeatRecord.trainee_id == learner.trainee_id)
            .group_by(BeatRecord.status)
            .order_by(BeatRecord.status)
        ).all()
        seqs = session.scalars(
            select(BeatRecord.seq)
            .where(BeatRecord.trainee_id == learner.trainee_id, BeatRecord.status != "duplicate")
            .order_by(BeatRecord.event_no)
        ).all()
        online_s = session.get_one(Enrolment, learner.enrolment_id).online_s
        coverage = session.execute(
            text("SELECT CAST(intervals AS TEXT) FROM coverage WHERE enrolment_id = :e"),
            {"e": learner.enrolment_id},
        ).scalar()
    report = recompute.check(get_database(app), now_ms=now_ms(app))
    return {
        "statuses": [tuple(row) for row in statuses],
        "seqs": list(seqs),
        "online_s": online_s,
        "coverage": coverage,
        "rebuilds_exactly": not report.differences,
    }


def test_beats_sent_to_two_hosts_in_turn_store_what_one_host_stores(hosts, one_trip) -> None:
    """Each host's memory is a beat behind every other beat: its guess fails, nothing of it is
    written, and the longer way reads what the other host wrote."""
    first, second = hosts
    alone, roaming = add_learner(first, "alone"), add_learner(first, "roaming")
    playbacks = {alone.username: opened(first, alone), roaming.username: opened(first, roaming)}
    for seq in range(1, 25):
        beat = tick(seq, event="play") if seq == 1 else tick(seq)
        one = send(first, alone, playbacks["alone"], beat)
        other = send((first, second)[seq % 2], roaming, playbacks["roaming"], beat)
        assert (one.credited_s, one.covered_s) == (other.credited_s, other.covered_s), seq
        first.extensions["clock"].advance(15)
    assert tally(first, alone) == tally(first, roaming)
    assert tally(first, alone)["online_s"] == 23 * 15
    assert tally(first, alone)["rebuilds_exactly"]
    # the first host in turn: 23 of its own remembered, each a beat stale but the first's
    assert one_trip.count(True) >= 23 - 1  # the host alone
    assert one_trip.count(False) >= 20  # the roaming one's every stale guess, none written


def test_one_beat_sent_to_both_hosts_at_once_is_credited_once(hosts, one_trip) -> None:
    """The player's retry reaching the other host while the first is still at work: each beat
    is sent to both at the same moment. Whatever the order, each seq is credited once."""
    first, second = hosts
    alone, racing = add_learner(first, "alone"), add_learner(first, "racing")
    playbacks = {alone.username: opened(first, alone), racing.username: opened(first, racing)}
    for seq in range(1, 31):
        beat = tick(seq, event="play") if seq == 1 else tick(seq)
        send(first, alone, playbacks["alone"], beat)
        barrier = threading.Barrier(2)
        answers: list[beats.BeatAnswer] = []
        threads = [
            threading.Thread(
                target=race, args=(barrier, answers, app, racing, playbacks["racing"], beat)
            )
            for app in (first, second)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(answers) == 2
        assert sorted(a.credited_s for a in answers) == [0, 0 if seq == 1 else 15], seq
        first.extensions["clock"].advance(15)
    once, twice = tally(first, alone), tally(first, racing)
    assert twice["statuses"] == [("duplicate", 30, 0), *once["statuses"]]
    assert {key: value for key, value in twice.items() if key != "statuses"} == {
        key: value for key, value in once.items() if key != "statuses"
    }
    assert twice["rebuilds_exactly"]
    assert True in one_trip  # some went in one round trip


def test_a_retry_stored_by_another_thread_after_the_decision_is_not_stored_twice(
    hosts, one_trip, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two threads of one host, one beat: the first decides it from memory; before it writes,
    the second (which finds nothing remembered, the first took it) stores it. The first's
    guess no longer holds: it is decided again from the rows, a duplicate, credited once."""
    first, _second = hosts
    learner = add_learner(first, "retried")
    playback_id = opened(first, learner)
    send(first, learner, playback_id, tick(1, event="play"))
    first.extensions["clock"].advance(15)
    real = beats._decide_remembered
    others: list[beats.BeatAnswer] = []

    def then_the_retry(sent: Any, row: tuple, admit: Any) -> Any:
        decided = real(sent, row, admit)
        retry = threading.Thread(target=lambda: others.append(send(first, learner, *beat)))
        retry.start()
        retry.join()
        return decided

    beat = (playback_id, tick(2))
    monkeypatch.setattr(beats, "_decide_remembered", then_the_retry)
    answer = send(first, learner, *beat)
    assert [other.credited_s for other in others] == [15]
    assert answer.credited_s == 0  # a duplicate of what the retry stored
    assert one_trip[-1] is False  # its guess failed: nothing of it was written
    assert tally(first, learner)["statuses"] == [("duplicate", 1, 0), ("ok", 2, 15_000)]


def race(
    barrier: threading.Barrier,
    answers: list[beats.BeatAnswer],
    app: Flask,
    learner: Learner,
    playback_id: str,
    beat: Beat,
) -> None:
    barrier.wait()
    answers.append(send(app, learner, playback_id, beat))


def playing(app: Flask, learner: Learner) -> Player:
    """The learner logged in on `app`, a playback opened and played for a minute: its state
    remembered by `app`, the next beat going in one round trip."""
    client: Client = app.test_client()  # type: ignore[assignment]
    assert client.log_in(learner.username, PASSWORD).status_code == 303
    player = Player(client, app.extensions["clock"], learner.enrolment_id, learner.video_id)
    player.open()
    player.play(60)
    return player


def beat_on(app: Flask, player: Player) -> Any:
    app.extensions["clock"].advance(15)
    player.position += 15
    return player.send("tick")


def test_a_remembered_beat_goes_in_one_round_trip(hosts, one_trip) -> None:
    first, _second = hosts
    player = playing(first, add_learner(first, "remembered"))
    before = len(one_trip)
    assert beat_on(first, player).status_code == 200
    assert one_trip[before:] == [True]
    assert player.last["credited_s"] == 15


def refused_next(app: Flask, player: Player, one_trip: list[bool | None]) -> Any:
    """The next beat after a change made elsewhere: decided from memory, not written in one
    round trip (the rows changed), and answered as the longer way answers."""
    before = len(one_trip)
    with get_database(app).session_factory() as session:
        stored = session.scalar(select(func.count(BeatRecord.id)))
    response = beat_on(app, player)
    assert one_trip[before:] in ([False], []), "a beat decided from a changed row was written"
    return response, stored


def stored_beats(app: Flask) -> int:
    with get_database(app).session_factory() as session:
        return session.scalar(select(func.count(BeatRecord.id))) or 0


def test_a_trainee_deactivated_elsewhere_is_refused_at_the_next_beat(hosts, one_trip) -> None:
    first, second = hosts
    learner = add_learner(first, "deactivated")
    player = playing(first, learner)
    with get_database(second).transaction() as session:
        session.get_one(User, learner.trainee_id).active = False
    response, stored = refused_next(first, player, one_trip)
    assert response.status_code == 401, response.get_json()
    assert stored_beats(first) == stored


def test_a_password_changed_elsewhere_ends_the_beats_of_the_old_session(hosts, one_trip) -> None:
    first, second = hosts
    learner = add_learner(first, "changed")
    player = playing(first, learner)
    with get_database(second).transaction() as session:
        user = session.get_one(User, learner.trainee_id)
        accounts.set_password(
            session,
            user,
            "a-new-pass-42!",
            now=second.extensions["clock"].now(),
            hash_method="pbkdf2:sha256:1000",
        )
    response, stored = refused_next(first, player, one_trip)
    assert response.status_code == 401, response.get_json()
    assert stored_beats(first) == stored


def test_a_playback_superseded_on_the_other_host_earns_no_more(hosts, one_trip) -> None:
    """Another tab or device opens a video through the other host: the old playback's next beat
    is answered 409 superseded, whatever this host remembers."""
    first, second = hosts
    learner = add_learner(first, "superseded")
    player = playing(first, learner)
    elsewhere = playing(second, learner)
    assert elsewhere.playback_id != player.playback_id
    response, _stored = refused_next(first, player, one_trip)
    assert response.status_code == 409, response.get_json()
    assert response.get_json()["error"] == "superseded"
    assert tally(first, learner)["rebuilds_exactly"]


def test_a_playback_the_job_ended_is_ended_for_the_next_beat(hosts, one_trip) -> None:
    first, second = hosts
    learner = add_learner(first, "expired")
    player = playing(first, learner)
    first.extensions["clock"].advance(3600)  # past the grace after the last beat
    with get_database(second).transaction() as session:
        assert study.close_expired_playbacks(session, learner.trainee_id, now_ms(second))[1] == 1
    response, _stored = refused_next(first, player, one_trip)
    assert response.status_code == 409, response.get_json()
    assert response.get_json()["error"] == "ended"
    with get_database(first).session_factory() as session:
        assert session.get_one(Playback, player.playback_id).end_reason == "grace"
    assert tally(first, learner)["rebuilds_exactly"]


def test_totals_changed_elsewhere_then_rebuilt_are_what_the_next_beat_builds_on(
    hosts, one_trip
) -> None:
    """The coverage and the enrolment's total changed by hand (as a restore or a fix would),
    then the next beat: it adds to what the rows hold, not to what this host remembers; a
    rebuild afterwards finds the same."""
    first, second = hosts
    learner = add_learner(first, "rebuilt")
    player = playing(first, learner)
    with get_database(second).transaction() as session:
        session.execute(
            text("UPDATE coverage SET intervals = '[]', covered_s = 0 WHERE enrolment_id = :e"),
            {"e": learner.enrolment_id},
        )
        session.execute(
            text("UPDATE enrolments SET online_s = 0 WHERE id = :e"), {"e": learner.enrolment_id}
        )
    response, _stored = refused_next(first, player, one_trip)
    assert response.status_code == 200
    assert response.get_json()["covered_s"] == 15  # the one beat on an emptied coverage
    recompute.rebuild(get_database(second), now_ms=now_ms(second))
    before = len(one_trip)
    assert beat_on(first, player).status_code == 200
    assert one_trip[before:] == [False]  # the rebuild rewrote the rows: read again
    assert tally(first, learner)["rebuilds_exactly"]
    assert tally(first, learner)["online_s"] == 90  # 60 s, then 15 and 15


def test_a_beat_remembered_on_a_dropped_connection_is_stored_once(hosts, one_trip) -> None:
    """Every backend of the pool terminated between two beats: the one round trip fails on its
    dead connection, nothing of it is kept, and the longer way stores the beat once."""
    first, _second = hosts
    postgresql_only(first)
    learner = add_learner(first, "dropped")
    player = playing(first, learner)
    assert terminate_other_backends(first) >= 1
    before = len(one_trip)
    assert beat_on(first, player).status_code == 200
    assert one_trip[before:] == [None]  # its connection was dead: not known to be kept
    assert player.last["credited_s"] == 15
    assert tally(first, learner)["statuses"] == [("ok", 6, 75_000)]
    assert beat_on(first, player).status_code == 200
    assert one_trip[before:] == [None, True]  # remembered again


def test_a_one_round_trip_whose_answer_was_lost_is_stored_once(
    hosts, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its COMMIT reached the server, the answer did not: the longer way finds the rows as the
    beat left them and only answers, without storing the beat a second time as a duplicate."""
    first, _second = hosts
    postgresql_only(first)
    learner = add_learner(first, "lost")
    playback_id = opened(first, learner)
    send(first, learner, playback_id, tick(1, event="play"))
    database = get_database(first)
    real = database.driver_attempt

    def kept_but_unanswered(send_it: Callable[[Any], Callable[[], Any]], refused: Any) -> None:
        assert real(send_it, refused=refused)  # kept,
        return None  # but as if the connection dropped before the answer came

    monkeypatch.setattr(database, "driver_attempt", kept_but_unanswered)
    first.extensions["clock"].advance(15)
    answer = send(first, learner, playback_id, tick(2))
    assert answer.credited_s == 15
    assert tally(first, learner)["statuses"] == [("ok", 2, 15_000)]
