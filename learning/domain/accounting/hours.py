"""Standard hours for display, computed from integer seconds.

Totals are stored in integer seconds; hours exist only on screen. Rounding down (and rounding the
hours still missing up) means "80.0" never shows before 80 standard hours are really there.
"""

from __future__ import annotations

COMPLETION_TOLERANCE_S = 2


def hours_display(seconds: int, minutes: int) -> float:
    """Standard hours of ``minutes`` minutes each, floored to one decimal, in integer arithmetic."""
    _check_minutes(minutes)
    return (seconds * 10 // (60 * minutes)) / 10


def hours_missing(missing_seconds: int, minutes: int) -> float:
    """Standard hours still missing, rounded up to one decimal (0.0 when nothing is missing)."""
    _check_minutes(minutes)
    if missing_seconds <= 0:
        return 0.0
    return -(-missing_seconds * 10 // (60 * minutes)) / 10


def completed(covered_s: int, duration_s: int) -> bool:
    """A video counts as watched when its covered seconds reach its duration minus 2 s."""
    return covered_s >= duration_s - COMPLETION_TOLERANCE_S


def _check_minutes(minutes: int) -> None:
    if minutes <= 0:
        raise ValueError("a standard hour must last a positive number of minutes")
