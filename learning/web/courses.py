"""The course page of an enrolment: videos with coverage, hours against the minimum, offline time.

Admins also add offline study time here (with a reason) and revoke it.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from learning.db import get_session
from learning.extensions import get_clock
from learning.models import OfflineCredit, Role
from learning.permissions import enrolment_or_404, login_required, role_required
from learning.services import ServiceError, enrolments, offline, records
from learning.web.classes import hours_to_seconds
from learning.web.forms import OfflineTimeForm, RevokeForm
from learning.web.messages import describe

blueprint = Blueprint("courses", __name__)


@blueprint.route("/enrolments/<int:enrolment_id>")
@login_required
def course(enrolment_id: int) -> ResponseReturnValue:
    return _render(enrolment_id, OfflineTimeForm())


def _render(enrolment_id: int, form: OfflineTimeForm) -> str:
    session = get_session()
    enrolment = enrolment_or_404(session, current_user, enrolment_id)
    return render_template(
        "courses/course.html",
        enrolment=enrolments.summary(session, enrolment),
        videos=records.video_progress(session, enrolment),
        credits=offline.credits_of(session, enrolment.id),
        is_own=enrolment.trainee_id == current_user.id,
        form=form,
        revoke_form=RevokeForm(),
    )


@blueprint.route("/enrolments/<int:enrolment_id>/offline", methods=["POST"])
@role_required(Role.ADMIN)
def add_offline_time(enrolment_id: int) -> ResponseReturnValue:
    session = get_session()
    enrolment = enrolment_or_404(session, current_user, enrolment_id)
    form = OfflineTimeForm()
    if form.validate_on_submit():
        try:
            offline.add_offline_time(
                session,
                enrolment=enrolment,
                seconds=hours_to_seconds(form.hours.data),
                day=form.day.data,
                reason=form.reason.data,
                now=get_clock().now(),
                actor_id=current_user.id,
            )
        except ServiceError as error:
            session.rollback()
            form.reason.errors.append(describe(error))
        else:
            session.commit()
            flash(_("Offline time added."), "success")
            return redirect(url_for("courses.course", enrolment_id=enrolment_id), code=303)
    return _render(enrolment_id, form), 200


@blueprint.route("/enrolments/<int:enrolment_id>/offline/<int:credit_id>/revoke", methods=["POST"])
@role_required(Role.ADMIN)
def revoke_offline_time(enrolment_id: int, credit_id: int) -> ResponseReturnValue:
    session = get_session()
    enrolment = enrolment_or_404(session, current_user, enrolment_id)
    credit = session.get(OfflineCredit, credit_id)
    if credit is None or credit.enrolment_id != enrolment.id:
        abort(404)
    form = RevokeForm()
    if not form.validate_on_submit():
        flash(_("Give a reason to revoke offline time."), "error")
        return redirect(url_for("courses.course", enrolment_id=enrolment_id), code=303)
    offline.revoke_offline_time(
        session,
        credit=credit,
        reason=form.reason.data,
        now=get_clock().now(),
        actor_id=current_user.id,
    )
    session.commit()
    flash(_("Offline time revoked."), "success")
    return redirect(url_for("courses.course", enrolment_id=enrolment_id), code=303)
