"""The proofs of applications that will not go on, deleted after the retention period.

Proofs are personal data (ID cards, diplomas) kept only while they serve the application:
- a rejected application's, `retention_days` after the decision;
- an abandoned application's: one returned for changes and left unchanged by the applicant for
  `abandoned_days` (the model has no drafts: an application exists once it is submitted).
An approved application keeps its proofs (the training body's evidence of eligibility), and
an application under review or recently returned keeps them.

The file goes, the row stays with `deleted_at`, so both the applicant and the admins see that
the proof was deleted, and when, instead of a link that fails. Each application's deletion is
audited once per run, with the application as the subject.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from learning.models import Application, ApplicationDocument, ApplicationStatus
from learning.services import audit

DELETED = "application.files_delete"


def delete_expired(
    session: Session,
    *,
    upload_folder: str | Path,
    now: datetime,
    retention_days: int,
    abandoned_days: int,
) -> tuple[int, int]:
    """Delete the proofs of rejected applications decided more than `retention_days` ago and of
    returned ones left `abandoned_days`; (files deleted, applications touched).

    The files go before the rows are changed: should the transaction fail, the next run finds
    the rows again, and a file already gone does not stop it."""
    rejected_before = now - timedelta(days=retention_days)
    returned_before = now - timedelta(days=abandoned_days)
    expired = session.scalars(
        select(ApplicationDocument)
        .join(Application, Application.id == ApplicationDocument.application_id)
        .where(
            ApplicationDocument.deleted_at.is_(None),
            or_(
                and_(
                    Application.status == ApplicationStatus.REJECTED.value,
                    Application.decided_at < rejected_before,
                ),
                and_(
                    Application.status == ApplicationStatus.RETURNED.value,
                    Application.returned_at < returned_before,
                ),
            ),
        )
        .order_by(ApplicationDocument.id)
    ).all()
    per_application: Counter[int] = Counter()
    for document in expired:
        file = _file(upload_folder, document.stored_path)
        if file is not None:
            file.unlink(missing_ok=True)
        document.deleted_at = now
        per_application[document.application_id] += 1
    for application_id, count in sorted(per_application.items()):
        application = session.get(Application, application_id)
        rejected = application is not None and (
            application.status == ApplicationStatus.REJECTED.value
        )
        audit.record(
            session,
            at=now,
            actor_id=None,
            action=DELETED,
            subject=f"application:{application_id}",
            details={
                "count": count,
                "because": "rejected" if rejected else "abandoned",
                "after_days": retention_days if rejected else abandoned_days,
            },
        )
    return len(expired), len(per_application)


def _file(upload_folder: str | Path, relative: str) -> Path | None:
    """The file a stored path names, only when it lies inside the upload folder."""
    root = Path(upload_folder).resolve()
    file = (root / relative).resolve()
    return file if file.is_relative_to(root) else None
