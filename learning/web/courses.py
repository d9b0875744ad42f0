"""The course page of an enrolment: its videos in order and its hours against the minimum."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from learning.db import get_session
from learning.permissions import enrolment_or_404, login_required
from learning.services import catalogue, enrolments

blueprint = Blueprint("courses", __name__)


@blueprint.route("/enrolments/<int:enrolment_id>")
@login_required
def course(enrolment_id: int) -> ResponseReturnValue:
    session = get_session()
    enrolment = enrolment_or_404(session, current_user, enrolment_id)
    videos = catalogue.programme_videos(session, enrolment.programme_id)
    return render_template(
        "courses/course.html",
        enrolment=enrolments.summary(session, enrolment),
        videos=videos,
        is_own=enrolment.trainee_id == current_user.id,
    )
