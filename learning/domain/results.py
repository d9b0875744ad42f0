"""Exam results: a candidate's outcome from the part scores, the certificate a pass may carry,
and how long its subsidy can be claimed. One rule for the results form, the results sheet and
the API; pure: plain values in, problem codes (shared/api.md) out.
"""

from __future__ import annotations

import calendar
import enum
import re
from collections.abc import Mapping, Sequence
from datetime import date

DEFAULT_PASS_MARK = 60
HIGHEST_SCORE = 100
# Skill-level certificates: Y (employer) or S (social evaluation organisation) + 21 digits.
CERTIFICATE_NUMBER = re.compile(r"^[YS]\d{21}$")
SUBSIDY_CLAIM_MONTHS = 12  # Guangdong: within 12 months of the certificate's issue


class ExamOutcome(enum.StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    ABSENT = "absent"


def score_valid(score: int) -> bool:
    """A part's score is a whole number from 0 to 100."""
    return 0 <= score <= HIGHEST_SCORE


def scores_problem(scores: Mapping[str, int], parts: Sequence[str]) -> str | None:
    """Why a present candidate's scores cannot be recorded: one score for each of the
    session's parts, each in range; None when they can."""
    if set(scores) != set(parts):
        return "scores_for_every_part"
    if not all(score_valid(score) for score in scores.values()):
        return "score_out_of_range"
    return None


def outcome(scores: Mapping[str, int] | None, pass_mark: int = DEFAULT_PASS_MARK) -> ExamOutcome:
    """Absent without scores; passed when every part reaches the pass mark on its own."""
    if scores is None:
        return ExamOutcome.ABSENT
    if all(score >= pass_mark for score in scores.values()):
        return ExamOutcome.PASSED
    return ExamOutcome.FAILED


def certificate_number(text: str) -> str:
    """A certificate number as stored: without surrounding spaces, in capitals."""
    return text.strip().upper()


def certificate_problems(
    number: str, issued_on: date | None, *, passed: bool, exam_day: date, today: date
) -> list[str]:
    """Why a certificate cannot be recorded: only for a pass, with a national number, dated
    from the exam day to today. Empty when it can."""
    if not passed:
        return ["certificate_without_pass"]
    problems = []
    if not CERTIFICATE_NUMBER.match(number):
        problems.append("certificate_number_invalid")
    if issued_on is None or not exam_day <= issued_on <= today:
        problems.append("certificate_date_invalid")
    return problems


def claim_by(issued_on: date, months: int = SUBSIDY_CLAIM_MONTHS) -> date:
    """The last day a certificate's subsidy can be claimed: the same day `months` calendar
    months later, or the month's last day where it is shorter (2026-01-31 + 1 month is
    2026-02-28; + 12 months is 2027-01-31)."""
    index = issued_on.month - 1 + months
    year, month = issued_on.year + index // 12, index % 12 + 1
    return date(year, month, min(issued_on.day, calendar.monthrange(year, month)[1]))
