"""Fees recorded for many enrolments at once from an Excel sheet, the way a finance office
hands over its receipts.

The sheet downloaded from the payments page lists every approved enrolment whose training fee
is not paid in full, one row each, with the fee still owed; the office fills in the payment
columns of the rows that paid (a row may also be added for a retake's assessment fee, with the
enrolment's number). Every row is checked as `fees.record_payment` would check it, and more
(the name still matches the number; a receipt number appears once in the sheet and is not
recorded already); every problem is listed and nothing is written until there is none. Rows
whose payment columns are all blank are left alone.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from learning.models import Enrolment, Payment, TraineeProfile, User
from learning.services import ServiceError, enrolments, fees
from learning.services.workbooks import Column, Problem, day, read_rows, whole_number, write

KIND_WORDS = {
    "培训费": "training",
    "training": "training",
    "考试费": "assessment",
    "补考费": "assessment",
    "assessment": "assessment",
}
COLUMNS = (
    Column("enrolment", "报名编号", note="不要修改：用来找到学员的报名"),
    Column("name", "姓名", note="不要修改：与报名编号核对"),
    Column("programme", "培训项目", required=False, note="仅供核对"),
    Column("owed", "应缴（元）", required=False, note="仅供核对：培训费尚欠金额"),
    Column("kind", "费用类型", note="培训费，或补考的考试费"),
    Column("amount", "金额（元）", note="如 2200 或 2200.50"),
    Column("paid_on", "缴费日期", note="YYYY-MM-DD，不晚于今天"),
    Column("method", "缴费方式", note="如 银行转账、现金、微信"),
    Column("receipt_no", "收据号", note="每张收据只登记一次"),
)
PAYMENT_KEYS = ("amount", "paid_on", "method", "receipt_no")


@dataclass(frozen=True)
class Entry:
    """A row that records a payment, once checked."""

    enrolment: Enrolment
    kind: str
    amount_fen: int
    paid_on: date
    method: str
    receipt_no: str


@dataclass
class Outcome:
    problems: list[Problem] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)

    @property
    def total_fen(self) -> int:
        return sum(entry.amount_fen for entry in self.entries)


def sheet(session: Session, programme_label: dict[int, str]) -> bytes:
    """The approved enrolments whose training fee is still owed, to fill in; `programme_label`
    names each programme (by id) in the reader's language."""
    owing = _owing(session)
    rows = [
        [
            enrolment.id,
            enrolment.trainee.display_name,
            programme_label.get(enrolment.programme_id, ""),
            owed_fen / 100 if owed_fen else None,
            "培训费",
            None,
            None,
            None,
            None,
        ]
        for enrolment, owed_fen in owing
    ]
    return write("缴费登记", COLUMNS, rows)


def _owing(session: Session) -> list[tuple[Enrolment, int]]:
    approved = list(
        session.scalars(
            select(Enrolment)
            .join(User, User.id == Enrolment.trainee_id)
            .outerjoin(TraineeProfile, TraineeProfile.user_id == User.id)
            .where(Enrolment.eligibility_approved_at.is_not(None))
            .order_by(Enrolment.class_id, User.display_name, Enrolment.id)
        )
    )
    paid = enrolments.training_paid_fen(session, [e.id for e in approved])
    owing = []
    for enrolment in approved:
        if not enrolments.training_fee_paid(enrolment, paid.get(enrolment.id)):
            fee = enrolment.programme.training_fee_fen
            owing.append((enrolment, max(0, (fee or 0) - paid.get(enrolment.id, 0))))
    return owing


def import_payments(
    session: Session,
    data: bytes,
    *,
    dry_run: bool,
    today: date,
    now: datetime,
    actor_id: int,
) -> Outcome:
    """Check every row of the sheet; unless `dry_run` or a row is bad, record each payment.
    `ServiceError("not_a_payments_sheet", reason=...)` for a file that is no such sheet."""
    rows = read_rows(data, COLUMNS, error_code="not_a_payments_sheet")
    rows = [row for row in rows if any(row.get(key) for key in PAYMENT_KEYS)]
    outcome = Outcome()
    ids = {number for row in rows if (number := whole_number(row.get("enrolment", ""))) is not None}
    found = {e.id: e for e in session.scalars(select(Enrolment).where(Enrolment.id.in_(ids)))}
    receipts = Counter(row.get("receipt_no", "") for row in rows if row.get("receipt_no"))
    recorded = set(
        session.scalars(select(Payment.receipt_no).where(Payment.receipt_no.in_(set(receipts))))
    )
    for row in rows:
        entry, problems = _entry(row, found, today)
        receipt = row.get("receipt_no", "")
        if receipt and (receipts[receipt] > 1 or receipt in recorded):
            problems.append(Problem(_row(row), "收据号", "receipt_exists", {"receipt_no": receipt}))
        if problems:
            outcome.problems += problems
        elif entry is not None:
            outcome.entries.append(entry)
    if outcome.problems or dry_run:
        return outcome
    for entry in outcome.entries:
        fees.record_payment(
            session,
            enrolment=entry.enrolment,
            amount_fen=entry.amount_fen,
            paid_on=entry.paid_on,
            method=entry.method,
            receipt_no=entry.receipt_no,
            kind=entry.kind,
            today=today,
            now=now,
            actor_id=actor_id,
        )
    return outcome


def _entry(
    row: dict[str, str], found: dict[int, Enrolment], today: date
) -> tuple[Entry | None, list[Problem]]:
    number = _row(row)
    enrolment = found.get(whole_number(row.get("enrolment", "")) or 0)
    if enrolment is None:
        return None, [Problem(number, "报名编号", "not_an_enrolment")]
    named = enrolment.trainee.display_name
    if row.get("name", "").strip() != named:
        return None, [Problem(number, "姓名", "name_mismatch", {"name": named})]
    if enrolment.eligibility_approved_at is None:
        return None, [Problem(number, "报名编号", "fee_before_approval")]
    problems = []
    kind = KIND_WORDS.get(row.get("kind", "").strip().lower())
    if kind is None:
        problems.append(Problem(number, "费用类型", "fee_kind_word"))
    try:
        amount_fen = fees.fen(row.get("amount", ""))
    except ServiceError as refused:
        problems.append(Problem(number, "金额（元）", refused.code))
    else:
        if not 0 < amount_fen <= fees.MAX_AMOUNT_FEN:
            problems.append(Problem(number, "金额（元）", "amount_out_of_range"))
    paid_on = day(row.get("paid_on", ""))
    if paid_on is None:
        problems.append(Problem(number, "缴费日期", "date_invalid"))
    elif paid_on > today:
        problems.append(Problem(number, "缴费日期", "paid_in_future"))
    for key, header in (("method", "缴费方式"), ("receipt_no", "收据号")):
        if not row.get(key, "").strip():
            problems.append(Problem(number, header, "required"))
        elif len(row[key].strip()) > (50 if key == "method" else 64):
            problems.append(Problem(number, header, "too_long"))
    if problems or kind is None or paid_on is None:  # each None came with its problem
        return None, problems
    return (
        Entry(
            enrolment=enrolment,
            kind=kind,
            amount_fen=amount_fen,
            paid_on=paid_on,
            method=row["method"].strip(),
            receipt_no=row["receipt_no"].strip(),
        ),
        [],
    )


def _row(row: dict[str, str]) -> int:
    return int(row["_row"])
