"""Keeping the question bank (services/question_bank): every fault of a question named, edits
and retirements audited, the admins' list with its filters and statistics; and a programme's
mock-exam format (services/mock_formats)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from learning.domain.exam_practice import Kind
from learning.models import AuditEntry, MockExamFormat, Question
from learning.services import ServiceError, catalogue, mock_formats, question_bank
from learning.services.question_bank import Filters, Order, QuestionData
from tests.factories import Factory

GOOD = QuestionData(
    kind=Kind.MULTIPLE,
    stem="下列哪些属于温室气体？",
    options=["二氧化碳", "氮气", "甲烷", "氧气"],
    answer="AC",
    explanation="二氧化碳和甲烷是温室气体。",
    chapter="第一章",
    knowledge_point="温室气体种类",
    difficulty=2,
)


def _faults(data: QuestionData) -> list[tuple[str, str, str | None]]:
    return [
        (fault.part, fault.code, fault.params.get("reason"))  # type: ignore[misc]
        for fault in question_bank.faults(data)
    ]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, []),
        ({"answer": "A"}, [("answer", "question_answer_invalid", "one_right")]),
        ({"answer": "ABCD"}, [("answer", "question_answer_invalid", "all_right")]),
        ({"answer": "AE"}, [("answer", "question_answer_invalid", "letters")]),
        ({"answer": " "}, [("answer", "question_answer_invalid", "missing")]),
        ({"kind": Kind.SINGLE, "answer": "AC"}, [("answer", "question_answer_invalid", "one")]),
        (
            {"kind": Kind.TRUE_FALSE, "answer": "A"},
            [("option:A", "question_true_false_options", None)],
        ),
        (
            {"kind": Kind.TRUE_FALSE, "options": [], "answer": "C"},
            [("answer", "question_answer_invalid", "letters")],
        ),
        ({"options": ["甲", "乙"], "answer": "AB"}, [("option:C", "question_option_count", None)]),
        ({"options": ["甲", "", "丙", "丁"]}, [("option:B", "question_option_empty", None)]),
        ({"stem": "题" * 1001}, [("stem", "cell_too_long", None)]),
        ({"chapter": "章" * 101}, [("chapter", "cell_too_long", None)]),
        ({"options": ["甲", "乙\x00", "丙", "丁"]}, [("option:B", "nul_character", None)]),
        (
            {"stem": "", "knowledge_point": "", "difficulty": 0},
            [
                ("stem", "question_stem_missing", None),
                ("knowledge_point", "question_knowledge_point_missing", None),
                ("difficulty", "question_difficulty_invalid", None),
            ],
        ),
    ],
)
def test_every_fault_of_a_question_is_named_with_its_part(changes: dict, expected: list) -> None:
    assert _faults(replace(GOOD, **changes)) == expected


def test_options_are_read_up_to_the_last_one_filled() -> None:
    assert question_bank.options_of(["甲", " 乙 ", "", "", "", ""]) == ["甲", "乙"]
    assert question_bank.options_of(["甲", "", "丙", "", "", ""]) == ["甲", "", "丙"]
    assert question_bank.options_of([""] * 6) == []


def _programmes(session: Session, *codes: str):
    return [catalogue.programme_by_code(session, code) for code in codes]


def _audits(session: Session, action: str) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_a_stem_the_bank_has_is_refused(db_session: Session, make: Factory) -> None:
    admin = make.admin()
    question = make.question(stem=GOOD.stem)
    with pytest.raises(ServiceError) as refused:
        question_bank.add_question(
            db_session,
            GOOD,
            _programmes(db_session, "accounting-4"),
            now=make.clock.now(),
            actor_id=admin.id,
        )
    assert (refused.value.code, refused.value.params["id"]) == ("question_stem_exists", question.id)


def test_an_edit_is_audited_with_each_change(db_session: Session, make: Factory) -> None:
    admin = make.admin()
    question = question_bank.add_question(
        db_session,
        GOOD,
        _programmes(db_session, "accounting-4"),
        now=make.clock.now(),
        actor_id=admin.id,
    )
    make.clock.advance(60)
    changed = question_bank.update_question(
        db_session,
        question,
        replace(GOOD, answer="CA B", difficulty=3),
        _programmes(db_session, "accounting-4", "verification-4"),
        now=make.clock.now(),
        actor_id=admin.id,
    )
    assert changed == ["answer", "difficulty", "programmes"]
    assert question.answer == "ABC" and question.updated_at == make.clock.now()
    [entry] = _audits(db_session, "question.update")
    assert entry.subject == f"question:{question.id}"
    assert entry.details["changes"] == {
        "answer": ["AC", "ABC"],
        "difficulty": [2, 3],
        "programmes": [["accounting-4"], ["accounting-4", "verification-4"]],
    }
    unchanged = question_bank.update_question(
        db_session,
        question,
        replace(GOOD, answer="ABC", difficulty=3),
        _programmes(db_session, "verification-4", "accounting-4"),
        now=make.clock.now(),
        actor_id=admin.id,
    )
    assert unchanged == [] and len(_audits(db_session, "question.update")) == 1


def test_an_edit_may_not_take_another_questions_stem(db_session: Session, make: Factory) -> None:
    admin = make.admin()
    make.question(stem="已有的题")
    question = make.question()
    with pytest.raises(ServiceError) as refused:
        question_bank.update_question(
            db_session,
            question,
            replace(GOOD, stem="已有的题"),
            question.programmes,
            now=make.clock.now(),
            actor_id=admin.id,
        )
    assert refused.value.params["part"] == "stem"


def _answer(make: Factory, question: Question, *, right: bool) -> None:
    make.answers(make.enrolment(make.trainee()), question, right=int(right), wrong=int(not right))


def test_a_retired_question_keeps_its_answers_and_comes_back(
    db_session: Session, make: Factory
) -> None:
    admin = make.admin()
    question = make.question()
    _answer(make, question, right=True)
    programme = catalogue.programme_by_code(db_session, "accounting-4")
    for retired in (True, True, False):
        question_bank.set_retired(
            db_session, question, retired=retired, now=make.clock.now(), actor_id=admin.id
        )
        in_pool = question in db_session.scalars(question_bank.pool(programme)).all()
        assert in_pool is not retired
    assert len(_audits(db_session, "question.retire")) == 1  # the second asked nothing new
    assert len(_audits(db_session, "question.restore")) == 1
    assert question_bank.stats_of(db_session, question.id).answered == 1


def test_the_list_is_narrowed_by_each_filter(db_session: Session, make: Factory) -> None:
    lower = make.question(
        "accounting-4", chapter="第一章", knowledge_point="温室气体", stem="甲烷的 GWP"
    )
    higher = make.question("accounting-2", kind=Kind.TRUE_FALSE, chapter="第二章", stem="核算边界")
    other = make.question("verification-4", kind=Kind.MULTIPLE, knowledge_point="核查")
    retired = make.question("accounting-4", stem="旧题")
    retired.retired_at = make.clock.now()
    db_session.flush()

    def ids(**filters) -> set[int]:
        listing = question_bank.search(db_session, Filters(**filters))
        return {row.question.id for row in listing.rows}

    accounting_2 = catalogue.programme_by_code(db_session, "accounting-2")
    assert ids() == {lower.id, higher.id, other.id}
    assert ids(programme=accounting_2) == {lower.id, higher.id}  # it draws on lower levels
    assert ids(kind=Kind.TRUE_FALSE) == {higher.id}
    assert ids(chapter="第二章") == {higher.id}
    assert ids(knowledge_point="核查") == {other.id}
    assert ids(text="gwp") == {lower.id}
    assert ids(text="%") == set()  # a wildcard is a character searched for
    assert ids(retired=True) == {retired.id}
    assert ids(retired=None) == {lower.id, higher.id, other.id, retired.id}


def test_the_list_shows_each_questions_answers_and_pages(
    db_session: Session, make: Factory
) -> None:
    easy, hard, unanswered = make.question(), make.question(), make.question()
    for right in (True, True, False):
        _answer(make, easy, right=right)
    for right in (False, False, True, False):
        _answer(make, hard, right=right)
    listing = question_bank.search(db_session, Filters(order=Order.LEAST_RIGHT))
    assert [row.question.id for row in listing.rows] == [hard.id, easy.id, unanswered.id]
    assert [(row.stats.answered, row.stats.right) for row in listing.rows] == [
        (4, 1),
        (3, 2),
        (0, 0),
    ]
    assert listing.rows[0].stats.share == 0.25 and listing.rows[2].stats.share is None
    second = question_bank.search(db_session, Filters(), page=2, per_page=2)
    assert (second.total, second.pages, [row.question.id for row in second.rows]) == (
        3,
        2,
        [easy.id],
    )
    assert question_bank.search(db_session, Filters(), page=99, per_page=2).page == 2


def test_the_pool_is_counted_by_kind(db_session: Session, make: Factory) -> None:
    make.question("accounting-4", kind=Kind.TRUE_FALSE)
    make.question("accounting-4")
    make.question("accounting-2")
    counts = question_bank.pool_counts(
        db_session, catalogue.programme_by_code(db_session, "accounting-3")
    )
    assert counts == {Kind.TRUE_FALSE: 1, Kind.SINGLE: 1, Kind.MULTIPLE: 0}


# --- the mock-exam format --------------------------------------------------------------------


def test_a_programme_without_a_format_has_the_defaults(db_session: Session, make: Factory) -> None:
    programme = catalogue.programme_by_code(db_session, "accounting-4")
    found = mock_formats.format_of(db_session, programme.id)
    assert found == mock_formats.DEFAULT
    assert (found.paper.question_count, found.paper.total_points, found.pass_mark) == (40, 100, 60)
    assert found.duration_minutes == 90 and found.exam_gate_score is None


def test_a_format_is_kept_and_audited_with_its_changes(db_session: Session, make: Factory) -> None:
    admin = make.admin()
    programme = catalogue.programme_by_code(db_session, "accounting-4")
    wanted = replace(
        mock_formats.DEFAULT, single_count=30, duration_minutes=120, exam_gate_score=70
    )
    mock_formats.set_format(db_session, programme, wanted, now=make.clock.now(), actor_id=admin.id)
    mock_formats.set_format(db_session, programme, wanted, now=make.clock.now(), actor_id=admin.id)
    assert mock_formats.format_of(db_session, programme.id) == wanted
    assert db_session.scalar(select(func.count()).select_from(MockExamFormat)) == 1
    [entry] = _audits(db_session, "programme.mock_exam")
    assert entry.subject == "programme:accounting-4"
    assert entry.details == {
        "single_count": [20, 30],
        "duration_minutes": [90, 120],
        "exam_gate_score": [None, 70],
    }


@pytest.mark.parametrize(
    ("changes", "code", "part"),
    [
        ({"single_count": 201}, "mock_count_out_of_range", "single_count"),
        ({"multiple_points": 0}, "mock_points_out_of_range", "multiple_points"),
        (
            {"true_false_count": 0, "single_count": 0, "multiple_count": 0},
            "mock_no_questions",
            "true_false_count",
        ),
        ({"duration_minutes": 4}, "mock_duration_out_of_range", "duration_minutes"),
        ({"pass_mark": 101}, "mock_pass_mark_out_of_range", "pass_mark"),
        ({"exam_gate_score": 59}, "mock_gate_out_of_range", "exam_gate_score"),
    ],
)
def test_a_format_no_paper_can_follow_is_refused(changes: dict, code: str, part: str) -> None:
    with pytest.raises(ServiceError) as refused:
        mock_formats.check(replace(mock_formats.DEFAULT, **changes))
    assert (refused.value.code, refused.value.params["part"]) == (code, part)
