"""Announcements for the staff: write one to all trainees, a programme or a class, list them,
withdraw one. Admins address anyone; an instructor the classes they teach, and withdraws what
they wrote."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from learning.db import get_session
from learning.extensions import get_clock
from learning.models import Audience, Role
from learning.permissions import announcement_or_404, may_announce, may_withdraw, role_required
from learning.services import announcements, catalogue, classes
from learning.texts.labels import programme_label
from learning.web.forms import AnnouncementForm
from learning.web.refusals import shown

blueprint = Blueprint("announcements", __name__, url_prefix="/announcements")


@blueprint.before_request
@role_required(Role.ADMIN, Role.INSTRUCTOR)
def _staff_only() -> None:
    """Every page of this blueprint is for admins and instructors."""


def _audience_choices() -> dict[str, list[tuple[str, str]]]:
    """The audiences the user may address, grouped as the select shows them."""
    session = get_session()
    admin = current_user.role == Role.ADMIN
    class_names = classes.class_names(session, instructor_id=None if admin else current_user.id)
    grouped: dict[str, list[tuple[str, str]]] = {}
    if admin:
        grouped[_("All")] = [(Audience.ALL.value, _("All trainees"))]
        grouped[_("Programmes")] = [
            (
                f"{Audience.PROGRAMME.value}:{programme.id}",
                programme_label(
                    programme.work_type.name_zh, programme.work_type.name_en, programme.level
                ),
            )
            for programme in catalogue.programmes(session)
            if programme.active
        ]
    grouped[_("Classes")] = [
        (f"{Audience.CLASS.value}:{class_id}", name) for class_id, name in class_names
    ]
    return grouped


def _parse(value: str) -> tuple[str, int | None]:
    """An audience choice, `all`, `programme:<id>` or `class:<id>`, as (audience, id)."""
    audience, _sep, target = value.partition(":")
    return audience, int(target) if target.isdigit() else None


@blueprint.route("", methods=["GET", "POST"])
def index() -> ResponseReturnValue:
    session = get_session()
    form = AnnouncementForm()
    form.audience.choices = _audience_choices()
    if form.validate_on_submit():
        audience, target_id = _parse(form.audience.data or "")
        if not may_announce(session, current_user, audience, target_id):
            abort(403)
        with shown(form):
            _announcement, notified = announcements.publish(
                session,
                title=form.title.data or "",
                body=form.body.data or "",
                audience=audience,
                target_id=target_id,
                author_id=current_user.id,
                now=get_clock().now(),
            )
            flash(
                _("Published: %(count)s trainees have it in their messages.", count=notified),
                "success",
            )
            return redirect(url_for("announcements.index"), code=303)
    admin = current_user.role == Role.ADMIN
    class_ids = None  # an admin sees every announcement, an instructor those to their classes
    if not admin:
        taught = classes.class_names(session, instructor_id=current_user.id)
        class_ids = {class_id for class_id, _name in taught}
    return render_template(
        "announcements/index.html",
        form=form,
        rows=announcements.listing(session, class_ids=class_ids),
        may_withdraw=lambda row: admin or row.author_id == current_user.id,
        body_max=announcements.BODY_MAX,
    )


@blueprint.route("/<int:announcement_id>/withdraw", methods=["POST"])
def withdraw(announcement_id: int) -> ResponseReturnValue:
    session = get_session()
    announcement = announcement_or_404(session, current_user, announcement_id)
    if not may_withdraw(current_user, announcement):
        abort(403)
    with shown():
        announcements.withdraw(
            session, announcement, now=get_clock().now(), actor_id=current_user.id
        )
        flash(
            _("Withdrawn: trainees no longer see %(title)s.", title=announcement.title),
            "success",
        )
    return redirect(url_for("announcements.index"), code=303)
