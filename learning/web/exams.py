"""Exam sessions: admins open them; trainees register from their course page."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from learning.db import get_session
from learning.extensions import get_clock, today
from learning.models import ExamSession, Role
from learning.permissions import enrolment_or_404, role_required
from learning.services import ServiceError, catalogue, exams
from learning.web.forms import ExamSessionForm, choices, posted_id
from learning.web.labels import blocking_reason_text, programme_label
from learning.web.messages import describe

blueprint = Blueprint("exams", __name__)


@blueprint.route("/admin/exam-sessions", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def sessions() -> ResponseReturnValue:
    session = get_session()
    form = ExamSessionForm()
    form.programme.choices = choices(
        {
            row.code: programme_label(row.work_type_zh, row.work_type_en, row.level)
            for row in catalogue.list_programmes(session)
            if row.active
        }
    )
    if form.validate_on_submit():
        work_type, level = form.programme.data.rsplit("-", 1)
        try:
            exams.create_session(
                session,
                work_type_code=work_type,
                level=int(level),
                starts_on=form.starts_on.data,
                registration_closes_on=form.registration_closes_on.data,
                capacity=form.capacity.data,
                place=form.place.data,
                coaching_starts_on=form.coaching_starts_on.data,
                coaching_hours=float(form.coaching_hours.data or 0),
                now=get_clock().now(),
                actor_id=current_user.id,
            )
        except ServiceError as error:
            session.rollback()
            form.form_errors.append(describe(error))
        else:
            session.commit()
            flash(_("Exam session opened."), "success")
            return redirect(url_for("exams.sessions"), code=303)
    upcoming = exams.sessions_open_to(session, trainee_id=None, today=today())
    return render_template(
        "exams/sessions.html",
        form=form,
        sessions=upcoming,
        subsidy_rates=exams.subsidy_rates(session),
    )


@blueprint.route("/admin/subsidies", methods=["POST"])
@role_required(Role.ADMIN)
def subsidies() -> ResponseReturnValue:
    """The subsidy per level, in yuan, as the year's catalogue sets it."""
    session = get_session()
    try:
        for rate in exams.subsidy_rates(session):
            yuan = Decimal(request.form.get(f"level_{rate.level}", "").strip())
            if not yuan.is_finite():
                raise ValueError("not an amount")
            exams.set_subsidy(
                session,
                rate.level,
                round(yuan * 100),
                now=get_clock().now(),
                actor_id=current_user.id,
            )
    except (InvalidOperation, ValueError):
        session.rollback()
        flash(_("Subsidies are amounts in yuan, like 2000."), "error")
    except ServiceError as error:
        session.rollback()
        flash(describe(error), "error")
    else:
        session.commit()
        flash(_("Subsidies saved."), "success")
    return redirect(url_for("exams.sessions"), code=303)


@blueprint.route("/enrolments/<int:enrolment_id>/exam-registrations", methods=["POST"])
@role_required(Role.TRAINEE)
def register(enrolment_id: int) -> ResponseReturnValue:
    session = get_session()
    enrolment = enrolment_or_404(session, current_user, enrolment_id)
    back = redirect(url_for("courses.course", enrolment_id=enrolment_id), code=303)
    session_id = posted_id("exam_session_id")
    if session_id is None:
        flash(_("Choose an exam session."), "error")
        return back
    try:
        exams.register(
            session,
            enrolment=enrolment,
            exam_session_id=session_id,
            today=today(),
            now=get_clock().now(),
            actor_id=current_user.id,
        )
    except exams.NotEligible as refused:
        session.rollback()
        coaching = session.get(ExamSession, session_id)
        for code in refused.reasons:
            if code == "hours" and coaching is not None and coaching.coaching_tenths:
                flash(
                    _(
                        "To register for this session, %(missing).1f more standard hours are "
                        "needed: its on-site coaching already counts for %(coaching).1f.",
                        missing=refused.hours_missing,
                        coaching=coaching.coaching_hours,
                    ),
                    "error",
                )
            else:
                flash(blocking_reason_text(code, refused.hours_missing), "error")
        return back
    except ServiceError as error:
        session.rollback()
        flash(describe(error), "error")
        return back
    session.commit()
    flash(_("You are registered for the exam."), "success")
    return back


@blueprint.route("/admin/exam-sessions/<int:session_id>")
@role_required(Role.ADMIN)
def candidates(session_id: int) -> ResponseReturnValue:
    session = get_session()
    exam_session = session.get(ExamSession, session_id) or abort(404)
    return render_template(
        "exams/candidates.html",
        exam_session=exam_session,
        candidates=exams.candidates(session, session_id),
    )
