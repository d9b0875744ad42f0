"""Classes (班级): groups of enrolments under one or more instructors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from learning.models import Enrolment, Role, TrainingClass, User, class_instructors
from learning.services import ServiceError, audit
from learning.services.enrolments import required_seconds


@dataclass(frozen=True)
class ClassRow:
    id: int
    name: str
    instructor_names: list[str]
    enrolment_count: int
    done_count: int


def create_class(
    session: Session,
    *,
    name: str,
    instructors: list[User],
    now: datetime,
    actor_id: int | None = None,
) -> TrainingClass:
    name = name.strip()
    if not name:
        raise ServiceError("class_name_required")
    if session.scalar(select(TrainingClass.id).where(TrainingClass.name == name)) is not None:
        raise ServiceError("class_name_taken", name=name)
    for instructor in instructors:
        if instructor.role != Role.INSTRUCTOR:
            raise ServiceError("not_an_instructor", username=instructor.username)
    training_class = TrainingClass(name=name, created_at=now, instructors=list(instructors))
    session.add(training_class)
    session.flush()
    audit.record(
        session,
        at=now,
        actor_id=actor_id,
        action="class.create",
        subject=f"class:{training_class.id}",
        details={"name": name, "instructors": [user.username for user in instructors]},
    )
    return training_class


def class_by_name(session: Session, name: str) -> TrainingClass:
    training_class = session.scalar(select(TrainingClass).where(TrainingClass.name == name))
    if training_class is None:
        raise ServiceError("unknown_class", name=name)
    return training_class


def class_rows(session: Session, *, instructor_id: int | None = None) -> list[ClassRow]:
    """Classes with their size and how many reached their minimum; all, or one instructor's."""
    statement = select(TrainingClass).options(
        selectinload(TrainingClass.instructors),
        selectinload(TrainingClass.enrolments).selectinload(Enrolment.programme),
    )
    if instructor_id is not None:
        statement = statement.join(
            class_instructors, class_instructors.c.class_id == TrainingClass.id
        ).where(class_instructors.c.user_id == instructor_id)
    return [
        ClassRow(
            id=training_class.id,
            name=training_class.name,
            instructor_names=[user.display_name for user in training_class.instructors],
            enrolment_count=len(training_class.enrolments),
            done_count=sum(
                1
                for enrolment in training_class.enrolments
                if enrolment.credited_s >= required_seconds(enrolment)
            ),
        )
        for training_class in session.scalars(statement.order_by(TrainingClass.name))
    ]
