"""The class page for its instructors and admins: the roster, coaching days and attendance."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import quote

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from learning.db import get_session
from learning.extensions import get_clock, today
from learning.models import CoachingDay, Role, TrainingClass
from learning.permissions import class_or_404, role_required
from learning.services import ServiceError, enrolments, exports, offline, reports
from learning.web.forms import CoachingDayForm
from learning.web.labels import STATUS_LABELS, blocking_reason_text
from learning.web.messages import describe

blueprint = Blueprint("classes", __name__)


def hours_to_seconds(hours: Decimal) -> int:
    return int(hours * 3600)


@blueprint.route("/classes/<int:class_id>")
@role_required(Role.INSTRUCTOR, Role.ADMIN)
def dashboard(class_id: int) -> ResponseReturnValue:
    session = get_session()
    training_class = class_or_404(session, current_user, class_id)
    return _render(training_class, CoachingDayForm())


@blueprint.route("/classes/<int:class_id>/coaching-days", methods=["POST"])
@role_required(Role.INSTRUCTOR, Role.ADMIN)
def add_coaching_day(class_id: int) -> ResponseReturnValue:
    session = get_session()
    training_class = class_or_404(session, current_user, class_id)
    form = CoachingDayForm()
    if form.validate_on_submit():
        try:
            day = offline.create_coaching_day(
                session,
                training_class=training_class,
                day=form.day.data,
                topic=form.topic.data,
                credit_s=hours_to_seconds(form.hours.data),
                now=get_clock().now(),
                actor_id=current_user.id,
            )
        except ServiceError as error:
            session.rollback()
            form.day.errors.append(describe(error))
        else:
            session.commit()
            flash(_("Coaching day added. Now record who attended."), "success")
            return redirect(
                url_for("classes.attendance", class_id=class_id, day_id=day.id), code=303
            )
    return _render(training_class, form), 200


def _render(training_class: TrainingClass, form: CoachingDayForm) -> str:
    session = get_session()
    roster = enrolments.summaries_for_class(session, training_class.id)
    days = session.scalars(
        select(CoachingDay)
        .where(CoachingDay.class_id == training_class.id)
        .order_by(CoachingDay.day)
    ).all()
    return render_template(
        "classes/dashboard.html",
        training_class=training_class,
        roster=roster,
        coaching_days=days,
        form=form,
    )


@blueprint.route("/classes/<int:class_id>/coaching-days/<int:day_id>", methods=["GET", "POST"])
@role_required(Role.INSTRUCTOR, Role.ADMIN)
def attendance(class_id: int, day_id: int) -> ResponseReturnValue:
    session = get_session()
    training_class = class_or_404(session, current_user, class_id)
    coaching_day = session.get(CoachingDay, day_id)
    if coaching_day is None or coaching_day.class_id != training_class.id:
        abort(404)
    if request.method == "POST":
        present = {int(value) for value in request.form.getlist("present") if value.isdigit()}
        try:
            offline.record_attendance(
                session,
                coaching_day=coaching_day,
                present_enrolment_ids=present,
                now=get_clock().now(),
                actor_id=current_user.id,
            )
        except ServiceError as error:
            session.rollback()
            flash(describe(error), "error")
        else:
            session.commit()
            flash(_("Attendance saved: %(count)s present.", count=len(present)), "success")
            return redirect(url_for("classes.dashboard", class_id=class_id), code=303)
    return render_template(
        "classes/attendance.html",
        training_class=training_class,
        coaching_day=coaching_day,
        rows=offline.attendance(session, coaching_day),
    )


def _roster(class_id: int) -> tuple[list[str], list[list[object]]]:
    session = get_session()
    rows = reports.class_progress(session, class_id, today())
    headers = [
        _("Name"),
        _("ID card number"),
        _("Mobile phone"),
        _("Employer"),
        _("Programme"),
        _("Required hours"),
        _("Credited hours"),
        _("online"),
        _("on-site"),
        _("Last studied"),
        _("Status"),
        _("Exam registration"),
    ]
    return headers, exports.roster_rows(session, rows, STATUS_LABELS, blocking_reason_text)


def _download(data: bytes | str, name: str, mimetype: str) -> Response:
    body = data.encode("utf-8") if isinstance(data, str) else data
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@blueprint.route("/classes/<int:class_id>/export.xlsx")
@role_required(Role.INSTRUCTOR, Role.ADMIN)
def export_xlsx(class_id: int) -> ResponseReturnValue:
    training_class = class_or_404(get_session(), current_user, class_id)
    headers, rows = _roster(class_id)
    day_headers = [_("Name"), _("Date"), _("online"), _("on-site"), _("Credited")]
    data = exports.workbook(
        [
            (_("Trainees"), headers, rows),
            (_("Per day"), day_headers, exports.daily_rows(get_session(), class_id)),
        ]
    )
    return _download(
        data,
        f"{training_class.name}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@blueprint.route("/classes/<int:class_id>/export.csv")
@role_required(Role.INSTRUCTOR, Role.ADMIN)
def export_csv(class_id: int) -> ResponseReturnValue:
    training_class = class_or_404(get_session(), current_user, class_id)
    headers, rows = _roster(class_id)
    return _download(
        exports.csv_text(headers, rows), f"{training_class.name}.csv", "text/csv; charset=utf-8"
    )
