"""Background jobs: the lease that lets one scheduler run them, and the record of each run."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from learning.models.base import Base


class SchedulerLease(Base):
    """Who may run the jobs, until when. One row, seeded by the migration; a scheduler process
    takes it when it is free or expired and renews it while it lives (`jobs/lease.py`)."""

    __tablename__ = "scheduler_lease"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(200))
    acquired_at: Mapped[datetime | None]
    renewed_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]


class JobRun(Base):
    """One run of one job: when it started and finished, and how it went."""

    __tablename__ = "job_runs"
    __table_args__ = (Index("ix_job_runs_job_started_at", "job", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(64))
    holder: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    outcome: Mapped[str] = mapped_column(String(16), default="running")  # running | ok | failed
    figures: Mapped[dict[str, Any]] = mapped_column(default=dict)  # what it did, in numbers
    error: Mapped[str | None] = mapped_column(Text)  # why it failed
