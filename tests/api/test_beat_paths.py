"""The beat's ways of writing store the same rows and the same ledger (learning/services/beats.py).

A beat that answers no check runs in a transaction of its own (`record_plain_beat`); on
PostgreSQL its writes go in one statement, the day's sums added in the upsert, rather than one
statement a row with the day read first. Two trainees with the same starting state get the
same beats at the same server times, one through each way; every row the beats leave (the raw
beats, the day sums, the coverage, the enrolment's total, the trainee's and the playback's
state, the presence checks) must come out the same, and rebuild exactly from the raw beats.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.orm import Session

from learning.clock import FakeClock
from learning.db import Database, get_database
from learning.domain.accounting import Beat
from learning.extensions import accounting_settings
from learning.services import beats, study
from tests.factories import Factory

pytestmark = pytest.mark.usefixtures("totals_rebuild_exactly")

Record = Callable[[int, str, Beat, int], beats.BeatAnswer]


def script() -> Iterator[tuple[int, dict[str, Any]]]:
    """(seconds since the start, the beat's fields): play, pause, hidden, a reported and an
    unreported seek, a retried beat, a claim at twice the rate, past the video's end, a minute
    watched again, past the due point of a presence check (at most 20 minutes of play) and
    its time-out."""
    at, position, seq = 0, 0, 0

    def beat(event: str = "tick", **fields: Any) -> tuple[int, dict[str, Any]]:
        nonlocal seq
        seq += 1
        values = {"paused": False, "visible": True, "rate_milli": 1000, **fields}
        return at, {"seq": seq, "position_ms": position * 1000, "event": event, **values}

    yield beat("play")
    for step in range(110):
        at += 15
        if step == 5:
            yield beat("pause", paused=True)
            at, position = at + 30, position + 5  # a scrub while paused
            yield beat("play")
            continue
        if step == 12:
            yield beat("hidden", visible=False)
            at, position = at + 45, position + 45  # it played on, hidden
            yield beat("visible")
            continue
        if step == 20:
            yield beat("seeked", from_ms=position * 1000, position_ms=(position + 60) * 1000)
            position += 60
            continue
        if step == 15:  # to the end, past it, and back to watch a minute again
            yield beat("seeked", from_ms=position * 1000, position_ms=3590_000)
            back, position = position - 60, 3605
            at += 15
            yield beat()
            at += 1
            yield beat("seeked", from_ms=3605_000, position_ms=back * 1000)
            position = back
            continue
        if step == 25:
            seq -= 1  # the same beat again: a retry
            yield beat()
        if step == 30:
            position += 400  # a jump nobody reported
        elif 8 <= step < 11:
            position += 30  # twice the rate
        else:
            position += 15
        yield beat()


@pytest.fixture
def two_trainees(make: Factory, db_session: Session, app: Flask, clock: FakeClock):
    """Two trainees, each with a playback of the same hour-long video opened at the same time,
    their study state the same (the seed their presence checks are drawn from)."""
    video = make.video("accounting-4", duration_s=3600)
    pairs = []
    for name in ("path_a", "path_b"):
        trainee = make.trainee(name)
        enrolment = make.enrolment(trainee, "accounting-4")
        opened = study.open_playback(
            db_session,
            trainee_id=trainee.id,
            enrolment_id=enrolment.id,
            video_id=video.id,
            settings=accounting_settings(app.config),
            now_ms=_now_ms(clock),
        )
        pairs.append((trainee.id, opened.playback_id))
    (first, _), (second, _) = pairs
    db_session.execute(
        text(
            "UPDATE trainee_study_state SET seed = (SELECT seed FROM trainee_study_state "
            "WHERE trainee_id = :first), next_due_ms = (SELECT next_due_ms FROM "
            "trainee_study_state WHERE trainee_id = :first) WHERE trainee_id = :second"
        ),
        {"first": first, "second": second},
    )
    make.commit()
    return pairs


def _now_ms(clock: FakeClock) -> int:
    return int(clock.now().timestamp() * 1000)


def play(pairs: list[tuple[int, str]], ways: list[Record], clock: FakeClock) -> None:
    """The script through each way, one trainee each; the answers must be the same."""
    start = _now_ms(clock)
    for at_s, fields in script():
        answers = [
            dataclasses.replace(
                way(trainee, playback, Beat(**fields), start + at_s * 1000), playback_id=""
            )
            for way, (trainee, playback) in zip(ways, pairs, strict=True)
        ]
        assert answers[0] == answers[1], (at_s, fields)


def stored(db_session: Session, trainee_id: int) -> dict[str, list[tuple]]:
    """Every row the beats of a trainee changed, without the ids that name the trainee."""
    db_session.expire_all()
    queries = {
        "beats": "SELECT event_no, server_at_ms, day, seq, event, position_ms, from_ms, "
        "rate_milli, paused, visible, client_ts, status, credited_ms, not_credited FROM beats "
        "WHERE trainee_id = :t ORDER BY event_no",
        "study_days": "SELECT day, credited_ms, not_credited FROM study_days "
        "WHERE trainee_id = :t ORDER BY day",
        "coverage": "SELECT c.intervals, c.covered_s FROM coverage c "
        "JOIN enrolments e ON e.id = c.enrolment_id WHERE e.trainee_id = :t",
        "enrolment": "SELECT online_s, last_studied_on FROM enrolments WHERE trainee_id = :t",
        "state": "SELECT event_count, clock_ms, checks_answered, played_since_check_ms, "
        "next_due_ms, pending_resume_at_ms, pending_sent_at_ms, day, day_credited_ms "
        "FROM trainee_study_state WHERE trainee_id = :t",
        "playback": "SELECT status, end_reason, last_seq, position_ms, crediting, rate_milli, "
        "last_beat_at_ms, allowance_ms, rest_base_ms, paused, visible FROM playbacks "
        "WHERE trainee_id = :t",
        "checks": "SELECT raised_at_ms, shown_at_ms, answered_at_ms, wrong_answers "
        "FROM presence_checks WHERE trainee_id = :t ORDER BY raised_at_ms",
    }
    return {
        name: [
            tuple(
                json.loads(v) if isinstance(v, str) and v.startswith(("{", "[")) else v for v in row
            )
            for row in db_session.execute(text(query), {"t": trainee_id})
        ]
        for name, query in queries.items()
    }


def plain(app: Flask, *, one_statement: bool | None = None) -> Record:
    database = get_database(app)

    def record(trainee_id: int, playback_id: str, beat: Beat, now_ms: int) -> beats.BeatAnswer:
        return beats.record_plain_beat(
            database,
            trainee_id=trainee_id,
            playback_id=playback_id,
            beat=beat,
            client_ts=None,
            now_ms=now_ms,
            one_statement=one_statement,
        )

    return record


def in_session(db_session: Session) -> Record:
    def record(trainee_id: int, playback_id: str, beat: Beat, now_ms: int) -> beats.BeatAnswer:
        answer = beats.record_beat(
            db_session,
            trainee_id=trainee_id,
            playback_id=playback_id,
            beat=beat,
            client_ts=None,
            now_ms=now_ms,
        )
        db_session.commit()
        return answer

    return record


def assert_same_rows(db_session: Session, pairs: list[tuple[int, str]]) -> None:
    (first, _), (second, _) = pairs
    rows = stored(db_session, first)
    assert rows == stored(db_session, second)
    assert rows["checks"], "the script should have raised a presence check"
    reasons = {reason for row in rows["beats"] for reason in row[-1]}
    assert {"paused", "hidden", "seek", "rate_limited", "attention_pending"} <= reasons
    assert {"beyond_duration", "rewatch"} <= reasons
    assert any(row[11] == "duplicate" for row in rows["beats"])


def test_one_statement_writes_what_a_statement_a_row_writes(
    app: Flask, db_session: Session, clock: FakeClock, two_trainees
) -> None:
    if get_database(app).is_sqlite:
        pytest.skip("one statement of writes is PostgreSQL's (SQLite has no writing CTEs)")
    play(two_trainees, [plain(app, one_statement=False), plain(app, one_statement=True)], clock)
    assert_same_rows(db_session, two_trainees)


def test_a_beat_decided_from_memory_writes_what_a_beat_read_first_writes(
    app: Flask, db_session: Session, clock: FakeClock, two_trainees, monkeypatch
) -> None:
    """One trainee's beats decided from what the process remembers of the playback's last beat
    (on PostgreSQL written in one round trip, on SQLite before the writers' lock is taken);
    the other's each read first (nothing remembered)."""
    database = get_database(app)
    written = guesses_kept(database, monkeypatch)
    remembering = plain(app)

    def reading_first(trainee: int, playback: str, beat: Beat, now_ms: int) -> beats.BeatAnswer:
        beats.forget_remembered(database, playback)
        return remembering(trainee, playback, beat, now_ms)

    play(two_trainees, [reading_first, remembering], clock)
    assert_same_rows(db_session, two_trainees)
    assert written and all(written), "every beat but the first should go in one round trip"


def guesses_kept(database: Database, monkeypatch: pytest.MonkeyPatch) -> list[bool | None]:
    """Whether each beat decided from what the process remembers was written as decided: on
    PostgreSQL in its one round trip (None: its connection dropped), on SQLite because its
    read in the transaction found the rows unchanged."""
    kept: list[bool | None] = []
    name = "_unchanged" if database.is_sqlite else "_write_if_unchanged"
    real = getattr(beats, name)

    def counted(*args: Any) -> bool | None:
        kept.append(real(*args))
        return kept[-1]

    monkeypatch.setattr(beats, name, counted)
    return kept


def test_a_beat_of_its_own_writes_what_the_sessions_path_writes(
    app: Flask, db_session: Session, clock: FakeClock, two_trainees
) -> None:
    play(two_trainees, [in_session(db_session), plain(app)], clock)
    assert_same_rows(db_session, two_trainees)


def test_a_check_answer_is_refused_on_the_plain_path(app: Flask, two_trainees) -> None:
    trainee, playback = two_trainees[0]
    answer = Beat(
        seq=1,
        position_ms=0,
        rate_milli=1000,
        paused=False,
        visible=True,
        event="attention_ok",
        attention_id="x",
        attention_code="1234",
    )
    with pytest.raises(ValueError):
        plain(app)(trainee, playback, answer, 0)


def test_a_beat_that_keeps_the_status_leaves_the_status_index_alone(
    app: Flask, db_session: Session, clock: FakeClock, two_trainees
) -> None:
    """SQLite rewrites the entry of every index on a column an UPDATE sets, changed or not: a
    tick's update of its playback leaves the status columns (ix_playbacks_status_trainee_id)
    out, a close's sets them."""
    if not get_database(app).is_sqlite:
        pytest.skip("PostgreSQL maintains indexes by the values changed, not the SET list")
    updates: list[str] = []
    driver = db_session.connection().connection.driver_connection  # the tests' one connection
    driver.set_trace_callback(lambda sql: updates.append(sql) if "UPDATE playbacks" in sql else 0)
    trainee, playback = two_trainees[0]
    start, record = _now_ms(clock), plain(app)
    fields = {"position_ms": 0, "rate_milli": 1000, "paused": False, "visible": True}
    try:
        for seq, name in enumerate(("play", "tick", "close"), start=1):
            record(trainee, playback, Beat(seq=seq, event=name, **fields), start + seq * 15_000)
    finally:
        driver.set_trace_callback(None)
    play_, tick, close = (sql.split(" SET ")[1].split(" WHERE ")[0] for sql in updates)
    assert "status" not in play_ and "status" not in tick
    assert "status = " in close and "end_reason = " in close
