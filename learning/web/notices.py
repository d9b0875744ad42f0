"""The notifications page, and the unread count shown in the navigation."""

from __future__ import annotations

from flask import Blueprint, Flask, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from learning.db import get_session
from learning.extensions import get_clock, today
from learning.models import Role
from learning.permissions import role_required
from learning.services import announcements, notifications

blueprint = Blueprint("notices", __name__)


def init_app(app: Flask) -> None:
    app.context_processor(_unread)


def _unread() -> dict[str, int]:
    """The count in the navigation; never a reason for a page (an error page too) to fail."""
    if not current_user.is_authenticated or current_user.role != Role.TRAINEE:
        return {"unread_notifications": 0}
    try:
        count = notifications.unread_count(get_session(), current_user.id)
    except SQLAlchemyError:
        get_session().rollback()
        count = 0
    return {"unread_notifications": count}


@blueprint.route("/me/notifications")
@role_required(Role.TRAINEE)
def mine() -> ResponseReturnValue:
    session = get_session()
    latest = notifications.latest(session, current_user.id)
    carried = {n.announcement_id for n in latest if n.announcement_id is not None}
    return render_template(
        "notices/mine.html",
        reminders=notifications.coaching_reminders(session, current_user.id, today()),
        notifications=latest,
        announcements=announcements.by_ids(session, carried),
    )


@blueprint.route("/me/notifications/read", methods=["POST"])
@role_required(Role.TRAINEE)
def mark_read() -> ResponseReturnValue:
    session = get_session()
    notifications.mark_read(session, current_user.id, now=get_clock().now())
    return redirect(url_for("notices.mine"), code=303)
