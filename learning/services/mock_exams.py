"""Timed mock exams (模拟考试): a paper drawn by the programme's format, answers saved as they
are given, handed in by the trainee or by the server's clock at the deadline, then scored
(rules: `learning.domain.exam_practice`).

An enrolment has one open paper at most (the partial unique index
`ux_mock_exams_open_enrolment_id`): a second device, or a second click, finds the same paper.
A paper past its deadline is handed in at the deadline whoever reaches it first: the trainee's
page, an answer arriving late, or the `mock_exams` job.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from learning.domain.exam_practice import (
    Candidate,
    Kind,
    NotEnoughQuestions,
    PaperFormat,
    deadline,
    draw_paper,
    handed_in_at,
    is_right,
    normalise,
    score,
)
from learning.models import Enrolment, MockExam, MockExamItem, Programme, Question
from learning.services import ServiceError, mock_formats, practice
from learning.services.question_bank import pool

#: Loads a paper's questions with it (the pages show them all).
WITH_QUESTIONS = selectinload(MockExam.items).selectinload(MockExamItem.question)


def paper_format(session: Session, programme: Programme) -> PaperFormat:
    """The programme's format (`mock_formats`: the one set, or the table's defaults)."""
    return mock_formats.format_of(session, programme.id).paper


def open_paper(session: Session, enrolment: Enrolment) -> MockExam | None:
    return session.scalar(
        select(MockExam).where(
            MockExam.enrolment_id == enrolment.id, MockExam.handed_in_at.is_(None)
        )
    )


def start(
    session: Session, enrolment: Enrolment, *, now: datetime, rng: random.Random | None = None
) -> MockExam:
    """A new paper, or the open one (handed in first when its time is up)."""
    current = open_paper(session, enrolment)
    if current is not None and not close_if_overdue(session, current, now=now):
        return current
    programme = enrolment.programme
    paper = paper_format(session, programme)
    candidates = [
        Candidate(question.id, Kind(question.kind), question.chapter)
        for question in session.scalars(pool(programme))
    ]
    try:
        drawn = draw_paper(candidates, paper, rng or random.Random())
    except NotEnoughQuestions as short:
        raise ServiceError(
            "bank_too_small", kind=short.kind.value, have=short.have, need=short.need
        ) from short
    kinds = {candidate.id: candidate.kind for candidate in candidates}
    exam = MockExam(
        enrolment_id=enrolment.id,
        started_at=now,
        deadline_at=deadline(now, paper),
        total_points=paper.total_points,
        pass_mark=paper.pass_mark,
        items=[
            MockExamItem(position=position, question_id=question_id, points=paper.points[kind])
            for position, question_id in enumerate(drawn, start=1)
            for kind in [kinds[question_id]]
        ],
    )
    try:
        with session.begin_nested():
            session.add(exam)
    except IntegrityError:  # another request opened one first: theirs is the paper
        winner = open_paper(session, enrolment)
        if winner is None:
            raise
        return winner
    return exam


def paper_of(session: Session, enrolment: Enrolment, exam_id: int, *, now: datetime) -> MockExam:
    """One of the enrolment's papers, handed in by the clock first when its time is up;
    `ServiceError("unknown_mock_exam")` for another's or none."""
    exam = session.get(MockExam, exam_id, options=[WITH_QUESTIONS])
    if exam is None or exam.enrolment_id != enrolment.id:
        raise ServiceError("unknown_mock_exam")
    close_if_overdue(session, exam, now=now)
    return exam


def save_answer(
    session: Session, exam: MockExam, position: int, chosen: str, *, now: datetime
) -> MockExamItem:
    """Keep the answer to one question of an open paper (the last one counts; "" takes it
    back). Refused once the paper is handed in, or its time is up, which hands it in by the
    clock: the caller keeps that even though it refuses the answer."""
    if close_if_overdue(session, exam, now=now) or exam.handed_in_at is not None:
        raise ServiceError("mock_exam_closed")
    item = next((item for item in exam.items if item.position == position), None)
    if item is None:
        raise ServiceError("unknown_position")
    item.chosen = _letters(item.question, chosen) if chosen else None
    item.answered_at = now if chosen else None
    session.flush()
    return item


def _letters(question: Question, chosen: str) -> str:
    letters = normalise(Kind(question.kind), len(question.options), chosen)
    if letters is None:
        raise ServiceError("answer_invalid")
    return letters


def save_all(session: Session, exam: MockExam, answers: dict[int, str], *, now: datetime) -> bool:
    """Keep the answers of the whole paper as the form holds them (a question absent: not
    answered; an answer that cannot be one counts as none). False when the time was up: the
    paper was handed in by the clock with the answers saved before, and these count not."""
    if close_if_overdue(session, exam, now=now):
        return False
    if exam.handed_in_at is not None:
        raise ServiceError("mock_exam_closed")
    for item in exam.items:
        chosen = answers.get(item.position, "")
        letters = normalise(Kind(item.question.kind), len(item.question.options), chosen)
        if letters != item.chosen:
            item.chosen, item.answered_at = letters, now if letters else None
    session.flush()
    return True


def hand_in(session: Session, exam: MockExam, answers: dict[int, str], *, now: datetime) -> bool:
    """The paper handed in by the trainee with the answers of the form (`save_all`); False
    when the clock had handed it in already."""
    if not save_all(session, exam, answers, now=now):
        return False
    _grade(session, exam, at=now, by="trainee")
    return True


def close_if_overdue(session: Session, exam: MockExam, *, now: datetime) -> bool:
    """Hand an open paper in at its deadline when its time is up; whether it was."""
    if exam.handed_in_at is not None or now < exam.deadline_at:
        return False
    _grade(session, exam, at=handed_in_at(now, exam.deadline_at), by="clock")
    return True


def hand_in_overdue(session: Session, *, now: datetime) -> int:
    """Every open paper past its deadline, handed in (the scheduler's `mock_exams` job)."""
    overdue = session.scalars(
        select(MockExam)
        .where(MockExam.handed_in_at.is_(None), MockExam.deadline_at <= now)
        .options(WITH_QUESTIONS)
    ).all()
    for exam in overdue:
        close_if_overdue(session, exam, now=now)
    return len(overdue)


def _grade(session: Session, exam: MockExam, *, at: datetime, by: str) -> None:
    """Score the paper; each answered question is kept as an answer of the trainee's and
    passed to the wrong-answer book."""
    for item in exam.items:
        item.right = item.chosen is not None and is_right(item.question.answer, item.chosen)
    exam.score = score((item.points, bool(item.right)) for item in exam.items)
    exam.passed = exam.score >= exam.pass_mark
    exam.handed_in_at, exam.handed_in_by = at, by
    answered = [
        practice.Given(item.question, item.chosen, item.answered_at or at)
        for item in exam.items
        if item.chosen is not None
    ]
    practice.record_all(session, exam.enrolment, answered, source="mock")


@dataclass(frozen=True)
class Result:
    """A paper handed in, as its trainee's pages show it."""

    id: int
    enrolment_id: int
    handed_in_at: datetime
    score: int
    total_points: int
    passed: bool


def recent_results(
    session: Session, enrolment_ids: list[int], *, limit: int = 5
) -> dict[int, list[Result]]:
    """The latest papers handed in per enrolment (newest first), at most `limit` each."""
    found: dict[int, list[Result]] = {enrolment_id: [] for enrolment_id in enrolment_ids}
    exams = session.scalars(
        select(MockExam)
        .where(MockExam.enrolment_id.in_(enrolment_ids), MockExam.handed_in_at.is_not(None))
        .order_by(MockExam.handed_in_at.desc(), MockExam.id.desc())
    )
    for exam in exams:
        results = found[exam.enrolment_id]
        if len(results) < limit:
            results.append(
                Result(
                    exam.id,
                    exam.enrolment_id,
                    exam.handed_in_at,  # type: ignore[arg-type]
                    exam.score or 0,
                    exam.total_points,
                    bool(exam.passed),
                )
            )
    return found
