"""The course page of an enrolment: videos with coverage, hours against the minimum, offline time.

Admins also add offline study time here (with a reason) and revoke it.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import Session

from learning.charts import trainee as trainee_charts
from learning.db import get_session
from learning.domain import forecast
from learning.domain.accounting import hours_display
from learning.extensions import get_clock, today
from learning.models import (
    Enrolment,
    ExamRegistration,
    ExamSession,
    ExamSessionStatus,
    OfflineCredit,
    Role,
)
from learning.permissions import enrolment_or_404, login_required, role_required
from learning.services import (
    audit,
    enrolments,
    exams,
    fees,
    offline,
    outline,
    readiness,
    records,
    reports,
)
from learning.services.enrolments import required_seconds
from learning.web import audit_text
from learning.web.classes import hours_to_seconds
from learning.web.forms import OfflineTimeForm, PaymentForm, RevokeForm, UnlockForm, filled
from learning.web.refusals import shown

blueprint = Blueprint("courses", __name__)


@blueprint.route("/enrolments/<int:enrolment_id>")
@login_required
def course(enrolment_id: int) -> ResponseReturnValue:
    return _render(enrolment_id, OfflineTimeForm())


def _render(
    enrolment_id: int,
    form: OfflineTimeForm,
    payment_form: PaymentForm | None = None,
    unlock_form: UnlockForm | None = None,
) -> str:
    session = get_session()
    enrolment = enrolment_or_404(session, current_user, enrolment_id)
    is_admin = current_user.role == Role.ADMIN
    programme = enrolment.programme
    open_sessions = [
        s
        for s in exams.sessions_open_to(session, trainee_id=None, today=today())
        if (s.work_type_code, s.level) == (programme.work_type_code, programme.level)
    ]
    if exams.has_passed(session, enrolment.id):
        open_sessions = []  # nothing left to sit
    payments = fees.payments_of(session, enrolment.id)
    videos = records.video_progress(session, enrolment)
    chapters = outline.chapters(videos)
    step = outline.next_step(videos)
    per_day = reports.seconds_per_day(session, enrolment, days=60, today=today())
    return render_template(
        "courses/course.html",
        charts=_charts(enrolment, videos, per_day),
        studied_lately=any(seconds for _day, seconds in per_day),
        forecast=_forecast(session, enrolment, per_day, open_sessions),
        enrolment=enrolments.summary(session, enrolment),
        videos=videos,
        chapters=chapters,
        step=step,
        current_chapter=outline.current_chapter(chapters, step),
        credits=offline.credits_of(session, enrolment.id),
        is_own=enrolment.trainee_id == current_user.id,
        exam_sessions=open_sessions,
        registrations=[
            (
                registration,
                exams.subsidy(session, registration),
                exams.sitting_blockers(session, registration),
            )
            for registration in exams.registrations_of(session, enrolment.id)
        ],
        payments=payments,
        training_fee_fen=programme.training_fee_fen,
        training_paid_fen=sum(p.amount_fen for p in payments if p.kind == "training"),
        audit_entries=(
            audit_text.lines(session, audit.entries_for_enrolment(session, enrolment.id))
            if is_admin
            else []
        ),
        exam_unlocked=enrolment.exam_unlocked,
        mock_gate=readiness.gates(session, [enrolment]).get(enrolment.id),
        form=form,
        revoke_form=RevokeForm(),
        payment_form=payment_form or PaymentForm(),
        unlock_form=unlock_form or UnlockForm(),
    )


def _forecast(
    session: Session, enrolment: Enrolment, per_day: list, open_sessions: list[ExamSession]
) -> forecast.Forecast:
    """When the minimum is reached at the recent pace, against the exam the trainee is
    registered for, or else the programme's next session open for registration."""
    registered = [
        r.exam_session.starts_on
        for r in exams.registrations_of(session, enrolment.id)
        if r.exam_session.status != ExamSessionStatus.CANCELLED and not r.outcome
    ]
    return forecast.forecast(
        required_seconds(enrolment) - enrolment.credited_s,
        per_day,
        today=today(),
        enrolled_on=enrolment.created_at.date(),
        exam_day=forecast.exam_day_for(registered, [s.starts_on for s in open_sessions], today()),
    )


@blueprint.route("/enrolments/<int:enrolment_id>/offline", methods=["POST"])
@role_required(Role.ADMIN)
def add_offline_time(enrolment_id: int) -> ResponseReturnValue:
    session = get_session()
    enrolment = enrolment_or_404(session, current_user, enrolment_id)
    form = OfflineTimeForm()
    if form.validate_on_submit():
        with shown(form.reason):
            offline.add_offline_time(
                session,
                enrolment=enrolment,
                seconds=hours_to_seconds(filled(form.hours.data)),
                day=filled(form.day.data),
                reason=filled(form.reason.data),
                today=today(),
                now=get_clock().now(),
                actor_id=current_user.id,
            )
            flash(_("Offline time added."), "success")
            return redirect(url_for("courses.course", enrolment_id=enrolment_id), code=303)
    return _render(enrolment_id, form), 200


def _charts(enrolment: Enrolment, videos: list, per_day: list) -> dict[str, dict]:
    """The figures of the course page, with labels in the reader's language."""
    minutes = enrolment.standard_hour_minutes
    return {
        "hours": trainee_charts.hours_against_minimum(
            online=hours_display(enrolment.online_s, minutes),
            offline=hours_display(enrolment.offline_s, minutes),
            required=enrolment.programme.required_hours,
            labels={
                "online": _("online"),
                "offline": _("on-site"),
                "missing": _("missing"),
                "minimum": _("minimum"),
                "axis": _("standard hours"),
            },
        ),
        "days": trainee_charts.hours_per_day(
            [(day, hours_display(seconds, minutes)) for day, seconds in per_day],
            labels={"axis": _("standard hours")},
        ),
        "videos": trainee_charts.coverage_per_video(
            [video.title for video in videos],
            [min(100.0, 100 * video.covered_s / video.duration_s) for video in videos],
            labels={"axis": _("watched, in percent"), "videos": _("videos in programme order")},
        ),
    }


@blueprint.route("/enrolments/<int:enrolment_id>/unlock", methods=["POST"])
@role_required(Role.ADMIN)
def unlock(enrolment_id: int) -> ResponseReturnValue:
    session = get_session()
    enrolment = enrolment_or_404(session, current_user, enrolment_id)
    form = UnlockForm()
    if not form.validate_on_submit():
        return _render(enrolment_id, OfflineTimeForm(), unlock_form=form), 200
    enrolments.set_exam_unlock(
        session,
        enrolment,
        unlocked=bool(form.unlock.data),
        reason=filled(form.reason.data),
        now=get_clock().now(),
        actor_id=current_user.id,
    )
    flash(
        _("Exam registration unlocked.")
        if enrolment.exam_unlocked
        else _("The unlock was revoked."),
        "success",
    )
    return redirect(url_for("courses.course", enrolment_id=enrolment_id), code=303)


@blueprint.route("/enrolments/<int:enrolment_id>/payments", methods=["POST"])
@role_required(Role.ADMIN)
def record_payment(enrolment_id: int) -> ResponseReturnValue:
    session = get_session()
    enrolment = enrolment_or_404(session, current_user, enrolment_id)
    form = PaymentForm()
    if form.validate_on_submit():
        with shown(form):
            fees.record_payment(
                session,
                enrolment=enrolment,
                amount_fen=fees.fen(filled(form.amount_yuan.data)),
                paid_on=filled(form.paid_on.data),
                method=filled(form.method.data),
                receipt_no=filled(form.receipt_no.data),
                kind=form.kind.data,
                today=today(),
                now=get_clock().now(),
                actor_id=current_user.id,
            )
            flash(_("Payment recorded."), "success")
            return redirect(url_for("courses.course", enrolment_id=enrolment_id), code=303)
    return _render(enrolment_id, OfflineTimeForm(), payment_form=form), 200


@blueprint.route(
    "/enrolments/<int:enrolment_id>/registrations/<int:registration_id>/results", methods=["POST"]
)
@role_required(Role.ADMIN)
def record_results(enrolment_id: int, registration_id: int) -> ResponseReturnValue:
    session = get_session()
    enrolment = enrolment_or_404(session, current_user, enrolment_id)
    registration = session.get(ExamRegistration, registration_id)
    if registration is None or registration.enrolment_id != enrolment.id:
        abort(404)
    back = redirect(url_for("courses.course", enrolment_id=enrolment_id), code=303)
    try:
        scores = _scores(registration.exam_session.parts)
        issued_on = _optional_date(request.form.get("certificate_issued_on", ""))
    except ValueError:
        flash(_("Scores are whole numbers from 0 to 100, and dates are YYYY-MM-DD."), "error")
        return back
    with shown():
        exams.record_results(
            session,
            registration,
            scores=scores,
            certificate_no=request.form.get("certificate_no", "").strip() or None,
            certificate_issued_on=issued_on,
            today=today(),
            now=get_clock().now(),
            actor_id=current_user.id,
            pass_mark=current_app.config["EXAM_PASS_MARK"],
        )
        flash(_("Results saved."), "success")
    return back


def _scores(parts: list[str]) -> dict[str, int] | None:
    """The posted score of every part (None when the candidate was absent); ValueError for a
    score that is not a whole number."""
    if request.form.get("absent"):
        return None
    return {part: int(request.form.get(part, "").strip()) for part in parts}


def _optional_date(text: str) -> date | None:
    return date.fromisoformat(text.strip()) if text.strip() else None


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
        reason=filled(form.reason.data),
        now=get_clock().now(),
        actor_id=current_user.id,
    )
    flash(_("Offline time revoked."), "success")
    return redirect(url_for("courses.course", enrolment_id=enrolment_id), code=303)
