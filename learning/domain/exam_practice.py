"""Simulated-exam practice (仿真题练习): the rules, with no Flask and no database.

The theory exam asks three kinds of question: true/false (判断), single choice (单选) and multiple
choice (多选). An answer is the letters of the options chosen (true/false: A is "true", B is
"false"); it is right only when it names every right option and no other, as in the exam, so a
multiple-choice answer missing one right option scores nothing.

A question missed in practice goes into the trainee's wrong-answer book (错题本) and leaves it
once answered right `RIGHT_IN_A_ROW_TO_CLEAR` times in a row. A mock exam (模拟考试) draws a paper
by the programme's format (how many questions of each kind, the points of each), spreading each
kind over the chapters; its clock is the server's: answers count until the deadline, and a paper
not handed in by then is handed in at the deadline.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

RIGHT_IN_A_ROW_TO_CLEAR = 2
LETTERS = "ABCDEFGH"
TRUE, FALSE = "A", "B"  # the answer letters of a true/false question


class Kind(StrEnum):
    TRUE_FALSE = "true_false"
    SINGLE = "single"
    MULTIPLE = "multiple"


#: Options a question of each kind may have (a true/false question has none of its own).
OPTION_COUNTS = {Kind.TRUE_FALSE: range(0, 1), Kind.SINGLE: range(2, 7), Kind.MULTIPLE: range(3, 9)}
#: The order the kinds come in on a paper, as on the exam.
PAPER_ORDER = (Kind.TRUE_FALSE, Kind.SINGLE, Kind.MULTIPLE)


def letters_of(kind: Kind, option_count: int) -> str:
    """The letters an answer may use."""
    return TRUE + FALSE if kind == Kind.TRUE_FALSE else LETTERS[:option_count]


def normalise(kind: Kind, option_count: int, chosen: str) -> str | None:
    """The chosen letters in order without repeats, or None when they cannot be an answer to
    this question (a letter it has no option for; one letter for a single choice; ...)."""
    letters = "".join(sorted({c for c in chosen.upper() if not c.isspace()}))
    allowed = letters_of(kind, option_count)
    if not letters or any(c not in allowed for c in letters):
        return None
    if kind != Kind.MULTIPLE and len(letters) != 1:
        return None
    return letters


def valid_key(kind: Kind, option_count: int, answer: str) -> bool:
    """Whether `answer` can be a question's right answer: a multiple-choice question has at
    least two right options (otherwise it is a single choice) and at least one wrong one."""
    letters = normalise(kind, option_count, answer)
    if letters is None or option_count not in OPTION_COUNTS[kind]:
        return False
    return kind != Kind.MULTIPLE or 2 <= len(letters) < option_count


def is_right(key: str, chosen: str) -> bool:
    """All the right options and only them (both already normalised)."""
    return key == chosen


# --- the next question to practise ----------------------------------------------------------


def least_recently_answered(
    candidates: Sequence[int], last_answered: Mapping[int, datetime], rng: random.Random
) -> int:
    """Of the candidate questions (ids, at least one), one the trainee has not answered yet, or
    else the one answered longest ago, so that a drill goes round the whole bank before it
    repeats itself; of several as good, chance decides (drawing in id order, so that a seeded
    chance draws the same question)."""
    best = [question for question in candidates if question not in last_answered]
    if not best:
        oldest = min(last_answered[question] for question in candidates)
        best = [question for question in candidates if last_answered[question] == oldest]
    return rng.choice(sorted(best))


# --- the wrong-answer book --------------------------------------------------------------------


@dataclass(frozen=True)
class BookEntry:
    """A question in the wrong-answer book and how often it was answered right since."""

    right_in_a_row: int = 0


def after_answer(entry: BookEntry | None, right: bool) -> BookEntry | None:
    """The book's entry for a question after one answer to it; None: not (or no longer) in it."""
    if not right:
        return BookEntry(0)
    if entry is None:
        return None
    streak = entry.right_in_a_row + 1
    return None if streak >= RIGHT_IN_A_ROW_TO_CLEAR else BookEntry(streak)


# --- mock exams -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PaperFormat:
    """A programme's exam: questions and points per kind, minutes, and the pass mark."""

    counts: dict[Kind, int]
    points: dict[Kind, int]
    duration_minutes: int = 90
    pass_mark: int = 60

    @property
    def total_points(self) -> int:
        return sum(self.counts[kind] * self.points[kind] for kind in PAPER_ORDER)

    @property
    def question_count(self) -> int:
        return sum(self.counts[kind] for kind in PAPER_ORDER)


@dataclass(frozen=True)
class Candidate:
    """A question that may be drawn."""

    id: int
    kind: Kind
    chapter: str | None


class NotEnoughQuestions(Exception):
    """The bank has fewer questions of a kind than the format asks for."""

    def __init__(self, kind: Kind, have: int, need: int) -> None:
        super().__init__(f"{kind}: {have} of {need}")
        self.kind, self.have, self.need = kind, have, need


def draw_paper(
    candidates: Iterable[Candidate], paper: PaperFormat, rng: random.Random
) -> list[int]:
    """Question ids for one paper: each kind in turn, as many as the format says, taken from
    the chapters in turn (each chapter's questions shuffled, the chapters in a shuffled order)
    so that no chapter is left out while another gives two questions more than it."""
    by_kind: dict[Kind, list[Candidate]] = defaultdict(list)
    for candidate in candidates:
        by_kind[candidate.kind].append(candidate)
    drawn: list[int] = []
    for kind in PAPER_ORDER:
        need = paper.counts.get(kind, 0)
        have = by_kind[kind]
        if len(have) < need:
            raise NotEnoughQuestions(kind, len(have), need)
        drawn += _spread(have, need, rng)
    return drawn


def _spread(candidates: Sequence[Candidate], need: int, rng: random.Random) -> list[int]:
    chapters: dict[str | None, list[int]] = defaultdict(list)
    for candidate in sorted(candidates, key=lambda c: c.id):
        chapters[candidate.chapter].append(candidate.id)
    queues = [ids for _chapter, ids in sorted(chapters.items(), key=lambda item: str(item[0]))]
    rng.shuffle(queues)
    for ids in queues:
        rng.shuffle(ids)
    taken: list[int] = []
    while len(taken) < need:
        for ids in queues:
            if ids and len(taken) < need:
                taken.append(ids.pop())
    return taken


def score(items: Iterable[tuple[int, bool]]) -> int:
    """The paper's score from (points, answered right) per question."""
    return sum(points for points, right in items if right)


def deadline(started_at: datetime, paper: PaperFormat) -> datetime:
    return started_at + timedelta(minutes=paper.duration_minutes)


def handed_in_at(now: datetime, due: datetime) -> datetime:
    """When a paper handed in `now` counts as handed in: never after its deadline (a paper the
    trainee left open is handed in by the clock at the deadline)."""
    return min(now, due)


def seconds_left(now: datetime, due: datetime) -> int:
    return max(0, int((due - now).total_seconds()))


# --- readiness --------------------------------------------------------------------------------


def passes_last_two(scores_oldest_first: Sequence[int], pass_mark: int) -> bool:
    """Ready for the exam: the last two mock exams passed (one lucky paper is not enough)."""
    return len(scores_oldest_first) >= 2 and all(s >= pass_mark for s in scores_oldest_first[-2:])


@dataclass(frozen=True)
class Accuracy:
    label: str
    right: int
    answered: int

    @property
    def share(self) -> float:
        return self.right / self.answered if self.answered else 0.0


def weakest_first(tallies: dict[str, tuple[int, int]]) -> list[Accuracy]:
    """Accuracy per label (a knowledge point, a chapter) from (right, answered), the weakest
    first; of two as weak, the one answered more often first (its figure says more)."""
    rows = [Accuracy(label, right, answered) for label, (right, answered) in tallies.items()]
    return sorted(rows, key=lambda row: (row.share, -row.answered, row.label))
