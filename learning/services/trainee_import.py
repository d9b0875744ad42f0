"""Trainees imported from an Excel roster, the way training bodies keep them.

The template (`template_workbook`) has one row per trainee, with the programme to enrol them
in. An import first checks every row and column (a dry run writes nothing and lists every
problem: an ID-card number with a wrong check digit, a phone number used twice, an unknown
programme or class, ...); when any row is bad, nothing is written even if asked to. Otherwise
each row creates the trainee, or updates the one with that username, and enrols them, as an
admin would by hand.
"""

from __future__ import annotations

import io
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from openpyxl import Workbook, load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from learning.models import Enrolment, Programme, Role, TraineeProfile, TrainingClass, User
from learning.models.base import text_length
from learning.services import ServiceError, accounts, enrolments, passwords, workbooks
from learning.services.identity import is_valid_id_number, normalise_id_number

#: (key, header in the template, required)
COLUMNS = (
    ("username", "用户名", True),
    ("real_name", "姓名", True),
    ("id_number", "身份证号", True),
    ("phone", "手机号", True),
    ("email", "电子邮箱", False),
    ("employer", "工作单位", False),
    ("programme", "培训项目代码", True),
    ("class_name", "班级", False),
    ("password", "初始密码", False),
)
HEADERS = {header: key for key, header, _required in COLUMNS}
# The longest text each column's database field holds (a longer one is refused cell by cell in
# the check: PostgreSQL would refuse the write); the password is hashed, and bounded by the
# password rules.
MAX_LENGTHS = {
    "username": text_length(User.__table__.c.username),
    "real_name": min(
        text_length(TraineeProfile.__table__.c.real_name),
        text_length(User.__table__.c.display_name),
    ),
    "id_number": text_length(TraineeProfile.__table__.c.id_number),
    "phone": text_length(TraineeProfile.__table__.c.phone),
    "email": text_length(TraineeProfile.__table__.c.email),
    "employer": text_length(TraineeProfile.__table__.c.employer),
    "programme": text_length(Programme.__table__.c.code),
    "class_name": text_length(TrainingClass.__table__.c.name),
    "password": passwords.MAX_LENGTH,
}
MAX_ROWS = 5000
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an .xls of Excel 97-2003
# What a file that is no workbook, or a damaged one, raises while openpyxl reads it (a part
# that is not well-formed XML raises the XML parser's ParseError, a SyntaxError).
_UNREADABLE = (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, SyntaxError)


@dataclass(frozen=True)
class Problem:
    row: int  # as Excel numbers it (the header is row 1)
    column: str  # the header
    message: str  # a message code for the caller to put in words, with params
    params: dict[str, object] = field(default_factory=dict)


@dataclass
class Outcome:
    created: int = 0
    updated: int = 0
    problems: list[Problem] = field(default_factory=list)


def template_workbook() -> bytes:
    """An empty roster with the headers, and a sheet saying what goes in each column."""
    book = Workbook()
    roster = workbooks.first_sheet(book)
    roster.title = "学员名单"
    roster.append([header for _key, header, _required in COLUMNS])
    workbooks.widen_columns(roster, len(COLUMNS))
    guide = book.create_sheet("填写说明")
    guide.append(["列", "必填", "说明"])
    notes = {
        "username": "登录用的用户名：3–64 个字母、数字或 _ . @ -；已存在则更新该学员",
        "id_number": "18 位居民身份证号，校验位须正确",
        "phone": "11 位手机号，每人不同",
        "programme": "如 accounting-4（工种-等级）",
        "class_name": "已建立的班级名称，可空",
        "password": (
            "新学员必填：至少 8 位，几个不相关的词即是好密码；不得用常见密码，也不得含本人的"
            "姓名、用户名、手机号、身份证号或生日；首次登录须修改"
        ),
    }
    for key, header, required in COLUMNS:
        guide.append([header, "是" if required else "否", notes.get(key, "")])
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def read_rows(data: bytes) -> list[dict[str, str]]:
    """The roster's rows as {key: text}; `ServiceError("not_a_roster", reason=...)` for a file
    that is not an xlsx workbook with the template's headers: `reason` is `xls` (the older
    Excel format), `not_xlsx`, `damaged`, `missing_columns` (with `columns`) or
    `too_many_rows` (with `most`)."""
    if data.startswith(_OLE_MAGIC):
        raise ServiceError("not_a_roster", reason="xls")
    workbooks.check_package(data, "not_a_roster")
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except _UNREADABLE as error:
        raise ServiceError("not_a_roster", reason="not_xlsx") from error
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = [str(cell or "").strip() for cell in next(rows, ())]
        missing = [h for _key, h, required in COLUMNS if required and h not in header]
        if missing:
            raise ServiceError("not_a_roster", reason="missing_columns", columns="、".join(missing))
        keys = [HEADERS.get(name) for name in header]
        found: list[dict[str, str]] = []
        for values in rows:
            if len(found) > MAX_ROWS:
                raise ServiceError("not_a_roster", reason="too_many_rows", most=MAX_ROWS)
            row = {key: _text(value) for key, value in zip(keys, values, strict=False) if key}
            found.append(row)
    except _UNREADABLE as error:
        raise ServiceError("not_a_roster", reason="damaged") from error
    finally:
        book.close()
    return found


def import_roster(
    session: Session,
    rows: list[dict[str, str]],
    *,
    dry_run: bool,
    now: datetime,
    actor_id: int,
    hash_method: str,
    standard_hour_minutes: int,
) -> Outcome:
    """Check every row; unless `dry_run` or a row is bad, create or update and enrol."""
    outcome = Outcome()
    context = _Context.load(session, rows)
    numbered = list(_numbered(rows))
    for number, row in numbered:
        outcome.problems += _problems(context, number, row)
    if outcome.problems:
        return outcome  # nothing written, nothing counted
    if dry_run:
        new = [row for _n, row in numbered if row["username"].lower() not in context.users]
        outcome.created, outcome.updated = len(new), len(numbered) - len(new)
        return outcome
    for _number, row in numbered:
        created = _write(session, context, row, now, actor_id, hash_method, standard_hour_minutes)
        if created:
            outcome.created += 1
        else:
            outcome.updated += 1
    return outcome


def run(
    session: Session,
    data: bytes,
    *,
    dry_run: bool,
    now: datetime,
    actor_id: int,
    hash_method: str,
    standard_hour_minutes: int,
) -> Outcome:
    """Read a roster workbook and import it (`import_roster`); after a dry run or a bad row the
    session is rolled back, so nothing of it is kept."""
    outcome = import_roster(
        session,
        read_rows(data),
        dry_run=dry_run,
        now=now,
        actor_id=actor_id,
        hash_method=hash_method,
        standard_hour_minutes=standard_hour_minutes,
    )
    if dry_run or outcome.problems:
        session.rollback()
    return outcome


@dataclass
class _Context:
    users: dict[str, User]  # lower-case username -> user
    programmes: dict[str, Programme]
    classes: dict[str, TrainingClass]
    id_owners: dict[str, str]  # ID number -> lower-case username
    phone_owners: dict[str, str]
    id_counts: Counter
    phone_counts: Counter
    username_counts: Counter

    @classmethod
    def load(cls, session: Session, rows: list[dict[str, str]]) -> _Context:
        names = {
            name
            for row in rows
            if len(name := row.get("username", "").lower()) <= MAX_LENGTHS["username"]
        }
        users = {
            user.username.lower(): user
            for user in session.scalars(select(User).where(User.username.in_(names)))
        }
        owners = session.execute(
            select(TraineeProfile.id_number, TraineeProfile.phone, User.username).join(
                User, User.id == TraineeProfile.user_id
            )
        ).all()
        return cls(
            users=users,
            programmes={p.code: p for p in session.scalars(select(Programme))},
            classes={c.name: c for c in session.scalars(select(TrainingClass))},
            id_owners={i: u.lower() for i, _p, u in owners if i},
            phone_owners={p: u.lower() for _i, p, u in owners if p},
            id_counts=Counter(normalise_id_number(r.get("id_number", "")) for r in rows),
            phone_counts=Counter(r.get("phone", "") for r in rows),
            username_counts=Counter(r.get("username", "").lower() for r in rows),
        )


def _numbered(rows: list[dict[str, str]]):
    """Rows with their Excel row number, blank rows left out."""
    for index, row in enumerate(rows, start=2):
        if any(row.values()):
            yield index, {key: row.get(key, "") for key, _h, _r in COLUMNS}


def _problems(context: _Context, number: int, row: dict[str, str]) -> list[Problem]:
    found: list[Problem] = []

    def refuse(key: str, message: str, **params: object) -> None:
        header = next(h for k, h, _r in COLUMNS if k == key)
        found.append(Problem(number, header, message, params))

    for key, _header, required in COLUMNS:
        if required and not row[key]:
            refuse(key, "required")
        if "\x00" in row[key]:  # Excel keeps it as _x0000_; no database stores it in text
            refuse(key, "nul_character")
        if len(row[key]) > MAX_LENGTHS[key]:
            refuse(key, "cell_too_long", length=len(row[key]), most=MAX_LENGTHS[key])
    username = row["username"].lower()
    existing = context.users.get(username)
    if row["username"] and not accounts.USERNAME_PATTERN.match(row["username"]):
        refuse("username", "username_invalid")
    elif context.username_counts[username] > 1:
        refuse("username", "duplicate_in_file")
    if existing is not None and existing.role != Role.TRAINEE:
        refuse("username", "not_a_trainee", username=row["username"])
    id_number = normalise_id_number(row["id_number"])
    if row["id_number"] and not is_valid_id_number(id_number):
        refuse("id_number", "id_number_invalid")
    elif id_number and context.id_counts[id_number] > 1:
        refuse("id_number", "duplicate_in_file")
    elif context.id_owners.get(id_number, username) != username:
        refuse("id_number", "belongs_to_another")
    phone = row["phone"]
    if phone and not accounts.PHONE_PATTERN.match(phone):
        refuse("phone", "phone_invalid")
    elif phone and context.phone_counts[phone] > 1:
        refuse("phone", "duplicate_in_file")
    elif context.phone_owners.get(phone, username) != username:
        refuse("phone", "belongs_to_another")
    programme = context.programmes.get(row["programme"])
    if row["programme"] and (programme is None or not programme.active):
        refuse("programme", "unknown_programme", code=row["programme"])
    if row["class_name"] and row["class_name"] not in context.classes:
        refuse("class_name", "unknown_class", name=row["class_name"])
    if existing is None and row["username"] and len(row["password"]) <= MAX_LENGTHS["password"]:
        try:
            passwords.check(row["password"], _personal_details(row))
        except ServiceError as error:
            refuse("password", error.code, **error.params)
    return found


def _personal_details(row: dict[str, str]) -> passwords.PersonalDetails:
    return passwords.PersonalDetails(
        username=row["username"],
        real_name=row["real_name"],
        phone=row["phone"],
        id_number=normalise_id_number(row["id_number"]),
        email=row["email"],
    )


def _write(
    session: Session,
    context: _Context,
    row: dict[str, str],
    now: datetime,
    actor_id: int,
    hash_method: str,
    standard_hour_minutes: int,
) -> bool:
    """Create or update one trainee and enrol them; True when created."""
    profile = accounts.ProfileData(
        real_name=row["real_name"],
        id_number=normalise_id_number(row["id_number"]),
        phone=row["phone"],
        email=row["email"] or None,
        employer=row["employer"] or None,
    )
    user = context.users.get(row["username"].lower())
    created = user is None
    if user is None:
        user = accounts.create_user(
            session,
            username=row["username"],
            password=row["password"],
            role=Role.TRAINEE,
            display_name=row["real_name"],
            now=now,
            hash_method=hash_method,
            profile=profile,
            actor_id=actor_id,
        )
        user.must_change_password = True
    else:
        for name in ("real_name", "id_number", "phone", "email", "employer"):
            setattr(user.profile, name, getattr(profile, name))
        user.display_name = row["real_name"]
    programme = context.programmes[row["programme"]]
    enrolled = session.scalar(
        select(Enrolment.id).where(
            Enrolment.trainee_id == user.id, Enrolment.programme_id == programme.id
        )
    )
    if enrolled is None:
        enrolments.enrol(
            session,
            trainee=user,
            programme=programme,
            training_class=context.classes.get(row["class_name"]),
            now=now,
            standard_hour_minutes=standard_hour_minutes,
            eligibility_condition=enrolments.OFFLINE_CHECK,
            actor_id=actor_id,
            reason="eligibility checked off-line (roster import)",
        )
    return created


def _text(value: object) -> str:
    """A cell as text; a phone or ID number Excel stored as a number loses nothing."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()
