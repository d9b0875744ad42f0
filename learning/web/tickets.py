"""Admission tickets (准考证), printed by the candidate or by the office for a whole session,
and the identity photo they carry."""

from __future__ import annotations

import io

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from learning.db import get_session
from learning.extensions import get_clock
from learning.models import ExamRegistration, ExamSession, Role, TraineeProfile
from learning.permissions import can_view_photo, enrolment_or_404, login_required, role_required
from learning.services import exams, photos
from learning.web.exams import programme_name
from learning.web.refusals import shown

blueprint = Blueprint("tickets", __name__)


@blueprint.route("/enrolments/<int:enrolment_id>/registrations/<int:registration_id>/ticket")
@login_required
def ticket(enrolment_id: int, registration_id: int) -> ResponseReturnValue:
    """One candidate's ticket, for the candidate (and the staff who may see their enrolment)."""
    session = get_session()
    enrolment = enrolment_or_404(session, current_user, enrolment_id)
    registration = session.get(ExamRegistration, registration_id)
    if registration is None or registration.enrolment_id != enrolment.id:
        abort(404)
    exam_session = registration.exam_session
    return render_template(
        "exams/tickets.html",
        exam_session=exam_session,
        programme=programme_name(exam_session),
        tickets=[exams.ticket(session, registration)],
        back=url_for("courses.course", enrolment_id=enrolment_id),
    )


@blueprint.route("/admin/exam-sessions/<int:session_id>/tickets")
@role_required(Role.ADMIN)
def session_tickets(session_id: int) -> ResponseReturnValue:
    """Every admitted candidate's ticket, one per printed page; the others are listed."""
    session = get_session()
    exam_session = session.get(ExamSession, session_id) or abort(404)
    registrations = [c.registration for c in exams.candidates(session, session_id)]
    return render_template(
        "exams/tickets.html",
        exam_session=exam_session,
        programme=programme_name(exam_session),
        tickets=[exams.ticket(session, registration) for registration in registrations],
        back=url_for("exams.candidates", session_id=session_id),
    )


@blueprint.route("/users/<int:user_id>/photo.jpg")
@login_required
def photo(user_id: int) -> ResponseReturnValue:
    session = get_session()
    if not can_view_photo(session, current_user, user_id):
        abort(404)
    picture = photos.photo_bytes(
        session.get(TraineeProfile, user_id), current_app.config["UPLOAD_FOLDER"]
    )
    if picture is None:
        abort(404)
    response = send_file(io.BytesIO(picture), mimetype="image/jpeg")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@blueprint.route("/profile/photo", methods=["POST"])
@role_required(Role.TRAINEE)
def upload_photo() -> ResponseReturnValue:
    """The trainee's own identity photo, from the profile page."""
    profile = current_user.profile
    if profile is None:
        abort(404)
    file = request.files.get("photo")
    with shown():
        if file is None or not file.filename:
            flash(_("Choose a photo."), "error")
        else:
            data = file.read()
            file.close()
            photos.set_photo(
                get_session(),
                profile,
                data,
                upload_folder=current_app.config["UPLOAD_FOLDER"],
                now=get_clock().now(),
                actor_id=current_user.id,
            )
            flash(_("Photo saved: it will be printed on your admission ticket."), "success")
    return redirect(url_for("auth.profile") + "#photo", code=303)
