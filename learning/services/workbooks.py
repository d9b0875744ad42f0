"""Excel workbooks made from our templates and read back: on the first sheet a header row, then
one record per row, every value read as text. A bad cell is a `Problem` the caller lists with
all the others, so a person fixes the whole sheet in one go."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from xml.parsers import expat

from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from learning.services import ServiceError

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an .xls of Excel 97-2003
# What a file that is no workbook, or a damaged one, raises while openpyxl reads it (a part
# that is not well-formed XML raises the XML parser's ParseError, a SyntaxError).
UNREADABLE = (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, SyntaxError)
MAX_ROWS = 5000
# What a workbook may unpack to, by its members' declared sizes (a zip bomb of a few hundred
# kilobytes unpacks to gigabytes); reading a member never yields more than it declares.
MAX_UNPACKED_BYTES = 64 * 1024 * 1024


def first_sheet(book: Workbook) -> Worksheet:
    """The sheet a new workbook opens with (`Workbook.active`, which its types allow to be
    none or a chart)."""
    sheet = book.active
    if not isinstance(sheet, Worksheet):
        raise TypeError("a new workbook opens with a worksheet")
    return sheet


def widen_columns(sheet: Worksheet, count: int) -> None:
    """The first `count` columns wide enough to read their headers."""
    for index in range(1, count + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 18


class _Declaration(Exception):
    """A part declares a DTD or entities."""


def _refuse_declaration(*_args: object) -> None:
    raise _Declaration


def check_package(data: bytes, error_code: str) -> None:
    """Refuse, before openpyxl parses anything, a workbook that unpacks to more than
    `MAX_UNPACKED_BYTES` (`reason="too_large"`, with `most` in MB) or one of whose XML parts
    declares a DTD or entities (`reason="dtd"`: an entity bomb, or a reference to a file of the
    server, XXE). Excel never writes either. Not a zip archive: left to openpyxl to say."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        return
    with archive:
        members = archive.infolist()
        if sum(member.file_size for member in members) > MAX_UNPACKED_BYTES:
            raise ServiceError(error_code, reason="too_large", most=MAX_UNPACKED_BYTES >> 20)
        for member in members:
            if member.is_dir() or not member.filename.lower().endswith((".xml", ".rels", ".vml")):
                continue
            parser = expat.ParserCreate()  # reads the part's own encoding (UTF-16 too)
            parser.StartDoctypeDeclHandler = _refuse_declaration
            parser.EntityDeclHandler = _refuse_declaration
            try:
                with archive.open(member) as part:
                    while chunk := part.read(1 << 16):
                        parser.Parse(chunk, False)
                    parser.Parse(b"", True)
            except _Declaration:
                raise ServiceError(error_code, reason="dtd") from None
            except (expat.ExpatError, zipfile.BadZipFile, OSError, ValueError, RuntimeError):
                continue  # not well-formed or damaged: openpyxl says so, or never reads it


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # as the template writes it, in Chinese like the paper forms
    required: bool = True
    note: str = ""  # what goes in the column, on the guide sheet


@dataclass(frozen=True)
class Problem:
    row: int  # as Excel numbers it (the header is row 1); a table form's own row number
    column: str  # the header
    message: str  # a message code for the caller to put in words, with params
    params: dict[str, object] = field(default_factory=dict)


def write(
    title: str,
    columns: Sequence[Column],
    rows: Sequence[Sequence[object]],
    guide: bool = True,
    examples: Sequence[Sequence[object]] = (),
) -> bytes:
    """A workbook with the headers and the rows given, a sheet saying what goes where, and
    one of `examples` when there are some (on a sheet of their own: never read back)."""
    book = Workbook()
    sheet = first_sheet(book)
    sheet.title = title
    sheet.append([column.header for column in columns])
    for row in rows:
        sheet.append(list(row))
    widen_columns(sheet, len(columns))
    sheet.freeze_panes = "A2"
    if guide:
        notes = book.create_sheet("填写说明")
        notes.append(["列", "必填", "说明"])
        for column in columns:
            notes.append([column.header, "是" if column.required else "否", column.note])
    if examples:
        shown = book.create_sheet("示例")
        shown.append([column.header for column in columns])
        for row in examples:
            shown.append(list(row))
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def read_rows(
    data: bytes, columns: Sequence[Column], *, error_code: str, max_rows: int = MAX_ROWS
) -> list[dict[str, str]]:
    """The first sheet's rows as {key: text}, blank rows left out but counted in the numbering
    (each row's Excel number is under the key "_row"). `ServiceError(error_code, reason=...)`
    for a file that is not an xlsx workbook with the columns' headers: `reason` is `xls` (the
    older Excel format), `not_xlsx`, `damaged`, `missing_columns` (with `columns`) or
    `too_many_rows` (with `most`)."""
    if data.startswith(OLE_MAGIC):
        raise ServiceError(error_code, reason="xls")
    check_package(data, error_code)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except UNREADABLE as error:
        raise ServiceError(error_code, reason="not_xlsx") from error
    keys_by_header = {column.header: column.key for column in columns}
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = [str(cell or "").strip() for cell in next(rows, ())]
        missing = [c.header for c in columns if c.required and c.header not in header]
        if missing:
            raise ServiceError(error_code, reason="missing_columns", columns="、".join(missing))
        keys = [keys_by_header.get(name) for name in header]
        found: list[dict[str, str]] = []
        for number, values in enumerate(rows, start=2):
            row = {key: cell_text(value) for key, value in zip(keys, values, strict=False) if key}
            if not any(row.values()):
                continue
            if len(found) >= max_rows:
                raise ServiceError(error_code, reason="too_many_rows", most=max_rows)
            found.append({"_row": str(number), **row})
    except UNREADABLE as error:
        raise ServiceError(error_code, reason="damaged") from error
    finally:
        book.close()
    return found


def cell_text(value: object) -> str:
    """A cell as text: a number Excel stored as a float loses no digit, a date is YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def whole_number(text: str) -> int | None:
    """A cell's whole number, or None when it holds anything else."""
    try:
        return int(text.strip())
    except ValueError:
        return None


def day(text: str) -> date | None:
    """A cell's date written YYYY-MM-DD (or stored as a date by Excel), or None."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None
