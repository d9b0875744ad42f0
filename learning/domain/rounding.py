"""Figures shown side by side that add up: round once, after summing (issue 18).

Flooring each part on its own loses up to a unit per part, so ten days of 0.15 standard hours
showed 0.1 each beside a total of 1.5. Here part i shows floor(S_i / unit) - floor(S_(i-1) /
unit), where S_i is the running sum up to part i: the parts add up to floor(total / unit),
exactly the total shown, and each part is within one unit of its own value.
"""

from __future__ import annotations

from itertools import accumulate, pairwise


def shares(amounts: list[int], unit: int) -> list[int]:
    """Each amount in whole `unit`s, so that the parts add up to floor(sum / unit)."""
    floors = [running // unit for running in accumulate(amounts, initial=0)]
    return [after - before for before, after in pairwise(floors)]


def clock(seconds: int) -> tuple[int, int, int]:
    """Seconds as (hours, minutes, seconds)."""
    hours, rest = divmod(max(0, seconds), 3600)
    return (hours, *divmod(rest, 60))
