"""Writing to the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from learning.models import AuditEntry


def record(
    session: Session,
    *,
    at: datetime,
    actor_id: int | None,
    action: str,
    enrolment_id: int | None = None,
    subject: str | None = None,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        at=at,
        actor_id=actor_id,
        action=action,
        enrolment_id=enrolment_id,
        subject=subject,
        reason=reason,
        details=details or {},
    )
    session.add(entry)
    return entry


def entries_for_enrolment(session: Session, enrolment_id: int) -> list[AuditEntry]:
    statement = (
        select(AuditEntry)
        .where(AuditEntry.enrolment_id == enrolment_id)
        .order_by(AuditEntry.at, AuditEntry.id)
    )
    return list(session.scalars(statement))
