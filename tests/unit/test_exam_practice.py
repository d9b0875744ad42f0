"""The rules of simulated-exam practice (learning/domain/exam_practice.py)."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from learning.domain.exam_practice import (
    RIGHT_IN_A_ROW_TO_CLEAR,
    BookEntry,
    Candidate,
    Kind,
    NotEnoughQuestions,
    PaperFormat,
    after_answer,
    deadline,
    draw_paper,
    handed_in_at,
    is_right,
    least_recently_answered,
    normalise,
    passes_last_two,
    score,
    seconds_left,
    valid_key,
    weakest_first,
)

FORMAT = PaperFormat(
    counts={Kind.TRUE_FALSE: 3, Kind.SINGLE: 5, Kind.MULTIPLE: 2},
    points={Kind.TRUE_FALSE: 2, Kind.SINGLE: 2, Kind.MULTIPLE: 4},
)


@pytest.mark.parametrize(
    ("kind", "options", "chosen", "expected"),
    [
        (Kind.SINGLE, 4, "b", "B"),
        (Kind.SINGLE, 4, " C ", "C"),
        (Kind.SINGLE, 4, "AB", None),  # one letter for a single choice
        (Kind.SINGLE, 4, "E", None),  # no option E
        (Kind.MULTIPLE, 5, "eca", "ACE"),
        (Kind.MULTIPLE, 5, "AAC", "AC"),
        (Kind.MULTIPLE, 4, "", None),
        (Kind.TRUE_FALSE, 0, "a", "A"),
        (Kind.TRUE_FALSE, 0, "C", None),
        (Kind.TRUE_FALSE, 0, "AB", None),
        (Kind.SINGLE, 4, "Ａ", None),  # a full-width letter is no option letter
    ],
)
def test_answers_are_read_as_letters_of_the_options(kind, options, chosen, expected) -> None:
    assert normalise(kind, options, chosen) == expected


def test_a_multiple_choice_answer_is_right_only_with_every_right_option() -> None:
    assert is_right("ACD", "ACD")
    assert not is_right("ACD", "AC")  # one missing scores nothing, as in the exam
    assert not is_right("ACD", "ABCD")


@pytest.mark.parametrize(
    ("kind", "options", "key", "valid"),
    [
        (Kind.MULTIPLE, 4, "AC", True),
        (Kind.MULTIPLE, 4, "A", False),  # one right option: a single choice
        (Kind.MULTIPLE, 4, "ABCD", False),  # nothing to leave out
        (Kind.SINGLE, 4, "D", True),
        (Kind.SINGLE, 1, "A", False),  # a choice of one is no choice
        (Kind.TRUE_FALSE, 0, "B", True),
        (Kind.TRUE_FALSE, 2, "A", False),  # true/false has no options of its own
    ],
)
def test_what_may_be_a_questions_key(kind, options, key, valid) -> None:
    assert valid_key(kind, options, key) is valid


def test_a_question_leaves_the_book_after_two_right_answers_in_a_row() -> None:
    assert RIGHT_IN_A_ROW_TO_CLEAR == 2
    assert after_answer(None, right=True) is None  # never missed: never in the book
    entry = after_answer(None, right=False)
    assert entry == BookEntry(0)
    entry = after_answer(entry, right=True)
    assert entry == BookEntry(1)
    entry = after_answer(entry, right=False)  # missed again: the count starts over
    assert entry == BookEntry(0)
    entry = after_answer(after_answer(entry, right=True), right=True)
    assert entry is None


def test_the_next_question_is_one_never_answered_or_else_the_one_answered_longest_ago() -> None:
    noon = datetime(2026, 3, 2, 12, tzinfo=UTC)
    last = {1: noon, 2: noon - timedelta(hours=1), 3: noon - timedelta(hours=1)}
    assert least_recently_answered([3, 1, 2, 4], last, random.Random(1)) == 4
    drawn = {least_recently_answered([3, 1, 2], last, random.Random(seed)) for seed in range(40)}
    assert drawn == {2, 3}  # the two answered longest ago, by chance
    for seed in range(10):  # the order the candidates come in does not change the draw
        assert least_recently_answered(
            [3, 2, 1], last, random.Random(seed)
        ) == least_recently_answered([1, 2, 3], last, random.Random(seed))


def _bank(per_chapter: dict[str, dict[Kind, int]]) -> list[Candidate]:
    bank, next_id = [], 1
    for chapter, kinds in per_chapter.items():
        for kind, count in kinds.items():
            for _ in range(count):
                bank.append(Candidate(next_id, kind, chapter))
                next_id += 1
    return bank


def test_a_paper_follows_the_format_kind_by_kind() -> None:
    bank = _bank(
        {f"第{n}章": {Kind.TRUE_FALSE: 2, Kind.SINGLE: 3, Kind.MULTIPLE: 1} for n in "一二三"}
    )
    paper = draw_paper(bank, FORMAT, random.Random(1))
    kinds = {c.id: c.kind for c in bank}
    assert [kinds[i] for i in paper] == [Kind.TRUE_FALSE] * 3 + [Kind.SINGLE] * 5 + [
        Kind.MULTIPLE
    ] * 2
    assert len(set(paper)) == len(paper)
    assert FORMAT.total_points == 3 * 2 + 5 * 2 + 2 * 4 and FORMAT.question_count == 10


def test_a_bank_too_small_for_the_format_says_which_kind() -> None:
    bank = _bank({"第一章": {Kind.TRUE_FALSE: 5, Kind.SINGLE: 5, Kind.MULTIPLE: 1}})
    with pytest.raises(NotEnoughQuestions) as refused:
        draw_paper(bank, FORMAT, random.Random(1))
    assert (refused.value.kind, refused.value.have, refused.value.need) == (Kind.MULTIPLE, 1, 2)


chapters_strategy = st.dictionaries(
    st.sampled_from(["第一章", "第二章", "第三章", "第四章", "第五章"]),
    st.fixed_dictionaries({kind: st.integers(0, 6) for kind in Kind}),
    min_size=1,
)


@given(chapters_strategy, st.integers(0, 2**32 - 1))
def test_each_kind_is_spread_evenly_over_the_chapters_that_have_questions(
    per_chapter: dict[str, dict[Kind, int]], seed: int
) -> None:
    bank = _bank(per_chapter)
    available = Counter((c.kind, c.chapter) for c in bank)
    try:
        paper = draw_paper(bank, FORMAT, random.Random(seed))
    except NotEnoughQuestions as refused:
        assert sum(n for (kind, _), n in available.items() if kind == refused.kind) < refused.need
        return
    chosen = {c.id: c for c in bank if c.id in set(paper)}
    assert len(chosen) == len(paper) == FORMAT.question_count
    for kind in Kind:
        taken = Counter(c.chapter for c in chosen.values() if c.kind == kind)
        assert sum(taken.values()) == FORMAT.counts[kind]
        for chapter, count in taken.items():
            # no chapter gives two more than another chapter that still had questions to give
            for other in per_chapter:
                if available[(kind, other)] > taken[other]:
                    assert count <= taken[other] + 1, (kind, chapter, other)


def test_the_same_seed_draws_the_same_paper() -> None:
    bank = _bank(
        {f"第{n}章": {Kind.TRUE_FALSE: 4, Kind.SINGLE: 6, Kind.MULTIPLE: 3} for n in "一二"}
    )
    first = draw_paper(bank, FORMAT, random.Random(7))
    assert draw_paper(bank, FORMAT, random.Random(7)) == first
    assert any(draw_paper(bank, FORMAT, random.Random(s)) != first for s in range(8, 20))


def test_the_clock_of_a_paper() -> None:
    started = datetime(2026, 5, 1, 1, 0, tzinfo=UTC)
    due = deadline(started, FORMAT)
    assert due - started == timedelta(minutes=90)
    assert seconds_left(started + timedelta(minutes=89, seconds=30), due) == 30
    assert seconds_left(due + timedelta(hours=3), due) == 0
    assert handed_in_at(started + timedelta(minutes=10), due) == started + timedelta(minutes=10)
    assert handed_in_at(due + timedelta(days=1), due) == due  # left open: handed in at the end


def test_scores_and_readiness() -> None:
    assert score([(2, True), (2, False), (4, True)]) == 6
    assert passes_last_two([40, 60, 75], 60)
    assert not passes_last_two([90, 59], 60)
    assert not passes_last_two([95], 60)  # one paper is not enough


def test_the_weakest_knowledge_point_comes_first() -> None:
    rows = weakest_first({"配额分配": (3, 10), "排放因子": (9, 10), "核查程序": (3, 10)})
    assert [row.label for row in rows] == ["核查程序", "配额分配", "排放因子"]
    assert rows[0].share == pytest.approx(0.3)
    assert weakest_first({"x": (0, 0)})[0].share == 0.0
