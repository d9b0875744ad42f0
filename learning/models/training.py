"""Training: classes (班级) under instructors, and enrolments of trainees in programmes."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, Index, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learning.models.base import Base
from learning.models.catalogue import Programme
from learning.models.people import User

class_instructors = Table(
    "class_instructors",
    Base.metadata,
    Column("class_id", ForeignKey("classes.id"), primary_key=True),
    Column("user_id", ForeignKey("users.id"), primary_key=True),
)


class TrainingClass(Base):
    __tablename__ = "classes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime]

    instructors: Mapped[list[User]] = relationship(secondary=class_instructors)
    enrolments: Mapped[list[Enrolment]] = relationship(back_populates="training_class")


class EnrolmentStatus(enum.StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"


class Enrolment(Base):
    """One trainee in one programme. Hours are counted per enrolment, in integer seconds.

    `standard_hour_minutes` is fixed when the enrolment is created, so changing the setting later
    never changes hours already shown. `online_s` and `offline_s` are the stored totals that the
    accounting rebuild must reproduce.
    """

    __tablename__ = "enrolments"
    __table_args__ = (
        UniqueConstraint("trainee_id", "programme_id"),
        Index("ix_enrolments_class_id", "class_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"))
    class_id: Mapped[int | None] = mapped_column(ForeignKey("classes.id"))
    status: Mapped[str] = mapped_column(String(16), default=EnrolmentStatus.ACTIVE.value)
    standard_hour_minutes: Mapped[int]
    online_s: Mapped[int] = mapped_column(default=0)
    offline_s: Mapped[int] = mapped_column(default=0)
    last_studied_on: Mapped[date | None]
    eligibility_condition: Mapped[str | None] = mapped_column(String(16))
    eligibility_approved_at: Mapped[datetime | None]
    exam_unlocked: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]

    trainee: Mapped[User] = relationship()
    programme: Mapped[Programme] = relationship()
    training_class: Mapped[TrainingClass | None] = relationship(back_populates="enrolments")
    payments: Mapped[list[Payment]] = relationship(back_populates="enrolment")

    @property
    def credited_s(self) -> int:
        return self.online_s + self.offline_s


class Payment(Base):
    """A fee payment recorded by an admin. Money is kept in fen (1/100 yuan)."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # training | assessment
    amount_fen: Mapped[int]
    paid_on: Mapped[date]
    method: Mapped[str] = mapped_column(String(50))
    receipt_no: Mapped[str] = mapped_column(String(64), unique=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime]

    enrolment: Mapped[Enrolment] = relationship(back_populates="payments")
