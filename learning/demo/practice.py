"""The demo's practice history: trainees of the programmes with a question bank practised on
some days of the last weeks and sat a few mock exams, getting better as they went, so that the
practice hub, the wrong-answer book, the home page's scores and the readiness charts show
something on the first visit.

Answers go through the same rules and services as a trainee's, at past times: each practice
question is the one `practice.next_question` would give (`least_recently_answered`, the answers
given so far held here rather than read back after each), and a trainee's practice is kept in one
`practice.record_all`; the mock exams through `mock_exams.start` and `hand_in`. Each trainee has a
skill, lower on harder questions and on the calculation-heavy chapters, that grows with each week
of practice.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from learning.domain.exam_practice import Kind, least_recently_answered, letters_of
from learning.models import Enrolment, EnrolmentStatus, Question
from learning.services import mock_exams, practice, question_bank

WEEKS = 4
#: The chapters most trainees find hardest: the calculations and the verification's procedure.
HARD_CHAPTERS = {"第三章 温室气体排放核算方法", "第五章 碳排放报告与核查"}


def seed(session: Session, *, now: datetime, rng: random.Random) -> int:
    """Practice and mock exams for every active enrolment whose programme has a bank; returns
    how many papers were sat."""
    papers = 0
    for enrolment in _enrolments_with_a_bank(session):
        skill = rng.uniform(0.45, 0.8)
        if rng.random() < 0.15:
            continue  # some never practise: the readiness page shows them too
        _practise(session, enrolment, skill, now=now, rng=rng)
        papers += _sit_mock_exams(session, enrolment, skill, now=now, rng=rng)
    return papers


def _enrolments_with_a_bank(session: Session) -> list[Enrolment]:
    enrolments = session.scalars(
        select(Enrolment)
        .where(Enrolment.status == EnrolmentStatus.ACTIVE.value)
        .order_by(Enrolment.id)
    ).all()
    return [e for e in enrolments if _has_bank(session, e)]


def _has_bank(session: Session, enrolment: Enrolment) -> bool:
    questions = question_bank.pool(enrolment.programme).with_only_columns(Question.id)
    return bool(session.scalar(select(exists(questions))))


def _chance(skill: float, question: Question, weeks_of_practice: float) -> float:
    """How likely the trainee answers this question right."""
    chance = skill + 0.05 * weeks_of_practice - 0.1 * (question.difficulty - 1)
    if question.chapter in HARD_CHAPTERS:
        chance -= 0.15
    return min(0.97, max(0.1, chance))


def _practise(
    session: Session, enrolment: Enrolment, skill: float, *, now: datetime, rng: random.Random
) -> None:
    candidates = list(session.scalars(question_bank.pool(enrolment.programme)))
    ids = [question.id for question in candidates]
    by_id = {question.id: question for question in candidates}
    last = practice.last_answered(session, enrolment.trainee_id, ids)
    answers: list[practice.Given] = []
    days = sorted(rng.sample(range(1, WEEKS * 7), k=rng.randint(2, 6)), reverse=True)
    for days_ago in days:
        at = now - timedelta(days=days_ago, hours=rng.randint(0, 10))
        weeks_of_practice = (WEEKS * 7 - days_ago) / 7
        for _ in range(rng.randint(4, 12)):
            question = by_id[least_recently_answered(ids, last, rng)]
            right = rng.random() < _chance(skill, question, weeks_of_practice)
            chosen = question.answer if right else _wrong_answer(question, rng)
            answers.append(practice.Given(question, chosen, at))
            answered = at.astimezone(UTC).replace(tzinfo=None)  # as `last_answered` reads it
            last[question.id] = max(last.get(question.id, answered), answered)
            at += timedelta(seconds=rng.randint(20, 90))
    practice.record_all(session, enrolment, answers, source="practice")


def _sit_mock_exams(
    session: Session, enrolment: Enrolment, skill: float, *, now: datetime, rng: random.Random
) -> int:
    sittings = rng.randint(0, 4)
    for number in range(sittings):
        days_ago = (sittings - number) * rng.randint(3, 6)
        started = now - timedelta(days=days_ago, hours=rng.randint(1, 8))
        weeks_of_practice = max(0.0, (WEEKS * 7 - days_ago) / 7)
        exam = mock_exams.start(session, enrolment, now=started, rng=rng)
        answers = {
            item.position: item.question.answer
            if rng.random() < _chance(skill, item.question, weeks_of_practice)
            else _wrong_answer(item.question, rng)
            for item in exam.items
        }
        finished = started + timedelta(minutes=rng.randint(35, 85))
        mock_exams.hand_in(session, exam, answers, now=finished)
    return sittings


def _wrong_answer(question: Question, rng: random.Random) -> str:
    """A plausible wrong answer: another option, or a multiple choice missing a right one or
    with a wrong one added."""
    letters = letters_of(Kind(question.kind), len(question.options))
    wrong = [letter for letter in letters if letter not in question.answer]
    if question.kind != Kind.MULTIPLE.value:
        return rng.choice(wrong)
    if rng.random() < 0.5:
        missing = rng.choice(question.answer)
        return question.answer.replace(missing, "")
    return "".join(sorted(question.answer + rng.choice(wrong)))
