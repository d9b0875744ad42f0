"""Hours are for display only: floored, except what is missing, which is rounded up."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from learning.domain.accounting import completed, hours_display, hours_missing
from tests.conftest import examples

STANDARD = 45
HOUR_S = 45 * 60


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (0, 0.0),
        (HOUR_S - 1, 0.9),
        (HOUR_S, 1.0),
        (80 * HOUR_S - 1, 79.9),
        (80 * HOUR_S, 80.0),
        (80 * HOUR_S + 269, 80.0),
        (80 * HOUR_S + 270, 80.1),
    ],
)
def test_hours_display_floors_to_one_decimal(seconds, shown):
    assert hours_display(seconds, STANDARD) == shown


def test_hours_display_with_sixty_minute_hours():
    assert hours_display(3600 * 12 + 359, 60) == 12.0
    assert hours_display(3600 * 12 + 360, 60) == 12.1


@pytest.mark.parametrize(
    ("missing", "shown"),
    [(-5, 0.0), (0, 0.0), (1, 0.1), (270, 0.1), (271, 0.2), (HOUR_S * 12 + 1, 12.1)],
)
def test_hours_missing_rounds_up(missing, shown):
    assert hours_missing(missing, STANDARD) == shown


def test_a_standard_hour_must_have_minutes():
    with pytest.raises(ValueError):
        hours_display(100, 0)
    with pytest.raises(ValueError):
        hours_missing(100, -45)


@pytest.mark.parametrize(
    ("covered", "duration", "done"),
    [(598, 600, True), (597, 600, False), (600, 600, True), (0, 2, True), (0, 3, False)],
)
def test_completed_allows_two_seconds(covered, duration, done):
    assert completed(covered, duration) is done


@settings(max_examples=examples(300), deadline=None)
@given(st.integers(0, 10**8), st.integers(0, 10**8), st.sampled_from([45, 60]))
def test_shown_plus_missing_never_overstates(have, need, minutes):
    """Shown hours never exceed the truth; shown missing hours never understate what is missing."""
    shown = hours_display(have, minutes)
    assert shown * 60 * minutes <= have + 1e-6
    missing = hours_missing(need - have, minutes)
    assert missing * 60 * minutes >= need - have - 1e-6
