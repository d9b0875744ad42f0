"""Readiness for the exam (services/readiness): mock scores over time, who passed their last two
mocks, accuracy per knowledge point weakest first, each question's right rate; on a small
world of one class and a trainee of another."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from learning.models import Enrolment, TrainingClass
from learning.services import readiness
from tests.factories import Factory


def _sat(make: Factory, enrolment: Enrolment, *scores: int, pass_mark: int = 60) -> None:
    """Mock exams with these scores, a day apart, written newest first (the order of the rows
    must not decide the order of the scores)."""
    start = make.clock.now()
    for day, score in reversed(list(enumerate(scores))):
        make.mock_exam(
            enrolment, score=score, started_at=start + timedelta(days=day), pass_mark=pass_mark
        )


@pytest.fixture
def world(make: Factory) -> tuple[TrainingClass, dict[str, Enrolment]]:
    training_class = make.training_class(make.instructor())
    people = {
        name: make.enrolment(make.trainee(display_name=name), "accounting-4", training_class)
        for name in ("甲", "乙", "丙", "丁", "戊")
    }
    _sat(make, people["甲"], 50, 70, 80)  # improving: passed the last two
    _sat(make, people["乙"], 90)  # one mock only: not yet
    _sat(make, people["丙"], 70, 50)  # the last one failed
    _sat(make, people["丁"], 60, 60)  # exactly at the pass mark, twice
    make.mock_exam(people["戊"], handed_in=False)  # still open: no result
    other = make.enrolment(make.trainee(), "accounting-4", make.training_class(make.instructor()))
    _sat(make, other, 95, 95)
    return training_class, people | {"other": other}


def test_scores_over_time_oldest_first_and_who_passed_the_last_two(
    db_session: Session, world
) -> None:
    training_class, _people = world
    figures = readiness.of_class(db_session, training_class.id)
    by_name = {t.trainee_name: t for t in figures.trainees}
    assert sorted(by_name) == sorted(["甲", "乙", "丙", "丁", "戊"])  # the class only
    assert [m.score for m in by_name["甲"].mocks] == [50, 70, 80]
    times = [m.handed_in_at for m in by_name["甲"].mocks]
    assert times == sorted(times)
    assert {name: t.ready for name, t in by_name.items()} == {
        "甲": True,
        "乙": False,
        "丙": False,
        "丁": True,
        "戊": False,
    }
    assert by_name["戊"].mocks == [] and by_name["戊"].last is None
    assert by_name["丙"].last.score == 50 and not by_name["丙"].last.passed
    assert (figures.ready, figures.with_mocks, len(figures.trainees)) == (2, 4, 5)
    assert figures.pass_marks == [60]


def test_each_paper_passes_against_its_own_pass_mark(db_session: Session, make: Factory) -> None:
    """A format changed since changes no paper's result."""
    training_class = make.training_class(make.instructor())
    enrolment = make.enrolment(make.trainee(), "accounting-4", training_class)
    _sat(make, enrolment, 65, pass_mark=60)
    make.clock.advance(days=5)
    _sat(make, enrolment, 65, pass_mark=70)
    figures = readiness.of_class(db_session, training_class.id)
    assert not figures.trainees[0].ready
    assert figures.pass_marks == [60, 70]


def test_accuracy_per_knowledge_point_weakest_first_once_answered_enough(
    db_session: Session, make: Factory, world
) -> None:
    training_class, people = world
    factors = make.question(knowledge_point="排放因子")
    factors_too = make.question(knowledge_point="排放因子")
    gases = make.question(knowledge_point="温室气体种类")
    checks = make.question(knowledge_point="核查程序")
    make.answers(people["甲"], factors, right=1, wrong=4)
    make.answers(people["乙"], factors_too, right=3, wrong=2, source="video")
    make.answers(people["丙"], gases, right=4, wrong=1, source="mock")
    make.answers(people["丁"], checks, right=1, wrong=1)  # too few to rank
    make.answers(people["other"], gases, wrong=20)  # another class's

    figures = readiness.of_class(db_session, training_class.id)

    assert [(p.label, p.right, p.answered) for p in figures.knowledge_points] == [
        ("排放因子", 4, 10),
        ("温室气体种类", 4, 5),
    ]
    assert figures.unranked_points == 1
    assert figures.answers == 17
    assert [(q.question_id, q.right, q.answered) for q in figures.questions] == [
        (factors.id, 1, 5),
        (factors_too.id, 3, 5),
        (gases.id, 4, 5),
    ]
    assert figures.questions[0].share == pytest.approx(0.2)
    practised = {t.trainee_name: t.practice_answers for t in figures.trainees}
    assert practised == {"甲": 5, "乙": 0, "丙": 0, "丁": 2, "戊": 0}


def test_a_retired_question_still_counts_and_says_so(db_session: Session, make: Factory) -> None:
    training_class = make.training_class(make.instructor())
    enrolment = make.enrolment(make.trainee(), "accounting-4", training_class)
    question = make.question()
    make.answers(enrolment, question, wrong=readiness.MIN_ANSWERS)
    question.retired_at = make.clock.now()
    figures = readiness.of_class(db_session, training_class.id)
    assert [(q.question_id, q.retired, q.share) for q in figures.questions] == [
        (question.id, True, 0.0)
    ]


def test_a_programme_gathers_its_trainees_of_every_class(db_session: Session, world) -> None:
    _training_class, people = world
    figures = readiness.of_programme(db_session, people["甲"].programme_id)
    assert len(figures.trainees) == 6 and figures.ready == 3


def test_an_empty_class(db_session: Session, make: Factory) -> None:
    training_class = make.training_class(make.instructor())
    make.enrolment(make.trainee(), "accounting-4", training_class)
    figures = readiness.of_class(db_session, training_class.id)
    assert (figures.ready, figures.with_mocks, figures.answers) == (0, 0, 0)
    assert figures.knowledge_points == [] and figures.questions == [] and figures.pass_marks == []


def test_recent_mocks_are_the_last_three_latest_first(
    db_session: Session, make: Factory, world
) -> None:
    _training_class, people = world
    make.clock.advance(days=10)
    _sat(make, people["甲"], 40)
    recent = readiness.recent_mocks(db_session, [people["甲"].id, people["戊"].id])
    assert [(m.score, m.passed) for m in recent[people["甲"].id]] == [
        (40, False),
        (80, True),
        (70, True),
    ]
    assert people["戊"].id not in recent
