"""The trainee's study record (学习记录): per day, what was credited and why the rest was not."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from learning.db import get_session
from learning.domain.rounding import shares
from learning.models import Enrolment, Role
from learning.permissions import role_required
from learning.services import records, review
from learning.web.forms import DateRangeForm

blueprint = Blueprint("record", __name__)


@blueprint.route("/me/record")
@role_required(Role.TRAINEE)
def my_record() -> ResponseReturnValue:
    form = DateRangeForm(request.args)
    valid = form.validate()
    date_from = form.date_from.data if valid else None
    date_to = form.date_to.data if valid else None
    session = get_session()
    days = records.study_record(session, current_user.id, date_from, date_to)
    tenths = shares([day.credited_s for day in days], 6 * _hour_minutes(session))
    return render_template(
        "record/record.html",
        form=form,
        days=list(reversed(list(zip(days, tenths, strict=True)))),
        total_credited_s=sum(day.credited_s for day in days),
        total_tenths=sum(tenths),  # floor of the total, and the sum of the days shown
        voids=review.voids_of_trainee(session, current_user.id),
    )


def _hour_minutes(session: Session) -> int:
    """The standard hour of the trainee's latest enrolment (45 minutes unless configured)."""
    minutes = session.scalar(
        select(Enrolment.standard_hour_minutes)
        .where(Enrolment.trainee_id == current_user.id)
        .order_by(Enrolment.id.desc())
        .limit(1)
    )
    return minutes or current_app.config["STANDARD_HOUR_MINUTES"]
