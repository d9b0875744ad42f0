"""Announcements (公告) of the training office to trainees, and the study reminders (催学) the
scheduler sends to trainees who stopped studying while their exam approaches."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from learning.models.base import Base


class Audience(enum.StrEnum):
    ALL = "all"  # every trainee holding an enrolment
    PROGRAMME = "programme"  # the trainees enrolled in one programme
    CLASS = "class"  # the trainees of one class


class Announcement(Base):
    """A title and a plain-text body to an audience; withdrawn, never deleted (the audit log
    names it). Each addressed trainee gets a notification pointing at it when it is published."""

    __tablename__ = "announcements"
    __table_args__ = (
        CheckConstraint(
            "(audience = 'all' AND programme_id IS NULL AND class_id IS NULL)"
            " OR (audience = 'programme' AND programme_id IS NOT NULL AND class_id IS NULL)"
            " OR (audience = 'class' AND class_id IS NOT NULL AND programme_id IS NULL)",
            name="audience",
        ),
        Index("ix_announcements_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    audience: Mapped[str] = mapped_column(String(16))
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programmes.id"))
    class_id: Mapped[int | None] = mapped_column(ForeignKey("classes.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    withdrawn_at: Mapped[datetime | None]
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class StudyReminder(Base):
    """A reminder to study sent for one enrolment on one day: what the instructor sees as
    "last reminded on", and what keeps the next one a period away."""

    __tablename__ = "study_reminders"
    __table_args__ = (UniqueConstraint("enrolment_id", "sent_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id"))
    sent_on: Mapped[date]  # in TIMEZONE
    idle_days: Mapped[int]  # days without study when it was sent
    exam_on: Mapped[date]  # the exam it pointed at
    created_at: Mapped[datetime]
