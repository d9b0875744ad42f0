"""The pictures face checks were judged on: kept for the retention period, then deleted; seen
only by admins, each view audited (PIPL art. 28-29: facial data is sensitive personal
information).

The retention job deletes a picture and keeps its row (`path` None, `deleted_at` set), so the
record that a check happened, and that its picture was deleted, outlives the picture. The
deletion is audited once per trainee and run, with the trainee as the subject: a trainee's
request to know what became of their pictures is answered from the entries about them, while
a nightly run still writes only a handful of entries.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from learning.models import Enrolment, FaceSnapshot, Playback, Programme, Video
from learning.services import audit

DELETED = "face.snapshots_delete"
VIEWED = "face.snapshot_view"


@dataclass(frozen=True)
class SnapshotRow:
    """A snapshot as a page lists it, with what was being watched (None without a playback)."""

    snapshot: FaceSnapshot
    programme_code: str | None
    video_title: str | None


def delete_expired(
    session: Session, *, upload_folder: str | Path, now: datetime, retention_days: int
) -> int:
    """Delete the pictures taken more than `retention_days` ago; how many were deleted.

    The files go before the rows are changed: should the transaction fail, the next run finds
    the rows again, and a file already gone does not stop it."""
    cutoff = now - timedelta(days=retention_days)
    expired = session.scalars(
        select(FaceSnapshot)
        .where(FaceSnapshot.taken_at < cutoff, FaceSnapshot.path.is_not(None))
        .order_by(FaceSnapshot.id)
    ).all()
    per_trainee: Counter[int] = Counter()
    for snapshot in expired:
        file = picture_file(upload_folder, snapshot.path)
        if file is not None:
            file.unlink(missing_ok=True)
        snapshot.path = None
        snapshot.deleted_at = now
        per_trainee[snapshot.trainee_id] += 1
    for trainee_id, count in sorted(per_trainee.items()):
        audit.record(
            session,
            at=now,
            actor_id=None,
            action=DELETED,
            subject=f"user:{trainee_id}",
            details={
                "count": count,
                "retention_days": retention_days,
                "taken_before": cutoff.isoformat(),
            },
        )
    return len(expired)


def of_trainee(
    session: Session, trainee_id: int, *, limit: int, offset: int = 0
) -> tuple[list[SnapshotRow], int]:
    """One page of a trainee's snapshots, newest first, and how many there are in all."""
    total = session.scalar(
        select(func.count(FaceSnapshot.id)).where(FaceSnapshot.trainee_id == trainee_id)
    )
    statement = (
        select(FaceSnapshot, Programme.code, Video.title)
        .outerjoin(Playback, Playback.id == FaceSnapshot.playback_id)
        .outerjoin(Video, Video.id == Playback.video_id)
        .outerjoin(Enrolment, Enrolment.id == Playback.enrolment_id)
        .outerjoin(Programme, Programme.id == Enrolment.programme_id)
        .where(FaceSnapshot.trainee_id == trainee_id)
        .order_by(FaceSnapshot.taken_at.desc(), FaceSnapshot.id.desc())
        .limit(limit)
        .offset(offset)
    )
    rows = [SnapshotRow(*row) for row in session.execute(statement)]
    return rows, total or 0


def open_for_viewing(
    session: Session,
    snapshot_id: int,
    *,
    viewer_id: int,
    now: datetime,
    upload_folder: str | Path,
) -> Path | None:
    """The picture's file for `viewer_id` to see, the view recorded in the audit log; None
    when there is no such snapshot or its picture was deleted (nothing is recorded then)."""
    snapshot = session.get(FaceSnapshot, snapshot_id)
    if snapshot is None:
        return None
    file = picture_file(upload_folder, snapshot.path)
    if file is None or not file.is_file():
        return None
    audit.record(
        session,
        at=now,
        actor_id=viewer_id,
        action=VIEWED,
        subject=f"user:{snapshot.trainee_id}",
        details={"snapshot_id": snapshot.id, "taken_at": snapshot.taken_at.isoformat()},
    )
    return file


def picture_file(upload_folder: str | Path, relative: str | None) -> Path | None:
    """The file a stored path names, only when it lies inside the upload folder."""
    if not relative:
        return None
    root = Path(upload_folder).resolve()
    file = (root / relative).resolve()
    return file if file.is_relative_to(root) else None
