"""The admission rule: unlocked, or enough hours; and eligible; and paid."""

from __future__ import annotations

import pytest

from learning.domain import admission
from learning.domain.admission import Standing

HOUR = 45 * 60
READY = Standing(
    credited_s=80 * HOUR,
    required_s=80 * HOUR,
    unlocked=False,
    eligibility_approved=True,
    fee_paid=True,
)


def test_enough_hours_eligible_and_paid_is_admitted() -> None:
    assert admission.admitted(READY)
    assert admission.blocking_reasons(READY) == []


@pytest.mark.parametrize(
    ("changes", "reasons"),
    [
        ({"credited_s": 80 * HOUR - 1}, ["hours"]),
        ({"eligibility_approved": False}, ["eligibility_not_approved"]),
        ({"fee_paid": False}, ["fee_unpaid"]),
        (
            {"credited_s": 0, "eligibility_approved": False, "fee_paid": False},
            ["hours", "eligibility_not_approved", "fee_unpaid"],
        ),
    ],
)
def test_every_reason_is_given_in_order(changes, reasons) -> None:
    from dataclasses import replace

    assert admission.blocking_reasons(replace(READY, **changes)) == reasons


def test_an_unlock_lifts_the_hours_only() -> None:
    from dataclasses import replace

    short = replace(READY, credited_s=0, unlocked=True)
    assert admission.admitted(short)
    assert admission.blocking_reasons(replace(short, fee_paid=False)) == ["fee_unpaid"]
    assert admission.hours_short_s(short) == 0


def test_coaching_still_to_come_counts_towards_the_hours_once() -> None:
    from dataclasses import replace

    to_come = replace(READY, credited_s=60 * HOUR, coaching_to_come_s=16 * HOUR)
    assert admission.hours_short_s(to_come) == 4 * HOUR
    assert admission.hours_short_s(replace(to_come, coaching_to_come_s=-5)) == 20 * HOUR
