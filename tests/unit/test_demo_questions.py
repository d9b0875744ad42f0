"""The demo's question bank: at least 60 questions for each demo programme, every one askable,
spread over the chapters and knowledge points, and enough of each kind for a mock paper."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from sqlalchemy.orm import Session

from learning.demo import questions as demo_questions
from learning.domain.exam_practice import Candidate, Kind, draw_paper
from learning.services import catalogue, mock_formats, question_bank


@pytest.mark.parametrize("code", ["accounting-4", "verification-3"])
def test_each_demo_programme_has_a_bank_a_paper_can_be_drawn_from(
    db_session: Session, make, code: str
) -> None:
    assert demo_questions.seed(db_session, now=make.clock.now()) >= 120
    programme = catalogue.programme_by_code(db_session, code)
    pool = list(db_session.scalars(question_bank.pool(programme)))
    assert len(pool) >= 60
    assert len({q.chapter for q in pool}) == 8
    points = Counter(q.knowledge_point for q in pool)
    assert len(points) >= 15  # the readiness chart ranks these
    kinds = Counter(q.kind for q in pool)
    assert all(kinds[kind] >= 15 for kind in Kind)
    paper = mock_formats.format_of(db_session, programme.id).paper
    candidates = [Candidate(q.id, Kind(q.kind), q.chapter) for q in pool]
    assert len(draw_paper(candidates, paper, random.Random(1))) == paper.question_count


def test_the_demo_programme_asks_questions_at_its_presence_checks(
    db_session: Session, make
) -> None:
    demo_questions.seed(db_session, now=make.clock.now())
    programme = catalogue.programme_by_code(db_session, demo_questions.QUESTION_CHECK_PROGRAMME)
    assert question_bank.presence_check_for(db_session, programme) == "question"


def test_the_demo_practised_and_sat_mock_exams(db_session: Session, make) -> None:
    import random as stdlib_random

    from sqlalchemy import func, select

    from learning.demo import practice as demo_practice
    from learning.models import MockExam, PracticeAnswer

    demo_questions.seed(db_session, now=make.clock.now())
    for _ in range(6):
        make.enrolment(make.trainee(), "accounting-4")
    make.enrolment(make.trainee(), "trading-3")  # no bank: left alone
    papers = demo_practice.seed(db_session, now=make.clock.now(), rng=stdlib_random.Random(3))
    handed_in = db_session.scalars(select(MockExam).where(MockExam.handed_in_at.is_not(None)))
    scores = [paper.score for paper in handed_in]
    assert papers == len(scores) > 0 and all(0 <= s <= 100 for s in scores)
    assert db_session.scalar(select(func.count(PracticeAnswer.id))) > 50
    rights = db_session.scalars(select(PracticeAnswer.right)).all()
    assert 0.3 < sum(rights) / len(rights) < 0.95  # neither all wrong nor all right
