"""Offline study time: attendance of on-site coaching days, and time an admin adds with a reason.

Offline time is not capped per day. `Enrolment.offline_s` is always the sum of the enrolment's
credits that are not revoked; revoking keeps the entry, marked, for the record. Offline hours are
real hours: they are recorded only for a day that has begun, and each change takes the trainee's
study-state row first (the order of services/study.py), so `recompute` never writes a sum older
than a credit stored meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from learning.models import CoachingDay, Enrolment, OfflineCredit, TrainingClass
from learning.services import ServiceError, audit, study

MAX_OFFLINE_S = 24 * 3600


@dataclass(frozen=True)
class AttendanceRow:
    enrolment_id: int
    trainee_name: str
    present: bool


def create_coaching_day(
    session: Session,
    *,
    training_class: TrainingClass,
    day: date,
    topic: str,
    credit_s: int,
    now: datetime,
    actor_id: int | None,
) -> CoachingDay:
    """A day of on-site coaching for a class; a full day credits 8 hours by default."""
    if not 0 < credit_s <= MAX_OFFLINE_S:
        raise ServiceError("offline_seconds_out_of_range")
    existing = session.scalar(
        select(CoachingDay.id).where(
            CoachingDay.class_id == training_class.id, CoachingDay.day == day
        )
    )
    if existing is not None:
        raise ServiceError("coaching_day_exists", day=day.isoformat())
    coaching_day = CoachingDay(
        class_id=training_class.id,
        day=day,
        topic=topic.strip(),
        credit_s=credit_s,
        created_at=now,
    )
    session.add(coaching_day)
    session.flush()
    audit.record(
        session,
        at=now,
        actor_id=actor_id,
        action="coaching_day.create",
        subject=f"class:{training_class.id}",
        details={"day": day.isoformat(), "topic": coaching_day.topic, "credit_s": credit_s},
    )
    return coaching_day


def attendance(session: Session, coaching_day: CoachingDay) -> list[AttendanceRow]:
    """The class's enrolments with whether each attended this day."""
    present = set(
        session.scalars(
            select(OfflineCredit.enrolment_id).where(
                OfflineCredit.coaching_day_id == coaching_day.id,
                OfflineCredit.revoked_at.is_(None),
            )
        )
    )
    enrolments = session.scalars(
        select(Enrolment).where(Enrolment.class_id == coaching_day.class_id).order_by(Enrolment.id)
    )
    return [AttendanceRow(e.id, e.trainee.display_name, e.id in present) for e in enrolments]


def record_attendance(
    session: Session,
    *,
    coaching_day: CoachingDay,
    present_enrolment_ids: set[int],
    today: date,
    now: datetime,
    actor_id: int | None,
) -> None:
    """Set who attended: new attendees are credited, those taken off have their credit revoked.
    Only for a day that has begun: nobody has attended a day still to come."""
    _has_begun(coaching_day.day, today)
    class_enrolments = set(
        session.scalars(select(Enrolment.id).where(Enrolment.class_id == coaching_day.class_id))
    )
    if not present_enrolment_ids <= class_enrolments:
        raise ServiceError("not_in_class")
    credits = {
        credit.enrolment_id: credit
        for credit in session.scalars(
            select(OfflineCredit).where(OfflineCredit.coaching_day_id == coaching_day.id)
        )
    }
    changed: set[int] = set()
    for enrolment_id in class_enrolments:
        credit = credits.get(enrolment_id)
        attended = enrolment_id in present_enrolment_ids
        if credit is None:
            if not attended:
                continue
            session.add(
                OfflineCredit(
                    enrolment_id=enrolment_id,
                    kind="coaching",
                    day=coaching_day.day,
                    seconds=coaching_day.credit_s,
                    coaching_day_id=coaching_day.id,
                    reason=coaching_day.topic,
                    recorded_by_id=actor_id,
                    recorded_at=now,
                )
            )
        elif attended and credit.revoked_at is not None:
            credit.revoked_at = None
        elif not attended and credit.revoked_at is None:
            credit.revoked_at = now
        else:
            continue
        changed.add(enrolment_id)
    session.flush()
    for enrolment_id in sorted(changed):
        refresh_offline_seconds(session, enrolment_id)
    audit.record(
        session,
        at=now,
        actor_id=actor_id,
        action="coaching_day.attendance",
        subject=f"coaching_day:{coaching_day.id}",
        details={"present": sorted(present_enrolment_ids), "changed": sorted(changed)},
    )


def add_offline_time(
    session: Session,
    *,
    enrolment: Enrolment,
    seconds: int,
    day: date,
    reason: str,
    today: date,
    now: datetime,
    actor_id: int,
) -> OfflineCredit:
    """Other offline study time an admin records; the reason is kept with it and in the audit."""
    if not reason.strip():
        raise ServiceError("reason_required")
    _has_begun(day, today)
    if not 0 < seconds <= MAX_OFFLINE_S:
        raise ServiceError("offline_seconds_out_of_range")
    credit = OfflineCredit(
        enrolment_id=enrolment.id,
        kind="other",
        day=day,
        seconds=seconds,
        reason=reason.strip(),
        recorded_by_id=actor_id,
        recorded_at=now,
    )
    session.add(credit)
    session.flush()
    refresh_offline_seconds(session, enrolment.id)
    audit.record(
        session,
        at=now,
        actor_id=actor_id,
        action="offline.add",
        enrolment_id=enrolment.id,
        reason=credit.reason,
        details={"seconds": seconds, "day": day.isoformat()},
    )
    return credit


def revoke_offline_time(
    session: Session, *, credit: OfflineCredit, reason: str, now: datetime, actor_id: int
) -> None:
    if not reason.strip():
        raise ServiceError("reason_required")
    if credit.revoked_at is None:
        credit.revoked_at = now
        session.flush()
        refresh_offline_seconds(session, credit.enrolment_id)
        audit.record(
            session,
            at=now,
            actor_id=actor_id,
            action="offline.revoke",
            enrolment_id=credit.enrolment_id,
            reason=reason.strip(),
            details={"credit_id": credit.id, "seconds": credit.seconds},
        )


def _has_begun(day: date, today: date) -> None:
    if day > today:
        raise ServiceError("day_not_begun", day=day.isoformat())


def refresh_offline_seconds(session: Session, enrolment_id: int) -> None:
    """The enrolment's offline seconds: the sum of its credits not revoked, written under the
    trainee's lock."""
    trainee_id = session.scalar(select(Enrolment.trainee_id).where(Enrolment.id == enrolment_id))
    if trainee_id is None:
        return
    study.lock_trainee(session, trainee_id)
    total = session.scalar(
        select(func.coalesce(func.sum(OfflineCredit.seconds), 0)).where(
            OfflineCredit.enrolment_id == enrolment_id, OfflineCredit.revoked_at.is_(None)
        )
    )
    enrolment = session.get(Enrolment, enrolment_id)
    if enrolment is None:
        return
    enrolment.offline_s = int(total or 0)


def credits_of(session: Session, enrolment_id: int) -> list[OfflineCredit]:
    return list(
        session.scalars(
            select(OfflineCredit)
            .where(OfflineCredit.enrolment_id == enrolment_id)
            .order_by(OfflineCredit.day, OfflineCredit.id)
        )
    )
