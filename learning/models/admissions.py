"""Admissions: eligibility conditions (data, editable), applications and their documents."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learning.models.base import Base
from learning.models.catalogue import Programme
from learning.models.people import User


class EligibilityCondition(Base):
    """One condition of a level (报考条件), e.g. L3-e; `requirement` is evaluated by
    `learning.domain.eligibility` against the evidence an applicant declares."""

    __tablename__ = "eligibility_conditions"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    level: Mapped[int] = mapped_column(index=True)
    text_zh: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text)
    requirement: Mapped[dict[str, Any]]
    active: Mapped[bool] = mapped_column(default=True)


class ApplicationStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    RETURNED = "returned"  # for changes: the applicant corrects it and submits it again


# An application in these is open: still going on, the applicant's or the office's move. A
# rejected or approved one is closed; the model has no withdrawal.
OPEN_STATUSES = (ApplicationStatus.SUBMITTED.value, ApplicationStatus.RETURNED.value)
_OPEN = text("status IN ('submitted', 'returned')")


class Application(Base):
    """A person's application for one programme, with the evidence they declared."""

    __tablename__ = "applications"
    __table_args__ = (
        Index("ix_applications_status_submitted_at", "status", "submitted_at"),
        # One open application per mobile number: the index holds when two submissions race
        Index(
            "ux_applications_open_phone",
            "phone",
            unique=True,
            sqlite_where=_OPEN,
            postgresql_where=_OPEN,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"))
    status: Mapped[str] = mapped_column(String(16), default=ApplicationStatus.SUBMITTED.value)
    evidence: Mapped[dict[str, Any]]
    submitted_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    condition_code: Mapped[str | None] = mapped_column(String(16))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    enrolment_id: Mapped[int | None] = mapped_column(ForeignKey("enrolments.id"))
    # The latest return for changes; kept after resubmission so the reviewer sees what was asked.
    returned_note: Mapped[str | None] = mapped_column(Text)
    returned_at: Mapped[datetime | None]
    # The applicant's mobile number when the application was opened (`normalise_phone`)
    phone: Mapped[str | None] = mapped_column(String(20))

    applicant: Mapped[User] = relationship(foreign_keys=[applicant_id])
    programme: Mapped[Programme] = relationship()
    documents: Mapped[list[ApplicationDocument]] = relationship(
        back_populates="application", order_by="ApplicationDocument.id"
    )


class ApplicationDocument(Base):
    """An uploaded proof (PDF, JPEG or PNG), stored outside static/, shown to owner and admins.

    The proofs of an application that will not go on are deleted after the retention period
    (`learning.services.application_files`): the file goes, the row stays with `deleted_at`, so
    the pages say what became of it.
    """

    __tablename__ = "application_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    original_name: Mapped[str] = mapped_column(String(200))
    stored_path: Mapped[str] = mapped_column(String(300))
    mime_type: Mapped[str] = mapped_column(String(50))
    size_bytes: Mapped[int]
    uploaded_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None]

    application: Mapped[Application] = relationship(back_populates="documents")

    @property
    def kept_days(self) -> int | None:
        """Days from its upload to its deletion; None while it is kept."""
        return None if self.deleted_at is None else (self.deleted_at - self.uploaded_at).days
