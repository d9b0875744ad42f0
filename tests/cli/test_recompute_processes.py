"""A check shared out among processes finds exactly what the check of one process finds."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import update

from learning import migrate
from learning.db import Database
from learning.demo import seed as demo
from learning.domain.accounting import AccountingSettings
from learning.models import Enrolment
from learning.services import recompute
from tests.live import copy_seeded, seeded_once

NOW = datetime(2026, 3, 2, 1, tzinfo=UTC)


def _seed(
    database: Database, folder: Path, *, trainees: int, days: int, shared: Path | None = None
) -> int:
    """The demo with `trainees` trainees and `days` of history; returns now in ms. With `shared`
    (`shared_folder`) and SQLite, a copy of the demo seeded once per run for these sizes."""
    if shared is not None and database.url.startswith("sqlite"):
        source = seeded_once(
            shared,
            ("recompute", trainees, days),
            lambda into: _seed_file(into, trainees=trainees, days=days),
        )
        copy_seeded(source, "demo.sqlite", database.url, folder)
        return int(NOW.timestamp() * 1000)
    migrate.upgrade(database)
    with database.transaction() as session:
        demo.seed(
            session,
            upload_folder=folder,
            now=NOW,
            standard_hour_minutes=45,
            hash_method="pbkdf2:sha256:1000",
            settings=AccountingSettings(),
            trainee_count=trainees,
            history_days=days,
        )
    return int(NOW.timestamp() * 1000)


def _seed_file(folder: Path, *, trainees: int, days: int) -> None:
    database = Database(f"sqlite:///{folder / 'demo.sqlite'}")
    _seed(database, folder / "uploads", trainees=trainees, days=days)
    database.dispose()


def test_a_check_in_two_processes_equals_one(empty_database: Database, tmp_path: Path):
    now_ms = _seed(empty_database, tmp_path, trainees=8, days=4)
    alone = recompute.check(empty_database, now_ms=now_ms)
    shared = recompute.check(empty_database, now_ms=now_ms, processes=2)
    assert alone.events == shared.events > 1000
    assert alone.trainees == shared.trainees == 8
    assert alone.differences == shared.differences == []

    with empty_database.transaction() as session:  # a total tampered with
        session.execute(update(Enrolment).values(online_s=Enrolment.online_s + 7))
    found = recompute.check(empty_database, now_ms=now_ms, processes=2).differences
    assert {difference.what for difference in found} == {"online seconds"}
    assert len(found) == 8
    assert len(recompute.rebuild(empty_database, now_ms=now_ms, processes=2).differences) == 8
    assert recompute.check(empty_database, now_ms=now_ms).differences == []


def test_the_check_compares_every_stored_beat_with_its_replay(
    empty_database: Database, tmp_path: Path
):
    """Rule 10: what each beat row says it earned, and why not, is the replay's too."""
    from sqlalchemy import select

    from learning.models import BeatRecord

    now_ms = _seed(empty_database, tmp_path, trainees=2, days=2)
    with empty_database.transaction() as session:
        credited = session.scalars(
            select(BeatRecord).where(BeatRecord.credited_ms > 0).limit(1)
        ).one()
        credited.not_credited = {**credited.not_credited, "rewatch": 1000}
        key = f"{credited.trainee_id}/{credited.event_no}"
    found = recompute.check(empty_database, now_ms=now_ms).differences
    assert [(difference.what, difference.key) for difference in found] == [("beat", key)]
