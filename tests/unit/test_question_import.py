"""A question bank imported from Excel (services/question_import): every bad cell reported by
row and column and nothing written while any is; a clean workbook imported whole, audited
once; the template downloaded imports once filled in."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from learning.models import AuditEntry, Question
from learning.services import ServiceError, question_import
from learning.services.question_import import COLUMNS
from tests.factories import Factory

HEADERS = [column.header for column in COLUMNS]
NO_OPTIONS = [""] * 6


def row(
    kind: str = "单选",
    stem: str = "下列哪种气体的全球增温潜势最高？",
    options: list[str] | None = None,
    answer: str = "C",
    explanation: str = "六氟化硫的增温潜势最高。",
    chapter: str = "第一章",
    knowledge_point: str = "全球增温潜势",
    difficulty: str = "中",
    programmes: str = "accounting-4",
) -> list[object]:
    options = ["二氧化碳", "甲烷", "六氟化硫", "氧化亚氮", "", ""] if options is None else options
    return [
        kind,
        stem,
        *options,
        answer,
        explanation,
        chapter,
        knowledge_point,
        difficulty,
        programmes,
    ]


def good_rows() -> list[list[object]]:
    return [
        row(),
        row(
            "判断",
            "二氧化碳是温室气体。",
            NO_OPTIONS,
            "√",
            difficulty="1",
            programmes="accounting-4、verification-4",
        ),
        row(
            "多选",
            "下列哪些属于温室气体？",
            ["二氧化碳", "氮气", "甲烷", "", "", ""],
            "A, C",
            difficulty="",
        ),
        row(
            "判断题", "氧气是温室气体。", NO_OPTIONS, "错误", chapter="", programmes="accounting-2"
        ),
    ]


def workbook(rows: list[list[object]], headers: list[str] = HEADERS) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for values in rows:
        sheet.append(values)
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def _import(session: Session, make: Factory, data: bytes, *, dry_run: bool = False):
    admin = make.admin()
    return question_import.import_questions(
        session,
        question_import.read(data),
        dry_run=dry_run,
        now=make.clock.now(),
        actor_id=admin.id,
    )


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Question)) or 0


def test_every_bad_cell_is_listed_and_nothing_is_written(
    db_session: Session, make: Factory
) -> None:
    make.question(stem="题库里已有的题。")
    rows = [
        row(kind="填空", stem="题一"),  # row 2
        row(stem="题二", answer="E"),  # row 3: no option E
        row(kind="多选", stem="题三", answer="B"),  # row 4: one right letter
        row(stem="题四", programmes="accounting-4, nowhere-9"),  # row 5
        row(stem="题" * 1001),  # row 6
        row(stem="重复的题"),  # row 7
        row(stem="重复的题"),  # row 8
        row(stem="题库里已有的题。"),  # row 9
        row(stem="题十", options=["甲", "", "丙", "", "", ""], answer="A"),  # row 10
        row(kind="判断", stem="题十一", options=NO_OPTIONS, answer="也许"),  # row 11
        row(stem="题十二", difficulty="很难", knowledge_point=""),  # row 12
        row(kind="判断", stem="题十三", answer="A"),  # row 13: options on a true/false
        row(stem="题十四", programmes=""),  # row 14
    ]
    outcome = _import(db_session, make, workbook(rows))
    found = {(p.row, p.column, p.message) for p in outcome.problems}
    assert found == {
        (2, "题型", "question_kind_unknown"),
        (3, "答案", "question_answer_invalid"),
        (4, "答案", "question_answer_invalid"),
        (5, "适用项目", "unknown_programme"),
        (6, "题干", "cell_too_long"),
        (7, "题干", "duplicate_in_file"),
        (8, "题干", "duplicate_in_file"),
        (9, "题干", "question_stem_exists"),
        (10, "选项B", "question_option_empty"),
        (11, "答案", "question_truth_word"),
        (12, "难度", "question_difficulty_invalid"),
        (12, "知识点", "question_knowledge_point_missing"),
        (13, "选项A", "question_true_false_options"),
        (14, "适用项目", "required"),
    }
    params = {(p.row, p.message): p.params for p in outcome.problems}
    assert params[(4, "question_answer_invalid")]["reason"] == "one_right"
    assert params[(5, "unknown_programme")] == {"code": "nowhere-9"}
    assert params[(6, "cell_too_long")] == {"length": 1001, "most": 1000}
    assert outcome.count == 0 and _count(db_session) == 1  # asked to write, wrote nothing


def test_a_clean_workbook_is_imported_whole_with_its_programmes(
    db_session: Session, make: Factory
) -> None:
    data = workbook(good_rows())
    checked = _import(db_session, make, data, dry_run=True)
    assert (checked.problems, checked.count, _count(db_session)) == ([], 4, 0)
    outcome = _import(db_session, make, data)
    assert (outcome.problems, outcome.count) == ([], 4)
    questions = {q.stem: q for q in db_session.scalars(select(Question))}
    single = questions["下列哪种气体的全球增温潜势最高？"]
    assert (single.kind, single.answer, single.difficulty, len(single.options)) == (
        "single",
        "C",
        2,
        4,
    )
    true = questions["二氧化碳是温室气体。"]
    assert (true.kind, true.answer, true.options) == ("true_false", "A", [])
    assert sorted(p.code for p in true.programmes) == ["accounting-4", "verification-4"]
    multiple = questions["下列哪些属于温室气体？"]
    assert (multiple.answer, multiple.difficulty) == ("AC", 1)
    false = questions["氧气是温室气体。"]
    assert (false.answer, false.chapter, [p.code for p in false.programmes]) == (
        "B",
        None,
        ["accounting-2"],
    )
    [entry] = db_session.scalars(select(AuditEntry).where(AuditEntry.action == "question.import"))
    assert entry.details == {
        "count": 4,
        "programmes": ["accounting-2", "accounting-4", "verification-4"],
    }
    assert db_session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "question.add")
    ) == 0  # fmt: skip
    again = _import(db_session, make, data)
    assert {p.message for p in again.problems} == {"question_stem_exists"}


def test_the_template_imports_once_filled_in(db_session: Session, make: Factory) -> None:
    book = load_workbook(io.BytesIO(question_import.template_workbook()))
    assert [cell.value for cell in book.worksheets[0][1]] == HEADERS
    assert book.worksheets[0].max_row == 1  # the examples are on a sheet of their own
    examples = [list(values) for values in book["示例"].iter_rows(min_row=2, values_only=True)]
    filled = [*examples, *good_rows()[2:]]
    for values in filled:
        book.worksheets[0].append(values)
    data = io.BytesIO()
    book.save(data)
    outcome = _import(db_session, make, data.getvalue())
    assert (outcome.problems, outcome.count) == ([], len(filled))


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"not a workbook", "not_xlsx"),
        (workbook([row()], headers=HEADERS[:1]), "missing_columns"),
    ],
)
def test_a_file_that_is_not_a_bank_is_refused(data: bytes, reason: str) -> None:
    with pytest.raises(ServiceError) as refused:
        question_import.read(data)
    assert (refused.value.code, refused.value.params["reason"]) == ("not_a_question_bank", reason)
