"""What the background jobs did: their recorded runs, for the admins' page and overview."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from learning.database import rowcount
from learning.models import JobRun


def recent(session: Session, limit: int = 100) -> list[JobRun]:
    statement = select(JobRun).order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(limit)
    return list(session.scalars(statement))


def latest_of_each(session: Session) -> dict[str, JobRun]:
    """The last run of every job that has run."""
    last = select(JobRun.job, func.max(JobRun.id).label("id")).group_by(JobRun.job).subquery()
    rows = session.scalars(select(JobRun).join(last, last.c.id == JobRun.id))
    return {run.job: run for run in rows}


def prune(session: Session, *, before: datetime) -> int:
    """Forget the runs started before `before`; returns how many."""
    return rowcount(session.execute(delete(JobRun).where(JobRun.started_at < before)))
