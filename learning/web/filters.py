"""The dashboards' filter bar: programme, class and period, read from the query string."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import current_app, request
from flask_babel import gettext as _

from learning.models import Programme
from learning.services.overview import Scope
from learning.texts.labels import programme_label
from learning.web.forms import DashboardFilterForm


def dashboard_filters(
    programmes: list[Programme],
    classes: list[tuple[int, str]],
    *,
    current_class: int | None = None,
) -> tuple[DashboardFilterForm, Scope]:
    """The filter form of this request and the scope it asks for. A value the form refuses
    (an unknown programme or class, a date that is no date, an end before the start) is shown
    as an error beside its field and narrows nothing. On a class's own page there is no "all
    classes": the class chosen is the page's unless the request names another."""
    form = DashboardFilterForm(
        request.args, training_class=str(current_class) if current_class else ""
    )
    form.programme.choices = [("", _("All programmes"))] + [
        (p.code, programme_label(p.work_type.name_zh, p.work_type.name_en, p.level))
        for p in programmes
    ]
    form.training_class.choices = [] if current_class else [("", _("All classes"))]
    form.training_class.choices += [(str(class_id), name) for class_id, name in classes]
    form.validate()
    programme = None
    if form.programme.data and not form.programme.errors:
        programme = next(p for p in programmes if p.code == form.programme.data)
    class_id = None
    if form.training_class.data and not form.training_class.errors:
        class_id = int(form.training_class.data)
    dates_valid = not (form.date_from.errors or form.date_to.errors)
    return form, Scope(
        programme=programme,
        class_id=class_id,
        first_day=form.date_from.data if dates_valid else None,
        last_day=form.date_to.data if dates_valid else None,
        zone=ZoneInfo(current_app.config["TIMEZONE"]),
    )
