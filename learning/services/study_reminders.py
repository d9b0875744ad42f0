"""Reminders to study (催学): a trainee who has not studied for a while as their exam
approaches is told so by the scheduler, at most once a period, and their instructor sees it.

When an exam "approaches", for one enrolment:

- its exam is the earliest session it is registered for that is still to be held (open or
  closed for registration, not cancelled, the exam day after today); without one, the earliest
  session of its programme (work type and level) still taking registrations, the one the
  trainee could still sit;
- it approaches when that exam day is at most `exam_within_days` (STUDY_REMINDER_EXAM_DAYS)
  away. Without an exam in sight nobody is reminded: there is no date to study towards.

Who is reminded: an active trainee account with an active enrolment still short of its
required hours (one who has them is never nagged), whose last study day for that enrolment is
`idle_days` (STUDY_REMINDER_IDLE_DAYS) or more ago. The last study day is the later of the last
day of online study (`Enrolment.last_studied_on`, kept by the beats) and the last day of offline
time credited and not revoked (coaching attended, other offline study); someone who never
studied counts from the day they were enrolled, so a newcomer has the same grace.

Once a period: a reminder is a `StudyReminder` row (one per enrolment and day) and a
notification keyed `study_reminder:<enrolment>:<day>`; none is sent while the enrolment had
one in the last `idle_days` days. A trainee who stays idle is reminded again a period later;
one who studies is left alone until idle for a whole period again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from learning.domain.accounting import hours_missing
from learning.models import (
    Enrolment,
    EnrolmentStatus,
    ExamRegistration,
    ExamSession,
    ExamSessionStatus,
    OfflineCredit,
    Programme,
    StudyReminder,
    User,
)
from learning.services.enrolments import reached_minimum
from learning.services.notifications import notify


@dataclass(frozen=True)
class Due:
    """An enrolment to remind today."""

    enrolment_id: int
    trainee_id: int
    programme_code: str
    last_day: date
    exam_on: date
    hours_missing: float


def due(session: Session, *, today: date, idle_days: int, exam_within_days: int) -> list[Due]:
    """The enrolments to remind today (see the module's docstring), by id."""
    cutoff = today - timedelta(days=idle_days)
    reminded_lately = select(StudyReminder.id).where(
        StudyReminder.enrolment_id == Enrolment.id, StudyReminder.sent_on > cutoff
    )
    last_offline = (
        select(func.max(OfflineCredit.day))
        .where(OfflineCredit.enrolment_id == Enrolment.id, OfflineCredit.revoked_at.is_(None))
        .scalar_subquery()
    )
    registered_exam = (
        select(func.min(ExamSession.starts_on))
        .join(ExamRegistration, ExamRegistration.exam_session_id == ExamSession.id)
        .where(
            ExamRegistration.enrolment_id == Enrolment.id,
            ExamSession.status.in_([ExamSessionStatus.OPEN.value, ExamSessionStatus.CLOSED.value]),
            ExamSession.starts_on > today,
        )
        .scalar_subquery()
    )
    open_exam = (
        select(func.min(ExamSession.starts_on))
        .where(
            ExamSession.work_type_code == Programme.work_type_code,
            ExamSession.level == Programme.level,
            ExamSession.status == ExamSessionStatus.OPEN.value,
            ExamSession.registration_closes_on >= today,
            ExamSession.starts_on > today,
        )
        .scalar_subquery()
    )
    exam_on = func.coalesce(registered_exam, open_exam)
    statement = (
        select(
            Enrolment.id,
            Enrolment.trainee_id,
            Enrolment.last_studied_on,
            Enrolment.created_at,
            Enrolment.online_s + Enrolment.offline_s,
            Enrolment.standard_hour_minutes,
            Programme.code,
            Programme.required_hours,
            last_offline,
            exam_on,
        )
        .join(Programme, Programme.id == Enrolment.programme_id)
        .join(User, User.id == Enrolment.trainee_id)
        .where(
            User.active,
            Enrolment.status == EnrolmentStatus.ACTIVE.value,
            ~reached_minimum(),
            or_(Enrolment.last_studied_on.is_(None), Enrolment.last_studied_on <= cutoff),
            ~reminded_lately.exists(),
            exam_on <= today + timedelta(days=exam_within_days),
        )
        .order_by(Enrolment.id)
    )
    found = []
    for row in session.execute(statement):
        (enrolment_id, trainee_id, online_day, created_at, credited_s, minutes, code) = row[:7]
        required_hours, offline_day, exam_day = row[7:]
        days = [day for day in (online_day, offline_day) if day is not None]
        last_day = max(days) if days else created_at.date()
        if last_day > cutoff:
            continue  # studied offline lately, or enrolled less than a period ago
        missing_s = required_hours * minutes * 60 - int(credited_s)
        found.append(
            Due(
                enrolment_id=enrolment_id,
                trainee_id=trainee_id,
                programme_code=code,
                last_day=last_day,
                exam_on=exam_day,
                hours_missing=hours_missing(missing_s, minutes),
            )
        )
    return found


def send(
    session: Session, *, today: date, now: datetime, idle_days: int, exam_within_days: int
) -> int:
    """Remind every enrolment `due` today; returns how many were."""
    reminders = due(session, today=today, idle_days=idle_days, exam_within_days=exam_within_days)
    for reminder in reminders:
        idle = (today - reminder.last_day).days
        session.add(
            StudyReminder(
                enrolment_id=reminder.enrolment_id,
                sent_on=today,
                idle_days=idle,
                exam_on=reminder.exam_on,
                created_at=now,
            )
        )
        notify(
            session,
            reminder.trainee_id,
            "study_reminder",
            now=now,
            key=f"study_reminder:{reminder.enrolment_id}:{today.isoformat()}",
            programme=reminder.programme_code,
            days=idle,
            exam_day=reminder.exam_on.isoformat(),
            hours=reminder.hours_missing,
        )
    return len(reminders)


def last_reminded(session: Session, enrolment_ids: list[int]) -> dict[int, date]:
    """The day each of these enrolments was last reminded to study (those ever reminded)."""
    if not enrolment_ids:
        return {}
    statement = (
        select(StudyReminder.enrolment_id, func.max(StudyReminder.sent_on))
        .where(StudyReminder.enrolment_id.in_(enrolment_ids))
        .group_by(StudyReminder.enrolment_id)
    )
    return {enrolment_id: day for enrolment_id, day in session.execute(statement)}
