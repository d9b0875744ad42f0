"""Results of a whole exam session: the table on the session's page, and its Excel sheet
downloaded, filled in and uploaded back (checked first, saved when the admin confirms)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from learning.db import get_session
from learning.extensions import get_clock, today
from learning.models import ExamSession, Role
from learning.permissions import role_required
from learning.services import ServiceError, exam_results
from learning.texts.messages import describe
from learning.web import downloads, roster
from learning.web.exams import session_page

blueprint = Blueprint("exam_results", __name__, url_prefix="/admin/exam-sessions/<int:session_id>")


def _exam_session(session_id: int) -> ExamSession:
    return get_session().get(ExamSession, session_id) or abort(404)


def _back(session_id: int) -> ResponseReturnValue:
    return redirect(url_for("exams.candidates", session_id=session_id) + "#results", code=303)


def _record(
    exam_session: ExamSession, lines: list[exam_results.Line], *, dry_run: bool
) -> exam_results.Outcome:
    outcome = exam_results.record(
        get_session(),
        exam_session,
        lines,
        dry_run=dry_run,
        today=today(),
        now=get_clock().now(),
        actor_id=current_user.id,
        pass_mark=current_app.config["EXAM_PASS_MARK"],
    )
    if dry_run or outcome.problems:
        get_session().rollback()
    return outcome


@blueprint.route("/results", methods=["POST"])
@role_required(Role.ADMIN)
def save_table(session_id: int) -> ResponseReturnValue:
    """The table form: one line per candidate; bad cells are shown in the table as typed."""
    exam_session = _exam_session(session_id)
    lines = [
        _posted_line(number, int(registration_id), exam_session.parts)
        for number, registration_id in enumerate(request.form.getlist("registration"), start=1)
        if registration_id.isdigit()
    ]
    try:
        outcome = _record(exam_session, lines, dry_run=False)
    except ServiceError as error:
        flash(describe(error), "error")
        return _back(session_id)
    if outcome.problems:
        return session_page(exam_session, typed=lines, problems=outcome.problems), 422
    flash(_("Results saved: %(count)s changed.", count=outcome.saved), "success")
    return _back(session_id)


def _posted_line(number: int, registration_id: int, parts: list[str]) -> exam_results.Line:
    def value(name: str) -> str:
        return request.form.get(f"r{registration_id}-{name}", "")[:40]

    return exam_results.Line(
        row=number,
        registration_id=registration_id,
        scores={part: value(part) for part in parts},
        absent="是" if value("absent") else "",
        certificate_no=value("certificate_no"),
        certificate_issued_on=value("certificate_issued_on"),
    )


@blueprint.route("/results.xlsx")
@role_required(Role.ADMIN)
def sheet(session_id: int) -> ResponseReturnValue:
    exam_session = _exam_session(session_id)
    name = f"考试成绩-{exam_session.starts_on.isoformat()}-{exam_session.id}.xlsx"
    return downloads.download(exam_results.sheet(get_session(), exam_session), name, downloads.XLSX)


@blueprint.route("/results/upload", methods=["POST"])
@role_required(Role.ADMIN)
def upload(session_id: int) -> ResponseReturnValue:
    """Check an uploaded sheet: every bad cell listed, or a summary and a button to save."""
    exam_session = _exam_session(session_id)
    file = request.files.get("file")
    if file is None or not file.filename:
        return session_page(exam_session, sheet_refusal=describe(ServiceError("file_required")))
    data = file.read()
    file.close()
    try:
        lines = exam_results.lines_from_sheet(exam_session, data)
        outcome = _record(exam_session, lines, dry_run=True)
    except ServiceError as error:
        return session_page(exam_session, sheet_refusal=describe(error)), 422
    token = None if outcome.problems else roster.keep(data)
    return session_page(exam_session, sheet_outcome=outcome, token=token)


@blueprint.route("/results/upload/<token>", methods=["POST"])
@role_required(Role.ADMIN)
def confirm_upload(session_id: int, token: str) -> ResponseReturnValue:
    exam_session = _exam_session(session_id)
    data = roster.take(token)
    if data is None:
        flash(
            _("That check is too old or was used already. Please upload the file again."), "error"
        )
        return _back(session_id)
    try:
        outcome = _record(
            exam_session, exam_results.lines_from_sheet(exam_session, data), dry_run=False
        )
    except ServiceError as error:
        flash(describe(error), "error")
        return _back(session_id)
    if outcome.problems:  # the database changed since the check
        flash(_("The sheet no longer passes its check; nothing was saved."), "error")
        return _back(session_id)
    flash(_("Results saved: %(count)s changed.", count=outcome.saved), "success")
    return _back(session_id)
