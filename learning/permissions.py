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
from learning.models import Enrolment, Role, TrainingClass, User, class_instructors

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
