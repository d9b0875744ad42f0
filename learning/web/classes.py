"""The class page for its instructors and admins: the roster with hours."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from learning.db import get_session
from learning.models import Role
from learning.permissions import class_or_404, role_required
from learning.services import enrolments

blueprint = Blueprint("classes", __name__)


@blueprint.route("/classes/<int:class_id>")
@role_required(Role.INSTRUCTOR, Role.ADMIN)
def dashboard(class_id: int) -> ResponseReturnValue:
    session = get_session()
    training_class = class_or_404(session, current_user, class_id)
    roster = enrolments.summaries_for_class(session, class_id)
    return render_template("classes/dashboard.html", training_class=training_class, roster=roster)
