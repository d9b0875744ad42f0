"""Fees recorded in bulk: the sheet of what is owed downloaded, filled in by the finance office
and uploaded back; checked first, recorded when the admin confirms."""

from __future__ import annotations

from flask import Blueprint, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from learning.db import get_session
from learning.extensions import get_clock, today
from learning.models import Role
from learning.permissions import role_required
from learning.services import catalogue, fee_import
from learning.texts.labels import programme_label
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
    return roster.check_upload(_run).render("admin/payments.html")


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
    return roster.confirm_upload(
        token,
        _run,
        page=url_for("payments.index"),
        changed=_("The sheet no longer passes its check; nothing was saved."),
        done=lambda outcome: _(
            "%(count)s payments recorded, ¥%(total)s in all.",
            count=len(outcome.entries),
            total=f"{outcome.total_fen / 100:,.2f}",
        ),
    )
