"""The nightly check from verified replay snapshots (issue 22): it replays only the events
after each trainee's snapshot, finds what is planted in them or in a snapshot, and moves the
snapshots on; the weekly full check re-derives every snapshot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from learning.db import Database
from learning.models import BeatRecord, ReplaySnapshot, TraineeStudyState, User
from learning.services import recompute, snapshots
from tests.cli.test_recompute_processes import _seed
from tests.live import shared_folder

pytestmark = pytest.mark.long  # handed out early (tests/conftest.py)


@pytest.fixture
def seeded(
    empty_database: Database, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Database, int]:
    """The demo's database, each test a copy of its own."""
    shared = shared_folder(tmp_path_factory)
    now_ms = _seed(empty_database, tmp_path, trainees=3, days=3, shared=shared)
    assert recompute.check(empty_database, now_ms=now_ms).differences == []
    return empty_database, now_ms


def _a_trainee_with_beats(database: Database) -> tuple[int, int]:
    """A trainee who studied, and their last event."""
    with database.session_factory() as session:
        return session.execute(
            select(TraineeStudyState.trainee_id, TraineeStudyState.event_count)
            .where(TraineeStudyState.event_count > 100)
            .order_by(TraineeStudyState.trainee_id)
            .limit(1)
        ).one()


def _rewind(database: Database, trainee_id: int, event_no: int, now_ms: int) -> None:
    """The snapshot as last night's check left it: the events after `event_no` are "today's"."""
    with database.transaction() as session:
        recompute.store_snapshot_at(session, trainee_id, event_no, now_ms=now_ms)


def _snapshot(database: Database, trainee_id: int) -> ReplaySnapshot:
    with database.session_factory() as session:
        row = session.get(ReplaySnapshot, trainee_id)
        assert row is not None
        return row


def test_the_full_check_leaves_a_verified_snapshot_of_everyone(seeded):
    database, _now_ms = seeded
    with database.session_factory() as session:
        statement = select(TraineeStudyState.trainee_id, TraineeStudyState.event_count)
        counts = {trainee_id: count for trainee_id, count in session.execute(statement)}
        rows = session.scalars(select(ReplaySnapshot)).all()
    assert {row.trainee_id: row.event_no for row in rows if row.trainee_id in counts} == counts
    for row in rows:
        assert snapshots.digest(row.state) == row.digest
        assert snapshots.read(row) is not None


def test_the_nightly_check_replays_only_the_events_after_the_snapshots(seeded):
    database, now_ms = seeded
    nothing_new = recompute.check_since_verified(database, now_ms=now_ms)
    assert nothing_new.events == 0 and nothing_new.differences == []
    trainee_id, last = _a_trainee_with_beats(database)
    _rewind(database, trainee_id, last - 60, now_ms)
    report = recompute.check_since_verified(database, now_ms=now_ms)
    assert report.differences == []
    assert report.events == 60
    assert _snapshot(database, trainee_id).event_no == last  # moved on
    full = recompute.check(database, now_ms=now_ms)
    assert full.differences == [] and full.events > 60 * 10


def test_the_nightly_check_finds_a_difference_planted_in_the_days_beats(seeded):
    database, now_ms = seeded
    trainee_id, last = _a_trainee_with_beats(database)
    _rewind(database, trainee_id, last - 60, now_ms)
    with database.transaction() as session:
        beat = session.scalars(
            select(BeatRecord)
            .where(BeatRecord.trainee_id == trainee_id, BeatRecord.event_no > last - 60)
            .order_by(BeatRecord.event_no)
            .limit(1)
        ).one()
        beat.credited_ms += 1000
        planted = f"{trainee_id}/{beat.event_no}"
    found = recompute.check_since_verified(database, now_ms=now_ms).differences
    assert [(difference.what, difference.key) for difference in found] == [("beat", planted)]
    assert _snapshot(database, trainee_id).event_no == last - 60  # not moved on


def test_an_edited_old_beat_is_left_to_the_weekly_check(seeded):
    """The nightly check starts after the verified point; the weekly one replays it all."""
    database, now_ms = seeded
    trainee_id, _last = _a_trainee_with_beats(database)
    with database.transaction() as session:
        beat = session.scalars(
            select(BeatRecord).where(BeatRecord.trainee_id == trainee_id).limit(1)
        ).one()
        beat.credited_ms += 1000
        planted = f"{trainee_id}/{beat.event_no}"
    assert recompute.check_since_verified(database, now_ms=now_ms).differences == []
    found = recompute.check(database, now_ms=now_ms).differences
    assert [(difference.what, difference.key) for difference in found] == [("beat", planted)]


def test_a_snapshot_edited_without_its_digest_is_found_by_the_nightly_check(seeded):
    database, now_ms = seeded
    trainee_id, last = _a_trainee_with_beats(database)
    _rewind(database, trainee_id, last - 60, now_ms)
    with database.transaction() as session:
        row = session.get(ReplaySnapshot, trainee_id)
        row.state = row.state.replace('"checks_answered":', '"checks_answered":1', 1)
    found = recompute.check_since_verified(database, now_ms=now_ms).differences
    assert [(difference.what, difference.key) for difference in found] == [
        ("snapshot", str(trainee_id))
    ]
    assert "digest" in str(found[0])


def test_a_snapshot_forged_with_its_digest_is_found_by_both_checks(seeded):
    """Edited with a digest to match: the nightly replay from it no longer gives the kept
    totals; the weekly one re-derives the snapshot and finds it is not the replay's."""
    database, now_ms = seeded
    trainee_id, last = _a_trainee_with_beats(database)
    _rewind(database, trainee_id, last - 60, now_ms)
    with database.transaction() as session:
        row = session.get(ReplaySnapshot, trainee_id)
        state = json.loads(row.state)
        day = sorted(state["credited_by_day"])[0]
        state["credited_by_day"][day] += 60_000
        state["credited_by_video_day"][0][-1] += 60_000
        row.state = json.dumps(state, sort_keys=True, separators=(",", ":"))
        row.digest = snapshots.digest(row.state)
    nightly = recompute.check_since_verified(database, now_ms=now_ms).differences
    assert "credited" in {difference.what for difference in nightly}
    weekly = recompute.check(database, now_ms=now_ms).differences
    assert [(difference.what, difference.key) for difference in weekly] == [
        ("snapshot", str(trainee_id))
    ]
    # the rest agreed with the raw beats, so the weekly check put the replay's snapshot back
    assert recompute.check_since_verified(database, now_ms=now_ms).differences == []
    with database.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(ReplaySnapshot)) >= 3


def test_a_trainee_with_a_study_state_and_no_events_yet_is_checked_every_night(seeded):
    """Nothing to replay (a state row is made at the first opening or by a rebuild), so the
    comparison is all there is: cheap, and done every night."""
    database, now_ms = seeded
    with database.transaction() as session:
        without = select(User.id).where(User.id.not_in(select(TraineeStudyState.trainee_id)))
        trainee_id = session.scalars(without.order_by(User.id).limit(1)).one()
        session.add(TraineeStudyState(trainee_id=trainee_id, seed="a seed"))
    assert recompute.check(database, now_ms=now_ms).differences == []
    for _night in range(2):
        report = recompute.check_since_verified(database, now_ms=now_ms)
        assert report.differences == [] and report.events == 0
    with database.transaction() as session:
        session.execute(
            update(TraineeStudyState)
            .where(TraineeStudyState.trainee_id == trainee_id)
            .values(checks_answered=1)
        )
    found = recompute.check_since_verified(database, now_ms=now_ms).differences
    assert [(difference.what, difference.key) for difference in found] == [
        ("trainee state", str(trainee_id))
    ]
