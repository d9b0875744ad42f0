"""Readiness for the theory exam, from the mock exams handed in and the answers given.

For instructors and admins, per class or per programme: each trainee's mock scores over time,
who passed their last two mocks (`exam_practice.passes_last_two`), accuracy per knowledge point
over every answer given (practice, mock exams, questions in videos), weakest first, and each
question's right rate, to spot a badly written one. A knowledge point or a question is ranked
only once it has `MIN_ANSWERS` answers: two wrong answers out of two say little.

And the exam gate: a programme may require a mock exam handed in with at least a score before
its trainees register for an exam (`FormatData.exam_gate_score`, off unless set).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from learning.domain.exam_practice import Accuracy, passes_last_two, weakest_first
from learning.models import Enrolment, MockExam, PracticeAnswer, Question, User
from learning.services.mock_formats import format_of

MIN_ANSWERS = 5  # answers before a knowledge point or a question is ranked
RECENT = 3  # mock results shown beside an exam registration
QUESTIONS_SHOWN = 20


@dataclass(frozen=True)
class MockResult:
    """A mock exam handed in. Each paper keeps the pass mark it was drawn with."""

    enrolment_id: int
    handed_in_at: datetime
    score: int
    total_points: int
    pass_mark: int
    passed: bool


@dataclass(frozen=True)
class TraineeReadiness:
    enrolment_id: int
    trainee_name: str
    mocks: list[MockResult]  # oldest first
    practice_answers: int  # answers given in practice (not in mocks nor videos)

    @property
    def last(self) -> MockResult | None:
        return self.mocks[-1] if self.mocks else None

    @property
    def ready(self) -> bool:
        """Passed the last two mocks, each paper against its own pass mark (a format changed
        since changes no paper's result)."""
        return passes_last_two([m.score - m.pass_mark for m in self.mocks], 0)


@dataclass(frozen=True)
class QuestionRate:
    question_id: int
    stem: str
    knowledge_point: str
    retired: bool
    right: int
    answered: int

    @property
    def share(self) -> float:
        return self.right / self.answered


@dataclass(frozen=True)
class Readiness:
    trainees: list[TraineeReadiness]
    knowledge_points: list[Accuracy]  # those with MIN_ANSWERS answers or more, weakest first
    unranked_points: int  # knowledge points answered, but fewer than MIN_ANSWERS times
    questions: list[QuestionRate]  # the worst QUESTIONS_SHOWN with MIN_ANSWERS answers or more
    answers: int  # every answer given, of every source

    @property
    def ready(self) -> int:
        return sum(1 for trainee in self.trainees if trainee.ready)

    @property
    def with_mocks(self) -> int:
        return sum(1 for trainee in self.trainees if trainee.mocks)

    @property
    def pass_marks(self) -> list[int]:
        """The pass marks of the papers handed in (one, unless the format changed)."""
        return sorted({m.pass_mark for trainee in self.trainees for m in trainee.mocks})


def of_class(session: Session, class_id: int) -> Readiness:
    return _readiness(session, Enrolment.class_id == class_id)


def of_programme(session: Session, programme_id: int) -> Readiness:
    return _readiness(session, Enrolment.programme_id == programme_id)


def _readiness(session: Session, scope: ColumnElement[bool]) -> Readiness:
    enrolment_ids = select(Enrolment.id).where(scope)
    people = session.execute(
        select(Enrolment.id, User.display_name)
        .join(User, User.id == Enrolment.trainee_id)
        .where(scope)
        .order_by(User.display_name, Enrolment.id)
    ).all()
    mocks = mock_results(session, enrolment_ids)
    practised = dict(
        session.execute(
            select(PracticeAnswer.enrolment_id, func.count())
            .where(
                PracticeAnswer.enrolment_id.in_(enrolment_ids),
                PracticeAnswer.source == "practice",
            )
            .group_by(PracticeAnswer.enrolment_id)
        )
        .tuples()
        .all()
    )
    trainees = [
        TraineeReadiness(id, name, mocks.get(id, []), practised.get(id, 0)) for id, name in people
    ]
    points = _tallies(session, enrolment_ids, Question.knowledge_point)
    ranked = {label: tally for label, tally in points.items() if tally[1] >= MIN_ANSWERS}
    return Readiness(
        trainees=trainees,
        knowledge_points=weakest_first(ranked),
        unranked_points=len(points) - len(ranked),
        questions=_worst_questions(session, enrolment_ids),
        answers=sum(answered for _right, answered in points.values()),
    )


_RIGHT = func.sum(case((PracticeAnswer.right, 1), else_=0))


def _tallies(
    session: Session, enrolment_ids: Select, label: InstrumentedAttribute[str]
) -> dict[str, tuple[int, int]]:
    """(right, answered) per label over the answers of the enrolments."""
    statement = (
        select(label, _RIGHT, func.count())
        .join(Question, Question.id == PracticeAnswer.question_id)
        .where(PracticeAnswer.enrolment_id.in_(enrolment_ids))
        .group_by(label)
    )
    return {name: (int(right), int(count)) for name, right, count in session.execute(statement)}


def _worst_questions(session: Session, enrolment_ids: Select) -> list[QuestionRate]:
    answered = func.count()
    statement = (
        select(
            Question.id,
            Question.stem,
            Question.knowledge_point,
            Question.retired_at,
            _RIGHT,
            answered,
        )
        .join(Question, Question.id == PracticeAnswer.question_id)
        .where(PracticeAnswer.enrolment_id.in_(enrolment_ids))
        .group_by(Question.id, Question.stem, Question.knowledge_point, Question.retired_at)
        .having(answered >= MIN_ANSWERS)
    )
    rates = [
        QuestionRate(id, stem, point, retired is not None, int(right), int(count))
        for id, stem, point, retired, right, count in session.execute(statement)
    ]
    rates.sort(key=lambda rate: (rate.share, -rate.answered, rate.question_id))
    return rates[:QUESTIONS_SHOWN]


def mock_results(
    session: Session, enrolment_ids: Select | Sequence[int]
) -> dict[int, list[MockResult]]:
    """The mock exams handed in per enrolment, oldest first."""
    statement = (
        select(MockExam)
        .where(
            MockExam.enrolment_id.in_(enrolment_ids),
            MockExam.handed_in_at.is_not(None),
            MockExam.score.is_not(None),
        )
        .order_by(MockExam.handed_in_at, MockExam.id)
    )
    results: dict[int, list[MockResult]] = defaultdict(list)
    for paper in session.scalars(statement):
        if paper.handed_in_at is None or paper.score is None:  # none: the query asks for them
            continue
        results[paper.enrolment_id].append(
            MockResult(
                enrolment_id=paper.enrolment_id,
                handed_in_at=paper.handed_in_at,
                score=paper.score,
                total_points=paper.total_points,
                pass_mark=paper.pass_mark,
                passed=bool(paper.passed),
            )
        )
    return dict(results)


def recent_mocks(session: Session, enrolment_ids: Sequence[int]) -> dict[int, list[MockResult]]:
    """The last `RECENT` mock exams handed in per enrolment, the latest first."""
    if not enrolment_ids:
        return {}
    return {
        enrolment_id: results[-RECENT:][::-1]
        for enrolment_id, results in mock_results(session, enrolment_ids).items()
    }


# --- the exam gate ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Gate:
    """A programme's minimum mock score for registering, and the enrolment's best so far."""

    score: int
    best: int | None

    @property
    def met(self) -> bool:
        return self.best is not None and self.best >= self.score


def gates(session: Session, enrolments: Sequence[Enrolment]) -> dict[int, Gate]:
    """The gate of each enrolment whose programme sets one."""
    programmes = {enrolment.programme_id for enrolment in enrolments}
    scores = {id: format_of(session, id).exam_gate_score for id in programmes}
    gated = {e.id: score for e in enrolments if (score := scores[e.programme_id]) is not None}
    if not gated:
        return {}
    best = dict(
        session.execute(
            select(MockExam.enrolment_id, func.max(MockExam.score))
            .where(MockExam.enrolment_id.in_(gated), MockExam.handed_in_at.is_not(None))
            .group_by(MockExam.enrolment_id)
        )
        .tuples()
        .all()
    )
    return {id: Gate(score, best.get(id)) for id, score in gated.items()}
