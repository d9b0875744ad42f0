"""The trainee's study record (学习记录): per day, what was credited and why the rest was not."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from learning.db import get_session
from learning.models import Role
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
    return render_template(
        "record/record.html",
        form=form,
        days=list(reversed(days)),
        total_credited_s=sum(day.credited_s for day in days),
        voids=review.voids_of_trainee(session, current_user.id),
    )
