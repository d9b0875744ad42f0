"""Exam sessions as the training office runs them: opened, edited, cancelled with a reason, and
moved on by the calendar. Every candidate hears of a change of day or place and of a
cancellation; every change goes to the audit log with the state before and after."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from learning.database import rowcount
from learning.domain import exam_calendar
from learning.models import (
    Enrolment,
    ExamRegistration,
    ExamSession,
    ExamSessionStatus,
    Level,
    Programme,
)
from learning.services import ServiceError, audit
from learning.services.notifications import notify

MAX_CAPACITY = 10_000
MAX_COACHING_HOURS = 100
MAX_REASON = 500
LISTED_PAST_DAYS = 180  # held and cancelled sessions stay on the office's list this long


@dataclass(frozen=True)
class Schedule:
    """What an admin sets on a session, on opening it and when editing it."""

    starts_on: date
    registration_closes_on: date
    place: str
    capacity: int
    coaching_starts_on: date | None
    coaching_hours: float
    starts_at: time | None = None


def _checked(schedule: Schedule) -> Schedule:
    if schedule.registration_closes_on > schedule.starts_on:
        raise ServiceError("closes_after_start")
    if schedule.coaching_starts_on is not None and schedule.coaching_starts_on >= (
        schedule.starts_on
    ):
        raise ServiceError("coaching_after_start")
    if not 1 <= schedule.capacity <= MAX_CAPACITY:
        raise ServiceError("capacity_out_of_range", most=MAX_CAPACITY)
    if not 0 <= schedule.coaching_hours <= MAX_COACHING_HOURS:
        raise ServiceError("coaching_hours_out_of_range", most=MAX_COACHING_HOURS)
    if not schedule.place.strip():
        raise ServiceError("place_required")
    return schedule


def create_session(
    session: Session,
    *,
    work_type_code: str,
    level: int,
    schedule: Schedule,
    now: datetime,
    actor_id: int | None,
) -> ExamSession:
    """Open an exam session for a programme; the parts follow the level (review at 2 and 1)."""
    code = f"{work_type_code}-{level}"
    if session.scalar(select(Programme.id).where(Programme.code == code)) is None:
        raise ServiceError("unknown_programme", code=code)
    _checked(schedule)
    level_row = session.get(Level, level)
    parts = ["theory", "skill"] + (
        ["review"] if level_row and level_row.has_comprehensive_review else []
    )
    exam_session = ExamSession(
        work_type_code=work_type_code,
        level=level,
        starts_on=schedule.starts_on,
        starts_at=schedule.starts_at,
        registration_closes_on=schedule.registration_closes_on,
        place=schedule.place.strip(),
        capacity=schedule.capacity,
        coaching_starts_on=schedule.coaching_starts_on,
        coaching_tenths=round(schedule.coaching_hours * 10),
        parts=parts,
        created_at=now,
    )
    session.add(exam_session)
    session.flush()
    audit.record(
        session,
        at=now,
        actor_id=actor_id,
        action="exam_session.create",
        subject=f"exam_session:{exam_session.id}",
        details={
            "programme": code,
            "starts_on": schedule.starts_on.isoformat(),
            "capacity": schedule.capacity,
        },
    )
    return exam_session


def schedule_of(exam_session: ExamSession) -> Schedule:
    return Schedule(
        starts_on=exam_session.starts_on,
        registration_closes_on=exam_session.registration_closes_on,
        place=exam_session.place,
        capacity=exam_session.capacity,
        coaching_starts_on=exam_session.coaching_starts_on,
        coaching_hours=exam_session.coaching_hours,
        starts_at=exam_session.starts_at,
    )


def _still_ahead(exam_session: ExamSession, today: date) -> None:
    status = status_on(exam_session, today)
    if status == ExamSessionStatus.CANCELLED.value:
        raise ServiceError("session_cancelled")
    if status == ExamSessionStatus.HELD.value:
        raise ServiceError("session_held")


def update_session(
    session: Session,
    exam_session: ExamSession,
    schedule: Schedule,
    *,
    today: date,
    now: datetime,
    actor_id: int,
) -> list[str]:
    """Change a session still ahead; returns the names of the fields that changed.

    The capacity never goes below the seats taken (a conditional UPDATE, so a registration
    racing the edit cannot slip past it); registration reopens when its close moves to today or
    later; candidates are told when the day, the place or the coaching changes."""
    _still_ahead(exam_session, today)
    _checked(schedule)
    if exam_calendar.held(schedule.starts_on, today):
        raise ServiceError("exam_day_past")
    before = schedule_of(exam_session)
    changed = [name for name in Schedule.__dataclass_fields__ if _differs(before, schedule, name)]
    if not changed:
        return []
    if "capacity" in changed and not _set_capacity(session, exam_session, schedule.capacity):
        raise ServiceError("capacity_below_seats", taken=exam_session.seats_taken)
    exam_session.starts_on = schedule.starts_on
    exam_session.starts_at = schedule.starts_at
    exam_session.registration_closes_on = schedule.registration_closes_on
    exam_session.place = schedule.place.strip()
    exam_session.coaching_starts_on = schedule.coaching_starts_on
    exam_session.coaching_tenths = round(schedule.coaching_hours * 10)
    if exam_calendar.taking_registrations(schedule.registration_closes_on, today):
        exam_session.status = ExamSessionStatus.OPEN.value
    elif exam_session.status == ExamSessionStatus.OPEN.value:
        exam_session.status = ExamSessionStatus.CLOSED.value
    audit.record(
        session,
        at=now,
        actor_id=actor_id,
        action="exam_session.update",
        subject=f"exam_session:{exam_session.id}",
        details={
            "before": {name: _plain(getattr(before, name)) for name in changed},
            "after": {name: _plain(getattr(schedule, name)) for name in changed},
        },
    )
    if {"starts_on", "starts_at", "place", "coaching_starts_on", "coaching_hours"} & set(changed):
        _tell_candidates(
            session,
            exam_session,
            "exam_session_changed",
            now=now,
            time=(
                exam_session.starts_at.isoformat(timespec="minutes")
                if exam_session.starts_at
                else ""
            ),
            place=exam_session.place,
        )
    return changed


def _differs(before: Schedule, after: Schedule, name: str) -> bool:
    old, new = getattr(before, name), getattr(after, name)
    if name == "place":
        return old != new.strip()
    if name == "coaching_hours":
        return round(old * 10) != round(new * 10)
    return old != new


def _plain(value: object) -> object:
    return (
        value.isoformat(timespec="minutes")
        if isinstance(value, time)
        else (value.isoformat() if isinstance(value, date) else value)
    )


def _set_capacity(session: Session, exam_session: ExamSession, capacity: int) -> bool:
    result = session.execute(
        update(ExamSession)
        .where(ExamSession.id == exam_session.id, ExamSession.seats_taken <= capacity)
        .values(capacity=capacity)
        .execution_options(synchronize_session=False)
    )
    session.refresh(exam_session)
    return rowcount(result) == 1


def cancel_session(
    session: Session,
    exam_session: ExamSession,
    *,
    reason: str,
    today: date,
    now: datetime,
    actor_id: int,
) -> int:
    """Call off a session still ahead; every registered candidate gets a message with the
    reason. The registrations stay (history) but count as no sitting. Returns the number of
    candidates told."""
    _still_ahead(exam_session, today)
    reason = reason.strip()
    if not reason:
        raise ServiceError("reason_required")
    if len(reason) > MAX_REASON:
        raise ServiceError("reason_too_long", most=MAX_REASON)
    exam_session.status = ExamSessionStatus.CANCELLED.value
    exam_session.cancelled_at = now
    exam_session.cancel_reason = reason
    audit.record(
        session,
        at=now,
        actor_id=actor_id,
        action="exam_session.cancel",
        subject=f"exam_session:{exam_session.id}",
        reason=reason,
        details={
            "day": exam_session.starts_on.isoformat(),
            "seats_taken": exam_session.seats_taken,
        },
    )
    return _tell_candidates(session, exam_session, "exam_session_cancelled", now=now, reason=reason)


def _tell_candidates(
    session: Session, exam_session: ExamSession, kind: str, *, now: datetime, **params: str
) -> int:
    """A message to every registered candidate, naming the session; returns how many."""
    users = session.scalars(
        select(Enrolment.trainee_id)
        .join(ExamRegistration, ExamRegistration.enrolment_id == Enrolment.id)
        .where(ExamRegistration.exam_session_id == exam_session.id)
        .order_by(ExamRegistration.seat_no, ExamRegistration.id)
    ).all()
    for user_id in users:
        notify(
            session,
            user_id,
            kind,
            now=now,
            programme=f"{exam_session.work_type_code}-{exam_session.level}",
            day=exam_session.starts_on.isoformat(),
            **params,
        )
    return len(users)


def office_list(session: Session, today: date) -> list[ExamSession]:
    """Every session ahead (the soonest first), then those of the last months (the latest
    first)."""
    since = today - timedelta(days=LISTED_PAST_DAYS)
    listed = session.scalars(
        select(ExamSession)
        .where(ExamSession.starts_on >= since)
        .order_by(ExamSession.starts_on, ExamSession.id)
    ).all()
    ahead = [s for s in listed if not exam_calendar.held(s.starts_on, today)]
    past = [s for s in listed if exam_calendar.held(s.starts_on, today)]
    return ahead + past[::-1]


def status_on(exam_session: ExamSession, today: date) -> str:
    """The session's status as of `today`, whether or not the nightly job has moved it yet."""
    if exam_session.status == ExamSessionStatus.CANCELLED.value:
        return exam_session.status
    if exam_calendar.held(exam_session.starts_on, today):
        return ExamSessionStatus.HELD.value
    if not exam_calendar.taking_registrations(exam_session.registration_closes_on, today):
        return ExamSessionStatus.CLOSED.value
    return exam_session.status


def advance_states(session: Session, today: date) -> tuple[int, int]:
    """Move sessions on by the calendar: registration closes after its last day, the session is
    held after its exam day (unless it was cancelled). Returns (closed, held)."""
    closed = session.execute(
        update(ExamSession)
        .where(
            ExamSession.status == ExamSessionStatus.OPEN.value,
            ExamSession.registration_closes_on < today,  # exam_calendar.taking_registrations
        )
        .values(status=ExamSessionStatus.CLOSED.value)
    )
    held = session.execute(
        update(ExamSession)
        .where(
            ExamSession.status.in_([ExamSessionStatus.OPEN.value, ExamSessionStatus.CLOSED.value]),
            ExamSession.starts_on < today,  # exam_calendar.held
        )
        .values(status=ExamSessionStatus.HELD.value)
    )
    return rowcount(closed), rowcount(held)
