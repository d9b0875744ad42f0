"""Finding a person in seconds (admins: anyone; instructors: the trainees of their classes)."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from learning.db import get_session
from learning.models import Role
from learning.permissions import role_required
from learning.services import people

blueprint = Blueprint("people", __name__)


@blueprint.route("/people")
@role_required(Role.INSTRUCTOR, Role.ADMIN)
def search() -> ResponseReturnValue:
    text = request.args.get("q", "")[:100]
    instructor_id = None if current_user.role == Role.ADMIN else current_user.id
    found = people.find(get_session(), text, instructor_id=instructor_id) if text.strip() else []
    return render_template("people/search.html", q=text, people=found, most=people.MOST)
