"""The question bank: which questions a programme's trainees practise, and keeping the bank.

A question serves the programmes it is linked to, and the higher levels of the same work type
too: what a level-4 trainee must know, a level-3 trainee must know as well (levels run from 5,
the lowest, to 1). Retired questions are drawn no more; the answers given to them stay.

What makes a question askable is said once, in `faults`: the page shows each fault on its
field, the workbook import (`question_import`) on its cell, and `check` refuses the first.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, Select, Subquery, case, distinct, exists, func, select
from sqlalchemy.orm import Session, selectinload

from learning.domain.exam_practice import LETTERS, OPTION_COUNTS, Kind, letters_of
from learning.models import PracticeAnswer, Programme, Question, question_programmes
from learning.models.base import text_length
from learning.services import ServiceError, audit

STEM_MAX = 1000
OPTION_MAX = 300
EXPLANATION_MAX = 2000
CHAPTER_MAX = text_length(Question.__table__.c.chapter)
KNOWLEDGE_POINT_MAX = text_length(Question.__table__.c.knowledge_point)
#: Options a question may have on the page and in the workbook (A to F).
OPTION_SLOTS = 6
_EXCERPT = 60  # characters of a stem kept in the audit log


def serves(programme: Programme) -> ColumnElement[bool]:
    """Whether a question serves `programme`: linked to it or to a lower level of its work type."""
    serving = (
        select(question_programmes.c.question_id)
        .join(Programme, Programme.id == question_programmes.c.programme_id)
        .where(
            question_programmes.c.question_id == Question.id,
            Programme.work_type_code == programme.work_type_code,
            Programme.level >= programme.level,
        )
    )
    return exists(serving)


def pool(programme: Programme) -> Select[tuple[Question]]:
    """The active questions a programme's trainees practise and sit mock exams from."""
    return select(Question).where(Question.retired_at.is_(None), serves(programme))


def pool_counts(session: Session, programme: Programme) -> dict[Kind, int]:
    """How many questions of each kind the programme's pool has."""
    statement = (
        select(Question.kind, func.count())
        .where(Question.retired_at.is_(None), serves(programme))
        .group_by(Question.kind)
    )
    counts = dict(session.execute(statement).tuples().all())
    return {kind: counts.get(kind.value, 0) for kind in Kind}


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


@dataclass(frozen=True)
class Fault:
    """A reason a question cannot be asked, and the part it concerns: `stem`, `option:<letter>`,
    `answer`, `explanation`, `chapter`, `knowledge_point` or `difficulty`."""

    part: str
    code: str
    params: dict[str, object] = field(default_factory=dict)


def options_of(cells: Sequence[str]) -> list[str]:
    """The options written in slots A, B, ...: up to the last one filled (an empty slot before
    it stays, as an empty option for `faults` to name)."""
    filled = [index for index, cell in enumerate(cells) if cell.strip()]
    return [cell.strip() for cell in cells[: filled[-1] + 1]] if filled else []


def faults(data: QuestionData) -> list[Fault]:
    """Every reason the question cannot be asked; none for a good one."""
    return text_faults(data) + key_faults(data.kind, data.options, data.answer)


def text_faults(data: QuestionData) -> list[Fault]:
    """What is wrong with the texts and the difficulty, whatever the kind."""
    found: list[Fault] = []
    if not data.stem.strip():
        found.append(Fault("stem", "question_stem_missing"))
    if not data.knowledge_point.strip():
        found.append(Fault("knowledge_point", "question_knowledge_point_missing"))
    if data.difficulty not in (1, 2, 3):
        found.append(Fault("difficulty", "question_difficulty_invalid"))
    texts = [
        ("stem", data.stem, STEM_MAX),
        *((f"option:{LETTERS[i]}", text, OPTION_MAX) for i, text in enumerate(data.options)),
        ("explanation", data.explanation, EXPLANATION_MAX),
        ("chapter", data.chapter or "", CHAPTER_MAX),
        ("knowledge_point", data.knowledge_point, KNOWLEDGE_POINT_MAX),
    ]
    for part, text, most in texts:
        if "\x00" in text:  # no database keeps it in text
            found.append(Fault(part, "nul_character"))
        if len(text.strip()) > most:
            found.append(Fault(part, "cell_too_long", {"length": len(text.strip()), "most": most}))
        if part.startswith("option:") and not text.strip():
            found.append(Fault(part, "question_option_empty"))
    return found


def key_faults(kind: Kind, options: Sequence[str], answer: str) -> list[Fault]:
    """Whether the question has the options its kind needs, and an answer they allow."""
    allowed = OPTION_COUNTS[kind]
    if kind == Kind.TRUE_FALSE and options:
        return [Fault("option:A", "question_true_false_options")]
    if len(options) not in allowed:
        part = f"option:{LETTERS[min(len(options), len(LETTERS) - 1)]}"
        most = min(allowed[-1], OPTION_SLOTS)
        return [Fault(part, "question_option_count", {"least": allowed[0], "most": most})]
    letters = "".join(sorted({c for c in answer.upper() if not c.isspace()}))
    valid = letters_of(kind, len(options))
    reason = None
    if not letters:
        reason = "missing"
    elif any(c not in valid for c in letters):
        reason = "letters"
    elif kind != Kind.MULTIPLE and len(letters) > 1:
        reason = "one"
    elif kind == Kind.MULTIPLE and len(letters) < 2:
        reason = "one_right"
    elif kind == Kind.MULTIPLE and len(letters) == len(options):
        reason = "all_right"
    if reason is None:
        return []
    params: dict[str, object] = {"kind": kind.value, "reason": reason, "letters": valid}
    return [Fault("answer", "question_answer_invalid", params)]


def check(data: QuestionData) -> None:
    """Refuse a question that cannot be asked: `ServiceError` naming what is wrong (the
    first fault; `part` says where)."""
    found = faults(data)
    if found:
        raise ServiceError(found[0].code, part=found[0].part, **found[0].params)


def _key(data: QuestionData) -> str:
    return "".join(sorted({c for c in data.answer.upper() if not c.isspace()}))


def _stem_taken(session: Session, stem: str, but: int | None = None) -> None:
    """Refuse a stem another question of the bank has (retired ones too: restoring one would
    bring the twin back)."""
    statement = select(Question.id).where(Question.stem == stem.strip())
    if but is not None:
        statement = statement.where(Question.id != but)
    other = session.scalar(statement.limit(1))
    if other is not None:
        raise ServiceError("question_stem_exists", part="stem", id=other)


def _excerpt(stem: str) -> str:
    return stem if len(stem) <= _EXCERPT else stem[: _EXCERPT - 1] + "…"


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
        raise ServiceError("question_programmes_missing", part="programmes")
    _stem_taken(session, data.stem)
    question = Question(
        kind=data.kind.value,
        stem=data.stem.strip(),
        options=[option.strip() for option in data.options],
        answer=_key(data),
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
            details={
                "stem": _excerpt(question.stem),
                "programmes": [programme.code for programme in programmes],
            },
        )
    return question


def update_question(
    session: Session,
    question: Question,
    data: QuestionData,
    programmes: list[Programme],
    *,
    now: datetime,
    actor_id: int,
) -> list[str]:
    """Change a question; audited with the before and after of each part changed, which are
    returned by name. Answers given before keep the judgement they had."""
    check(data)
    if not programmes:
        raise ServiceError("question_programmes_missing", part="programmes")
    _stem_taken(session, data.stem, but=question.id)
    wanted: dict[str, object] = {
        "kind": data.kind.value,
        "stem": data.stem.strip(),
        "options": [option.strip() for option in data.options],
        "answer": _key(data),
        "explanation": data.explanation.strip(),
        "chapter": (data.chapter or "").strip() or None,
        "knowledge_point": data.knowledge_point.strip(),
        "difficulty": data.difficulty,
    }
    changes: dict[str, list[object]] = {}
    for name, value in wanted.items():
        if getattr(question, name) != value:
            changes[name] = [getattr(question, name), value]
            setattr(question, name, value)
    before = sorted(programme.code for programme in question.programmes)
    after = sorted(programme.code for programme in programmes)
    if before != after:
        changes["programmes"] = [before, after]
        question.programmes = list(programmes)
    if changes:
        question.updated_at = now
        audit.record(
            session,
            at=now,
            actor_id=actor_id,
            action="question.update",
            subject=f"question:{question.id}",
            details={"stem": _excerpt(question.stem), "changes": changes},
        )
    return list(changes)


def set_retired(
    session: Session, question: Question, *, retired: bool, now: datetime, actor_id: int
) -> None:
    """Retire a question (drawn no more; answers given to it stay) or bring it back."""
    if (question.retired_at is not None) == retired:
        return
    if not retired:
        _stem_taken(session, question.stem, but=question.id)
    question.retired_at = now if retired else None
    question.updated_at = now
    audit.record(
        session,
        at=now,
        actor_id=actor_id,
        action="question.retire" if retired else "question.restore",
        subject=f"question:{question.id}",
        details={"stem": _excerpt(question.stem)},
    )


# --- the list for admins -----------------------------------------------------------------------


class Order:
    NEWEST = "newest"
    LEAST_RIGHT = "least_right"  # bad questions first: the lowest share answered right


@dataclass(frozen=True)
class Filters:
    """What the list is narrowed to; None (or empty) for all. `programme`: the questions its
    trainees draw from. `retired`: False, only active questions; True, only retired ones."""

    programme: Programme | None = None
    kind: Kind | None = None
    chapter: str | None = None
    knowledge_point: str | None = None
    text: str | None = None
    retired: bool | None = False
    order: str = Order.NEWEST


@dataclass(frozen=True)
class Stats:
    """Answers given to a question (practice, mock exams, videos) and how many were right."""

    answered: int = 0
    right: int = 0

    @property
    def share(self) -> float | None:
        return self.right / self.answered if self.answered else None


@dataclass(frozen=True)
class Row:
    question: Question
    stats: Stats


@dataclass(frozen=True)
class Listing:
    rows: list[Row]
    total: int
    page: int
    pages: int


def _stats_table() -> Subquery:
    right = func.sum(case((PracticeAnswer.right, 1), else_=0))
    return (
        select(
            PracticeAnswer.question_id,
            func.count().label("answered"),
            right.label("right"),
        )
        .group_by(PracticeAnswer.question_id)
        .subquery()
    )


def search(session: Session, filters: Filters, *, page: int = 1, per_page: int = 50) -> Listing:
    """A page of the questions the filters leave, each with its statistics."""
    stats = _stats_table()
    statement = select(Question, stats.c.answered, stats.c.right).outerjoin(
        stats, stats.c.question_id == Question.id
    )
    for condition in _conditions(filters):
        statement = statement.where(condition)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, page), pages)
    if filters.order == Order.LEAST_RIGHT:
        share = stats.c.right * 1.0 / stats.c.answered
        statement = statement.order_by(
            share.asc().nulls_last(), stats.c.answered.desc(), Question.id
        )
    else:
        statement = statement.order_by(Question.id.desc())
    statement = (
        statement.options(selectinload(Question.programmes))
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    rows = [
        Row(question, Stats(answered or 0, right or 0))
        for question, answered, right in session.execute(statement).tuples()
    ]
    return Listing(rows=rows, total=total, page=page, pages=pages)


def _conditions(filters: Filters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.programme is not None:
        conditions.append(serves(filters.programme))
    if filters.kind is not None:
        conditions.append(Question.kind == filters.kind.value)
    if filters.chapter:
        conditions.append(Question.chapter == filters.chapter)
    if filters.knowledge_point:
        conditions.append(Question.knowledge_point == filters.knowledge_point)
    if filters.text and filters.text.strip():
        words = filters.text.strip().lower()
        conditions.append(
            func.lower(Question.stem).contains(words, autoescape=True)
            | func.lower(Question.explanation).contains(words, autoescape=True)
        )
    if filters.retired is not None:
        retired = Question.retired_at.is_not(None)
        conditions.append(retired if filters.retired else ~retired)
    return conditions


def stats_of(session: Session, question_id: int) -> Stats:
    right = func.sum(case((PracticeAnswer.right, 1), else_=0))
    answered, right_count = session.execute(
        select(func.count(), right).where(PracticeAnswer.question_id == question_id)
    ).one()
    return Stats(answered or 0, right_count or 0)


def chapters(session: Session) -> list[str]:
    """The chapters questions of the bank name, in order."""
    statement = select(distinct(Question.chapter)).where(Question.chapter.is_not(None))
    return sorted(session.scalars(statement))


def knowledge_points(session: Session) -> list[str]:
    return sorted(session.scalars(select(distinct(Question.knowledge_point))))
