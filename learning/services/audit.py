"""Writing to the audit log, and reading it back: a page of entries, the names they refer to."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from learning.models import (
    Application,
    AuditEntry,
    CoachingDay,
    Enrolment,
    ExamSession,
    Programme,
    Role,
    TrainingClass,
    User,
    Video,
)


def record(
    session: Session,
    *,
    at: datetime,
    actor_id: int | None,
    action: str,
    enrolment_id: int | None = None,
    subject: str | None = None,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        at=at,
        actor_id=actor_id,
        action=action,
        enrolment_id=enrolment_id,
        subject=subject,
        reason=reason,
        details=details or {},
    )
    session.add(entry)
    return entry


def entries_for_enrolment(session: Session, enrolment_id: int) -> list[AuditEntry]:
    statement = (
        select(AuditEntry)
        .where(AuditEntry.enrolment_id == enrolment_id)
        .order_by(AuditEntry.at, AuditEntry.id)
    )
    return list(session.scalars(statement))


# --- reading the whole log ------------------------------------------------------------------

#: The actor filter's two choices that are not one person.
BY_NOBODY = "system"  # the scheduler, the command line, the demo
BY_TRAINEES = "trainees"  # a trainee acting for themselves (applying, registering, ...)


def search(
    session: Session,
    *,
    action: str | None = None,
    actor: int | str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int,
    offset: int = 0,
) -> tuple[list[AuditEntry], int]:
    """The entries that match, newest first, one page of them, and how many match in all.
    `actor` is a user id, `BY_NOBODY` or `BY_TRAINEES`; `until` is excluded."""
    conditions = []
    if action:
        conditions.append(AuditEntry.action == action)
    if actor == BY_NOBODY:
        conditions.append(AuditEntry.actor_id.is_(None))
    elif actor == BY_TRAINEES:
        trainees = select(User.id).where(User.role == Role.TRAINEE.value)
        conditions.append(AuditEntry.actor_id.in_(trainees))
    elif isinstance(actor, int):
        conditions.append(AuditEntry.actor_id == actor)
    if since is not None:
        conditions.append(AuditEntry.at >= since)
    if until is not None:
        conditions.append(AuditEntry.at < until)
    total = session.scalar(select(func.count(AuditEntry.id)).where(*conditions)) or 0
    statement = (
        select(AuditEntry)
        .where(*conditions)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(session.scalars(statement)), total


def staff(session: Session) -> list[tuple[int, str]]:
    """The admins and instructors, who act on others' records: (id, display name), by name."""
    statement = (
        select(User.id, User.display_name)
        .where(User.role.in_([Role.ADMIN.value, Role.INSTRUCTOR.value]))
        .order_by(User.display_name, User.id)
    )
    return [(user_id, name) for user_id, name in session.execute(statement)]


@dataclass
class Names:
    """What a page needs to tell entries in words, looked up once for all of them."""

    users: dict[int, str] = field(default_factory=dict)  # id -> display name
    usernames: dict[str, str] = field(default_factory=dict)  # username -> display name
    classes: dict[int, str] = field(default_factory=dict)
    videos: dict[int, str] = field(default_factory=dict)  # id -> title
    programmes: dict[str, int] = field(default_factory=dict)  # code -> id
    enrolments: dict[int, tuple[str, str]] = field(default_factory=dict)  # (trainee, code)
    exam_sessions: dict[int, tuple[date, str]] = field(default_factory=dict)  # (day, code)
    applications: dict[int, tuple[str, str]] = field(default_factory=dict)  # (applicant, code)
    coaching_days: dict[int, tuple[date, str, int]] = field(default_factory=dict)  # day, topic,
    # class id


def subject_of(entry: AuditEntry) -> tuple[str, str]:
    """An entry's subject split into its kind and key: ("user", "12"); ("", "") for none."""
    kind, _, key = (entry.subject or "").partition(":")
    return (kind, key) if key else ("", "")


def names_for(session: Session, entries: list[AuditEntry]) -> Names:
    """The names of everyone and everything the entries refer to by id, in a few queries."""
    wanted: dict[str, set[int]] = {
        name: set()
        for name in ("users", "classes", "videos", "enrolments", "sessions", "apps", "days")
    }
    usernames: set[str] = set()
    codes: set[str] = set()
    subject_kinds = {
        "user": "users",
        "class": "classes",
        "video": "videos",
        "enrolment": "enrolments",
        "exam_session": "sessions",
        "application": "apps",
        "coaching_day": "days",
    }
    for entry in entries:
        details = entry.details if isinstance(entry.details, dict) else {}
        if entry.actor_id is not None:
            wanted["users"].add(entry.actor_id)
        if entry.enrolment_id is not None:
            wanted["enrolments"].add(entry.enrolment_id)
        kind, key = subject_of(entry)
        if kind in subject_kinds and key.isdigit():
            wanted[subject_kinds[kind]].add(int(key))
        elif kind == "programme":
            codes.add(key)
        for name in ("from_class", "to_class", "class_id"):
            if isinstance(details.get(name), int):
                wanted["classes"].add(details[name])
        if isinstance(details.get("video_id"), int):
            wanted["videos"].add(details["video_id"])
        for side in (details, details.get("before"), details.get("after")):
            if isinstance(side, dict) and isinstance(side.get("instructors"), list):
                usernames.update(str(name) for name in side["instructors"])
    names = Names()
    if wanted["days"]:
        for day in session.scalars(select(CoachingDay).where(CoachingDay.id.in_(wanted["days"]))):
            names.coaching_days[day.id] = (day.day, day.topic, day.class_id)
            wanted["classes"].add(day.class_id)
    if wanted["enrolments"]:
        rows = session.execute(
            select(Enrolment.id, User.display_name, Programme.code)
            .join(User, User.id == Enrolment.trainee_id)
            .join(Programme, Programme.id == Enrolment.programme_id)
            .where(Enrolment.id.in_(wanted["enrolments"]))
        )
        names.enrolments = {row[0]: (row[1], row[2]) for row in rows}
    if wanted["apps"]:
        rows = session.execute(
            select(Application.id, User.display_name, Programme.code)
            .join(User, User.id == Application.applicant_id)
            .join(Programme, Programme.id == Application.programme_id)
            .where(Application.id.in_(wanted["apps"]))
        )
        names.applications = {row[0]: (row[1], row[2]) for row in rows}
    if wanted["sessions"]:
        rows = session.execute(
            select(ExamSession.id, ExamSession.starts_on, ExamSession.work_type_code)
            .add_columns(ExamSession.level)
            .where(ExamSession.id.in_(wanted["sessions"]))
        )
        names.exam_sessions = {row[0]: (row[1], f"{row[2]}-{row[3]}") for row in rows}
    if wanted["users"] or usernames:
        rows = session.execute(
            select(User.id, User.username, User.display_name).where(
                User.id.in_(wanted["users"]) | User.username.in_(usernames)
            )
        )
        for user_id, username, display_name in rows:
            names.users[user_id] = display_name
            names.usernames[username] = display_name
    if wanted["classes"]:
        rows = session.execute(
            select(TrainingClass.id, TrainingClass.name).where(
                TrainingClass.id.in_(wanted["classes"])
            )
        )
        names.classes = {key: value for key, value in rows}
    if wanted["videos"]:
        rows = session.execute(select(Video.id, Video.title).where(Video.id.in_(wanted["videos"])))
        names.videos = {key: value for key, value in rows}
    if codes:
        rows = session.execute(
            select(Programme.code, Programme.id).where(Programme.code.in_(codes))
        )
        names.programmes = {key: value for key, value in rows}
    return names
