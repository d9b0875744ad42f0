"""Fee payments recorded by admins. Money is in fen; a fee is asked for only after approval."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from learning.models import Enrolment, Payment
from learning.services import ServiceError, audit

KINDS = ("training", "assessment")
MAX_AMOUNT_FEN = 10_000_000  # 100,000 yuan: far above any fee, far below an overflow


def fen(yuan: Decimal | str) -> int:
    """An amount of yuan in fen, exactly. `ServiceError("amount_not_in_fen")` for text that is
    no amount, or an amount with parts of a fen: 22.005 is a typo, neither 22.00 nor 22.01."""
    try:
        amount = (
            Decimal(yuan.strip().replace(",", "").replace("，", ""))
            if isinstance(yuan, str)
            else yuan
        )
    except InvalidOperation as error:
        raise ServiceError("amount_not_in_fen") from error
    fen = amount * 100
    if not fen.is_finite() or fen != fen.to_integral_value():
        raise ServiceError("amount_not_in_fen")
    return int(fen)


def record_payment(
    session: Session,
    *,
    enrolment: Enrolment,
    amount_fen: int,
    paid_on: date,
    method: str,
    receipt_no: str,
    kind: str,
    today: date,
    now: datetime,
    actor_id: int,
) -> Payment:
    if enrolment.eligibility_approved_at is None:
        raise ServiceError("fee_before_approval")
    if kind not in KINDS:
        raise ServiceError("unknown_fee_kind", kind=kind)
    if not 0 < amount_fen <= MAX_AMOUNT_FEN:
        raise ServiceError("amount_out_of_range")
    if paid_on > today:
        raise ServiceError("paid_in_future")
    if not method.strip() or not receipt_no.strip():
        raise ServiceError("payment_details_required")
    duplicate = session.scalar(select(Payment.id).where(Payment.receipt_no == receipt_no.strip()))
    if duplicate is not None:
        raise ServiceError("receipt_exists", receipt_no=receipt_no.strip())
    payment = Payment(
        enrolment_id=enrolment.id,
        kind=kind,
        amount_fen=amount_fen,
        paid_on=paid_on,
        method=method.strip(),
        receipt_no=receipt_no.strip(),
        recorded_by_id=actor_id,
        recorded_at=now,
    )
    session.add(payment)
    session.flush()
    audit.record(
        session,
        at=now,
        actor_id=actor_id,
        action="fee.record",
        enrolment_id=enrolment.id,
        details={
            "kind": kind,
            "amount_fen": amount_fen,
            "paid_on": paid_on.isoformat(),
            "method": payment.method,
            "receipt_no": payment.receipt_no,
        },
    )
    return payment


def payments_of(session: Session, enrolment_id: int) -> list[Payment]:
    return list(
        session.scalars(
            select(Payment).where(Payment.enrolment_id == enrolment_id).order_by(Payment.paid_on)
        )
    )
