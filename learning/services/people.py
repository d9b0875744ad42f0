"""Finding a person: by name, username, phone number or ID-card number, with their enrolments;
or the trainees whose enrolments are in no class yet.

Admins find anyone; an instructor finds only the trainees enrolled in their classes, with only
those enrolments (an enrolment in no class is in none of theirs). Numbers come back masked: the
search is for reaching a person's records, not for reading their numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session, joinedload

from learning.models import Enrolment, Programme, TraineeProfile, TrainingClass, User
from learning.services.accounts import mask_id_number, mask_phone
from learning.services.classes import taught_by

MOST = 50
_DIGITS = re.compile(r"^[0-9Xx]+$")


@dataclass(frozen=True)
class EnrolmentLink:
    id: int
    work_type_zh: str
    work_type_en: str
    level: int
    class_id: int | None
    class_name: str | None


@dataclass(frozen=True)
class Person:
    user_id: int
    username: str
    display_name: str
    role: str
    active: bool
    phone: str  # masked
    id_number: str  # masked
    enrolments: list[EnrolmentLink]


def find(
    session: Session, text: str, *, instructor_id: int | None = None, unclassed: bool = False
) -> list[Person]:
    """Up to `MOST` people matching `text`: part of a name or username, a phone number (or its
    last digits, at least 4), an ID-card number (whole, or its last digits, at least 4). With
    `instructor_id`, only the trainees enrolled in that instructor's classes. With `unclassed`,
    only the trainees with an enrolment in no class, and only those enrolments (`text` may then
    be empty: all of them)."""
    text = text.strip()
    if not text and not unclassed:
        return []
    statement = (
        select(User)
        .outerjoin(TraineeProfile, TraineeProfile.user_id == User.id)
        .options(joinedload(User.profile))
        .order_by(User.display_name, User.username)
        .limit(MOST)
    )
    if text:
        statement = statement.where(_matching(text))
    if instructor_id is not None or unclassed:
        shown = _shown_enrolments(select(Enrolment.trainee_id), instructor_id, unclassed)
        statement = statement.where(User.id.in_(shown))
    users = list(session.scalars(statement).unique())
    links = enrolments_of(
        session, [user.id for user in users], instructor_id=instructor_id, unclassed=unclassed
    )
    return [
        Person(
            user_id=user.id,
            username=user.username,
            display_name=user.display_name,
            role=user.role,
            active=user.active,
            phone=mask_phone(user.profile.phone) if user.profile else "",
            id_number=mask_id_number(user.profile.id_number) if user.profile else "",
            enrolments=links.get(user.id, []),
        )
        for user in users
    ]


def unclassed_count(session: Session, *, instructor_id: int | None = None) -> int:
    """How many enrolments are in no class (for an instructor: none of theirs can be)."""
    statement = _shown_enrolments(select(func.count(Enrolment.id)), instructor_id, True)
    return session.scalar(statement) or 0


def _matching(text: str) -> ColumnElement[bool]:
    pattern = f"%{text.lower()}%"
    conditions = [
        func.lower(User.username).like(pattern),
        func.lower(User.display_name).like(pattern),
        func.lower(TraineeProfile.real_name).like(pattern),
    ]
    if _DIGITS.match(text) and len(text) >= 4:
        number = text.upper()
        conditions += [
            TraineeProfile.phone.like(f"%{number}"),
            TraineeProfile.id_number.like(f"%{number}"),  # the whole number, or its end
        ]
    return or_(*conditions)


def _shown_enrolments(statement: Select, instructor_id: int | None, unclassed: bool) -> Select:
    """`statement` narrowed to the enrolments shown: an instructor's classes', in no class."""
    if instructor_id is not None:
        statement = statement.where(Enrolment.class_id.in_(taught_by(instructor_id)))
    if unclassed:
        statement = statement.where(Enrolment.class_id.is_(None))
    return statement


def enrolments_of(
    session: Session,
    user_ids: list[int],
    *,
    instructor_id: int | None = None,
    unclassed: bool = False,
) -> dict[int, list[EnrolmentLink]]:
    """The enrolments of these users, in one query, by user id; for an instructor, only those
    in their classes (the others are not theirs to open); with `unclassed`, those in no class."""
    if not user_ids:
        return {}
    statement = (
        select(Enrolment, Programme, TrainingClass.name)
        .join(Programme, Programme.id == Enrolment.programme_id)
        .outerjoin(TrainingClass, TrainingClass.id == Enrolment.class_id)
        .where(Enrolment.trainee_id.in_(user_ids))
        .options(joinedload(Programme.work_type))
        .order_by(Enrolment.id)
    )
    statement = _shown_enrolments(statement, instructor_id, unclassed)
    rows = session.execute(statement)
    links: dict[int, list[EnrolmentLink]] = {}
    for enrolment, programme, class_name in rows:
        links.setdefault(enrolment.trainee_id, []).append(
            EnrolmentLink(
                id=enrolment.id,
                work_type_zh=programme.work_type.name_zh,
                work_type_en=programme.work_type.name_en,
                level=programme.level,
                class_id=enrolment.class_id,
                class_name=class_name,
            )
        )
    return links
