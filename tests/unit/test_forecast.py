"""The finishing forecast: a date only from enough recent study, and never past the exam."""

from __future__ import annotations

from datetime import date, timedelta

from learning.domain.forecast import Forecast, Outlook, exam_day_for, forecast

TODAY = date(2026, 3, 1)
LONG_AGO = date(2025, 1, 1)
HOUR = 3600


def days(*seconds: int) -> list[tuple[date, int]]:
    """Seconds per day, the last one today."""
    return [(TODAY - timedelta(days=len(seconds) - 1 - i), s) for i, s in enumerate(seconds)]


def outlook(missing_s: int, recent, *, exam_day=None, enrolled_on=LONG_AGO) -> Forecast:
    return forecast(missing_s, recent, today=TODAY, enrolled_on=enrolled_on, exam_day=exam_day)


def test_the_issue_a_minute_of_study_gives_no_date() -> None:
    assert outlook(80 * HOUR, days(60)).outlook == Outlook.TOO_LITTLE


def test_nothing_missing_is_reached_and_nothing_studied_says_so() -> None:
    assert outlook(0, []).outlook == Outlook.REACHED
    assert outlook(-5, days(HOUR)).outlook == Outlook.REACHED
    assert outlook(HOUR, days(0, 0, 0)).outlook == Outlook.NO_STUDY


def test_a_forecast_needs_three_days_and_an_hour_in_the_last_fourteen() -> None:
    two_long_days = days(4 * HOUR, 0, 4 * HOUR)
    assert outlook(10 * HOUR, two_long_days).outlook == Outlook.TOO_LITTLE
    three_short_days = days(1000, 1000, 1000)  # 50 minutes
    assert outlook(10 * HOUR, three_short_days).outlook == Outlook.TOO_LITTLE
    three_days_an_hour = days(1200, 1200, 1200)
    assert outlook(HOUR, three_days_an_hour).outlook == Outlook.ON_TIME


def test_study_before_the_window_does_not_count() -> None:
    old = [(TODAY - timedelta(days=14 + i), 4 * HOUR) for i in range(5)]
    assert outlook(10 * HOUR, old + days(HOUR)).outlook == Outlook.TOO_LITTLE
    assert outlook(10 * HOUR, old).outlook == Outlook.NO_STUDY


def test_the_pace_is_averaged_over_fourteen_days() -> None:
    # 3 days of 2 h in 14 days = 6 h per 14 days; 30 h missing = 70 days
    recent = days(2 * HOUR, 0, 2 * HOUR, 0, 2 * HOUR)
    assert outlook(30 * HOUR, recent) == Forecast(Outlook.ON_TIME, TODAY + timedelta(days=70))


def test_a_newcomer_is_averaged_over_the_days_enrolled() -> None:
    # enrolled 4 days ago (5 days counted), 3 h a day on 3 of them: 9 h per 5 days
    recent = days(3 * HOUR, 0, 3 * HOUR, 3 * HOUR)
    enrolled = TODAY - timedelta(days=4)
    result = outlook(18 * HOUR, recent, enrolled_on=enrolled)
    assert result.day == TODAY + timedelta(days=10)


def test_the_date_rounds_up_to_a_whole_day() -> None:
    recent = days(*[HOUR] * 14)  # an hour a day
    assert outlook(HOUR + 1, recent).day == TODAY + timedelta(days=2)
    assert outlook(HOUR, recent).day == TODAY + timedelta(days=1)


def test_a_date_on_or_after_the_exam_is_not_shown() -> None:
    recent = days(*[HOUR] * 14)
    exam = TODAY + timedelta(days=10)
    assert outlook(9 * HOUR, recent, exam_day=exam) == Forecast(
        Outlook.ON_TIME, TODAY + timedelta(days=9), exam
    )
    assert outlook(10 * HOUR, recent, exam_day=exam) == Forecast(
        Outlook.NOT_BEFORE_EXAM, exam_day=exam
    )
    far_exam = TODAY + timedelta(days=2000)
    assert outlook(300 * HOUR, recent, exam_day=far_exam).outlook == Outlook.ON_TIME
    assert outlook(400 * HOUR, recent, exam_day=far_exam).outlook == Outlook.BEYOND_HORIZON


def test_without_an_exam_a_date_more_than_a_year_away_is_not_shown() -> None:
    slow = days(1200, 1200, 1200)  # an hour in two weeks
    assert outlook(26 * HOUR, slow).day == TODAY + timedelta(days=364)
    assert outlook(27 * HOUR, slow).outlook == Outlook.BEYOND_HORIZON
    assert outlook(80 * HOUR, slow).day is None


def test_the_exam_is_the_registered_session_else_the_next_open_one() -> None:
    soon, later = TODAY + timedelta(days=5), TODAY + timedelta(days=40)
    assert exam_day_for([later], [soon], TODAY) == later
    assert exam_day_for([TODAY - timedelta(days=1)], [later, soon], TODAY) == soon
    assert exam_day_for([], [], TODAY) is None
    assert exam_day_for([TODAY], [], TODAY) == TODAY
