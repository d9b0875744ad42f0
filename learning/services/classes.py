"""Classes (班级): groups of enrolments under one or more instructors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session, selectinload

from learning.models import Enrolment, Programme, Role, TrainingClass, User, class_instructors
from learning.services import ServiceError, audit
from learning.services.enrolments import reached_minimum


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


def update_class(
    session: Session,
    training_class: TrainingClass,
    *,
    name: str,
    instructors: list[User],
    now: datetime,
    actor_id: int,
) -> None:
    """Rename a class and set who teaches it (audited)."""
    name = name.strip()
    if not name:
        raise ServiceError("class_name_required")
    taken = session.scalar(
        select(TrainingClass.id).where(
            TrainingClass.name == name, TrainingClass.id != training_class.id
        )
    )
    if taken is not None:
        raise ServiceError("class_name_taken", name=name)
    for instructor in instructors:
        if instructor.role != Role.INSTRUCTOR:
            raise ServiceError("not_an_instructor", username=instructor.username)
    before = {
        "name": training_class.name,
        "instructors": sorted(user.username for user in training_class.instructors),
    }
    training_class.name = name
    training_class.instructors = list(instructors)
    after = {"name": name, "instructors": sorted(user.username for user in instructors)}
    if after != before:
        audit.record(
            session,
            at=now,
            actor_id=actor_id,
            action="class.update",
            subject=f"class:{training_class.id}",
            details={"before": before, "after": after},
        )


def move_enrolment(
    session: Session,
    enrolment: Enrolment,
    training_class: TrainingClass | None,
    *,
    now: datetime,
    actor_id: int,
) -> bool:
    """Put an enrolment in another class, or in none (audited); False, and nothing written,
    when it is there already. Its hours stay with it: they are counted per enrolment, never
    per class."""
    before = enrolment.class_id
    after = training_class.id if training_class else None
    if before == after:
        return False
    enrolment.class_id = after
    audit.record(
        session,
        at=now,
        actor_id=actor_id,
        action="enrolment.move_class",
        enrolment_id=enrolment.id,
        subject=f"enrolment:{enrolment.id}",
        details={"from_class": before, "to_class": after},
    )
    return True


def class_by_name(session: Session, name: str) -> TrainingClass:
    training_class = session.scalar(select(TrainingClass).where(TrainingClass.name == name))
    if training_class is None:
        raise ServiceError("unknown_class", name=name)
    return training_class


def taught_by(instructor_id: int) -> Select:
    """The ids of the classes an instructor teaches, as a subquery."""
    return select(class_instructors.c.class_id).where(class_instructors.c.user_id == instructor_id)


def _taught_by(statement: Select, instructor_id: int) -> Select:
    return statement.join(
        class_instructors, class_instructors.c.class_id == TrainingClass.id
    ).where(class_instructors.c.user_id == instructor_id)


def class_names(session: Session, *, instructor_id: int | None = None) -> list[tuple[int, str]]:
    """(id, name) of every class, or of one instructor's, by name."""
    statement = select(TrainingClass.id, TrainingClass.name).order_by(TrainingClass.name)
    if instructor_id is not None:
        statement = _taught_by(statement, instructor_id)
    return [(class_id, name) for class_id, name in session.execute(statement)]


def programme_codes(session: Session, class_id: int) -> set[str]:
    """The codes of the programmes a class holds enrolments of."""
    statement = (
        select(Programme.code)
        .join(Enrolment, Enrolment.programme_id == Programme.id)
        .where(Enrolment.class_id == class_id)
        .distinct()
    )
    return set(session.scalars(statement))


def class_rows(
    session: Session, *, instructor_id: int | None = None, programme_id: int | None = None
) -> list[ClassRow]:
    """Classes with their size and how many reached their minimum: all, or one instructor's;
    narrowed to a programme, the classes that hold its enrolments, counting those alone."""
    counts = (
        select(
            Enrolment.class_id,
            func.count(Enrolment.id).label("enrolments"),
            func.sum(case((reached_minimum(), 1), else_=0)).label("done"),
        )
        .join(Programme, Programme.id == Enrolment.programme_id)
        .where(Enrolment.class_id.is_not(None))
        .group_by(Enrolment.class_id)
    )
    if programme_id is not None:
        counts = counts.where(Enrolment.programme_id == programme_id)
    totals = counts.subquery()
    statement = (
        select(TrainingClass, totals.c.enrolments, totals.c.done)
        .outerjoin(totals, totals.c.class_id == TrainingClass.id)
        .options(selectinload(TrainingClass.instructors))
        .order_by(TrainingClass.name)
    )
    if instructor_id is not None:
        statement = _taught_by(statement, instructor_id)
    if programme_id is not None:
        statement = statement.where(totals.c.enrolments > 0)
    return [
        ClassRow(
            id=training_class.id,
            name=training_class.name,
            instructor_names=[user.display_name for user in training_class.instructors],
            enrolment_count=enrolment_count or 0,
            done_count=int(done or 0),
        )
        for training_class, enrolment_count, done in session.execute(statement)
    ]
