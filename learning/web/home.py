"""The home page of each role."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from learning.db import get_session
from learning.models import Enrolment, Role
from learning.permissions import login_required
from learning.services import announcements, classes, enrolments, mock_exams, outline, records

blueprint = Blueprint("home", __name__)


@blueprint.route("/")
@login_required
def index() -> ResponseReturnValue:
    if current_user.role == Role.ADMIN:
        return redirect(url_for("admin.dashboard"))
    session = get_session()
    if current_user.role == Role.INSTRUCTOR:
        rows = classes.class_rows(session, instructor_id=current_user.id)
        return render_template("home/instructor.html", classes=rows)
    summaries = enrolments.summaries_for_trainee(session, current_user.id)
    return render_template(
        "home/trainee.html",
        enrolments=summaries,
        steps={
            summary.id: outline.next_step(
                records.video_progress(session, session.get_one(Enrolment, summary.id))
            )
            for summary in summaries
        },
        announcements=announcements.for_trainee(session, current_user.id),
        mock_results=mock_exams.recent_results(
            session, [summary.id for summary in summaries], limit=3
        ),
    )
