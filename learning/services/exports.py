"""Class rosters for auditors and the subsidy office: an Excel workbook (openpyxl) and CSV.

Identity numbers and phones are masked in exports. Column headers come from the caller, so
the files speak the reader's language.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from learning.domain.accounting import hours_display
from learning.models import Enrolment, OfflineCredit, StudyDay, TraineeProfile
from learning.services.accounts import mask_id_number, mask_phone
from learning.services.enrolments import EnrolmentSummary
from learning.services.reports import ProgressRow

RosterRow = list[object]
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _text(value: str) -> str:
    """Text a person typed, never read by a spreadsheet as a formula."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def _whole(value: str | None) -> str:
    return value or ""


def roster_rows(
    session: Session,
    rows: list[ProgressRow],
    status_words: Mapping[str, object],
    reason_text: Callable[[str, float], str],
    programme_text: Callable[[EnrolmentSummary], str],
    *,
    unmasked: bool = False,
) -> list[RosterRow]:
    """One row per enrolment: who, programme (named by `programme_text`, in the reader's
    language), hours, last study, status, exam readiness. ID-card and phone numbers are masked
    unless `unmasked` (an admin asked, and it was logged)."""
    id_number, phone = (_whole, _whole) if unmasked else (mask_id_number, mask_phone)
    profiles = {
        profile.user_id: profile
        for profile in session.scalars(
            select(TraineeProfile).where(
                TraineeProfile.user_id.in_([row.summary.trainee_id for row in rows])
            )
        )
    }
    result = []
    for row in rows:
        summary = row.summary
        profile = profiles.get(summary.trainee_id)
        result.append(
            [
                _text(summary.trainee_name),
                id_number(profile.id_number) if profile else "",
                phone(profile.phone) if profile else "",
                _text(profile.employer or "") if profile else "",
                programme_text(summary),
                summary.required_hours,
                summary.credited_hours,
                summary.online_hours,
                summary.offline_hours,
                summary.last_studied_on.isoformat() if summary.last_studied_on else "",
                str(status_words.get(row.status, row.status)),
                "；".join(
                    reason_text(code, summary.hours_missing) for code in summary.blocking_reasons
                ),
            ]
        )
    return result


def daily_rows(session: Session, enrolment_ids: list[int]) -> list[RosterRow]:
    """Per trainee and day: online and on-site standard hours (the kept day sums)."""
    statement = (
        select(Enrolment)
        .where(Enrolment.id.in_(enrolment_ids))
        .options(selectinload(Enrolment.trainee))
    )
    enrolments = {e.id: e for e in session.scalars(statement)}
    if not enrolments:
        return []
    days: dict[tuple[int, date], list[int]] = {}
    online = session.execute(
        select(StudyDay.enrolment_id, StudyDay.day, func.sum(StudyDay.credited_ms))
        .where(StudyDay.enrolment_id.in_(enrolments))
        .group_by(StudyDay.enrolment_id, StudyDay.day)
    )
    for enrolment_id, day, ms in online:
        days.setdefault((enrolment_id, day), [0, 0])[0] += int(ms) // 1000
    offline = session.execute(
        select(OfflineCredit.enrolment_id, OfflineCredit.day, func.sum(OfflineCredit.seconds))
        .where(OfflineCredit.enrolment_id.in_(enrolments), OfflineCredit.revoked_at.is_(None))
        .group_by(OfflineCredit.enrolment_id, OfflineCredit.day)
    )
    for enrolment_id, day, seconds in offline:
        days.setdefault((enrolment_id, day), [0, 0])[1] += int(seconds)
    rows = []
    for (enrolment_id, day), (online_s, offline_s) in sorted(
        days.items(), key=lambda item: (enrolments[item[0][0]].trainee.display_name, item[0][1])
    ):
        minutes = enrolments[enrolment_id].standard_hour_minutes
        rows.append(
            [
                _text(enrolments[enrolment_id].trainee.display_name),
                day.isoformat(),
                hours_display(online_s, minutes),
                hours_display(offline_s, minutes),
                hours_display(online_s + offline_s, minutes),
            ]
        )
    return rows


def workbook(sheets: Sequence[tuple[str, list[str], list[RosterRow]]]) -> bytes:
    """An .xlsx with one sheet per (title, headers, rows); headers bold, columns sized.

    Written in openpyxl's write-only mode, which streams rows instead of keeping a cell
    object for each: a programme's per-day sheet runs to tens of thousands of rows."""
    book = Workbook(write_only=True)
    for title, headers, rows in sheets:
        sheet = book.create_sheet(title[:31])
        for index, header in enumerate(headers):
            width = max([len(str(header))] + [len(str(row[index])) for row in rows]) + 4
            sheet.column_dimensions[get_column_letter(index + 1)].width = min(width, 60)
        sheet.freeze_panes = "A2"
        sheet.append([_bold(sheet, header) for header in headers])
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _bold(sheet: Any, value: str) -> Cell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.font = Font(bold=True)
    return cell


def csv_text(headers: list[str], rows: list[RosterRow]) -> str:
    """CSV with a byte-order mark, so Excel opens Chinese text correctly."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue()
