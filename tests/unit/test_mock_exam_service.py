"""Mock exams through the service: the paper follows the format, the server's clock hands it in,
answers are kept, a second start finds the same paper (services/mock_exams)."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from learning.domain.exam_practice import Kind
from learning.models import Enrolment, MockExam, MockExamFormat, PracticeAnswer, WrongBookEntry
from learning.services import ServiceError, mock_exams
from tests.factories import Factory

CHAPTERS = ("第一章", "第二章", "第三章")


def small_format(make: Factory, enrolment: Enrolment, **changes: int) -> MockExamFormat:
    """A short exam: 2 true/false of 5 points, 3 single of 10, 1 multiple of 60; 30 minutes."""
    values = {
        "true_false_count": 2,
        "true_false_points": 5,
        "single_count": 3,
        "single_points": 10,
        "multiple_count": 1,
        "multiple_points": 60,
        "duration_minutes": 30,
        "pass_mark": 60,
        **changes,
    }
    return make.mock_exam_format(enrolment, **values)


def bank(make: Factory, per_kind: int = 6, code: str = "accounting-4") -> None:
    for kind in Kind:
        for n in range(per_kind):
            make.question(code, kind=kind, chapter=CHAPTERS[n % len(CHAPTERS)])


@pytest.fixture
def enrolment(make: Factory) -> Enrolment:
    enrolment = make.enrolment(make.trainee())
    small_format(make, enrolment)
    bank(make)
    return enrolment


def test_a_programme_without_a_format_sits_the_default_exam(
    db_session: Session, make: Factory
) -> None:
    enrolment = make.enrolment(make.trainee())
    paper = mock_exams.paper_format(db_session, enrolment.programme)
    assert paper.counts == {Kind.TRUE_FALSE: 10, Kind.SINGLE: 20, Kind.MULTIPLE: 10}
    assert paper.points == {Kind.TRUE_FALSE: 2, Kind.SINGLE: 2, Kind.MULTIPLE: 4}
    assert (paper.duration_minutes, paper.pass_mark, paper.total_points) == (90, 60, 100)


def test_the_paper_follows_the_programmes_format(
    db_session: Session, make: Factory, enrolment: Enrolment
) -> None:
    exam = mock_exams.start(db_session, enrolment, now=make.clock.now(), rng=random.Random(1))
    kinds = [item.question.kind for item in exam.items]
    assert kinds == ["true_false"] * 2 + ["single"] * 3 + ["multiple"]
    assert [item.points for item in exam.items] == [5, 5, 10, 10, 10, 60]
    assert [item.position for item in exam.items] == [1, 2, 3, 4, 5, 6]
    assert exam.deadline_at == make.clock.now() + timedelta(minutes=30)
    assert (exam.total_points, exam.pass_mark) == (100, 60)
    singles = Counter(
        item.question.chapter for item in exam.items if item.question.kind == "single"
    )
    assert singles == Counter(CHAPTERS)  # spread over the chapters


def test_a_bank_too_small_for_the_format_is_refused_plainly(
    db_session: Session, make: Factory
) -> None:
    enrolment = make.enrolment(make.trainee())
    small_format(make, enrolment, multiple_count=7)
    bank(make)
    with pytest.raises(ServiceError) as refused:
        mock_exams.start(db_session, enrolment, now=make.clock.now())
    assert refused.value.code == "bank_too_small"
    assert refused.value.params == {"kind": "multiple", "have": 6, "need": 7}
    assert db_session.scalars(select(MockExam)).all() == []


def test_a_second_device_gets_the_same_paper(
    db_session: Session, make: Factory, enrolment: Enrolment
) -> None:
    first = mock_exams.start(db_session, enrolment, now=make.clock.now())
    make.clock.advance(minutes=5)
    again = mock_exams.start(db_session, enrolment, now=make.clock.now())
    assert again.id == first.id


def test_answers_are_kept_the_last_one_counting(
    db_session: Session, make: Factory, enrolment: Enrolment
) -> None:
    exam = mock_exams.start(db_session, enrolment, now=make.clock.now())
    mock_exams.save_answer(db_session, exam, 6, "ab", now=make.clock.advance(10))
    item = mock_exams.save_answer(db_session, exam, 6, "CA", now=make.clock.advance(10))
    assert (item.chosen, item.right) == ("AC", None)  # judged only when handed in
    assert mock_exams.save_answer(db_session, exam, 6, "", now=make.clock.now()).chosen is None
    for position, chosen in [(1, "AB"), (99, "A")]:
        with pytest.raises(ServiceError):
            mock_exams.save_answer(db_session, exam, position, chosen, now=make.clock.now())


def test_handing_in_scores_the_paper_and_keeps_the_answers(
    db_session: Session, make: Factory, enrolment: Enrolment
) -> None:
    exam = mock_exams.start(db_session, enrolment, now=make.clock.now())
    keys = {item.position: item.question.answer for item in exam.items}
    answers = {1: keys[1], 2: "B" if keys[2] == "A" else "A", 3: keys[3], 6: keys[6], 5: "?"}
    assert mock_exams.hand_in(db_session, exam, answers, now=make.clock.advance(minutes=12))
    assert (exam.score, exam.passed, exam.handed_in_by) == (75, True, "trainee")
    assert exam.handed_in_at == make.clock.now()
    assert [item.right for item in exam.items] == [True, False, True, False, False, True]
    kept = db_session.scalars(select(PracticeAnswer).order_by(PracticeAnswer.id)).all()
    assert [(answer.source, answer.right) for answer in kept] == [
        ("mock", True),
        ("mock", False),
        ("mock", True),
        ("mock", True),
    ]
    book = db_session.scalars(select(WrongBookEntry.question_id)).all()
    assert book == [exam.items[1].question_id]  # the wrong answer; unanswered ones are not
    with pytest.raises(ServiceError) as refused:
        mock_exams.save_answer(db_session, exam, 1, "A", now=make.clock.now())
    assert refused.value.code == "mock_exam_closed"
    fresh = mock_exams.start(db_session, enrolment, now=make.clock.now())
    assert fresh.id != exam.id


def test_the_servers_clock_hands_the_paper_in_at_its_deadline(
    db_session: Session, make: Factory, enrolment: Enrolment
) -> None:
    exam = mock_exams.start(db_session, enrolment, now=make.clock.now())
    right = exam.items[0].question.answer
    mock_exams.save_answer(db_session, exam, 1, right, now=make.clock.advance(minutes=29))
    make.clock.advance(minutes=1)  # the deadline itself
    with pytest.raises(ServiceError) as refused:
        mock_exams.save_answer(db_session, exam, 2, "A", now=make.clock.now())
    assert refused.value.code == "mock_exam_closed"
    assert (exam.handed_in_at, exam.handed_in_by) == (exam.deadline_at, "clock")
    assert (exam.score, exam.items[1].chosen) == (5, None)


def test_a_paper_reached_after_its_deadline_is_handed_in_at_the_deadline(
    db_session: Session, make: Factory, enrolment: Enrolment
) -> None:
    exam = mock_exams.start(db_session, enrolment, now=make.clock.now())
    make.clock.advance(hours=5)
    shown = mock_exams.paper_of(db_session, enrolment, exam.id, now=make.clock.now())
    assert (shown.handed_in_at, shown.handed_in_by, shown.score) == (exam.deadline_at, "clock", 0)
    late = {item.position: item.question.answer for item in exam.items}
    exam2 = mock_exams.start(db_session, enrolment, now=make.clock.now())
    make.clock.advance(hours=1)
    assert not mock_exams.hand_in(db_session, exam2, late, now=make.clock.now())
    assert (exam2.score, exam2.handed_in_by) == (0, "clock")


def test_the_job_hands_in_every_overdue_paper(
    db_session: Session, make: Factory, enrolment: Enrolment
) -> None:
    overdue = mock_exams.start(db_session, enrolment, now=make.clock.now())
    other = make.enrolment(make.trainee())
    make.clock.advance(minutes=20)
    running = mock_exams.start(db_session, other, now=make.clock.now())
    make.clock.advance(minutes=15)
    assert mock_exams.hand_in_overdue(db_session, now=make.clock.now()) == 1
    assert overdue.handed_in_by == "clock" and running.handed_in_at is None
    assert mock_exams.hand_in_overdue(db_session, now=make.clock.now()) == 0


def test_a_start_after_the_open_papers_deadline_hands_it_in_and_draws_anew(
    db_session: Session, make: Factory, enrolment: Enrolment
) -> None:
    first = mock_exams.start(db_session, enrolment, now=make.clock.now())
    make.clock.advance(minutes=31)
    second = mock_exams.start(db_session, enrolment, now=make.clock.now())
    assert second.id != first.id and first.handed_in_by == "clock"


def test_papers_of_another_enrolment_are_unknown(
    db_session: Session, make: Factory, enrolment: Enrolment
) -> None:
    exam = mock_exams.start(db_session, enrolment, now=make.clock.now())
    other = make.enrolment(make.trainee())
    with pytest.raises(ServiceError) as refused:
        mock_exams.paper_of(db_session, other, exam.id, now=make.clock.now())
    assert refused.value.code == "unknown_mock_exam"


def test_recent_results_newest_first(
    db_session: Session, make: Factory, enrolment: Enrolment
) -> None:
    for _ in range(3):
        exam = mock_exams.start(db_session, enrolment, now=make.clock.advance(hours=1))
        mock_exams.hand_in(db_session, exam, {}, now=make.clock.advance(minutes=1))
    mock_exams.start(db_session, enrolment, now=make.clock.advance(hours=1))  # still open
    found = mock_exams.recent_results(db_session, [enrolment.id], limit=2)[enrolment.id]
    assert [result.handed_in_at for result in found] == [
        make.clock.now() - timedelta(hours=1),
        make.clock.now() - timedelta(hours=2, minutes=1),
    ]
    assert [(r.score, r.total_points, r.passed) for r in found] == [(0, 100, False)] * 2


def test_a_start_that_loses_the_race_to_the_unique_index_returns_the_winners_paper(
    db_session: Session, make: Factory, enrolment: Enrolment, monkeypatch
) -> None:
    """Two starts at once both look before inserting and find no open paper; the index refuses
    the second insert (on either database), which then returns the first one's paper."""
    winner = mock_exams.start(db_session, enrolment, now=make.clock.now())
    real, looks = mock_exams.open_paper, []

    def blind_first_look(session: Session, enrolment: Enrolment) -> MockExam | None:
        looks.append(enrolment.id)
        return None if len(looks) == 1 else real(session, enrolment)

    monkeypatch.setattr(mock_exams, "open_paper", blind_first_look)
    again = mock_exams.start(db_session, enrolment, now=make.clock.now())
    assert again.id == winner.id and len(looks) == 2
    assert db_session.scalars(select(MockExam.id)).all() == [winner.id]
