"""Classes for admins: create, rename, set instructors, move trainees between classes (after
a confirmation), and the enrolments in no class yet.

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
from learning.models.base import MAX_ID
from learning.permissions import role_required
from learning.services import ServiceError, classes, enrolments, people, reports
from learning.texts.messages import describe
from learning.web.forms import ClassForm
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
    unclassed = request.args.get("unclassed") == "1"
    return render_template(
        "admin/classes.html",
        form=form,
        rows=rows,
        sizes=sizes,
        unclassed=unclassed,
        unclassed_count=people.unclassed_count(session),
        unclassed_people=people.find(session, "", unclassed=True) if unclassed else [],
        most=people.MOST,
        class_names=classes.class_names(session),
    )


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


@blueprint.route("/move/<int:enrolment_id>", methods=["GET", "POST"])
def move(enrolment_id: int) -> ResponseReturnValue:
    """Move one enrolment to the class chosen (or to none). The GET asks first: it shows who
    goes from which class to which; only the POST of that page, confirmed, moves. A move to
    the class it is in already changes nothing and says so. Then back where the move began."""
    session = get_session()
    enrolment = session.get(Enrolment, enrolment_id) or abort(404)
    values = request.form if request.method == "POST" else request.args
    chosen = values.get("class_id", "")
    back = _back(values.get("next", ""))
    target = _class_chosen(chosen)
    if chosen and target is None:
        flash(describe(ServiceError("unknown_class", name=chosen[:40])), "error")
        return redirect(back or _class_page(enrolment.class_id), code=303)
    if (target.id if target else None) == enrolment.class_id:
        flash(_already_there(enrolment.trainee.display_name, target), "info")
        return redirect(back or _class_page(enrolment.class_id), code=303)
    if request.method == "GET":
        return render_template(
            "admin/class_move.html",
            enrolment=enrolments.summary(session, enrolment),
            target=target,
            back=back or _class_page(enrolment.class_id),
            next=back,
        )
    if request.form.get("confirm") != "yes":  # not from the confirmation page: ask first
        # url_for leaves out an argument that is None: no `next` when there is nowhere to go back
        asking = url_for(
            "class_admin.move", enrolment_id=enrolment.id, class_id=chosen, next=back or None
        )
        return redirect(asking, 303)
    left = enrolment.class_id
    classes.move_enrolment(
        session, enrolment, target, now=get_clock().now(), actor_id=current_user.id
    )
    flash(
        _("Moved to %(name)s; the hours went with the enrolment.", name=target.name)
        if target
        else _("Taken out of the class; the hours stay with the enrolment."),
        "success",
    )
    return redirect(back or _class_page(left or (target.id if target else None)), code=303)


def _class_chosen(chosen: str) -> TrainingClass | None:
    """The class an id names, or None (for no id, or an id of no class)."""
    if not (chosen.isascii() and chosen.isdigit()) or not 1 <= int(chosen) <= MAX_ID:
        return None
    return get_session().get(TrainingClass, int(chosen))


def _already_there(trainee: str, target: TrainingClass | None) -> str:
    if target is None:
        return _("%(trainee)s is in no class already; nothing changed.", trainee=trainee)
    return _(
        "%(trainee)s is in %(name)s already; nothing changed.", trainee=trainee, name=target.name
    )


def _back(asked: str) -> str | None:
    """Where the move was asked from, if it is a page of this site that lists enrolments."""
    local = asked.startswith(("/admin/", "/people")) and "\\" not in asked
    if local and asked.isprintable() and len(asked) <= 500:
        return asked
    return None


def _class_page(class_id: int | None) -> str:
    if class_id is None:
        return url_for("class_admin.index")
    return url_for("class_admin.edit", class_id=class_id)
