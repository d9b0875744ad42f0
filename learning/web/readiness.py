"""Readiness for the theory exam, per class for its instructors and admins, per programme for
admins: mock scores over time, who passed their last two mocks, the weak knowledge points and
the questions answered wrong most often."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from learning.charts import readiness as readiness_charts
from learning.db import get_session
from learning.models import Programme, Role
from learning.permissions import class_or_404, role_required
from learning.services import readiness
from learning.services.readiness import Readiness
from learning.texts.labels import programme_label

blueprint = Blueprint("readiness", __name__)


@blueprint.route("/classes/<int:class_id>/readiness")
@role_required(Role.INSTRUCTOR, Role.ADMIN)
def of_class(class_id: int) -> ResponseReturnValue:
    session = get_session()
    training_class = class_or_404(session, current_user, class_id)
    return _render(
        readiness.of_class(session, class_id),
        title=training_class.name,
        training_class=training_class,
    )


@blueprint.route("/admin/programmes/<int:programme_id>/readiness")
@role_required(Role.ADMIN)
def of_programme(programme_id: int) -> ResponseReturnValue:
    session = get_session()
    programme = session.get(Programme, programme_id) or abort(404)
    work_type = programme.work_type
    return _render(
        readiness.of_programme(session, programme_id),
        title=programme_label(work_type.name_zh, work_type.name_en, programme.level),
        programme=programme,
    )


def _render(figures: Readiness, *, title: str, **context: object) -> str:
    return render_template(
        "classes/readiness.html",
        title=title,
        figures=figures,
        min_answers=readiness.MIN_ANSWERS,
        charts=_charts(figures),
        **context,
    )


def _charts(figures: Readiness) -> dict[str, dict]:
    charts = {}
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    sat = [trainee for trainee in figures.trainees if trainee.mocks]
    if sat:
        charts["scores"] = readiness_charts.mock_scores(
            [
                (
                    trainee.trainee_name,
                    [(m.handed_in_at.astimezone(zone), m.score) for m in trainee.mocks],
                )
                for trainee in sat
            ],
            pass_marks=figures.pass_marks,
            top=max(m.total_points for trainee in sat for m in trainee.mocks),
            labels={"score": _("score"), "pass_mark": _("pass mark")},
        )
    if figures.knowledge_points:
        charts["points"] = readiness_charts.knowledge_points(
            figures.knowledge_points, labels={"share": _("answered right, in percent")}
        )
    return charts
