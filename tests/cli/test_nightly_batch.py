"""The nightly check reads a batch's events together (issue 22): with one query for their beats,
one for their openings and one for their voids, not three a trainee; and it moves their
snapshots on as a trainee checked alone would have them."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import event, select

from learning.db import Database
from learning.models import ReplaySnapshot, TraineeStudyState
from learning.services import recompute, snapshots
from tests.cli.test_replay_snapshots import seeded  # noqa: F401 (the fixture)


def _counts(database: Database) -> dict[int, int]:
    with database.session_factory() as session:
        statement = select(TraineeStudyState.trainee_id, TraineeStudyState.event_count).where(
            TraineeStudyState.event_count > 100
        )
        return {trainee_id: count for trainee_id, count in session.execute(statement)}


def _reads_of(database: Database, table: str) -> list[str]:
    """The statements that read `table` from now on (a list that grows)."""
    seen: list[str] = []
    pattern = re.compile(rf"\bFROM {table}\b", re.IGNORECASE)

    def note(_connection: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and pattern.search(statement):
            seen.append(statement)

    event.listen(database.engine, "before_cursor_execute", note)
    return seen


def test_the_nightly_check_reads_a_batchs_events_in_one_query_each(seeded):  # noqa: F811
    database, now_ms = seeded
    counts = _counts(database)
    assert len(counts) >= 2
    with database.transaction() as session:
        for trainee_id, count in counts.items():
            recompute.store_snapshot_at(session, trainee_id, count - 40, now_ms=now_ms)
    beats, voids = _reads_of(database, "beats"), _reads_of(database, "playback_voids")
    report = recompute.check_since_verified(database, now_ms=now_ms)
    assert report.differences == []
    assert report.events == 40 * len(counts)
    assert len(beats) == 1 and len(voids) == 1
    with database.session_factory() as session:
        for trainee_id, count in counts.items():
            row = session.get(ReplaySnapshot, trainee_id)
            assert row is not None and row.event_no == count
            assert snapshots.digest(row.state) == row.digest
    moved = {trainee_id: _snapshot_text(database, trainee_id) for trainee_id in counts}
    assert recompute.check(database, now_ms=now_ms).differences == []  # re-derives each one
    assert {trainee_id: _snapshot_text(database, trainee_id) for trainee_id in counts} == moved


def _snapshot_text(database: Database, trainee_id: int) -> str:
    with database.session_factory() as session:
        row = session.get(ReplaySnapshot, trainee_id)
        assert row is not None
        return row.state
