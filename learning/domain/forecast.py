"""When a trainee reaches the minimum hours at their recent pace: a date only when it means
something (issue 18: a minute of study once promised "2440-10-29").

Pure rules, no Flask, no database. A forecast needs study on at least MIN_STUDY_DAYS of the
last WINDOW_DAYS days and MIN_STUDY_S in all; the pace is what those days credited, averaged
over the window (or over the days since enrolling, if fewer: a newcomer's first evenings are not
spread over days they were not enrolled). A date that falls on or after the exam day, or more
than HORIZON_DAYS away, is not shown: the trainee is told plainly that this pace is not enough.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

WINDOW_DAYS = 14
MIN_STUDY_DAYS = 3
MIN_STUDY_S = 3600
HORIZON_DAYS = 365
RULE = {"days": MIN_STUDY_DAYS, "window": WINDOW_DAYS, "minutes": MIN_STUDY_S // 60}  # in words


class Outlook(StrEnum):
    REACHED = "reached"  # nothing missing
    NO_STUDY = "no_study"  # nothing studied in the window
    TOO_LITTLE = "too_little"  # some study, too little to extrapolate from
    ON_TIME = "on_time"  # a date, before the exam (or within the horizon without an exam)
    NOT_BEFORE_EXAM = "not_before_exam"  # this pace misses the exam
    BEYOND_HORIZON = "beyond_horizon"  # more than a year away (and no exam before)


@dataclass(frozen=True)
class Forecast:
    outlook: Outlook
    day: date | None = None  # when the minimum is reached (ON_TIME only)
    exam_day: date | None = None


def forecast(
    missing_s: int,
    recent: list[tuple[date, int]],
    *,
    today: date,
    enrolled_on: date,
    exam_day: date | None,
) -> Forecast:
    """The outlook from the credited seconds per day `recent` (any days; only the last
    WINDOW_DAYS up to today count) and the seconds still `missing`."""
    if missing_s <= 0:
        return Forecast(Outlook.REACHED, exam_day=exam_day)
    first = today - timedelta(days=WINDOW_DAYS - 1)
    window = [seconds for day, seconds in recent if first <= day <= today and seconds > 0]
    if not window:
        return Forecast(Outlook.NO_STUDY, exam_day=exam_day)
    if len(window) < MIN_STUDY_DAYS or sum(window) < MIN_STUDY_S:
        return Forecast(Outlook.TOO_LITTLE, exam_day=exam_day)
    days_counted = max(1, min(WINDOW_DAYS, (today - enrolled_on).days + 1))
    day = today + timedelta(days=math.ceil(missing_s * days_counted / sum(window)))
    if exam_day is not None and day >= exam_day:
        return Forecast(Outlook.NOT_BEFORE_EXAM, exam_day=exam_day)
    if (day - today).days > HORIZON_DAYS:
        return Forecast(Outlook.BEYOND_HORIZON, exam_day=exam_day)
    return Forecast(Outlook.ON_TIME, day=day, exam_day=exam_day)


def exam_day_for(registered: list[date], open_days: list[date], today: date) -> date | None:
    """The exam the forecast is measured against: the first coming session the trainee is
    registered for, or else the first session of the programme open for registration."""
    for days in (registered, open_days):
        coming = [day for day in days if day >= today]
        if coming:
            return min(coming)
    return None
