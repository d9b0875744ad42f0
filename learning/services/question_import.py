"""A question bank imported from an Excel workbook made from the template.

One row per question. The check reads every cell and lists every problem by row and column
(an unknown kind, an answer its options do not allow, a gap between options, an unknown
programme, a cell too long, a question already in the file or in the bank, ...); while any row
is bad nothing is written, even if asked to. Otherwise every row is added, all or nothing, and
the import is audited once with its count.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from learning.domain.exam_practice import FALSE, LETTERS, TRUE, Kind
from learning.models import Programme, Question
from learning.services import audit, question_bank
from learning.services.question_bank import OPTION_SLOTS, QuestionData
from learning.services.workbooks import Column, Problem, read_rows, write

OPTION_KEYS = [f"option_{letter.lower()}" for letter in LETTERS[:OPTION_SLOTS]]
COLUMNS = (
    Column("kind", "题型", note="判断、单选或多选"),
    Column(
        "stem", "题干", note=f"题目正文，至多 {question_bank.STEM_MAX} 字；不得与题库中已有题目相同"
    ),
    *(
        Column(
            key,
            f"选项{letter}",
            required=False,
            note="判断题不填选项；单选题至少 2 个，多选题至少 3 个，从 A 起依次填写，中间不留空"
            if letter == "A"
            else "",
        )
        for key, letter in zip(OPTION_KEYS, LETTERS, strict=False)
    ),
    Column(
        "answer",
        "答案",
        note="选项字母，如 B 或 ACD；判断题填 正确/错误（或 对/错、√/×、A/B）",
    ),
    Column("explanation", "解析", required=False, note="答题后给学员看的讲解"),
    Column("chapter", "章节", required=False, note=f"至多 {question_bank.CHAPTER_MAX} 字"),
    Column("knowledge_point", "知识点", note=f"至多 {question_bank.KNOWLEDGE_POINT_MAX} 字"),
    Column("difficulty", "难度", required=False, note="1、2、3 或 易、中、难；留空为 1（易）"),
    Column(
        "programmes",
        "适用项目",
        note="培训项目代码，如 accounting-4；多个用逗号或顿号分开。"
        "同一工种更高等级的项目也会用到该题",
    ),
)
HEADERS = {column.key: column.header for column in COLUMNS}
_PLACES = {
    column.header: place for place, column in enumerate(COLUMNS)
}  # a row's problems in order
EXAMPLES = (
    (
        "判断",
        "二氧化碳是温室气体。",
        *[""] * OPTION_SLOTS,
        "正确",
        "",
        "第一章",
        "温室气体",
        "易",
        "accounting-4",
    ),
    (
        "单选",
        "下列哪种气体的全球增温潜势最高？",
        "二氧化碳",
        "甲烷",
        "六氟化硫",
        "氧化亚氮",
        "",
        "",
        "C",
        "六氟化硫的全球增温潜势远高于其他几种。",
        "第一章",
        "全球增温潜势",
        "中",
        "accounting-4、verification-4",
    ),
)
KIND_WORDS = {
    "判断": Kind.TRUE_FALSE,
    "判断题": Kind.TRUE_FALSE,
    "单选": Kind.SINGLE,
    "单选题": Kind.SINGLE,
    "单项选择题": Kind.SINGLE,
    "多选": Kind.MULTIPLE,
    "多选题": Kind.MULTIPLE,
    "多项选择题": Kind.MULTIPLE,
    **{kind.value: kind for kind in Kind},
}
TRUTH_WORDS = {
    **dict.fromkeys(("正确", "对", "√", "✓", "A"), TRUE),
    **dict.fromkeys(("错误", "错", "×", "✗", "B"), FALSE),
}
DIFFICULTY_WORDS = {"1": 1, "2": 2, "3": 3, "易": 1, "中": 2, "难": 3}
_SEPARATORS = re.compile(r"[\s,，、;；/]+")


@dataclass
class Outcome:
    problems: list[Problem] = field(default_factory=list)
    count: int = 0  # questions added (or, in a dry run, to be added)


@dataclass(frozen=True)
class _Parsed:
    row: int
    data: QuestionData
    programmes: list[Programme]


def template_workbook() -> bytes:
    """An empty bank with the headers, a sheet saying what goes in each column, and examples."""
    return write("题库", COLUMNS, [], examples=EXAMPLES)


def read(data: bytes) -> list[dict[str, str]]:
    """The workbook's rows; `ServiceError("not_a_question_bank", reason=...)` for a file that is
    not a workbook with the template's columns (see `workbooks.read_rows`)."""
    return read_rows(data, COLUMNS, error_code="not_a_question_bank")


def import_questions(
    session: Session,
    rows: list[dict[str, str]],
    *,
    dry_run: bool,
    now: datetime,
    actor_id: int,
) -> Outcome:
    """Check every row; unless `dry_run` or a row is bad, add every question."""
    programmes = {p.code.lower(): p for p in session.scalars(select(Programme))}
    stems = Counter(row.get("stem", "").strip() for row in rows)
    in_bank = _stems_in_bank(session, [stem for stem in stems if stem])
    outcome = Outcome()
    parsed: list[_Parsed] = []
    for row in rows:
        number = int(row["_row"])
        problems, question = _row(number, row, programmes)
        stem = row.get("stem", "").strip()
        if stem and stems[stem] > 1:
            problems.append(Problem(number, HEADERS["stem"], "duplicate_in_file"))
        elif stem in in_bank:
            problems.append(
                Problem(number, HEADERS["stem"], "question_stem_exists", {"id": in_bank[stem]})
            )
        outcome.problems += sorted(problems, key=lambda problem: _PLACES[problem.column])
        if question is not None and not problems:
            parsed.append(question)
    if outcome.problems:
        return outcome
    outcome.count = len(parsed)
    if dry_run or not parsed:
        return outcome
    for question in parsed:
        question_bank.add_question(
            session, question.data, question.programmes, now=now, actor_id=None
        )
    audit.record(
        session,
        at=now,
        actor_id=actor_id,
        action="question.import",
        subject="question_bank",
        details={
            "count": len(parsed),
            "programmes": sorted({p.code for q in parsed for p in q.programmes}),
        },
    )
    return outcome


def _stems_in_bank(session: Session, stems: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(stems), 500):  # a few hundred parameters a statement
        statement = select(Question.stem, Question.id).where(
            Question.stem.in_(stems[start : start + 500])
        )
        found.update(session.execute(statement).tuples().all())
    return found


def _row(
    number: int, row: dict[str, str], programmes: dict[str, Programme]
) -> tuple[list[Problem], _Parsed | None]:
    """The row's problems, and the question it writes when it has none."""
    problems: list[Problem] = []

    def refuse(key: str, message: str, **params: object) -> None:
        problems.append(Problem(number, HEADERS[key], message, params))

    cell = {key: row.get(key, "") for key in HEADERS}
    kind = KIND_WORDS.get(cell["kind"].strip().lower().replace(" ", ""))
    if not cell["kind"]:
        refuse("kind", "required")
    elif kind is None:
        refuse("kind", "question_kind_unknown", value=cell["kind"][:20])
    difficulty = DIFFICULTY_WORDS.get(cell["difficulty"].strip() or "1")
    if difficulty is None:
        refuse("difficulty", "question_difficulty_invalid")
    answer = _answer(kind, cell["answer"])
    truth_refused = kind == Kind.TRUE_FALSE and bool(cell["answer"]) and answer is None
    if truth_refused:
        refuse("answer", "question_truth_word")
    chosen = _programmes(cell["programmes"], programmes, refuse)
    data = QuestionData(
        kind=kind or Kind.SINGLE,
        stem=cell["stem"],
        options=question_bank.options_of([cell[key] for key in OPTION_KEYS]),
        answer=answer or "",
        explanation=cell["explanation"],
        chapter=cell["chapter"] or None,
        knowledge_point=cell["knowledge_point"],
        difficulty=difficulty or 1,
    )
    faults = question_bank.text_faults(data)
    if kind is not None:
        keys = question_bank.key_faults(kind, data.options, data.answer)
        faults += [fault for fault in keys if not (truth_refused and fault.part == "answer")]
    for fault in faults:
        refuse(_column_key(fault.part), fault.code, **fault.params)
    if problems or kind is None:
        return problems, None
    return problems, _Parsed(number, data, chosen)


def _answer(kind: Kind | None, text: str) -> str | None:
    """The answer's letters; for a true/false question from its words (None: not one)."""
    if kind == Kind.TRUE_FALSE:
        return TRUTH_WORDS.get(text.strip().upper())
    return _SEPARATORS.sub("", text).upper()


def _programmes(
    text: str, known: dict[str, Programme], refuse: Callable[..., None]
) -> list[Programme]:
    codes = [code for code in _SEPARATORS.split(text.strip().lower()) if code]
    if not codes:
        refuse("programmes", "required")
    chosen: dict[str, Programme] = {}
    for code in codes:
        if code in known:
            chosen[code] = known[code]
        else:
            refuse("programmes", "unknown_programme", code=code[:40])
    return list(chosen.values())


def _column_key(part: str) -> str:
    """The column of a part of a question (`option:C` is the column 选项C)."""
    if part.startswith("option:"):
        return f"option_{part.partition(':')[2].lower()}"
    return part
