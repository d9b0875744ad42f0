"""The nightly deletion of face-check pictures past the retention period."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from learning.db import get_database
from learning.jobs import tasks
from learning.models import AuditEntry, FaceSnapshot
from learning.services import face_snapshots
from tests.faces.snapshots import snapshot
from tests.factories import Factory


def context(app: Flask, clock, folder: Path, retention_days: int = 365) -> tasks.JobContext:
    return tasks.JobContext(
        get_database(app),
        clock.now(),
        app.config["TIMEZONE"],
        30,
        str(folder),
        face_snapshot_retention_days=retention_days,
    )


def test_pictures_past_the_retention_period_are_deleted_and_the_deletion_recorded(
    app: Flask, make: Factory, clock, db_session, tmp_path: Path
) -> None:
    folder = tmp_path / "uploads"
    first, second = make.trainee(), make.trainee()
    now = clock.now()
    old = [
        snapshot(make, folder, first.id, taken_at=now - timedelta(days=366)),
        snapshot(make, folder, first.id, taken_at=now - timedelta(days=400)),
        snapshot(make, folder, second.id, taken_at=now - timedelta(days=365, seconds=1)),
    ]
    recent = snapshot(make, folder, first.id, taken_at=now - timedelta(days=364))
    without_picture = snapshot(
        make, folder, second.id, taken_at=now - timedelta(days=500), picture=False
    )
    old_files = [folder / shot.path for shot in old]
    make.commit()

    assert tasks.delete_expired_face_snapshots(context(app, clock, folder)) == {"deleted": 3}

    db_session.expire_all()
    for shot, file in zip(old, old_files, strict=True):
        kept = db_session.get(FaceSnapshot, shot.id)
        assert (kept.path, kept.deleted_at) == (None, now)
        assert not file.exists()
    assert (folder / db_session.get(FaceSnapshot, recent.id).path).is_file()
    assert db_session.get(FaceSnapshot, without_picture.id).deleted_at is None
    entries = db_session.scalars(
        select(AuditEntry).where(AuditEntry.action == face_snapshots.DELETED)
    ).all()
    assert {(entry.subject, entry.details["count"]) for entry in entries} == {
        (f"user:{first.id}", 2),
        (f"user:{second.id}", 1),
    }
    assert all(entry.actor_id is None for entry in entries)

    assert tasks.delete_expired_face_snapshots(context(app, clock, folder)) == {"deleted": 0}
    again = select(AuditEntry).where(AuditEntry.action == face_snapshots.DELETED)
    assert len(db_session.scalars(again).all()) == 2  # nothing more recorded


def test_a_picture_already_missing_does_not_stop_the_deletion(
    app: Flask, make: Factory, clock, db_session, tmp_path: Path
) -> None:
    folder = tmp_path / "uploads"
    trainee = make.trainee()
    gone = snapshot(make, folder, trainee.id, taken_at=clock.now() - timedelta(days=40))
    there = snapshot(make, folder, trainee.id, taken_at=clock.now() - timedelta(days=41))
    (folder / gone.path).unlink()
    there_file = folder / there.path
    make.commit()
    job = context(app, clock, folder, retention_days=30)
    assert tasks.delete_expired_face_snapshots(job) == {"deleted": 2}
    assert not there_file.exists()
    db_session.expire_all()
    assert db_session.get(FaceSnapshot, gone.id).deleted_at == clock.now()


def test_the_job_runs_nightly() -> None:
    config = {
        "JOB_PLAYBACKS_EVERY_S": 60,
        "JOB_EXAM_SESSIONS_EVERY_S": 600,
        "JOB_NOTIFICATIONS_EVERY_S": 60,
        "JOB_MOCK_EXAMS_EVERY_S": 60,
        "JOB_VERIFY_AT": "02:30",
    }
    jobs = {job.name: job for job in tasks.schedule(config)}
    assert jobs["face_snapshots"].at == "02:30"
    assert jobs["face_snapshots"].run is tasks.delete_expired_face_snapshots
