"""The scheduler lease: one row saying which scheduler process runs the jobs, and until when.

A process takes the lease when it is free or expired and renews it well before it expires. One
conditional UPDATE decides, so two processes can never both hold it: on SQLite the writers are
serialised, on PostgreSQL the second UPDATE waits for the first and then no longer matches. A
process that dies stops renewing, and another takes over once the lease has expired. (A
PostgreSQL advisory lock would free at once on a dead connection, but the health check needs
the renewal time anyway, and one mechanism is then the same code on both databases.)
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, or_, update
from sqlalchemy.orm import Session

from learning.database import rowcount
from learning.models import SchedulerLease

NAME = "scheduler"


def hold(session: Session, holder: str, *, now: datetime, ttl_s: float) -> bool:
    """Take or renew the lease for `holder` until `now + ttl_s`; False while another process
    holds a lease that has not expired."""
    lease = SchedulerLease
    result = session.execute(
        update(lease)
        .where(
            lease.name == NAME,
            or_(lease.holder == holder, lease.holder.is_(None), lease.expires_at < now),
        )
        .values(
            holder=holder,
            acquired_at=case((lease.holder == holder, lease.acquired_at), else_=now),
            renewed_at=now,
            expires_at=now + timedelta(seconds=ttl_s),
        )
    )
    return rowcount(result) == 1


def release(session: Session, holder: str) -> None:
    """Give the lease up (a scheduler stopping cleanly), so another can take it at once."""
    session.execute(
        update(SchedulerLease)
        .where(SchedulerLease.name == NAME, SchedulerLease.holder == holder)
        .values(holder=None, expires_at=None)
    )


def status(session: Session, *, now: datetime) -> str:
    """`ok` while a scheduler holds the lease, `stale` when its holder stopped renewing it,
    `absent` when no scheduler has it (shared/api.md, /healthz)."""
    row = session.get(SchedulerLease, NAME)
    if row is None or row.holder is None or row.expires_at is None:
        return "absent"
    return "ok" if row.expires_at >= now else "stale"


def current(session: Session) -> SchedulerLease | None:
    return session.get(SchedulerLease, NAME)
