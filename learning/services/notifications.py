"""Notifications for trainees and applicants, and the reminders computed when they are read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from learning.models import CoachingDay, Enrolment, Notification
from learning.services.enrolments import required_seconds

REMIND_COACHING_DAYS = 7


@dataclass(frozen=True)
class Reminder:
    kind: str
    params: dict[str, Any]


def notify(session: Session, user_id: int, kind: str, *, now: datetime, **params: Any) -> None:
    session.add(Notification(user_id=user_id, kind=kind, params=params, created_at=now))


def notify_if_minimum_reached(
    session: Session, enrolment: Enrolment, before_s: int, *, now: datetime
) -> None:
    """Tell the trainee once, when their credited hours cross the programme's minimum."""
    required = required_seconds(enrolment)
    if before_s < required <= enrolment.online_s + enrolment.offline_s:
        notify(
            session,
            enrolment.trainee_id,
            "hours_reached",
            now=now,
            programme=enrolment.programme.code,
        )


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
