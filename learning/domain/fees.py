"""Which payments pay for an exam sitting, and when a fee counts as paid. Amounts in fen.

The training package covers the first sitting; a retake needs the assessment fee, paid from
the day of the previous sitting on (a payment's date cannot tell whether it came before or
after that day's exam, so a payment on the exam day counts for the retake). Paid means paid in
full where the programme sets the fee, and any payment of its kind where it does not.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

TRAINING = "training"
ASSESSMENT = "assessment"


@dataclass(frozen=True)
class Paid:
    """One payment as the rule reads it."""

    kind: str
    amount_fen: int
    paid_on: date


def paid_in_full(paid_fen: int | None, fee_fen: int | None) -> bool:
    """`paid_fen` is the sum of the payments that count, None when there is none."""
    return paid_fen is not None and (fee_fen is None or paid_fen >= fee_fen)


def pays_for_sitting(payment: Paid, previous_sitting: date | None) -> bool:
    """Whether a payment counts for a sitting: a training payment for the first one, an
    assessment payment from the previous sitting's day on for a retake."""
    if previous_sitting is None:
        return payment.kind == TRAINING
    return payment.kind == ASSESSMENT and payment.paid_on >= previous_sitting


def sitting_paid(
    payments: Iterable[Paid],
    previous_sitting: date | None,
    *,
    training_fee_fen: int | None,
    assessment_fee_fen: int | None,
) -> bool:
    """Whether a sitting is paid for: the first by the training fee, a retake by the
    assessment fee paid since the previous sitting."""
    counted = [p.amount_fen for p in payments if pays_for_sitting(p, previous_sitting)]
    fee = training_fee_fen if previous_sitting is None else assessment_fee_fen
    return paid_in_full(sum(counted) if counted else None, fee)
