"""Figures for dashboards, read from the kept totals (never from the raw beats)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from learning.accounting import IntervalSet
from learning.models import (
    Application,
    Coverage,
    Enrolment,
    ExamRegistration,
    ExamSession,
    OfflineCredit,
    Payment,
    Programme,
    StudyDay,
)
from learning.services import enrolments
from learning.services.enrolments import EnrolmentSummary, required_seconds

PACE_DAYS = 28


def seconds_per_day(
    session: Session, enrolment: Enrolment, *, days: int, today: date
) -> list[tuple[date, int]]:
    """Credited seconds (online and on-site) on each of the last `days` days, zeros included."""
    first = today - timedelta(days=days - 1)
    totals: dict[date, int] = {}
    online = session.execute(
        select(StudyDay.day, func.sum(StudyDay.credited_ms))
        .where(StudyDay.enrolment_id == enrolment.id, StudyDay.day >= first)
        .group_by(StudyDay.day)
    )
    for day, ms in online:
        totals[day] = totals.get(day, 0) + int(ms) // 1000
    offline = session.execute(
        select(OfflineCredit.day, func.sum(OfflineCredit.seconds))
        .where(
            OfflineCredit.enrolment_id == enrolment.id,
            OfflineCredit.day >= first,
            OfflineCredit.revoked_at.is_(None),
        )
        .group_by(OfflineCredit.day)
    )
    for day, seconds in offline:
        totals[day] = totals.get(day, 0) + int(seconds)
    return [
        (first + timedelta(days=i), totals.get(first + timedelta(days=i), 0)) for i in range(days)
    ]


def projected_completion(
    enrolment: Enrolment, per_day: list[tuple[date, int]], today: date
) -> date | None:
    """When the minimum is reached at the pace of the last four weeks; None without a pace.
    Today if it is reached already."""
    missing = required_seconds(enrolment) - enrolment.credited_s
    if missing <= 0:
        return today
    recent = per_day[-PACE_DAYS:]
    pace = sum(seconds for _day, seconds in recent) / len(recent) if recent else 0
    if pace <= 0:
        return None
    return today + timedelta(days=math.ceil(missing / pace))


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
    recent = _recent_seconds(session, [s.id for s in summaries], today)
    deadlines = _next_exam_days(session, today)
    rows = []
    for summary in summaries:
        pace = recent.get(summary.id, 0) / PACE_DAYS
        deadline = deadlines.get((summary.work_type_code, summary.level))
        rows.append(ProgressRow(summary, _status(summary, pace, deadline, today), pace, deadline))
    return rows


def _status(summary: EnrolmentSummary, pace: float, deadline: date | None, today: date) -> str:
    if summary.progress >= 1:
        return "done"
    last = summary.last_studied_on
    if last is None or (today - last).days >= INACTIVE_DAYS:
        return "inactive"
    missing_s = summary.required_s - summary.credited_s
    if deadline is not None and pace * max(0, (deadline - today).days) < missing_s:
        return "behind"
    return "on_track"


def _recent_seconds(session: Session, enrolment_ids: list[int], today: date) -> dict[int, int]:
    """Credited seconds (online and on-site) of the last four weeks, per enrolment."""
    if not enrolment_ids:
        return {}
    first = today - timedelta(days=PACE_DAYS - 1)
    totals: dict[int, int] = {}
    online = session.execute(
        select(StudyDay.enrolment_id, func.sum(StudyDay.credited_ms))
        .where(StudyDay.enrolment_id.in_(enrolment_ids), StudyDay.day >= first)
        .group_by(StudyDay.enrolment_id)
    )
    for enrolment_id, ms in online:
        totals[enrolment_id] = totals.get(enrolment_id, 0) + int(ms) // 1000
    offline = session.execute(
        select(OfflineCredit.enrolment_id, func.sum(OfflineCredit.seconds))
        .where(
            OfflineCredit.enrolment_id.in_(enrolment_ids),
            OfflineCredit.day >= first,
            OfflineCredit.revoked_at.is_(None),
        )
        .group_by(OfflineCredit.enrolment_id)
    )
    for enrolment_id, seconds in offline:
        totals[enrolment_id] = totals.get(enrolment_id, 0) + int(seconds)
    return totals


def _next_exam_days(session: Session, today: date) -> dict[tuple[str, int], date]:
    """The first upcoming exam day of each programme (work type, level)."""
    rows = session.execute(
        select(ExamSession.work_type_code, ExamSession.level, func.min(ExamSession.starts_on))
        .where(ExamSession.starts_on >= today)
        .group_by(ExamSession.work_type_code, ExamSession.level)
    )
    return {(work_type, level): day for work_type, level, day in rows}


def class_seconds_per_day(session: Session, class_id: int) -> list[tuple[date, int]]:
    """Credited seconds of the whole class per day, from its first day of study."""
    enrolment_ids = select(Enrolment.id).where(Enrolment.class_id == class_id)
    totals: dict[date, int] = {}
    online = session.execute(
        select(StudyDay.day, func.sum(StudyDay.credited_ms))
        .where(StudyDay.enrolment_id.in_(enrolment_ids))
        .group_by(StudyDay.day)
    )
    for day, ms in online:
        totals[day] = totals.get(day, 0) + int(ms) // 1000
    offline = session.execute(
        select(OfflineCredit.day, func.sum(OfflineCredit.seconds))
        .where(OfflineCredit.enrolment_id.in_(enrolment_ids), OfflineCredit.revoked_at.is_(None))
        .group_by(OfflineCredit.day)
    )
    for day, seconds in offline:
        totals[day] = totals.get(day, 0) + int(seconds)
    return sorted(totals.items())


def retention(
    session: Session, class_id: int, video_id: int, duration_s: int, segments: int = 100
) -> list[float]:
    """Per part of the video, the share (0..1) of the class's enrolments that covered it."""
    enrolment_count = (
        session.scalar(select(func.count(Enrolment.id)).where(Enrolment.class_id == class_id)) or 0
    )
    if not enrolment_count or duration_s <= 0:
        return [0.0] * segments
    counts = [0] * segments
    step_ms = duration_s * 1000 / segments
    rows = session.scalars(
        select(Coverage.intervals)
        .join(Enrolment, Enrolment.id == Coverage.enrolment_id)
        .where(Enrolment.class_id == class_id, Coverage.video_id == video_id)
    )
    for intervals in rows:
        covered = IntervalSet.from_list(intervals)
        for index in range(segments):
            if covered.contains(int((index + 0.5) * step_ms)):
                counts[index] += 1
    return [count / enrolment_count for count in counts]


# --- the training body ------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgrammeFigures:
    code: str
    enrolments: int
    reached: int  # credited hours at or above the minimum


@dataclass(frozen=True)
class SessionFigures:
    starts_on: date
    label: str
    capacity: int
    registered: int
    passed: int
    failed: int
    absent: int


def programme_figures(session: Session) -> list[ProgrammeFigures]:
    """Enrolments per programme and how many reached the minimum (from the kept totals)."""
    required = Programme.required_hours * Enrolment.standard_hour_minutes * 60
    rows = session.execute(
        select(
            Programme.code,
            func.count(Enrolment.id),
            func.sum(case((Enrolment.online_s + Enrolment.offline_s >= required, 1), else_=0)),
        )
        .join(Enrolment, Enrolment.programme_id == Programme.id)
        .group_by(Programme.code)
        .order_by(Programme.code)
    )
    return [ProgrammeFigures(code, count, int(reached or 0)) for code, count, reached in rows]


def application_counts(session: Session) -> dict[str, int]:
    return dict(
        session.execute(
            select(Application.status, func.count(Application.id)).group_by(Application.status)
        ).all()
    )


def fees_by_month(session: Session, *, months: int, today: date) -> list[tuple[str, int]]:
    """Fees collected (fen) per calendar month, the last `months` months, oldest first."""
    keys = []
    year, month = today.year, today.month
    for _ in range(months):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    keys.reverse()
    first = date(int(keys[0][:4]), int(keys[0][5:]), 1)
    totals = dict.fromkeys(keys, 0)
    for paid_on, amount in session.execute(
        select(Payment.paid_on, Payment.amount_fen).where(Payment.paid_on >= first)
    ):
        key = f"{paid_on.year:04d}-{paid_on.month:02d}"
        if key in totals:
            totals[key] += amount
    return list(totals.items())


def session_figures(session: Session) -> list[SessionFigures]:
    """Every exam session with its seats and what its candidates achieved."""
    outcome = ExamRegistration.outcome
    rows = session.execute(
        select(
            ExamSession,
            func.count(ExamRegistration.id),
            func.sum(case((outcome == "passed", 1), else_=0)),
            func.sum(case((outcome == "failed", 1), else_=0)),
            func.sum(case((outcome == "absent", 1), else_=0)),
        )
        .outerjoin(ExamRegistration, ExamRegistration.exam_session_id == ExamSession.id)
        .group_by(ExamSession.id)
        .order_by(ExamSession.starts_on)
    )
    return [
        SessionFigures(
            s.starts_on,
            f"{s.starts_on.isoformat()} {s.work_type_code}-{s.level}",
            s.capacity,
            registered,
            int(p or 0),
            int(f or 0),
            int(a or 0),
        )
        for s, registered, p, f, a in rows
    ]
