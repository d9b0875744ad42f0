"""Classes for admins: create, rename, set instructors, move trainees between classes.

Hours follow the enrolment, not the class: moving a trainee moves none of their time.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from learning.db import get_session
from learning.extensions import get_clock, today
from learning.models import Enrolment, Role, TrainingClass, User
from learning.permissions import role_required
from learning.services import ServiceError, classes, reports
from learning.web.forms import ClassForm, posted_id
from learning.web.messages import describe
from learning.web.refusals import shown

blueprint = Blueprint("class_admin", __name__, url_prefix="/admin/classes")


@blueprint.before_request
@role_required(Role.ADMIN)
def _admins_only() -> None:
    """Every page of this blueprint is for admins only."""


def _instructor_choices() -> list[tuple[int, str]]:
    instructors = get_session().scalars(
        select(User).where(User.role == Role.INSTRUCTOR, User.active).order_by(User.display_name)
    )
    return [(user.id, f"{user.display_name} ({user.username})") for user in instructors]


def _instructors(ids: list[int]) -> list[User]:
    if not ids:
        return []
    return list(get_session().scalars(select(User).where(User.id.in_(ids))))


@blueprint.route("", methods=["GET", "POST"])
def index() -> ResponseReturnValue:
    """Every class with its instructors and size, and a form for a new one."""
    session = get_session()
    form = ClassForm()
    form.instructors.choices = _instructor_choices()
    if form.validate_on_submit():
        with shown(form.name):
            created = classes.create_class(
                session,
                name=form.name.data or "",
                instructors=_instructors(form.instructors.data or []),
                now=get_clock().now(),
                actor_id=current_user.id,
            )
            flash(_("Class %(name)s created.", name=created.name), "success")
            return redirect(url_for("class_admin.edit", class_id=created.id), code=303)
    counted = select(Enrolment.class_id, func.count(Enrolment.id)).group_by(Enrolment.class_id)
    sizes = {class_id: size for class_id, size in session.execute(counted)}
    rows = session.scalars(
        select(TrainingClass)
        .options(selectinload(TrainingClass.instructors))
        .order_by(TrainingClass.created_at.desc())
    ).all()
    return render_template("admin/classes.html", form=form, rows=rows, sizes=sizes)


@blueprint.route("/<int:class_id>", methods=["GET", "POST"])
def edit(class_id: int) -> ResponseReturnValue:
    """Rename the class, set its instructors; its trainees, each movable to another class."""
    session = get_session()
    training_class = session.get(TrainingClass, class_id) or abort(404)
    form = ClassForm(obj=training_class)
    form.instructors.choices = _instructor_choices()
    if not form.is_submitted():
        form.instructors.data = [user.id for user in training_class.instructors]
    if form.validate_on_submit():
        with shown(form.name):
            classes.update_class(
                session,
                training_class,
                name=form.name.data or "",
                instructors=_instructors(form.instructors.data or []),
                now=get_clock().now(),
                actor_id=current_user.id,
            )
            flash(_("Saved."), "success")
            return redirect(url_for("class_admin.edit", class_id=class_id), code=303)
    return render_template(
        "admin/class_edit.html",
        form=form,
        training_class=training_class,
        roster=reports.class_progress(session, class_id, today()),
        others=classes.class_names(session),
    )


@blueprint.route("/move/<int:enrolment_id>", methods=["POST"])
def move(enrolment_id: int) -> ResponseReturnValue:
    """Move one enrolment to the class chosen (or to none); back to the class it left."""
    session = get_session()
    enrolment = session.get(Enrolment, enrolment_id) or abort(404)
    left = enrolment.class_id
    chosen = request.form.get("class_id", "")
    target_id = posted_id("class_id")
    target = session.get(TrainingClass, target_id) if target_id else None
    if chosen and target is None:
        flash(describe(ServiceError("unknown_class", name=chosen[:40])), "error")
    else:
        classes.move_enrolment(
            session, enrolment, target, now=get_clock().now(), actor_id=current_user.id
        )
        flash(
            _("Moved to %(name)s; the hours went with the enrolment.", name=target.name)
            if target
            else _("Taken out of the class; the hours stay with the enrolment."),
            "success",
        )
    back = left or (target.id if target else None)
    if back is None:
        return redirect(url_for("class_admin.index"), code=303)
    return redirect(url_for("class_admin.edit", class_id=back), code=303)
