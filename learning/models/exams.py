"""Exam sessions (考试批次) and the registrations of enrolments for them."""

from __future__ import annotations

import enum
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learning.models.base import Base
from learning.models.catalogue import WorkType
from learning.models.training import Enrolment


class ExamSessionStatus(enum.StrEnum):
    OPEN = "open"  # registration open until registration_closes_on
    CLOSED = "closed"  # registration closed, exam ahead
    HELD = "held"  # the exam took place
    CANCELLED = "cancelled"  # called off by the training office, with a reason


class ExamSession(Base):
    """One sitting of the assessment for a work type at a level, with a fixed number of seats.

    `seats_taken` is raised only by a conditional UPDATE (`seats_taken < capacity`), which is
    what keeps seats from being oversold when registrations race.
    """

    __tablename__ = "exam_sessions"
    __table_args__ = (
        CheckConstraint("capacity > 0", name="capacity"),
        CheckConstraint("seats_taken >= 0 AND seats_taken <= capacity", name="seats"),
        CheckConstraint("registration_closes_on <= starts_on", name="closes_before_start"),
        Index(
            "ix_exam_sessions_work_type_code_level_starts_on",
            "work_type_code",
            "level",
            "starts_on",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    work_type_code: Mapped[str] = mapped_column(ForeignKey("work_types.code"))
    level: Mapped[int] = mapped_column(ForeignKey("levels.number"))
    starts_on: Mapped[date]
    starts_at: Mapped[time | None]  # the time the exam starts on its day, for the tickets
    registration_closes_on: Mapped[date]
    place: Mapped[str] = mapped_column(String(200))
    capacity: Mapped[int]
    seats_taken: Mapped[int] = mapped_column(default=0)
    coaching_starts_on: Mapped[date | None]
    coaching_tenths: Mapped[int] = mapped_column(default=0)  # standard hours x 10
    parts: Mapped[list[Any]] = mapped_column(default=list)  # theory, skill[, review]
    status: Mapped[str] = mapped_column(String(16), default=ExamSessionStatus.OPEN.value)
    created_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(Text)

    work_type: Mapped[WorkType] = relationship()

    @property
    def coaching_hours(self) -> float:
        return self.coaching_tenths / 10

    @property
    def seats_left(self) -> int:
        return self.capacity - self.seats_taken


class ExamRegistration(Base):
    """An enrolment registered for an exam session; a retake pays the assessment fee only.

    After the exam an admin records the part scores (`scores`: part -> 0..100), the outcome and,
    for those who passed, the nationally coded certificate (number, date).
    """

    __tablename__ = "exam_registrations"
    __table_args__ = (
        UniqueConstraint("enrolment_id", "exam_session_id"),
        UniqueConstraint("exam_session_id", "seat_no"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id"), index=True)
    exam_session_id: Mapped[int] = mapped_column(ForeignKey("exam_sessions.id"), index=True)
    retake: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    seat_no: Mapped[int | None]  # 1.. in the order seats were taken; printed on the ticket
    outcome: Mapped[str | None] = mapped_column(String(16))
    scores: Mapped[dict[str, Any]] = mapped_column(default=dict)
    certificate_no: Mapped[str | None] = mapped_column(String(22), unique=True)
    certificate_issued_on: Mapped[date | None]
    results_recorded_at: Mapped[datetime | None]

    enrolment: Mapped[Enrolment] = relationship()
    exam_session: Mapped[ExamSession] = relationship()


class SubsidyRate(Base):
    """The individual training subsidy of a level (Guangdong 2025 catalogue), in fen; editable."""

    __tablename__ = "subsidy_rates"

    level: Mapped[int] = mapped_column(
        ForeignKey("levels.number"), primary_key=True, autoincrement=False
    )
    amount_fen: Mapped[int]
