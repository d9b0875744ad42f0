"""Announcements (公告): the training office, or an instructor for a class, tells trainees
something in a title and a plain-text body.

Who is addressed: the active trainee accounts holding an enrolment that is not withdrawn, in
the programme or the class named, or in any programme for an announcement to all.

Each addressed trainee gets a notification when the announcement is published, written in one
INSERT ... SELECT (a few thousand rows for an announcement to all). So the messages page, its
unread count in the navigation and "mark all as read" stay the plain notification queries they
are (read on every page a trainee opens), instead of merging announcements into each of them
with a read state of its own. What this costs: someone enrolled after the publication finds it
on the home page, which asks the announcements themselves, but not among their messages; and
withdrawing deletes the notifications it made (the announcement itself stays, marked, and the
audit log names both steps).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import JSON, Select, case, delete, func, insert, literal, or_, select
from sqlalchemy.orm import Session

from learning.database import rowcount
from learning.models import (
    Announcement,
    Audience,
    Enrolment,
    EnrolmentStatus,
    Notification,
    Programme,
    Role,
    TrainingClass,
    User,
)
from learning.models.base import UTCDateTime
from learning.services import ServiceError, audit

TITLE_MAX = 100
BODY_MAX = 2000
HOME_SHOWN = 5  # the newest on a trainee's home page; all of them are among the messages


@dataclass(frozen=True)
class AnnouncementRow:
    """An announcement as the staff list shows it."""

    id: int
    title: str
    body: str
    audience: str
    programme_code: str | None
    class_name: str | None
    author_id: int
    author_name: str
    created_at: datetime
    withdrawn_at: datetime | None
    addressed: int  # trainees whose messages hold it (none once withdrawn)
    read: int  # of those, how many have read their messages since


def publish(
    session: Session,
    *,
    title: str,
    body: str,
    audience: str,
    target_id: int | None,
    author_id: int,
    now: datetime,
) -> tuple[Announcement, int]:
    """Publish an announcement to all trainees, a programme (`target_id` its id) or a class
    (its id); returns it and the number of trainees notified."""
    title, body = title.strip(), body.strip()
    if not title:
        raise ServiceError("announcement_title_required")
    if len(title) > TITLE_MAX:
        raise ServiceError("announcement_title_too_long", most=TITLE_MAX)
    if not body:
        raise ServiceError("announcement_body_required")
    if len(body) > BODY_MAX:
        raise ServiceError("announcement_body_too_long", most=BODY_MAX)
    if "\x00" in title or "\x00" in body:
        raise ServiceError("nul_character")
    programme_id = class_id = None
    target: str | None = None
    if audience == Audience.PROGRAMME:
        programme = session.get(Programme, target_id) if target_id else None
        if programme is None:
            raise ServiceError("announcement_audience_unknown")
        programme_id, target = programme.id, programme.code
    elif audience == Audience.CLASS:
        training_class = session.get(TrainingClass, target_id) if target_id else None
        if training_class is None:
            raise ServiceError("announcement_audience_unknown")
        class_id, target = training_class.id, training_class.name
    elif audience != Audience.ALL:
        raise ServiceError("announcement_audience_unknown")
    announcement = Announcement(
        title=title,
        body=body,
        audience=str(audience),
        programme_id=programme_id,
        class_id=class_id,
        author_id=author_id,
        created_at=now,
    )
    session.add(announcement)
    session.flush()
    addressed = addressed_trainees(audience, programme_id=programme_id, class_id=class_id)
    trainees = addressed.subquery()
    notified = rowcount(
        session.execute(
            insert(Notification)
            .from_select(
                ["user_id", "kind", "params", "created_at", "announcement_id"],
                select(
                    trainees.c.trainee_id,
                    literal("announcement"),
                    literal({"title": title}, JSON),
                    literal(now, UTCDateTime()),
                    literal(announcement.id),
                ),
            )
            .execution_options(preserve_rowcount=True)  # kept for an INSERT on every driver
        )
    )
    audit.record(
        session,
        at=now,
        actor_id=author_id,
        action="announcement.create",
        subject=f"announcement:{announcement.id}",
        details={
            "audience": str(audience),
            "to": target,
            "title": title,
            "notified": notified,
        },
    )
    return announcement, notified


def withdraw(session: Session, announcement: Announcement, *, now: datetime, actor_id: int) -> int:
    """Withdraw an announcement: it leaves the home pages, and the notifications it made are
    deleted. Returns how many were."""
    if announcement.withdrawn_at is not None:
        raise ServiceError("announcement_withdrawn")
    announcement.withdrawn_at = now
    announcement.withdrawn_by_id = actor_id
    removed = rowcount(
        session.execute(delete(Notification).where(Notification.announcement_id == announcement.id))
    )
    audit.record(
        session,
        at=now,
        actor_id=actor_id,
        action="announcement.withdraw",
        subject=f"announcement:{announcement.id}",
        details={"title": announcement.title, "notifications_removed": removed},
    )
    return removed


def addressed_trainees(
    audience: str, *, programme_id: int | None = None, class_id: int | None = None
) -> Select:
    """The ids of the trainees an announcement addresses, each once."""
    statement = (
        select(Enrolment.trainee_id)
        .join(User, User.id == Enrolment.trainee_id)
        .where(
            User.active,
            User.role == Role.TRAINEE.value,
            Enrolment.status != EnrolmentStatus.WITHDRAWN.value,
        )
        .distinct()
    )
    if audience == Audience.PROGRAMME:
        statement = statement.where(Enrolment.programme_id == programme_id)
    elif audience == Audience.CLASS:
        statement = statement.where(Enrolment.class_id == class_id)
    return statement


def for_trainee(session: Session, trainee_id: int, limit: int = HOME_SHOWN) -> list[Announcement]:
    """What the trainee's home page shows: the newest announcements in force to all, or to a
    programme or class of one of the trainee's enrolments (not withdrawn)."""
    enrolments = select(Enrolment.programme_id, Enrolment.class_id).where(
        Enrolment.trainee_id == trainee_id,
        Enrolment.status != EnrolmentStatus.WITHDRAWN.value,
    )
    held = session.execute(enrolments).all()
    if not held:
        return []
    programme_ids = {programme_id for programme_id, _class_id in held}
    class_ids = {class_id for _programme_id, class_id in held if class_id is not None}
    statement = (
        select(Announcement)
        .where(
            Announcement.withdrawn_at.is_(None),
            or_(
                Announcement.audience == Audience.ALL.value,
                Announcement.programme_id.in_(programme_ids),
                Announcement.class_id.in_(class_ids),
            ),
        )
        .order_by(Announcement.created_at.desc(), Announcement.id.desc())
        .limit(limit)
    )
    return list(session.scalars(statement))


def by_ids(session: Session, ids: set[int]) -> dict[int, Announcement]:
    """The announcements of these ids (the messages page shows their bodies)."""
    if not ids:
        return {}
    found = session.scalars(select(Announcement).where(Announcement.id.in_(ids)))
    return {announcement.id: announcement for announcement in found}


def listing(
    session: Session, *, class_ids: set[int] | None = None, limit: int = 200
) -> list[AnnouncementRow]:
    """The newest announcements with how many trainees have them and have read them: all of
    them, or (`class_ids`, an instructor's) those to these classes."""
    statement = (
        select(Announcement, Programme.code, TrainingClass.name, User.display_name)
        .join(User, User.id == Announcement.author_id)
        .outerjoin(Programme, Programme.id == Announcement.programme_id)
        .outerjoin(TrainingClass, TrainingClass.id == Announcement.class_id)
        .order_by(Announcement.created_at.desc(), Announcement.id.desc())
        .limit(limit)
    )
    if class_ids is not None:
        statement = statement.where(Announcement.class_id.in_(class_ids))
    found = session.execute(statement).all()
    counts = _reach(session, [announcement.id for announcement, *_names in found])
    return [
        AnnouncementRow(
            id=announcement.id,
            title=announcement.title,
            body=announcement.body,
            audience=announcement.audience,
            programme_code=programme_code,
            class_name=class_name,
            author_id=announcement.author_id,
            author_name=author_name,
            created_at=announcement.created_at,
            withdrawn_at=announcement.withdrawn_at,
            addressed=counts.get(announcement.id, (0, 0))[0],
            read=counts.get(announcement.id, (0, 0))[1],
        )
        for announcement, programme_code, class_name, author_name in found
    ]


def _reach(session: Session, announcement_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Per announcement, the notifications it made and how many of them are read."""
    if not announcement_ids:
        return {}
    statement = (
        select(
            Notification.announcement_id,
            func.count(Notification.id),
            func.sum(case((Notification.read_at.is_not(None), 1), else_=0)),
        )
        .where(Notification.announcement_id.in_(announcement_ids))
        .group_by(Notification.announcement_id)
    )
    return {
        announcement_id: (int(addressed), int(read or 0))
        for announcement_id, addressed, read in session.execute(statement)
    }
