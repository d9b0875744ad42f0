"""The nightly check's snapshot holds what the next events can touch, and the check compares
what they can have changed (issue 22): replayed from it, a trainee's state ends where a full
replay does; a void, or a beat for a settled playback, has the trainee replayed whole; a kept
total the day could not touch waits for the weekly check; a snapshot of the old format is read
and written anew."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, update

from learning.db import Database
from learning.domain.accounting import VoidEvent
from learning.models import (
    Coverage,
    Playback,
    PlaybackVoid,
    ReplaySnapshot,
    StudyDay,
    TraineeStudyState,
)
from learning.services import recompute, snapshots
from learning.services.study import lock_trainee
from tests.cli.test_replay_snapshots import (
    _a_trainee_with_beats,
    _rewind,
    _snapshot,
    seeded,  # noqa: F401 (the fixture)
)

pytestmark = pytest.mark.long  # handed out early (tests/conftest.py)


def _full_replay(database: Database, trainee_id: int, through: int) -> recompute.Replayer:
    """The trainee's events up to `through` replayed from the first."""
    with database.session_factory() as session:
        seed = session.scalar(
            select(TraineeStudyState.seed).where(TraineeStudyState.trainee_id == trainee_id)
        )
        replayer = recompute.Replayer({str(trainee_id): seed})
        for _number, event, _stored in recompute._events(session, trainee_id, through=through):
            replayer.apply(event)
    return replayer


def test_replayed_from_a_snapshot_a_trainee_ends_where_a_full_replay_does(seeded):  # noqa: F811
    database, now_ms = seeded
    trainee_id, last = _a_trainee_with_beats(database)
    key = str(trainee_id)
    full = _full_replay(database, trainee_id, last)
    for start_at in (last - 60, last // 2):
        _rewind(database, trainee_id, start_at, now_ms)
        start = snapshots.read(_snapshot(database, trainee_id))
        assert start.part is not None
        with database.session_factory() as session:
            events = list(recompute._events(session, trainee_id, after=start_at))
        assert not snapshots.reaches_back(start.part, (event for _n, event, _s in events))
        replayer = recompute.Replayer()
        replayer.restore(start)
        for _number, event, _stored in events:
            replayer.apply(event)
        # the same snapshot text: trainee, clock, live playbacks, coverage, figures, days
        assert snapshots.encode(replayer.state(key)) == snapshots.encode(full.state(key))
        part, whole = replayer.ledger.part(key), full.ledger.part(key)
        floor = snapshots.day_floor(whole)
        assert floor is not None and part.credited_by_day
        assert part.trainee == whole.trainee and part.last_at_ms == whole.last_at_ms
        assert part.coverage == whole.coverage and part.enrolments == whole.enrolments
        for playback_id, playback in part.playbacks.items():
            assert playback == whole.playbacks[playback_id]
        assert {day: ms for day, ms in part.credited_by_day.items() if day >= floor} == {
            day: ms for day, ms in whole.credited_by_day.items() if day >= floor
        }
        # and the nightly check from that snapshot agrees with the kept totals
        assert recompute.check_since_verified(database, now_ms=now_ms).differences == []
        assert _snapshot(database, trainee_id).state == snapshots.encode(full.state(key))


def test_the_snapshot_leaves_out_settled_playbacks_and_days(seeded):  # noqa: F811
    """Its size follows what later events can touch, not the trainee's history."""
    database, _now_ms = seeded
    trainee_id, _last = _a_trainee_with_beats(database)
    state = json.loads(_snapshot(database, trainee_id).state)
    with database.session_factory() as session:
        opened = len(
            session.scalars(select(Playback.id).where(Playback.trainee_id == trainee_id)).all()
        )
        days = set(session.scalars(select(StudyDay.day).where(StudyDay.trainee_id == trainee_id)))
    assert opened > 10 and len(days) >= 3
    assert 1 <= len(state["playbacks"]) <= 3
    kept_days = {day for day, _enrolment, _video, _ms in state["credited_by_video_day"]}
    assert kept_days and len(kept_days) <= 2 < len(days)


def test_the_nightly_check_compares_what_the_day_can_have_changed(seeded):  # noqa: F811
    """A day sum of the day edited is found at night; one of a day no later beat counts on,
    and the coverage of a video the day did not touch, wait for the weekly check."""
    database, now_ms = seeded
    trainee_id, last = _a_trainee_with_beats(database)
    _rewind(database, trainee_id, last - 60, now_ms)
    with database.session_factory() as session:
        days = session.scalars(
            select(StudyDay.id)
            .where(StudyDay.trainee_id == trainee_id, StudyDay.credited_ms > 0)
            .order_by(StudyDay.day)
        ).all()
        touched = {
            session.get(Playback, row).video_id
            for row in session.scalars(
                select(recompute.BeatRecord.playback_id).where(
                    recompute.BeatRecord.trainee_id == trainee_id,
                    recompute.BeatRecord.event_no > last - 60,
                )
            )
        }
        untouched = session.execute(
            select(Coverage.enrolment_id, Coverage.video_id)
            .where(
                Coverage.enrolment_id.in_(
                    select(Playback.enrolment_id).where(Playback.trainee_id == trainee_id)
                ),
                Coverage.video_id.not_in(touched),
            )
            .limit(1)
        ).one()
        enrolment_id, video_id = untouched
    first_day, last_day = days[0], days[-1]
    with database.transaction() as session:
        session.execute(
            update(StudyDay)
            .where(StudyDay.id.in_([first_day, last_day]))
            .values(credited_ms=StudyDay.credited_ms + 1000)
        )
        session.execute(
            update(Coverage)
            .where(Coverage.enrolment_id == enrolment_id, Coverage.video_id == video_id)
            .values(covered_s=Coverage.covered_s + 1)
        )
    nightly = recompute.check_since_verified(database, now_ms=now_ms).differences
    assert [difference.what for difference in nightly] == ["credited"]
    weekly = recompute.check(database, now_ms=now_ms).differences
    assert sorted(difference.what for difference in weekly) == ["coverage", "credited", "credited"]


def _void_a_settled_playback(database: Database, trainee_id: int, now_ms: int) -> int:
    """A reviewer's void of the trainee's first playback, the totals rewritten from the replay
    (as `review.void` does); its event number."""
    with database.transaction() as session:
        lock_trainee(session, trainee_id)
        state = session.get(TraineeStudyState, trainee_id)
        playback_id = session.scalars(
            select(Playback.id).where(Playback.trainee_id == trainee_id).order_by(Playback.event_no)
        ).first()
        state.event_count += 1
        session.add(
            PlaybackVoid(
                playback_id=playback_id,
                trainee_id=trainee_id,
                event_no=state.event_count,
                at_ms=now_ms,
                at=recompute.datetime.fromtimestamp(now_ms / 1000, recompute.UTC),
                reason="test",
            )
        )
        session.flush()
        rebuilt = recompute.replay(session, [trainee_id])
        recompute.write_totals(session, rebuilt, now_ms=now_ms, trainee_ids=[trainee_id])
        return state.event_count


def test_a_void_in_the_day_has_the_trainee_replayed_from_the_first_event(seeded):  # noqa: F811
    database, now_ms = seeded
    trainee_id, last = _a_trainee_with_beats(database)
    voided_at = _void_a_settled_playback(database, trainee_id, now_ms)
    report = recompute.check_since_verified(database, now_ms=now_ms)
    assert report.differences == []
    assert report.events == voided_at == last + 1  # all of them: the void reaches back
    assert _snapshot(database, trainee_id).event_no == voided_at
    assert _snapshot(database, trainee_id).state == snapshots.encode(
        _full_replay(database, trainee_id, voided_at).state(str(trainee_id))
    )
    assert recompute.check(database, now_ms=now_ms).differences == []


def test_a_beat_for_a_settled_playback_reaches_back(seeded):  # noqa: F811
    database, now_ms = seeded
    trainee_id, last = _a_trainee_with_beats(database)
    _rewind(database, trainee_id, last - 60, now_ms)
    part = snapshots.read(_snapshot(database, trainee_id)).part
    assert part is not None
    with database.session_factory() as session:
        numbered = list(recompute._events(session, trainee_id))
    settled = [
        event
        for number, event, stored in numbered
        if number <= last - 60 and stored is not None and event.playback_id not in part.playbacks
    ]
    assert settled
    assert snapshots.reaches_back(part, [settled[-1]])
    assert snapshots.reaches_back(part, [VoidEvent(playback_id=part.latest_playback_id, at_ms=1)])
    day = [event for number, event, _stored in numbered if number > last - 60]
    assert day and not snapshots.reaches_back(part, day)


def test_a_snapshot_of_the_old_format_is_read_and_written_anew(seeded, monkeypatch):  # noqa: F811
    """Format 1 held the whole replay state: the nightly check goes on from it, the weekly one
    compares what it says of what later events can touch, and both write format 2."""
    database, now_ms = seeded
    trainee_id, last = _a_trainee_with_beats(database)
    with monkeypatch.context() as patched:  # the encoder as it was: everything, format 1
        patched.setattr(snapshots, "FORMAT", 1)
        patched.setattr(snapshots, "_touchable", lambda part, not_credited: (part, not_credited))
        _rewind(database, trainee_id, last - 60, now_ms)
    old = _snapshot(database, trainee_id)
    assert json.loads(old.state)["format"] == 1
    report = recompute.check_since_verified(database, now_ms=now_ms)
    assert report.differences == [] and report.events == 60
    new = _snapshot(database, trainee_id)
    assert json.loads(new.state)["format"] == 2 and new.event_no == last
    with monkeypatch.context() as patched:
        patched.setattr(snapshots, "FORMAT", 1)
        patched.setattr(snapshots, "_touchable", lambda part, not_credited: (part, not_credited))
        _rewind(database, trainee_id, last, now_ms)
    assert recompute.check(database, now_ms=now_ms).differences == []
    assert json.loads(_snapshot(database, trainee_id).state)["format"] == 2
    with database.session_factory() as session:
        assert session.get(ReplaySnapshot, trainee_id) is not None
