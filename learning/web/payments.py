"""Fees recorded in bulk: the sheet of what is owed downloaded, filled in by the finance office
and uploaded back; checked first, recorded when the admin confirms."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from learning.db import get_session
from learning.extensions import get_clock, today
from learning.models import Role
from learning.permissions import role_required
from learning.services import ServiceError, catalogue, fee_import
from learning.texts.labels import programme_label
from learning.texts.messages import describe, problem_text
from learning.web import downloads, roster

blueprint = Blueprint("payments", __name__, url_prefix="/admin/payments")


@blueprint.before_request
@role_required(Role.ADMIN)
def _admins_only() -> None:
    """Every page here is the training office's."""


def _run(data: bytes, *, dry_run: bool) -> fee_import.Outcome:
    session = get_session()
    outcome = fee_import.import_payments(
        session,
        data,
        dry_run=dry_run,
        today=today(),
        now=get_clock().now(),
        actor_id=current_user.id,
    )
    if dry_run or outcome.problems:
        session.rollback()
    return outcome


@blueprint.route("", methods=["GET", "POST"])
def index() -> ResponseReturnValue:
    checked = roster.check_upload(_run)
    return render_template(
        "admin/payments.html",
        outcome=checked.outcome,
        token=checked.token,
        refusal=checked.refusal,
        problem_text=problem_text,
    )


@blueprint.route("/sheet.xlsx")
def sheet() -> ResponseReturnValue:
    names = {
        row.id: programme_label(row.work_type_zh, row.work_type_en, row.level)
        for row in catalogue.list_programmes(get_session())
    }
    data = fee_import.sheet(get_session(), names)
    name = f"缴费登记-{today().isoformat()}.xlsx"
    return downloads.download(data, name, downloads.XLSX)


@blueprint.route("/<token>", methods=["POST"])
def confirm(token: str) -> ResponseReturnValue:
    back = redirect(url_for("payments.index"), code=303)
    data = roster.take(token)
    if data is None:
        flash(
            _("That check is too old or was used already. Please upload the file again."), "error"
        )
        return back
    try:
        outcome = _run(data, dry_run=False)
    except ServiceError as error:
        flash(describe(error), "error")
        return back
    if outcome.problems:  # the database changed since the check
        flash(_("The sheet no longer passes its check; nothing was saved."), "error")
        return back
    total = f"{outcome.total_fen / 100:,.2f}"
    flash(
        _(
            "%(count)s payments recorded, ¥%(total)s in all.",
            count=len(outcome.entries),
            total=total,
        ),
        "success",
    )
    return back
