"""Figures for dashboards, read from the kept totals (never from the raw beats)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from learning.domain.accounting import IntervalSet
from learning.models import (
    Coverage,
    Enrolment,
    ExamSession,
    OfflineCredit,
    StudyDay,
)
from learning.services import enrolments
from learning.services.enrolments import EnrolmentSummary

PACE_DAYS = 28


def seconds_per_day(
    session: Session, enrolment: Enrolment, *, days: int, today: date
) -> list[tuple[date, int]]:
    """Credited seconds (online and on-site) on each of the last `days` days, zeros included."""
    first = today - timedelta(days=days - 1)
    totals = _credited_seconds(session, [enrolment.id], first, None, per="day")
    return [
        (first + timedelta(days=i), totals.get(first + timedelta(days=i), 0)) for i in range(days)
    ]


def _credited_seconds(
    session: Session,
    enrolment_ids: list[int],
    first: date | None,
    last: date | None,
    *,
    per: str,
) -> dict[Any, int]:
    """Credited seconds (online and on-site) of these enrolments from `first` to `last` (both
    included, None for no bound), summed `per` "day" or per "enrolment"."""
    if not enrolment_ids:
        return {}
    online_key = StudyDay.day if per == "day" else StudyDay.enrolment_id
    offline_key = OfflineCredit.day if per == "day" else OfflineCredit.enrolment_id
    totals: dict[Any, int] = {}
    online = select(online_key, func.sum(StudyDay.credited_ms)).where(
        StudyDay.enrolment_id.in_(enrolment_ids), *within_days(StudyDay.day, first, last)
    )
    for key, ms in session.execute(online.group_by(online_key)):
        totals[key] = totals.get(key, 0) + int(ms) // 1000
    offline = select(offline_key, func.sum(OfflineCredit.seconds)).where(
        OfflineCredit.enrolment_id.in_(enrolment_ids),
        OfflineCredit.revoked_at.is_(None),
        *within_days(OfflineCredit.day, first, last),
    )
    for key, seconds in session.execute(offline.group_by(offline_key)):
        totals[key] = totals.get(key, 0) + int(seconds)
    return totals


def within_days(column: Any, first: date | None, last: date | None) -> list[ColumnElement[bool]]:
    """Conditions keeping a date column from `first` to `last`, both included (None: no bound)."""
    return [
        *([column >= first] if first is not None else []),
        *([column <= last] if last is not None else []),
    ]


def pace_days(enrolled_on: date, today: date) -> int:
    """The days a pace is averaged over: four weeks, or the days since enrolling if fewer (a
    newcomer's two evenings are not spread over four weeks they were not enrolled)."""
    return max(1, min(PACE_DAYS, (today - enrolled_on).days + 1))


# --- a class ----------------------------------------------------------------------------------

INACTIVE_DAYS = 7


@dataclass(frozen=True)
class ProgressRow:
    """One enrolment of a class, with the status the instructor's roster shows."""

    summary: EnrolmentSummary
    status: str  # done | on_track | behind | inactive
    recent_pace_s: float  # credited seconds per day over the last four weeks
    deadline: date | None  # the next exam session of the programme


def class_progress(session: Session, class_id: int, today: date) -> list[ProgressRow]:
    return progress(session, enrolments.summaries_for_class(session, class_id), today)


def programme_progress(session: Session, programme_id: int, today: date) -> list[ProgressRow]:
    return progress(session, enrolments.summaries_for_programme(session, programme_id), today)


def progress(session: Session, summaries: list[EnrolmentSummary], today: date) -> list[ProgressRow]:
    """Each enrolment with its status: done, on track, behind the pace, or inactive."""
    first = today - timedelta(days=PACE_DAYS - 1)
    recent = seconds_between(session, [s.id for s in summaries], first, None)
    deadlines = _next_exam_days(session, today)
    rows = []
    for summary in summaries:
        pace = recent.get(summary.id, 0) / pace_days(summary.enrolled_on, today)
        deadline = deadlines.get((summary.work_type_code, summary.level))
        rows.append(ProgressRow(summary, _status(summary, pace, deadline, today), pace, deadline))
    return rows


def _status(summary: EnrolmentSummary, pace: float, deadline: date | None, today: date) -> str:
    if summary.progress >= 1:
        return "done"
    # Someone enrolled this week who has not started yet is not inactive: count from enrolment.
    last = summary.last_studied_on or summary.enrolled_on
    if (today - last).days >= INACTIVE_DAYS:
        return "inactive"
    missing_s = summary.required_s - summary.credited_s
    if deadline is not None and pace * max(0, (deadline - today).days) < missing_s:
        return "behind"
    return "on_track"


def seconds_between(
    session: Session, enrolment_ids: list[int], first: date | None, last: date | None
) -> dict[int, int]:
    """Credited seconds (online and on-site) from `first` to `last` (both included, None for
    no bound), per enrolment."""
    return _credited_seconds(session, enrolment_ids, first, last, per="enrolment")


def _next_exam_days(session: Session, today: date) -> dict[tuple[str, int], date]:
    """The first upcoming exam day of each programme (work type, level)."""
    rows = session.execute(
        select(ExamSession.work_type_code, ExamSession.level, func.min(ExamSession.starts_on))
        .where(ExamSession.starts_on >= today)
        .group_by(ExamSession.work_type_code, ExamSession.level)
    )
    return {(work_type, level): day for work_type, level, day in rows}


def seconds_per_day_of(session: Session, enrolment_ids: list[int]) -> list[tuple[date, int]]:
    """Credited seconds of these enrolments together per day, from their first day of study."""
    return sorted(_credited_seconds(session, enrolment_ids, None, None, per="day").items())


def retention(
    session: Session, enrolment_ids: list[int], video_id: int, duration_s: int, segments: int = 100
) -> list[float]:
    """Per part of the video, the share (0..1) of these enrolments that covered it."""
    enrolment_count = len(enrolment_ids)
    if not enrolment_count or duration_s <= 0:
        return [0.0] * segments
    counts = [0] * segments
    step_ms = duration_s * 1000 / segments
    rows = session.scalars(
        select(Coverage.intervals).where(
            Coverage.enrolment_id.in_(enrolment_ids), Coverage.video_id == video_id
        )
    )
    for intervals in rows:
        covered = IntervalSet.from_list(intervals)
        for index in range(segments):
            if covered.contains(int((index + 0.5) * step_ms)):
                counts[index] += 1
    return [count / enrolment_count for count in counts]
