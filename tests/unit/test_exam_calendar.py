"""An exam session's calendar: registration through its closing day, held after its exam day."""

from __future__ import annotations

from datetime import date

from learning.domain import exam_calendar

CLOSES = date(2026, 5, 10)
EXAM_DAY = date(2026, 5, 20)


def test_registration_is_taken_through_its_closing_day() -> None:
    assert exam_calendar.taking_registrations(CLOSES, date(2026, 5, 9))
    assert exam_calendar.taking_registrations(CLOSES, CLOSES)
    assert not exam_calendar.taking_registrations(CLOSES, date(2026, 5, 11))


def test_a_session_is_held_once_its_exam_day_is_over() -> None:
    assert not exam_calendar.held(EXAM_DAY, date(2026, 5, 19))
    assert not exam_calendar.held(EXAM_DAY, EXAM_DAY)
    assert exam_calendar.held(EXAM_DAY, date(2026, 5, 21))
