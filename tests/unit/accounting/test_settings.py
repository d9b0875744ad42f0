"""Accounting settings: defaults, validation, fractional minutes, snapshots."""

from __future__ import annotations

import math

import pytest

from learning.domain.accounting import AccountingSettings


def test_fractional_minutes_shorten_checks_to_seconds() -> None:
    settings = AccountingSettings(
        attention_min_minutes=0.25, attention_max_minutes=0.5, attention_timeout_minutes=0.1
    )
    assert (settings.attention_min_ms, settings.attention_max_ms) == (15_000, 30_000)
    assert settings.attention_timeout_ms == 6_000
    assert AccountingSettings.from_dict(settings.to_dict()) == settings


@pytest.mark.parametrize("bad", [0, -1, math.nan, math.inf, True, "10"])
def test_minutes_must_be_positive_finite_numbers(bad: object) -> None:
    with pytest.raises(ValueError, match="attention_min_minutes"):
        AccountingSettings(attention_min_minutes=bad, attention_max_minutes=20)  # type: ignore[arg-type]


def test_playing_faster_is_never_allowed_to_pay() -> None:
    with pytest.raises(ValueError, match=r"at most 1\.0"):
        AccountingSettings(max_rate=1.5)
