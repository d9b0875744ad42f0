"""Exam sessions: admins open them; trainees register from their course page."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import Session

from learning.accounting import hours_display
from learning.db import get_session
from learning.extensions import get_clock, today
from learning.models import Enrolment, ExamSession, Role
from learning.permissions import enrolment_or_404, role_required
from learning.services import catalogue, exams
from learning.web.forms import ExamSessionForm, choices, posted_id
from learning.web.labels import blocking_reason_text, programme_label
from learning.web.refusals import shown

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
        with shown(form):
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
    back = redirect(url_for("exams.sessions"), code=303)
    rates = exams.subsidy_rates(session)
    try:
        amounts = {rate.level: _fen(request.form.get(f"level_{rate.level}", "")) for rate in rates}
    except (InvalidOperation, ValueError):
        flash(_("Subsidies are amounts in yuan, like 2000."), "error")
        return back
    with shown():
        for level, amount_fen in amounts.items():
            exams.set_subsidy(
                session, level, amount_fen, now=get_clock().now(), actor_id=current_user.id
            )
        flash(_("Subsidies saved."), "success")
    return back


def _fen(yuan_text: str) -> int:
    """An amount in yuan as posted, in fen; ValueError (or InvalidOperation) for anything else."""
    yuan = Decimal(yuan_text.strip())
    if not yuan.is_finite():
        raise ValueError("not an amount")
    return round(yuan * 100)


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
    with shown():
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
            _explain(session, enrolment, session_id, refused)
            return back
        flash(_("You are registered for the exam."), "success")
    return back


def _explain(
    session: Session, enrolment: Enrolment, session_id: int, refused: exams.NotEligible
) -> None:
    """Every reason registration was refused, the hours with the coaching still to come."""
    exam_session = session.get(ExamSession, session_id)
    to_come_s = 0
    if exam_session is not None:
        to_come_s = exams.coaching_to_come_s(session, enrolment, exam_session)
    for code in refused.reasons:
        if code == "hours" and to_come_s:
            flash(
                _(
                    "To register for this session, %(missing).1f more standard hours are "
                    "needed: the on-site coaching it still gives counts for %(coaching).1f.",
                    missing=refused.hours_missing,
                    coaching=hours_display(to_come_s, enrolment.standard_hour_minutes),
                ),
                "error",
            )
        else:
            flash(blocking_reason_text(code, refused.hours_missing), "error")


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
