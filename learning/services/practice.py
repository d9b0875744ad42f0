"""Practice (仿真题练习): the next question for a trainee, judging an answer, the wrong-answer
book (错题本) and accuracy per chapter (rules: `learning.domain.exam_practice`).

The next question is one the trainee has not answered yet, or else the one answered longest
ago, so that a drill goes round the whole bank before it repeats itself; of several as good,
chance decides.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from learning.domain.exam_practice import (
    Accuracy,
    BookEntry,
    Kind,
    after_answer,
    is_right,
    least_recently_answered,
    normalise,
    weakest_first,
)
from learning.models import Enrolment, PracticeAnswer, ProgrammeVideo, Question, WrongBookEntry
from learning.services import ServiceError
from learning.services.question_bank import pool


class Mode(StrEnum):
    """How the next question is chosen."""

    CHAPTER = "chapter"
    POINT = "point"  # a knowledge point
    RANDOM = "random"
    WRONG = "wrong"  # from the wrong-answer book


@dataclass(frozen=True)
class Topic:
    """A chapter of the bank with its knowledge points and how many questions it holds."""

    chapter: str | None
    points: list[str]
    questions: int


def topics(session: Session, enrolment: Enrolment) -> list[Topic]:
    """The chapters and knowledge points the enrolment's bank holds: the chapters in the order
    of the course (第一章, 第二章, ..., not in the order of their characters), then those the
    course does not have, by name; questions without a chapter last."""
    found: dict[str | None, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for question in session.scalars(pool(enrolment.programme)):
        found[question.chapter][question.knowledge_point] += 1
    course = _course_order(session, enrolment.programme_id)

    def place(chapter: str | None) -> tuple[bool, int, str]:
        return (chapter is None, course.get(chapter or "", len(course)), chapter or "")

    return [
        Topic(chapter, sorted(found[chapter]), sum(found[chapter].values()))
        for chapter in sorted(found, key=place)
    ]


def _course_order(session: Session, programme_id: int) -> dict[str, int]:
    """Each chapter heading of the programme's course, by the place of its first video."""
    rows = session.execute(
        select(ProgrammeVideo.chapter, func.min(ProgrammeVideo.position))
        .where(ProgrammeVideo.programme_id == programme_id, ProgrammeVideo.chapter.is_not(None))
        .group_by(ProgrammeVideo.chapter)
    )
    return {chapter: position for chapter, position in rows}


def _candidates(enrolment: Enrolment, mode: Mode, value: str | None) -> Select[tuple[Question]]:
    statement = pool(enrolment.programme)
    if mode == Mode.CHAPTER:
        return statement.where(
            Question.chapter.is_(None) if not value else Question.chapter == value
        )
    if mode == Mode.POINT:
        return statement.where(Question.knowledge_point == (value or ""))
    if mode == Mode.WRONG:
        return statement.join(
            WrongBookEntry,
            (WrongBookEntry.question_id == Question.id)
            & (WrongBookEntry.trainee_id == enrolment.trainee_id),
        )
    return statement


def next_question(
    session: Session,
    enrolment: Enrolment,
    mode: Mode,
    value: str | None = None,
    *,
    rng: random.Random | None = None,
) -> Question | None:
    """The question to practise next (`least_recently_answered`), or None when the choice
    holds none."""
    candidates = list(session.scalars(_candidates(enrolment, mode, value)))
    if not candidates:
        return None
    ids = [question.id for question in candidates]
    chosen = least_recently_answered(
        ids, last_answered(session, enrolment.trainee_id, ids), rng or random.Random()
    )
    return next(question for question in candidates if question.id == chosen)


def last_answered(
    session: Session, trainee_id: int, question_ids: list[int]
) -> dict[int, datetime]:
    """When the trainee last answered each of the questions (naive UTC, for comparison)."""
    rows = session.execute(
        select(PracticeAnswer.question_id, func.max(PracticeAnswer.answered_at))
        .where(
            PracticeAnswer.trainee_id == trainee_id,
            PracticeAnswer.question_id.in_(question_ids),
        )
        .group_by(PracticeAnswer.question_id)
    )
    return {question_id: at.replace(tzinfo=None) for question_id, at in rows}


def question_for(session: Session, enrolment: Enrolment, question_id: int) -> Question:
    """A question of the enrolment's bank; `ServiceError` when it is not (or no longer) in it."""
    question = session.scalar(pool(enrolment.programme).where(Question.id == question_id))
    if question is None:
        raise ServiceError("question_not_in_bank")
    return question


def chosen_letters(question: Question, chosen: str) -> str:
    """The answer as letters, or `ServiceError` when it cannot answer this question."""
    letters = normalise(Kind(question.kind), len(question.options), chosen)
    if letters is None:
        raise ServiceError("answer_invalid")
    return letters


def answer(
    session: Session, enrolment: Enrolment, question_id: int, chosen: str, *, now: datetime
) -> PracticeAnswer:
    """Judge one practice answer, keep it, and update the wrong-answer book."""
    question = question_for(session, enrolment, question_id)
    letters = chosen_letters(question, chosen)
    return record(session, enrolment, question, letters, source="practice", now=now)


@dataclass(frozen=True)
class Given:
    """An answer to keep: the question, the letters chosen (already normalised), and when."""

    question: Question
    letters: str
    at: datetime


def record(
    session: Session,
    enrolment: Enrolment,
    question: Question,
    letters: str,
    *,
    source: str,
    now: datetime,
) -> PracticeAnswer:
    """Keep an answer already normalised (practice or a question check) and pass it to the
    wrong-answer book."""
    return record_all(session, enrolment, [Given(question, letters, now)], source=source)[0]


def record_all(
    session: Session, enrolment: Enrolment, answers: Sequence[Given], *, source: str
) -> list[PracticeAnswer]:
    """Keep answers already normalised (a mock exam's paper, or the demo's practice), judged,
    and pass them in their order to the wrong-answer book: written in one flush, as the same
    answers one by one through `record` would leave them."""
    kept = [
        PracticeAnswer(
            trainee_id=enrolment.trainee_id,
            enrolment_id=enrolment.id,
            question_id=given.question.id,
            chosen=given.letters,
            right=is_right(given.question.answer, given.letters),
            source=source,
            answered_at=given.at,
        )
        for given in answers
    ]
    session.add_all(kept)
    _update_book(session, enrolment.trainee_id, kept)
    session.flush()
    return kept


@dataclass(frozen=True)
class _Entry:
    """A question's place in the book while answers are passed to it."""

    right_in_a_row: int
    added_at: datetime
    updated_at: datetime


def _update_book(session: Session, trainee_id: int, answers: list[PracticeAnswer]) -> None:
    """Pass the answers in order to the trainee's book (`after_answer`): the entries read in
    one query, and each written once, as it stands after the last answer to its question."""
    stored = {
        entry.question_id: entry
        for entry in session.scalars(
            select(WrongBookEntry).where(
                WrongBookEntry.trainee_id == trainee_id,
                WrongBookEntry.question_id.in_({given.question_id for given in answers}),
            )
        )
    }
    book: dict[int, _Entry | None] = {
        question_id: _Entry(entry.right_in_a_row, entry.added_at, entry.updated_at)
        for question_id, entry in stored.items()
    }
    for given in answers:
        entry = book.get(given.question_id)
        after = after_answer(BookEntry(entry.right_in_a_row) if entry else None, given.right)
        book[given.question_id] = (
            None
            if after is None
            else _Entry(
                after.right_in_a_row,
                entry.added_at if entry else given.answered_at,
                given.answered_at,
            )
        )
    for question_id, entry in book.items():
        row = stored.get(question_id)
        if entry is None:
            if row is not None:
                session.delete(row)
        elif row is None:
            session.add(
                WrongBookEntry(
                    trainee_id=trainee_id,
                    question_id=question_id,
                    right_in_a_row=entry.right_in_a_row,
                    added_at=entry.added_at,
                    updated_at=entry.updated_at,
                )
            )
        else:
            row.right_in_a_row, row.added_at, row.updated_at = (
                entry.right_in_a_row,
                entry.added_at,
                entry.updated_at,
            )


def answer_of(session: Session, enrolment: Enrolment, answer_id: int) -> PracticeAnswer | None:
    """One of the enrolment's practice answers, to show it judged."""
    given = session.get(PracticeAnswer, answer_id)
    if given is None or given.enrolment_id != enrolment.id or given.source != "practice":
        return None
    return given


def wrong_book(session: Session, enrolment: Enrolment) -> list[WrongBookEntry]:
    """The trainee's wrong-answer book for this enrolment's bank, the latest missed first."""
    in_bank = pool(enrolment.programme).with_only_columns(Question.id)
    return list(
        session.scalars(
            select(WrongBookEntry)
            .where(
                WrongBookEntry.trainee_id == enrolment.trainee_id,
                WrongBookEntry.question_id.in_(in_bank),
            )
            .order_by(WrongBookEntry.updated_at.desc(), WrongBookEntry.question_id)
        )
    )


def accuracy_by_chapter(session: Session, enrolment: Enrolment) -> list[Accuracy]:
    """Right answers of all answers per chapter (in practice and mock exams), the weakest
    first. A question without a chapter counts under the label ""."""
    rows = session.execute(
        select(
            Question.chapter,
            func.count().filter(PracticeAnswer.right.is_(True)),
            func.count(),
        )
        .join(PracticeAnswer.question)
        .where(PracticeAnswer.enrolment_id == enrolment.id)
        .group_by(Question.chapter)
    )
    return weakest_first({chapter or "": (right, total) for chapter, right, total in rows})
