"""Which questions a programme's trainees practise (services/question_bank.pool)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from learning.domain.exam_practice import Kind
from learning.services import ServiceError, catalogue, question_bank
from tests.factories import Factory


def _pool(session: Session, code: str) -> set[int]:
    programme = catalogue.programme_by_code(session, code)
    return {question.id for question in session.scalars(question_bank.pool(programme))}


def test_a_question_serves_its_programme_and_the_higher_levels_of_its_work_type(
    db_session: Session, make: Factory
) -> None:
    basic = make.question("accounting-4")
    advanced = make.question("accounting-2")
    other_work_type = make.question("verification-4")
    assert _pool(db_session, "accounting-4") == {basic.id}
    assert _pool(db_session, "accounting-3") == {basic.id}
    assert _pool(db_session, "accounting-1") == {basic.id, advanced.id}
    assert _pool(db_session, "verification-3") == {other_work_type.id}


def test_a_retired_question_is_drawn_no_more(db_session: Session, make: Factory) -> None:
    question = make.question("accounting-4")
    question.retired_at = make.clock.now()
    db_session.flush()
    assert _pool(db_session, "accounting-4") == set()


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"stem": " "}, "question_stem_missing"),
        ({"knowledge_point": ""}, "question_knowledge_point_missing"),
        ({"difficulty": 4}, "question_difficulty_invalid"),
        ({"options": ["甲", " ", "丙", "丁"]}, "question_option_empty"),
        ({"answer": "E"}, "question_answer_invalid"),
        ({"kind": Kind.MULTIPLE, "answer": "A"}, "question_answer_invalid"),
    ],
)
def test_a_question_that_cannot_be_asked_is_refused(changes: dict, code: str) -> None:
    data = {
        "kind": Kind.SINGLE,
        "stem": "温室气体是？",
        "options": ["甲", "乙", "丙", "丁"],
        "answer": "B",
        "explanation": "",
        "chapter": None,
        "knowledge_point": "温室气体种类",
        "difficulty": 1,
        **changes,
    }
    with pytest.raises(ServiceError) as refused:
        question_bank.check(question_bank.QuestionData(**data))
    assert refused.value.code == code
