"""The bench's seeded day (`bench.seeding.seed_day`, issue 22): each trainee's snapshot at the
day's eve is their replay state there, the day is the events after it, and the nightly check of
it finds what it finds on any day."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from bench.seeding import bench_app, restore_eve, seed_day
from learning.db import Database, get_database
from learning.extensions import now_ms
from learning.models import BeatRecord, ReplaySnapshot, TraineeStudyState
from learning.services import recompute

pytestmark = pytest.mark.long  # handed out early (tests/conftest.py)

DAY_EVENTS = 80


def _counts(database: Database) -> tuple[dict[int, int], dict[int, int]]:
    """Each trainee's events, and the event of their snapshot."""
    with database.session_factory() as session:
        state = select(TraineeStudyState.trainee_id, TraineeStudyState.event_count)
        snapshot = select(ReplaySnapshot.trainee_id, ReplaySnapshot.event_no)
        return dict(session.execute(state).tuples().all()), dict(
            session.execute(snapshot).tuples().all()
        )


def test_the_seeded_day_is_the_events_after_the_eve_snapshots(
    empty_database: Database, tmp_path: Path
):
    app = bench_app(empty_database.url, str(tmp_path), "day.sqlite")
    seed_day(app, trainees=4, history_days=2, day_events=DAY_EVENTS)
    database = get_database(app)
    try:
        _check_the_day(app, database)
    finally:
        database.dispose()


def _check_the_day(app: Flask, database: Database) -> None:
    counts, eve = _counts(database)
    counts = {each: count for each, count in counts.items() if count}  # not the demo's two
    assert len(counts) == len(eve) == 4
    assert all(abs(count - eve[each] - DAY_EVENTS) <= 2 for each, count in counts.items())
    with database.session_factory() as session:
        day_of = {}
        for trainee_id, at in eve.items():
            beat = BeatRecord
            of = select(func.min(beat.day), func.max(beat.day)).where(beat.trainee_id == trainee_id)
            (first, last) = session.execute(of.where(beat.event_no > at)).one()
            (_, before) = session.execute(of.where(beat.event_no <= at)).one()
            assert first == last and (before is None or before < first)  # one day, the last
            day_of[trainee_id] = first
    assert len(set(day_of.values())) == 1

    with app.app_context():
        now = now_ms()
    full = recompute.check(database, now_ms=now)  # compares each snapshot with the replay there
    assert full.differences == []
    assert {each: _counts(database)[1][each] for each in counts} == counts  # moved on

    assert restore_eve(app)
    assert _counts(database)[1] == eve
    nightly = recompute.check_since_verified(database, now_ms=now, processes=2)
    assert nightly.differences == []
    assert nightly.events == sum(count - eve[each] for each, count in counts.items())

    assert restore_eve(app)
    trainee_id = min(counts)
    with database.transaction() as session:  # one beat of the day judged otherwise
        beat = BeatRecord
        session.execute(
            update(beat)
            .where(beat.trainee_id == trainee_id, beat.event_no == counts[trainee_id] - 5)
            .values(credited_ms=beat.credited_ms + 1)
        )
    found = recompute.check_since_verified(database, now_ms=now).differences
    assert [(each.what, each.key) for each in found] == [
        ("beat", f"{trainee_id}/{counts[trainee_id] - 5}")
    ]
