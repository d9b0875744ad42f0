"""The class page for its instructors and admins: the roster, coaching days and attendance."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue, ResponseValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from learning.charts import classes as class_charts
from learning.db import get_session
from learning.domain.accounting import hours_display
from learning.extensions import get_clock, today
from learning.models import CoachingDay, Role, TrainingClass, Video
from learning.permissions import class_or_404, role_required
from learning.services import catalogue, classes, offline, reports, study_reminders
from learning.services.overview import Scope
from learning.web import downloads
from learning.web.filters import dashboard_filters
from learning.web.forms import CoachingDayForm, filled
from learning.web.privacy import unmasked_export
from learning.web.refusals import shown

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
        with shown(form.day):
            day = offline.create_coaching_day(
                session,
                training_class=training_class,
                day=filled(form.day.data),
                topic=filled(form.topic.data),
                credit_s=hours_to_seconds(filled(form.hours.data)),
                now=get_clock().now(),
                actor_id=current_user.id,
            )
            flash(_("Coaching day added. Now record who attended."), "success")
            return redirect(
                url_for("classes.attendance", class_id=class_id, day_id=day.id), code=303
            )
    return _render(training_class, form), 200


SORTS = {
    "name": lambda row: row.summary.trainee_name,
    "hours": lambda row: row.summary.credited_s,
    "status": lambda row: ("inactive", "behind", "on_track", "done").index(row.status),
    "last": lambda row: row.summary.last_studied_on or date.min,
}


def _render(training_class: TrainingClass, form: CoachingDayForm) -> ResponseValue:
    session = get_session()
    rows = reports.class_progress(session, training_class.id, today())
    held = {row.summary.programme_code for row in rows}
    filters, scope = dashboard_filters(
        [p for p in catalogue.programmes(session) if p.code in held],
        classes.class_names(
            session, instructor_id=None if current_user.role == Role.ADMIN else current_user.id
        ),
        current_class=training_class.id,
    )
    if scope.class_id is not None and scope.class_id != training_class.id:
        return _switch_class(scope.class_id)
    if scope.programme is not None:
        rows = [row for row in rows if row.summary.programme_code == scope.programme.code]
    period = _period_hours(rows, scope)
    sort = request.args.get("sort", "status")
    rows.sort(key=SORTS.get(sort, SORTS["status"]))
    if sort == "period":
        rows.sort(key=lambda row: period.get(row.summary.id, 0))
    videos = _class_videos(rows)
    days = session.scalars(
        select(CoachingDay)
        .where(CoachingDay.class_id == training_class.id)
        .order_by(CoachingDay.day)
    ).all()
    return render_template(
        "classes/dashboard.html",
        training_class=training_class,
        filters=filters,
        scope=scope,
        filtered=bool(scope.programme or scope.first_day or scope.last_day),
        rows=rows,
        several_programmes=len({row.summary.programme_code for row in rows}) > 1,
        period=period,
        sort=sort,
        at_risk=[row for row in rows if row.status in {"behind", "inactive"}],
        charts=_charts(rows, scope, videos),
        videos=videos,
        coaching_days=days,
        form=form,
        reminded=study_reminders.last_reminded(session, [row.summary.id for row in rows]),
        reminder_idle_days=current_app.config["STUDY_REMINDER_IDLE_DAYS"],
    )


def _switch_class(class_id: int) -> ResponseValue:
    """To the class chosen in the filter, with the rest of the filter; a programme the class
    chosen does not hold is dropped, and said so, rather than refused on the next page. The
    rest is added as a query string, not as url_for's keywords: there a name such as
    ``_anchor`` or ``class_id`` would build another link, or fail."""
    session = get_session()
    arguments = {k: v for k, v in request.args.items() if k != "training_class"}
    asked = arguments.get("programme")
    if asked and asked not in classes.programme_codes(session, class_id):
        del arguments["programme"]
        chosen = session.get(TrainingClass, class_id)
        flash(
            _(
                "%(name)s has no trainee in the programme chosen: it is shown with all its "
                "programmes.",
                name=chosen.name if chosen else "",
            ),
            "info",
        )
    query = f"?{urlencode(arguments)}" if arguments else ""
    return redirect(url_for("classes.dashboard", class_id=class_id) + query)


def _period_hours(rows: list[reports.ProgressRow], scope: Scope) -> dict[int, float]:
    """Each enrolment's standard hours credited within the chosen period; none without one."""
    if scope.first_day is None and scope.last_day is None:
        return {}
    seconds = reports.seconds_between(
        get_session(), [row.summary.id for row in rows], scope.first_day, scope.last_day
    )
    return {
        row.summary.id: hours_display(
            seconds.get(row.summary.id, 0), row.summary.standard_hour_minutes
        )
        for row in rows
    }


def _class_videos(rows: list[reports.ProgressRow]) -> list[Video]:
    if not rows:
        return []
    programme = catalogue.programme_by_code(get_session(), rows[0].summary.programme_code)
    return catalogue.programme_videos(get_session(), programme.id)


def _charts(
    rows: list[reports.ProgressRow], scope: Scope, videos: list[Video]
) -> dict[str, object]:
    """The class's figures; hours are standard hours of the configured length."""
    if not rows:
        return {}
    session = get_session()
    minutes = current_app.config["STANDARD_HOUR_MINUTES"]
    required = max(row.summary.required_hours for row in rows)
    enrolment_ids = [row.summary.id for row in rows]
    running, cumulative = 0, []
    for day, seconds in reports.seconds_per_day_of(session, enrolment_ids):
        running += seconds
        cumulative.append((day, hours_display(running, minutes)))
    if cumulative and cumulative[-1][0] < today():
        cumulative.append((today(), cumulative[-1][1]))  # the line reaches today
    deadlines = [row.deadline for row in rows if row.deadline]
    charts: dict[str, object] = {
        "distribution": class_charts.hours_distribution(
            [row.summary.credited_hours for row in rows],
            required=required,
            labels={"hours": _("standard hours"), "trainees": _("trainees")},
        ),
        "pace": class_charts.progress_against_pace(
            cumulative,
            today=today(),
            deadline=min(deadlines) if deadlines else None,
            target=sum(row.summary.required_hours for row in rows),
            period=(scope.first_day, scope.last_day),
            labels={
                "hours": _("standard hours"),
                "actual": _("the class so far"),
                "needed": _("pace needed for the next exam"),
            },
        ),
    }
    chosen = request.args.get("video", type=int)
    video = next((v for v in videos if v.id == chosen), videos[0] if videos else None)
    if video is not None:
        charts["retention"] = class_charts.retention_curve(
            reports.retention(session, enrolment_ids, video.id, video.duration_s),
            duration_s=video.duration_s,
            labels={
                "minute": _("minute of the video"),
                "share": _("share of the class, in percent"),
            },
        )
        charts["retention_video_id"] = video.id
    return charts


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
        with shown():
            offline.record_attendance(
                session,
                coaching_day=coaching_day,
                present_enrolment_ids=present,
                today=today(),
                now=get_clock().now(),
                actor_id=current_user.id,
            )
            flash(_("Attendance saved: %(count)s present.", count=len(present)), "success")
            return redirect(url_for("classes.dashboard", class_id=class_id), code=303)
    return render_template(
        "classes/attendance.html",
        training_class=training_class,
        coaching_day=coaching_day,
        rows=offline.attendance(session, coaching_day),
    )


@blueprint.route("/classes/<int:class_id>/export.xlsx")
@role_required(Role.INSTRUCTOR, Role.ADMIN)
def export_xlsx(class_id: int) -> ResponseReturnValue:
    training_class = class_or_404(get_session(), current_user, class_id)
    rows = reports.class_progress(get_session(), class_id, today())
    trainees = [row.summary.trainee_id for row in rows]
    unmasked = unmasked_export(trainees, "class_export.xlsx", class_id=class_id)
    return downloads.roster_xlsx(rows, training_class.name, unmasked=unmasked)


@blueprint.route("/classes/<int:class_id>/export.csv")
@role_required(Role.INSTRUCTOR, Role.ADMIN)
def export_csv(class_id: int) -> ResponseReturnValue:
    training_class = class_or_404(get_session(), current_user, class_id)
    rows = reports.class_progress(get_session(), class_id, today())
    trainees = [row.summary.trainee_id for row in rows]
    unmasked = unmasked_export(trainees, "class_export.csv", class_id=class_id)
    return downloads.roster_csv(rows, training_class.name, unmasked=unmasked)
