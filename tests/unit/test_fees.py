"""The fee rule: the training fee pays for the first sitting, the assessment fee paid since
the previous sitting for a retake; paid in full where the programme sets the fee."""

from __future__ import annotations

from datetime import date

import pytest

from learning.domain import fees
from learning.domain.fees import Paid

FIRST_SITTING = date(2026, 5, 20)
TRAINING_FEE = 180_000
ASSESSMENT_FEE = 30_000


def paid(payments: list[Paid], previous: date | None, *, with_fees: bool = True) -> bool:
    return fees.sitting_paid(
        payments,
        previous,
        training_fee_fen=TRAINING_FEE if with_fees else None,
        assessment_fee_fen=ASSESSMENT_FEE if with_fees else None,
    )


@pytest.mark.parametrize(
    ("paid_fen", "fee_fen", "in_full"),
    [
        (None, None, False),  # nothing paid
        (None, 100, False),
        (0, None, True),  # no fee set: any payment of its kind
        (99, 100, False),
        (100, 100, True),
        (150, 100, True),
    ],
)
def test_paid_in_full(paid_fen, fee_fen, in_full) -> None:
    assert fees.paid_in_full(paid_fen, fee_fen) is in_full


def test_the_first_sitting_is_paid_by_the_training_fee_only() -> None:
    training = Paid(fees.TRAINING, TRAINING_FEE, date(2026, 3, 1))
    assessment = Paid(fees.ASSESSMENT, TRAINING_FEE, date(2026, 3, 1))
    assert paid([training], None)
    assert not paid([assessment], None)
    assert not paid([Paid(fees.TRAINING, TRAINING_FEE - 1, date(2026, 3, 1))], None)


def test_instalments_add_up() -> None:
    halves = [Paid(fees.TRAINING, TRAINING_FEE // 2, date(2026, 3, d)) for d in (1, 15)]
    assert paid(halves, None)
    assert not paid(halves[:1], None)


@pytest.mark.parametrize(
    ("paid_on", "pays_for_the_retake"),
    [
        (date(2026, 3, 1), False),  # before the first sitting: it paid for nothing later
        (date(2026, 5, 19), False),
        (FIRST_SITTING, True),  # the exam day: a date cannot say before or after the exam
        (date(2026, 5, 21), True),
    ],
)
def test_a_retake_is_paid_by_an_assessment_fee_since_the_previous_sitting(
    paid_on, pays_for_the_retake
) -> None:
    training = Paid(fees.TRAINING, TRAINING_FEE, date(2026, 3, 1))
    assessment = Paid(fees.ASSESSMENT, ASSESSMENT_FEE, paid_on)
    assert paid([training, assessment], FIRST_SITTING) is pays_for_the_retake


def test_a_training_payment_does_not_pay_for_a_retake() -> None:
    late_training = Paid(fees.TRAINING, TRAINING_FEE, date(2026, 6, 1))
    assert not paid([late_training], FIRST_SITTING)


def test_without_fees_set_any_payment_of_the_right_kind_pays() -> None:
    small = Paid(fees.ASSESSMENT, 1, date(2026, 6, 1))
    assert paid([small], FIRST_SITTING, with_fees=False)
    assert not paid([], FIRST_SITTING, with_fees=False)
