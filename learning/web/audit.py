"""The audit log for admins: every entry, newest first, in words, narrowed by the kind of action,
who did it and when; each entry links to the enrolment (or person, class, session) it concerns.
"""

from __future__ import annotations

from functools import partial

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from learning.db import get_session
from learning.models import Role
from learning.permissions import role_required
from learning.services import audit
from learning.web.audit_text import action_choices, day_bounds, lines
from learning.web.forms import AuditFilterForm

blueprint = Blueprint("audit", __name__, url_prefix="/admin/audit")

PER_PAGE = 50
MAX_PAGE = 100_000


@blueprint.route("")
@role_required(Role.ADMIN)
def log() -> ResponseReturnValue:
    session = get_session()
    form = AuditFilterForm(request.args)
    form.action.choices = [("", _("Everything")), *action_choices()]
    form.actor.choices = [
        ("", _("Anyone")),
        (audit.BY_NOBODY, _("The system")),
        (audit.BY_TRAINEES, _("Trainees themselves")),
        *((str(user_id), name) for user_id, name in audit.staff(session)),
    ]
    form.validate()  # a value it refuses is shown beside its field and narrows nothing
    actor: int | str | None = None
    if form.actor.data and not form.actor.errors:
        actor = int(form.actor.data) if form.actor.data.isdigit() else form.actor.data
    dates_valid = not (form.date_from.errors or form.date_to.errors)
    since, until = day_bounds(
        form.date_from.data if dates_valid else None, form.date_to.data if dates_valid else None
    )
    search = partial(
        audit.search,
        session,
        action=form.action.data if form.action.data and not form.action.errors else None,
        actor=actor,
        since=since,
        until=until,
        limit=PER_PAGE,
    )
    page = min(max(1, request.args.get("page", 1, type=int) or 1), MAX_PAGE)
    entries, total = search(offset=(page - 1) * PER_PAGE)
    pages = max(1, -(-total // PER_PAGE))
    if page > pages:  # past the last page: show the last
        page = pages
        entries, total = search(offset=(page - 1) * PER_PAGE)
    return render_template(
        "admin/audit.html",
        form=form,
        entries=lines(session, entries),
        total=total,
        page=page,
        pages=pages,
        filters={
            name: request.args[name]
            for name in ("action", "actor", "date_from", "date_to")
            if request.args.get(name)
        },
    )
