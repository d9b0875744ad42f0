"""Simulated-exam practice: the question bank, answers given in practice, the wrong-answer book,
and mock exams with their papers (rules: `learning/domain/exam_practice.py`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learning.models.base import Base
from learning.models.catalogue import Programme
from learning.models.training import Enrolment

#: The programmes a question serves; a question also serves the higher levels of the same work
#: type (`services.question_bank.pool`): what a lower level must know, a higher one must too.
question_programmes = Table(
    "question_programmes",
    Base.metadata,
    Column("question_id", ForeignKey("questions.id"), primary_key=True),
    Column("programme_id", ForeignKey("programmes.id"), primary_key=True, index=True),
)


class Question(Base):
    """A question of the theory exam's kinds. `options` are the choices' texts (none for a
    true/false question); `answer` the right letters. A retired question is drawn no more, and
    the answers given to it stay."""

    __tablename__ = "questions"
    __table_args__ = (
        CheckConstraint("difficulty BETWEEN 1 AND 3", name="difficulty"),
        CheckConstraint("kind IN ('true_false', 'single', 'multiple')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    stem: Mapped[str] = mapped_column(Text)
    options: Mapped[list[Any]]
    answer: Mapped[str] = mapped_column(String(8))
    explanation: Mapped[str] = mapped_column(Text, default="")
    chapter: Mapped[str | None] = mapped_column(String(100))
    knowledge_point: Mapped[str] = mapped_column(String(100))
    difficulty: Mapped[int] = mapped_column(SmallInteger, default=1)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    retired_at: Mapped[datetime | None]

    programmes: Mapped[list[Programme]] = relationship(secondary=question_programmes)


class PracticeAnswer(Base):
    """One answer a trainee gave to a question, in practice, in a mock exam or in a video."""

    __tablename__ = "practice_answers"
    __table_args__ = (
        Index("ix_practice_answers_trainee_id_question_id", "trainee_id", "question_id"),
        Index("ix_practice_answers_question_id", "question_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    chosen: Mapped[str] = mapped_column(String(8))
    right: Mapped[bool]
    source: Mapped[str] = mapped_column(String(16))  # practice | mock | video
    answered_at: Mapped[datetime]

    question: Mapped[Question] = relationship()


class WrongBookEntry(Base):
    """A question in a trainee's wrong-answer book (错题本), until answered right twice in a row."""

    __tablename__ = "wrong_book_entries"

    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), primary_key=True)
    right_in_a_row: Mapped[int] = mapped_column(default=0)
    added_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    question: Mapped[Question] = relationship()


class MockExamFormat(Base):
    """A programme's theory exam: questions and points per kind, minutes and pass mark.
    `exam_gate_score`: when set, registering for the exam needs a mock exam passed with at
    least this score (off unless the training body sets it)."""

    __tablename__ = "mock_exam_formats"
    __table_args__ = (
        CheckConstraint(
            "true_false_count >= 0 AND single_count >= 0 AND multiple_count >= 0", name="counts"
        ),
        CheckConstraint(
            "true_false_points > 0 AND single_points > 0 AND multiple_points > 0", name="points"
        ),
        CheckConstraint("duration_minutes BETWEEN 5 AND 300", name="duration"),
    )

    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), primary_key=True)
    true_false_count: Mapped[int] = mapped_column(default=10)
    true_false_points: Mapped[int] = mapped_column(default=2)
    single_count: Mapped[int] = mapped_column(default=20)
    single_points: Mapped[int] = mapped_column(default=2)
    multiple_count: Mapped[int] = mapped_column(default=10)
    multiple_points: Mapped[int] = mapped_column(default=4)
    duration_minutes: Mapped[int] = mapped_column(default=90)
    pass_mark: Mapped[int] = mapped_column(default=60)
    exam_gate_score: Mapped[int | None]
    updated_at: Mapped[datetime]


class MockExam(Base):
    """One paper a trainee sat: drawn by the format of the day (kept on the paper, so a later
    change of the format changes no score), timed by the server's clock."""

    __tablename__ = "mock_exams"
    __table_args__ = (
        Index("ix_mock_exams_enrolment_id_started_at", "enrolment_id", "started_at"),
        # one paper open at a time per enrolment: a second device finds the same paper
        Index(
            "ux_mock_exams_open_enrolment_id",
            "enrolment_id",
            unique=True,
            sqlite_where=text("handed_in_at IS NULL"),
            postgresql_where=text("handed_in_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id"))
    started_at: Mapped[datetime]
    deadline_at: Mapped[datetime]
    handed_in_at: Mapped[datetime | None]
    handed_in_by: Mapped[str | None] = mapped_column(String(16))  # trainee | clock
    total_points: Mapped[int]
    pass_mark: Mapped[int]
    score: Mapped[int | None]
    passed: Mapped[bool | None]

    enrolment: Mapped[Enrolment] = relationship()
    items: Mapped[list[MockExamItem]] = relationship(
        back_populates="mock_exam", order_by="MockExamItem.position"
    )


class MockExamItem(Base):
    """A question on a paper, its points, and the answer saved for it (the last one counts)."""

    __tablename__ = "mock_exam_items"

    mock_exam_id: Mapped[int] = mapped_column(ForeignKey("mock_exams.id"), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    points: Mapped[int]
    chosen: Mapped[str | None] = mapped_column(String(8))
    right: Mapped[bool | None]
    answered_at: Mapped[datetime | None]

    mock_exam: Mapped[MockExam] = relationship(back_populates="items")
    question: Mapped[Question] = relationship()


class CheckQuestion(Base):
    """A question a presence check asked (弹题) and how it was answered: a wrong answer draws
    another one for the same check, so a check may ask several."""

    __tablename__ = "check_questions"
    __table_args__ = (Index("ix_check_questions_trainee_id_check_id", "trainee_id", "check_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    check_id: Mapped[str] = mapped_column(String(64))
    playback_id: Mapped[str] = mapped_column(ForeignKey("playbacks.id"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    asked_at: Mapped[datetime]
    chosen: Mapped[str | None] = mapped_column(String(8))
    outcome: Mapped[str | None] = mapped_column(String(8))  # right | wrong
    answered_at: Mapped[datetime | None]

    question: Mapped[Question] = relationship()
