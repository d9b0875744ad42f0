"""Practice through the service: which question comes next, judging, the wrong-answer book and
accuracy per chapter (services/practice)."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from learning.domain.exam_practice import Kind
from learning.models import PracticeAnswer, WrongBookEntry
from learning.services import ServiceError, catalogue, practice
from learning.services.practice import Mode
from tests.factories import Factory


def test_practice_by_chapter_draws_only_that_chapter(db_session: Session, make: Factory) -> None:
    enrolment = make.enrolment(make.trainee())
    first = {make.question(chapter="第一章").id for _ in range(3)}
    make.question(chapter="第二章")
    make.question(chapter=None)
    drawn = set()
    for seed in range(12):
        question = practice.next_question(
            db_session, enrolment, Mode.CHAPTER, "第一章", rng=random.Random(seed)
        )
        drawn.add(question.id)
        practice.answer(db_session, enrolment, question.id, "B", now=make.clock.advance(60))
    assert drawn == first
    unnamed = practice.next_question(db_session, enrolment, Mode.CHAPTER, "")
    assert unnamed is not None and unnamed.chapter is None
    assert practice.next_question(db_session, enrolment, Mode.CHAPTER, "第九章") is None


def test_by_knowledge_point_and_at_random(db_session: Session, make: Factory) -> None:
    enrolment = make.enrolment(make.trainee())
    point = make.question(knowledge_point="配额分配")
    make.question(knowledge_point="温室气体种类")
    chosen = practice.next_question(db_session, enrolment, Mode.POINT, "配额分配")
    assert chosen.id == point.id
    assert practice.next_question(db_session, enrolment, Mode.RANDOM) is not None
    other_bank = make.question("verification-4")
    drawn = {practice.next_question(db_session, enrolment, Mode.RANDOM).id for _ in range(20)}
    assert other_bank.id not in drawn


def test_the_next_question_is_one_not_answered_yet_then_the_one_answered_longest_ago(
    db_session: Session, make: Factory
) -> None:
    enrolment = make.enrolment(make.trainee())
    questions = [make.question() for _ in range(3)]
    for question in questions[:2]:
        practice.answer(db_session, enrolment, question.id, "A", now=make.clock.advance(60))
    for seed in range(5):
        again = practice.next_question(db_session, enrolment, Mode.RANDOM, rng=random.Random(seed))
        assert again.id == questions[2].id
    practice.answer(db_session, enrolment, questions[2].id, "B", now=make.clock.advance(60))
    assert practice.next_question(db_session, enrolment, Mode.RANDOM).id == questions[0].id


def test_ties_are_broken_by_the_random_generator_given(db_session: Session, make: Factory) -> None:
    enrolment = make.enrolment(make.trainee())
    for _ in range(6):
        make.question()
    picks = {
        practice.next_question(db_session, enrolment, Mode.RANDOM, rng=random.Random(seed)).id
        for seed in range(30)
    }
    assert len(picks) > 1
    same = [
        practice.next_question(db_session, enrolment, Mode.RANDOM, rng=random.Random(7)).id
        for _ in range(3)
    ]
    assert len(set(same)) == 1


def test_an_answer_is_judged_kept_and_feeds_the_wrong_answer_book(
    db_session: Session, make: Factory
) -> None:
    enrolment = make.enrolment(make.trainee())
    question = make.question(kind=Kind.MULTIPLE)  # A and C right

    def book() -> list[int]:
        db_session.expire_all()
        return [entry.right_in_a_row for entry in practice.wrong_book(db_session, enrolment)]

    given = practice.answer(db_session, enrolment, question.id, "a", now=make.clock.now())
    assert (given.chosen, given.right, given.source) == ("A", False, "practice")
    assert book() == [0]
    assert practice.answer(db_session, enrolment, question.id, "CA", now=make.clock.now()).right
    assert book() == [1]
    practice.answer(db_session, enrolment, question.id, "ABC", now=make.clock.now())
    assert book() == [0]  # a wrong answer starts the count again
    practice.answer(db_session, enrolment, question.id, "AC", now=make.clock.now())
    practice.answer(db_session, enrolment, question.id, "AC", now=make.clock.now())
    assert book() == []  # right twice in a row: out of the book
    assert db_session.scalars(select(PracticeAnswer.right)).all() == [
        False,
        True,
        False,
        True,
        True,
    ]


def test_answers_kept_together_leave_what_the_same_answers_one_by_one_leave(
    db_session: Session, make: Factory
) -> None:
    """`record_all` (a paper handed in, the demo's practice) writes the book once for all its
    answers: as `record` answer by answer would, an entry cleared and added again within one
    batch included."""
    first, second, third = make.question(), make.question(), make.question()  # B is right
    batches = [
        [(first, "A"), (second, "A")],
        [(first, "B"), (first, "B"), (first, "A"), (second, "B"), (third, "B"), (third, "A")],
        [(second, "B"), (second, "B"), (third, "B"), (first, "C")],
    ]
    one_by_one, together = make.enrolment(make.trainee()), make.enrolment(make.trainee())
    for batch in batches:
        answers = [practice.Given(q, letters, make.clock.advance(60)) for q, letters in batch]
        for given in answers:
            practice.record(
                db_session, one_by_one, given.question, given.letters, source="mock", now=given.at
            )
        practice.record_all(db_session, together, answers, source="mock")

    def kept(enrolment) -> tuple[list[tuple], list[tuple]]:
        db_session.expire_all()
        book = db_session.scalars(
            select(WrongBookEntry)
            .where(WrongBookEntry.trainee_id == enrolment.trainee_id)
            .order_by(WrongBookEntry.question_id)
        )
        answers = db_session.scalars(
            select(PracticeAnswer)
            .where(PracticeAnswer.enrolment_id == enrolment.id)
            .order_by(PracticeAnswer.id)
        )
        return (
            [(e.question_id, e.right_in_a_row, e.added_at, e.updated_at) for e in book],
            [(a.question_id, a.chosen, a.right, a.source, a.answered_at) for a in answers],
        )

    assert kept(together) == kept(one_by_one)
    book, answers = kept(together)
    assert [(question_id, streak) for question_id, streak, _, _ in book] == [
        (first.id, 0),
        (third.id, 1),
    ]
    assert book[0][2] == answers[4][4] != answers[0][4]  # cleared, then added again
    assert len(answers) == 12


def test_a_right_answer_to_a_question_never_missed_puts_nothing_in_the_book(
    db_session: Session, make: Factory
) -> None:
    enrolment = make.enrolment(make.trainee())
    question = make.question()
    practice.answer(db_session, enrolment, question.id, "B", now=make.clock.now())
    assert db_session.scalars(select(WrongBookEntry)).all() == []


def test_practice_from_the_wrong_answer_book_asks_only_what_is_in_it(
    db_session: Session, make: Factory
) -> None:
    enrolment = make.enrolment(make.trainee())
    missed, known = make.question(), make.question()
    assert practice.next_question(db_session, enrolment, Mode.WRONG) is None
    practice.answer(db_session, enrolment, missed.id, "A", now=make.clock.advance(1))
    practice.answer(db_session, enrolment, known.id, "B", now=make.clock.advance(1))
    for _ in range(5):
        assert practice.next_question(db_session, enrolment, Mode.WRONG).id == missed.id
    other = make.enrolment(make.trainee())
    assert practice.next_question(db_session, other, Mode.WRONG) is None


@pytest.mark.parametrize(
    ("kind", "chosen"),
    [(Kind.SINGLE, "AB"), (Kind.SINGLE, "E"), (Kind.TRUE_FALSE, "C"), (Kind.MULTIPLE, "")],
)
def test_an_answer_that_cannot_be_one_is_refused_and_nothing_is_kept(
    db_session: Session, make: Factory, kind: Kind, chosen: str
) -> None:
    enrolment = make.enrolment(make.trainee())
    question = make.question(kind=kind)
    with pytest.raises(ServiceError) as refused:
        practice.answer(db_session, enrolment, question.id, chosen, now=make.clock.now())
    assert refused.value.code == "answer_invalid"
    assert db_session.scalars(select(PracticeAnswer)).all() == []


def test_a_question_of_another_bank_or_retired_is_refused(
    db_session: Session, make: Factory
) -> None:
    enrolment = make.enrolment(make.trainee())
    foreign = make.question("verification-4")
    retired = make.question()
    retired.retired_at = make.clock.now()
    for question in (foreign, retired):
        with pytest.raises(ServiceError) as refused:
            practice.answer(db_session, enrolment, question.id, "B", now=make.clock.now())
        assert refused.value.code == "question_not_in_bank"


def test_accuracy_per_chapter_the_weakest_first(db_session: Session, make: Factory) -> None:
    enrolment = make.enrolment(make.trainee())
    one, two = make.question(chapter="第一章"), make.question(chapter="第二章")
    for question, chosen in [(one, "B"), (one, "B"), (two, "A"), (two, "B")]:
        practice.answer(db_session, enrolment, question.id, chosen, now=make.clock.now())
    rows = practice.accuracy_by_chapter(db_session, enrolment)
    assert [(row.label, row.right, row.answered) for row in rows] == [
        ("第二章", 1, 2),
        ("第一章", 2, 2),
    ]


def test_topics_list_the_chapters_and_their_knowledge_points(
    db_session: Session, make: Factory
) -> None:
    enrolment = make.enrolment(make.trainee())
    make.question(chapter="第二章", knowledge_point="核查")
    make.question(chapter="第一章", knowledge_point="配额")
    make.question(chapter="第一章", knowledge_point="排放因子")
    make.question(chapter=None, knowledge_point="其他")
    found = practice.topics(db_session, enrolment)
    assert [(t.chapter, t.points, t.questions) for t in found] == [
        ("第一章", ["排放因子", "配额"], 2),
        ("第二章", ["核查"], 1),
        (None, ["其他"], 1),
    ]


def test_chapters_come_in_the_order_of_the_course_not_of_their_characters(
    db_session: Session, make: Factory
) -> None:
    """第三章 sorts before 第二章 by its characters; the course's order puts it after."""
    enrolment = make.enrolment(make.trainee())
    for chapter in ("第三章 核算方法", "第二章 政策法规", "第十章 复习", "附录"):
        make.question(chapter=chapter)
    first, second, third = (make.video("accounting-4") for _ in range(3))
    programme = enrolment.programme
    catalogue.set_chapters(
        db_session,
        programme,
        {first.id: "第二章 政策法规", second.id: "第三章 核算方法", third.id: "第十章 复习"},
        now=make.clock.now(),
        actor_id=None,
    )
    found = [topic.chapter for topic in practice.topics(db_session, enrolment)]
    assert found == ["第二章 政策法规", "第三章 核算方法", "第十章 复习", "附录"]
