"""Finding a person in seconds (admins: anyone; instructors: the trainees of their classes),
or the trainees with an enrolment in no class yet."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from learning.db import get_session
from learning.models import Role
from learning.permissions import role_required
from learning.services import classes, people

blueprint = Blueprint("people", __name__)


@blueprint.route("/people")
@role_required(Role.INSTRUCTOR, Role.ADMIN)
def search() -> ResponseReturnValue:
    session = get_session()
    text = request.args.get("q", "")[:100]
    unclassed = request.args.get("unclassed") == "1"
    admin = current_user.role == Role.ADMIN
    instructor_id = None if admin else current_user.id
    found = (
        people.find(session, text, instructor_id=instructor_id, unclassed=unclassed)
        if text.strip() or unclassed
        else []
    )
    return render_template(
        "people/search.html",
        q=text,
        unclassed=unclassed,
        people=found,
        most=people.MOST,
        class_names=classes.class_names(session) if admin and unclassed and found else [],
        here=request.full_path.rstrip("?"),
    )
