"""The question bank: which questions a programme's trainees practise, and adding questions.

A question serves the programmes it is linked to, and the higher levels of the same work type
too: what a level-4 trainee must know, a level-3 trainee must know as well (levels run from 5,
the lowest, to 1). Retired questions are drawn no more; the answers given to them stay.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import Session

from learning.exam_practice import Kind, valid_key
from learning.models import Programme, Question, question_programmes
from learning.services import ServiceError, audit


def pool(programme: Programme) -> Select[tuple[Question]]:
    """The active questions a programme's trainees practise and sit mock exams from."""
    serving = (
        select(question_programmes.c.question_id)
        .join(Programme, Programme.id == question_programmes.c.programme_id)
        .where(
            question_programmes.c.question_id == Question.id,
            Programme.work_type_code == programme.work_type_code,
            Programme.level >= programme.level,
        )
    )
    return select(Question).where(Question.retired_at.is_(None), exists(serving))


def presence_check_for(session: Session, programme: Programme) -> str:
    """What a playback of the programme opening now asks at its presence checks: the
    programme's setting, or the code while its bank has no question to ask."""
    if programme.presence_check == "code":
        return "code"
    has_question = session.scalar(pool(programme).with_only_columns(Question.id).limit(1))
    return programme.presence_check if has_question is not None else "code"


@dataclass(frozen=True)
class QuestionData:
    """What an admin writes for a question (on the page or in a workbook row)."""

    kind: Kind
    stem: str
    options: list[str]
    answer: str
    explanation: str
    chapter: str | None
    knowledge_point: str
    difficulty: int


def check(data: QuestionData) -> None:
    """Refuse a question that cannot be asked: `ServiceError` naming what is wrong."""
    if not data.stem.strip():
        raise ServiceError("question_stem_missing")
    if not data.knowledge_point.strip():
        raise ServiceError("question_knowledge_point_missing")
    if data.difficulty not in (1, 2, 3):
        raise ServiceError("question_difficulty_invalid")
    if any(not option.strip() for option in data.options):
        raise ServiceError("question_option_empty")
    if not valid_key(data.kind, len(data.options), data.answer):
        raise ServiceError("question_answer_invalid", kind=data.kind.value)


def add_question(
    session: Session,
    data: QuestionData,
    programmes: list[Programme],
    *,
    now: datetime,
    actor_id: int | None,
) -> Question:
    check(data)
    if not programmes:
        raise ServiceError("question_programmes_missing")
    question = Question(
        kind=data.kind.value,
        stem=data.stem.strip(),
        options=[option.strip() for option in data.options],
        answer="".join(sorted(data.answer.upper())),
        explanation=data.explanation.strip(),
        chapter=(data.chapter or "").strip() or None,
        knowledge_point=data.knowledge_point.strip(),
        difficulty=data.difficulty,
        created_at=now,
        updated_at=now,
        programmes=programmes,
    )
    session.add(question)
    session.flush()
    if actor_id is not None:
        audit.record(
            session,
            at=now,
            actor_id=actor_id,
            action="question.add",
            subject=f"question:{question.id}",
            details={"programmes": [programme.code for programme in programmes]},
        )
    return question
