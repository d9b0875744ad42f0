"""Who may see what: the one place views, the API and exports ask.

Objects a user may not see are answered as if they did not exist (404), so ids cannot be probed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from learning.extensions import login_manager
from learning.models import (
    Announcement,
    ApplicationDocument,
    Audience,
    Enrolment,
    ProgrammeVideo,
    Role,
    TrainingClass,
    User,
    class_instructors,
)

F = TypeVar("F", bound=Callable[..., Any])


def role_required(*roles: Role) -> Callable[[F], F]:
    """Allow the view only to logged-in users with one of `roles` (401/redirect, else 403)."""
    allowed = {role.value for role in roles}

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def login_required(view: F) -> F:
    return role_required(*Role)(view)


def teaches(session: Session, user: User, class_id: int | None) -> bool:
    if class_id is None or user.role != Role.INSTRUCTOR:
        return False
    statement = select(class_instructors.c.class_id).where(
        class_instructors.c.class_id == class_id, class_instructors.c.user_id == user.id
    )
    return session.execute(statement).first() is not None


def can_view_enrolment(session: Session, user: User, enrolment: Enrolment) -> bool:
    if user.role == Role.ADMIN:
        return True
    if user.role == Role.TRAINEE:
        return enrolment.trainee_id == user.id
    return teaches(session, user, enrolment.class_id)


def can_view_class(session: Session, user: User, training_class: TrainingClass) -> bool:
    return user.role == Role.ADMIN or teaches(session, user, training_class.id)


def enrolment_or_404(session: Session, user: User, enrolment_id: int) -> Enrolment:
    enrolment = session.get(Enrolment, enrolment_id)
    if enrolment is None or not can_view_enrolment(session, user, enrolment):
        abort(404)
    return enrolment


def class_or_404(session: Session, user: User, class_id: int) -> TrainingClass:
    training_class = session.get(TrainingClass, class_id)
    if training_class is None or not can_view_class(session, user, training_class):
        abort(404)
    return training_class


def may_announce(session: Session, user: User, audience: str, target_id: int | None) -> bool:
    """Admins announce to anyone; an instructor to a class they teach."""
    if user.role == Role.ADMIN:
        return True
    return audience == Audience.CLASS and teaches(session, user, target_id)


def announcement_or_404(session: Session, user: User, announcement_id: int) -> Announcement:
    """An announcement for its page: admins see every one, an instructor those to their
    classes."""
    announcement = session.get(Announcement, announcement_id)
    if announcement is None or not (
        user.role == Role.ADMIN or teaches(session, user, announcement.class_id)
    ):
        abort(404)
    return announcement


def may_withdraw(user: User, announcement: Announcement) -> bool:
    """Admins withdraw any announcement; an instructor the ones they wrote."""
    return user.role == Role.ADMIN or announcement.author_id == user.id


def can_view_photo(session: Session, user: User, trainee_id: int) -> bool:
    """A trainee's identity photo: the trainee, admins, and the instructors of their classes."""
    if user.role == Role.ADMIN or user.id == trainee_id:
        return True
    if user.role != Role.INSTRUCTOR:
        return False
    classes = session.scalars(
        select(Enrolment.class_id).where(
            Enrolment.trainee_id == trainee_id, Enrolment.class_id.is_not(None)
        )
    )
    return any(teaches(session, user, class_id) for class_id in classes)


def can_view_face_reference(user: User, trainee_id: int) -> bool:
    """A trainee's reference face: the trainee and admins only (not their instructors: facial
    data is shown to as few people as the checks need)."""
    return user.role == Role.ADMIN or user.id == trainee_id


def may_watch(session: Session, user: User, video_id: int) -> bool:
    """Staff may watch any video; a trainee only one of a programme they are enrolled in."""
    if user.role != Role.TRAINEE:
        return True
    statement = (
        select(Enrolment.id)
        .join(ProgrammeVideo, ProgrammeVideo.programme_id == Enrolment.programme_id)
        .where(Enrolment.trainee_id == user.id, ProgrammeVideo.video_id == video_id)
        .limit(1)
    )
    return session.scalar(statement) is not None


def may_see_document(user: User, document: ApplicationDocument) -> bool:
    """An application's proof: its applicant, and admins (whose view is logged)."""
    return document.application.applicant_id == user.id or user.role == Role.ADMIN


def may_export_unmasked(user: User) -> bool:
    """ID-card and phone numbers whole in an export: admins only (and each export is logged)."""
    return user.role == Role.ADMIN
