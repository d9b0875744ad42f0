"""The results rule: an outcome from the part scores, a certificate only for a pass with a
national number dated from the exam day to today, and the subsidy's claim deadline."""

from __future__ import annotations

from datetime import date

import pytest

from learning.domain import results
from learning.domain.results import ExamOutcome

PARTS = ("theory", "skill")
EXAM_DAY = date(2026, 5, 20)
TODAY = date(2026, 6, 1)
NUMBER = "Y" + "4" * 21


@pytest.mark.parametrize(
    ("scores", "outcome"),
    [
        (None, ExamOutcome.ABSENT),
        ({"theory": 60, "skill": 60}, ExamOutcome.PASSED),
        ({"theory": 100, "skill": 59}, ExamOutcome.FAILED),  # each part passed on its own
        ({"theory": 59, "skill": 100}, ExamOutcome.FAILED),
        ({"theory": 0, "skill": 0}, ExamOutcome.FAILED),
    ],
)
def test_every_part_must_reach_the_pass_mark(scores, outcome) -> None:
    assert results.outcome(scores) == outcome


def test_the_pass_mark_is_the_training_bodys() -> None:
    assert results.outcome({"theory": 70, "skill": 70}, pass_mark=71) == ExamOutcome.FAILED
    assert results.outcome({"theory": 71, "skill": 71}, pass_mark=71) == ExamOutcome.PASSED


@pytest.mark.parametrize(
    ("scores", "problem"),
    [
        ({"theory": 0, "skill": 100}, None),
        ({"theory": 80}, "scores_for_every_part"),
        ({"theory": 80, "skill": 80, "review": 80}, "scores_for_every_part"),
        ({"theory": 101, "skill": 80}, "score_out_of_range"),
        ({"theory": -1, "skill": 80}, "score_out_of_range"),
    ],
)
def test_a_present_candidate_has_a_score_in_range_for_each_part(scores, problem) -> None:
    assert results.scores_problem(scores, PARTS) == problem


@pytest.mark.parametrize(
    ("number", "issued_on", "passed", "problems"),
    [
        (NUMBER, EXAM_DAY, True, []),
        (NUMBER, TODAY, True, []),
        ("S" + "0" * 21, date(2026, 5, 25), True, []),
        (NUMBER, EXAM_DAY, False, ["certificate_without_pass"]),
        ("X" + "4" * 21, EXAM_DAY, True, ["certificate_number_invalid"]),
        ("Y" + "4" * 20, EXAM_DAY, True, ["certificate_number_invalid"]),
        (NUMBER, date(2026, 5, 19), True, ["certificate_date_invalid"]),  # before the exam
        (NUMBER, date(2026, 6, 2), True, ["certificate_date_invalid"]),  # after today
        (NUMBER, None, True, ["certificate_date_invalid"]),
        ("Y1", None, True, ["certificate_number_invalid", "certificate_date_invalid"]),
    ],
)
def test_a_certificate_is_a_passes_with_a_national_number_and_a_date_since_the_exam(
    number, issued_on, passed, problems
) -> None:
    found = results.certificate_problems(
        number, issued_on, passed=passed, exam_day=EXAM_DAY, today=TODAY
    )
    assert found == problems


def test_a_certificate_number_is_kept_in_capitals_without_spaces() -> None:
    assert results.certificate_number("  y" + "4" * 21 + " ") == NUMBER


@pytest.mark.parametrize(
    ("issued", "claim_by"),
    [
        ("2026-01-31", "2027-01-31"),
        ("2028-02-29", "2029-02-28"),  # no 29 February in 2029
        ("2026-03-01", "2027-03-01"),
        ("2026-12-31", "2027-12-31"),
    ],
)
def test_the_subsidy_claim_deadline_is_twelve_calendar_months_exactly(issued, claim_by) -> None:
    assert results.claim_by(date.fromisoformat(issued)).isoformat() == claim_by


def test_a_shorter_month_ends_the_claim_on_its_last_day() -> None:
    assert results.claim_by(date(2026, 1, 31), months=1) == date(2026, 2, 28)
    assert results.claim_by(date(2027, 12, 31), months=2) == date(2028, 2, 29)
