"""Exam sessions: admins open them; trainees register from their course page."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import Session

from learning.db import get_session
from learning.domain.accounting import hours_display
from learning.extensions import get_clock, today
from learning.models import Enrolment, ExamSession, ExamSessionStatus, Role
from learning.permissions import enrolment_or_404, role_required
from learning.services import (
    ServiceError,
    catalogue,
    exam_results,
    exam_sessions,
    exams,
    fees,
    readiness,
)
from learning.services.workbooks import Problem
from learning.texts.labels import blocking_reason_text, mock_gate_text, programme_label
from learning.texts.messages import problem_text
from learning.web.forms import (
    CancelSessionForm,
    ExamScheduleForm,
    ExamSessionForm,
    choices,
    filled,
    posted_id,
)
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
            exam_session = exam_sessions.create_session(
                session,
                work_type_code=work_type,
                level=int(level),
                schedule=_schedule(form),
                now=get_clock().now(),
                actor_id=current_user.id,
            )
            flash(_("Exam session opened."), "success")
            return redirect(url_for("exams.candidates", session_id=exam_session.id), code=303)
    listed = exam_sessions.office_list(session, today())
    return render_template(
        "exams/sessions.html",
        form=form,
        sessions=listed,
        statuses={s.id: exam_sessions.status_on(s, today()) for s in listed},
        subsidy_rates=exams.subsidy_rates(session),
        today=today(),
    )


def _schedule(form: ExamScheduleForm) -> exam_sessions.Schedule:
    return exam_sessions.Schedule(
        starts_on=filled(form.starts_on.data),
        starts_at=form.starts_at.data,
        registration_closes_on=filled(form.registration_closes_on.data),
        place=filled(form.place.data),
        capacity=filled(form.capacity.data),
        coaching_starts_on=form.coaching_starts_on.data,
        coaching_hours=float(form.coaching_hours.data or 0),
    )


@blueprint.route("/admin/subsidies", methods=["POST"])
@role_required(Role.ADMIN)
def subsidies() -> ResponseReturnValue:
    """The subsidy per level, in yuan, as the year's catalogue sets it."""
    session = get_session()
    back = redirect(url_for("exams.sessions"), code=303)
    rates = exams.subsidy_rates(session)
    try:
        amounts = {
            rate.level: fees.fen(request.form.get(f"level_{rate.level}", "")) for rate in rates
        }
    except ServiceError:
        flash(_("Subsidies are amounts in yuan, like 2000."), "error")
        return back
    with shown():
        for level, amount_fen in amounts.items():
            exams.set_subsidy(
                session, level, amount_fen, now=get_clock().now(), actor_id=current_user.id
            )
        flash(_("Subsidies saved."), "success")
    return back


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
    gate = readiness.gates(session, [enrolment]).get(enrolment.id)
    for code in refused.reasons:
        if code == "mock_exam_score" and gate is not None:
            flash(mock_gate_text(gate.score, gate.best), "error")
        elif code == "hours" and to_come_s:
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
    exam_session = get_session().get(ExamSession, session_id) or abort(404)
    return session_page(exam_session)


def session_page(
    exam_session: ExamSession,
    *,
    edit_form: ExamScheduleForm | None = None,
    cancel_form: CancelSessionForm | None = None,
    typed: list[exam_results.Line] | None = None,
    problems: list[Problem] | None = None,
    sheet_outcome: exam_results.Outcome | None = None,
    token: str | None = None,
    sheet_refusal: str | None = None,
) -> str:
    """The page an admin runs a session from: its candidates, their results (the table, and
    the sheet's check when one was uploaded), its tickets, and the forms to edit or cancel it."""
    if edit_form is None:
        edit_form = ExamScheduleForm(formdata=None, obj=exam_sessions.schedule_of(exam_session))
    candidates = exams.candidates(get_session(), exam_session.id)
    enrolment_ids = [candidate.registration.enrolment_id for candidate in candidates]
    status = exam_sessions.status_on(exam_session, today())
    return render_template(
        "exams/candidates.html",
        exam_session=exam_session,
        programme=programme_name(exam_session),
        candidates=candidates,
        mocks=readiness.recent_mocks(get_session(), enrolment_ids),
        result_rows=_result_rows(candidates, typed, problems or []),
        table_problems=len(problems or []),
        sheet_outcome=sheet_outcome,
        token=token,
        sheet_refusal=sheet_refusal,
        problem_text=problem_text,
        results_open=exam_session.status != ExamSessionStatus.CANCELLED.value
        and today() >= exam_session.starts_on,
        edit_form=edit_form,
        cancel_form=cancel_form or CancelSessionForm(formdata=None),
        status=status,
        ahead=status not in (ExamSessionStatus.HELD.value, ExamSessionStatus.CANCELLED.value),
    )


@dataclass(frozen=True)
class ResultRow:
    """A line of the results table: what was typed (or is recorded) and what is wrong with it."""

    candidate: exams.Candidate
    values: dict[str, str]
    problems: list[Problem]

    @property
    def invalid(self) -> set[str | None]:
        """The fields to mark as wrong."""
        return {exam_results.column_key(problem.column) for problem in self.problems}


def _result_rows(
    candidates: list[exams.Candidate],
    typed: list[exam_results.Line] | None,
    problems: list[Problem],
) -> list[ResultRow]:
    lines = {line.registration_id: line for line in typed or []}
    rows = []
    for candidate in candidates:
        registration = candidate.registration
        line = lines.get(registration.id)
        if line is not None:
            values = {
                **line.scores,
                "absent": line.absent,
                "certificate_no": line.certificate_no,
                "certificate_issued_on": line.certificate_issued_on,
            }
        else:
            values = {
                **{part: str(score) for part, score in registration.scores.items()},
                "absent": "是" if registration.outcome == "absent" else "",
                "certificate_no": registration.certificate_no or "",
                "certificate_issued_on": registration.certificate_issued_on.isoformat()
                if registration.certificate_issued_on
                else "",
            }
        row_problems = [p for p in problems if line is not None and p.row == line.row]
        rows.append(ResultRow(candidate, values, row_problems))
    return rows


def programme_name(exam_session: ExamSession) -> str:
    work_type = exam_session.work_type
    return programme_label(work_type.name_zh, work_type.name_en, exam_session.level)


@blueprint.route("/admin/exam-sessions/<int:session_id>/edit", methods=["POST"])
@role_required(Role.ADMIN)
def edit(session_id: int) -> ResponseReturnValue:
    session = get_session()
    exam_session = session.get(ExamSession, session_id) or abort(404)
    form = ExamScheduleForm()
    if form.validate_on_submit():
        with shown(form):
            changed = exam_sessions.update_session(
                session,
                exam_session,
                _schedule(form),
                today=today(),
                now=get_clock().now(),
                actor_id=current_user.id,
            )
            flash(_("Exam session saved.") if changed else _("Nothing changed."), "success")
            return redirect(url_for("exams.candidates", session_id=session_id), code=303)
    return session_page(exam_session, edit_form=form), 422


@blueprint.route("/admin/exam-sessions/<int:session_id>/cancel", methods=["POST"])
@role_required(Role.ADMIN)
def cancel(session_id: int) -> ResponseReturnValue:
    session = get_session()
    exam_session = session.get(ExamSession, session_id) or abort(404)
    form = CancelSessionForm()
    if form.validate_on_submit():
        with shown(form):
            told = exam_sessions.cancel_session(
                session,
                exam_session,
                reason=filled(form.reason.data),
                today=today(),
                now=get_clock().now(),
                actor_id=current_user.id,
            )
            flash(
                _("Exam session cancelled; %(count)s candidates were told.", count=told),
                "success",
            )
            return redirect(url_for("exams.candidates", session_id=session_id), code=303)
    return session_page(exam_session, cancel_form=form), 422
