"""Notifications for trainees and applicants: sent as things happen, or by the scheduler when
they are due; and the coaching reminders computed when the page is read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import String, cast, func, literal, select, update
from sqlalchemy.orm import Session

from learning.models import CoachingDay, Enrolment, Notification, Programme, User
from learning.services.enrolments import reached_minimum

REMIND_COACHING_DAYS = 7


@dataclass(frozen=True)
class Reminder:
    kind: str
    params: dict[str, Any]


def notify(
    session: Session,
    user_id: int,
    kind: str,
    *,
    now: datetime,
    key: str | None = None,
    **params: Any,
) -> None:
    """Tell a user something. A `key` makes it once only: see `send_due`."""
    session.add(Notification(user_id=user_id, kind=kind, params=params, created_at=now, key=key))


def send_due(session: Session, *, today: date, now: datetime) -> int:
    """What the scheduler sends (once each, by key): the minimum hours reached, and on-site
    coaching in the coming week. Returns how many were sent."""
    return _hours_reached(session, now) + _coaching_soon(session, today, now)


def _hours_reached(session: Session, now: datetime) -> int:
    key = literal("hours_reached:") + cast(Enrolment.id, String)
    told = select(Notification.id).where(Notification.key == key)
    rows = session.execute(
        select(Enrolment.id, Enrolment.trainee_id, Programme.code)
        .join(Programme, Programme.id == Enrolment.programme_id)
        .where(reached_minimum(), ~told.exists())
    ).all()
    for enrolment_id, trainee_id, code in rows:
        notify(
            session,
            trainee_id,
            "hours_reached",
            now=now,
            key=f"hours_reached:{enrolment_id}",
            programme=code,
        )
    return len(rows)


def _coaching_soon(session: Session, today: date, now: datetime) -> int:
    key = (
        literal("coaching:")
        + cast(CoachingDay.id, String)
        + literal(":")
        + cast(Enrolment.id, String)
    )
    told = select(Notification.id).where(Notification.key == key)
    rows = session.execute(
        select(CoachingDay, Enrolment.id, Enrolment.trainee_id)
        .join(Enrolment, Enrolment.class_id == CoachingDay.class_id)
        .join(User, User.id == Enrolment.trainee_id)
        .where(
            CoachingDay.day >= today,
            CoachingDay.day <= today + timedelta(days=REMIND_COACHING_DAYS),
            User.active,
            ~told.exists(),
        )
    ).all()
    for coaching_day, enrolment_id, trainee_id in rows:
        notify(
            session,
            trainee_id,
            "coaching_soon",
            now=now,
            key=f"coaching:{coaching_day.id}:{enrolment_id}",
            day=coaching_day.day.isoformat(),
            topic=coaching_day.topic,
        )
    return len(rows)


def latest(session: Session, user_id: int, limit: int = 50) -> list[Notification]:
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.user_id == user_id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def unread_count(session: Session, user_id: int) -> int:
    return (
        session.scalar(
            select(func.count(Notification.id)).where(
                Notification.user_id == user_id, Notification.read_at.is_(None)
            )
        )
        or 0
    )


def mark_read(session: Session, user_id: int, *, now: datetime) -> None:
    session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=now)
    )


def coaching_reminders(session: Session, trainee_id: int, today: date) -> list[Reminder]:
    """On-site coaching of the trainee's classes in the coming week."""
    statement = (
        select(CoachingDay)
        .join(Enrolment, Enrolment.class_id == CoachingDay.class_id)
        .where(
            Enrolment.trainee_id == trainee_id,
            CoachingDay.day >= today,
            CoachingDay.day <= today + timedelta(days=REMIND_COACHING_DAYS),
        )
        .order_by(CoachingDay.day)
    )
    return [
        Reminder("coaching_soon", {"day": day.day.isoformat(), "topic": day.topic})
        for day in session.scalars(statement)
    ]
