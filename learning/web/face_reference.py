"""A trainee's consent to face checks and reference face (profile page), and the admin's side of
it (the user's page): the forms post here and go back to the page they came from.

The consent is separate from everything else the trainee agrees to (PIPL art. 29: facial data is
sensitive personal information); the section of the profile page says what is kept, for how
long, who sees it, and that refusing is allowed.
"""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from learning.db import get_session
from learning.extensions import get_clock
from learning.models import Application, ReferenceSource, Role
from learning.permissions import can_view_face_reference, login_required, role_required
from learning.services import face_profiles
from learning.web.refusals import shown

blueprint = Blueprint("face_reference", __name__)

CONSENT_ANSWERS = {"give": True, "refuse": False}


def profile_section(user_id: int) -> dict[str, Any]:
    """What the profile page's face section shows; `face_asked` False hides it."""
    session = get_session()
    profile = face_profiles.profile_of(session, user_id)
    return {
        "face_asked": face_profiles.asked_of(session, user_id),
        "face": profile,
        "face_state": face_profiles.state_of(profile).value,
        "face_retention_days": current_app.config["FACE_SNAPSHOT_RETENTION_DAYS"],
    }


def admin_section(user_id: int) -> dict[str, Any]:
    """What the admin's page of a user shows of their face checks."""
    session = get_session()
    profile = face_profiles.profile_of(session, user_id)
    applications = select(Application.id).where(Application.applicant_id == user_id)
    return {
        "face": profile,
        "face_state": face_profiles.state_of(profile).value,
        "face_applications": list(session.scalars(applications.order_by(Application.id))),
    }


def _back_to_profile() -> ResponseReturnValue:
    return redirect(url_for("auth.profile") + "#face", code=303)


def _back_to_user(user_id: int) -> ResponseReturnValue:
    return redirect(url_for("admin.edit_user", user_id=user_id) + "#face", code=303)


@blueprint.route("/account/face/consent", methods=["POST"])
@role_required(Role.TRAINEE)
def consent() -> ResponseReturnValue:
    """Give, refuse or withdraw the consent; refusing deletes any reference face."""
    given = CONSENT_ANSWERS.get(request.form.get("answer", ""))
    if given is None:
        abort(400)
    face_profiles.record_consent(
        get_session(),
        current_user.id,
        given=given,
        upload_folder=current_app.config["UPLOAD_FOLDER"],
        now=get_clock().now(),
    )
    if given:
        flash(_("Thank you. Now take your reference photo."), "success")
    else:
        flash(
            _("Noted: you study under the typed code check. Any reference face was deleted."),
            "info",
        )
    return _back_to_profile()


@blueprint.route("/account/face/reference", methods=["POST"])
@role_required(Role.TRAINEE)
def set_reference() -> ResponseReturnValue:
    """A reference picture taken with the camera (sent by face_reference.js) or uploaded.
    Reading a face costs CPU: a trainee's pictures share the face-check answers' rate limit."""
    source = ReferenceSource.UPLOAD
    if request.form.get("source") == ReferenceSource.CAMERA.value:
        source = ReferenceSource.CAMERA
    if current_app.extensions["face_answer_limits"].take(str(current_user.id)) is not None:
        flash(_("Too many photos in a short time. Please wait a minute and try again."), "error")
        return _back_to_profile()
    file = request.files.get("picture")
    if file is None or not file.filename:
        flash(_("Choose a photo."), "error")
        return _back_to_profile()
    data = file.read()
    file.close()
    with shown():
        face_profiles.set_reference(
            get_session(),
            current_user.id,
            data,
            source=source,
            upload_folder=current_app.config["UPLOAD_FOLDER"],
            now=get_clock().now(),
        )
        if source is ReferenceSource.CAMERA:
            flash(_("Your reference face is in force."), "success")
        else:
            flash(
                _(
                    "Photo received. It will be in force once the training office has compared "
                    "it with your ID document."
                ),
                "success",
            )
    return _back_to_profile()


@blueprint.route("/users/<int:user_id>/face.jpg")
@login_required
def picture(user_id: int) -> ResponseReturnValue:
    """The reference picture: for the trainee themself and admins only."""
    if not can_view_face_reference(current_user, user_id):
        abort(404)
    data = face_profiles.reference_picture(
        face_profiles.profile_of(get_session(), user_id), current_app.config["UPLOAD_FOLDER"]
    )
    if data is None:
        abort(404)
    response = send_file(io.BytesIO(data), mimetype="image/jpeg")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@blueprint.route("/admin/users/<int:user_id>/face/approve", methods=["POST"])
@role_required(Role.ADMIN)
def approve(user_id: int) -> ResponseReturnValue:
    with shown():
        face_profiles.approve_reference(
            get_session(), user_id, now=get_clock().now(), actor_id=current_user.id
        )
        flash(_("The reference face is approved and in force."), "success")
    return _back_to_user(user_id)


@blueprint.route("/admin/users/<int:user_id>/face/reset", methods=["POST"])
@role_required(Role.ADMIN)
def reset(user_id: int) -> ResponseReturnValue:
    with shown():
        face_profiles.reset_reference(
            get_session(),
            user_id,
            reason=request.form.get("reason", ""),
            upload_folder=current_app.config["UPLOAD_FOLDER"],
            now=get_clock().now(),
            actor_id=current_user.id,
        )
        flash(_("The reference face was deleted; the trainee is asked for a new one."), "success")
    return _back_to_user(user_id)
