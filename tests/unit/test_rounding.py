"""Parts shown beside their total add up to it."""

from __future__ import annotations

import random

from learning.domain.rounding import clock, shares

TENTH_S = 270  # a tenth of a 45-minute standard hour


def test_ten_small_days_add_up_to_the_total_shown() -> None:
    days = [405] * 10  # 0.15 standard hours each, 1.5 in all
    assert [405 // TENTH_S] * 10 == [1] * 10  # floored one by one: 1.0 beside a total of 1.5
    parts = shares(days, TENTH_S)
    assert sum(parts) == sum(days) // TENTH_S == 15
    assert parts == [1, 2, 1, 2, 1, 2, 1, 2, 1, 2]


def test_parts_always_add_up_and_stay_within_one_unit() -> None:
    rng = random.Random(18)
    for _ in range(500):
        amounts = [rng.randrange(0, 40_000) for _ in range(rng.randrange(0, 30))]
        unit = rng.choice([1000, 270, 360, 60])
        parts = shares(amounts, unit)
        assert sum(parts) == sum(amounts) // unit
        assert all(
            abs(part - amount / unit) < 1 for part, amount in zip(parts, amounts, strict=True)
        )


def test_nothing_shares_nothing() -> None:
    assert shares([], 1000) == []
    assert shares([999, 1], 1000) == [0, 1]


def test_clock() -> None:
    assert clock(40) == (0, 0, 40)
    assert clock(200) == (0, 3, 20)
    assert clock(3 * 3600 + 5) == (3, 0, 5)
    assert clock(-3) == (0, 0, 0)
