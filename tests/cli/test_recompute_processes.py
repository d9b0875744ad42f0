"""A replay shared out among processes gives exactly the replay of one."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from learning import migrate
from learning.accounting import AccountingSettings
from learning.db import Database
from learning.services import demo, recompute


def test_a_replay_in_two_processes_equals_one(empty_database: Database, tmp_path: Path):
    migrate.upgrade(empty_database)
    now = datetime(2026, 3, 2, 1, tzinfo=UTC)
    with empty_database.transaction() as session:
        demo.seed(
            session,
            upload_folder=tmp_path,
            now=now,
            standard_hour_minutes=45,
            hash_method="pbkdf2:sha256:1000",
            settings=AccountingSettings(),
            trainee_count=8,
            history_days=4,
        )
    now_ms = int(now.timestamp() * 1000)
    with empty_database.session_factory() as session:
        alone = recompute.replay(session)
        shared = recompute.replay(session, processes=2)
        assert alone.events == shared.events > 1000
        assert alone.trainees == shared.trainees
        assert alone.ledger.totals() == shared.ledger.totals()
        assert alone.not_credited_by_video_day == shared.not_credited_by_video_day
        assert recompute.differences(session, shared, now_ms=now_ms) == []
