"""Roster files (Excel and CSV) as responses, for a class or a programme alike."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response
from flask_babel import gettext as _

from learning.db import get_session
from learning.services import exports
from learning.services.reports import ProgressRow
from learning.texts.labels import STATUS_LABELS, blocking_reason_text, programme_label

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def roster_xlsx(rows: list[ProgressRow], name: str, *, unmasked: bool = False) -> Response:
    """The roster and a per-day sheet, as a workbook."""
    headers, roster = _roster(rows, unmasked)
    day_headers = [_("Name"), _("Date"), _("online"), _("on-site"), _("Credited")]
    days = exports.daily_rows(get_session(), [row.summary.id for row in rows])
    data = exports.workbook([(_("Trainees"), headers, roster), (_("Per day"), day_headers, days)])
    return download(data, f"{name}.xlsx", XLSX)


def roster_csv(rows: list[ProgressRow], name: str, *, unmasked: bool = False) -> Response:
    headers, roster = _roster(rows, unmasked)
    return download(
        exports.csv_text(headers, roster).encode("utf-8"), f"{name}.csv", "text/csv; charset=utf-8"
    )


def _roster(rows: list[ProgressRow], unmasked: bool) -> tuple[list[str], list[list[object]]]:
    headers = [
        _("Name"),
        _("ID card number"),
        _("Mobile phone"),
        _("Employer"),
        _("Programme"),
        _("Required hours"),
        _("Credited hours"),
        _("online"),
        _("on-site"),
        _("Last studied"),
        _("Status"),
        _("Exam registration"),
    ]
    roster = exports.roster_rows(
        get_session(),
        rows,
        STATUS_LABELS,
        blocking_reason_text,
        lambda summary: programme_label(summary.work_type_zh, summary.work_type_en, summary.level),
        unmasked=unmasked,
    )
    return headers, roster


def download(data: bytes, name: str, mimetype: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    response.headers["Cache-Control"] = "private, no-store"
    return response
