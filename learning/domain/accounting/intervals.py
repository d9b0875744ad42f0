"""An exact set of half-open integer intervals ``[start, end)`` of media milliseconds.

Coverage of a video is kept as such a set. Storing milliseconds as integers (never floats) is what
lets a rebuild from raw beats reproduce the stored totals bit for bit.

The set is kept as one flat, strictly increasing list ``[s0, e0, s1, e1, ...]``: intervals are
sorted, disjoint and never touching (touching ones are merged). With that layout a point lies inside
the set exactly when ``bisect_right`` returns an odd index, so every lookup is a binary search.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from typing import TypeGuard


class IntervalSet:
    """Sorted, merged, half-open integer intervals with their total length (``measure``).

    The set is mutable (``add``) so that building one is cheap; code that must not change a set
    it was given uses ``with_added``, which copies on write.
    """

    __slots__ = ("_bounds", "_measure")

    def __init__(self, pairs: Iterable[tuple[int, int]] = ()) -> None:
        self._bounds: list[int] = []
        self._measure = 0
        for start, end in pairs:
            self.add(start, end)

    @classmethod
    def from_list(cls, pairs: Iterable[Sequence[object]]) -> IntervalSet:
        """Build a set from stored ``[[start, end], ...]``; any order or overlap is accepted.

        Raises ValueError for anything that is not a pair of non-negative integers with
        ``start <= end``, so that a corrupted stored value is noticed instead of silently credited.
        """
        result = cls()
        for pair in pairs:
            if len(pair) != 2:
                raise ValueError(f"not a [start, end] pair: {pair!r}")
            start, end = pair
            if not (_is_int(start) and _is_int(end)) or not 0 <= start <= end:
                raise ValueError(f"not a valid [start, end] pair: {pair!r}")
            result.add(start, end)
        return result

    def to_list(self) -> list[list[int]]:
        """The compact JSON-able form ``[[start, end], ...]``, sorted and merged."""
        bounds = self._bounds
        return [[bounds[i], bounds[i + 1]] for i in range(0, len(bounds), 2)]

    def copy(self) -> IntervalSet:
        result = IntervalSet()
        result._bounds = self._bounds.copy()
        result._measure = self._measure
        return result

    @property
    def measure(self) -> int:
        """Total length of the set in milliseconds."""
        return self._measure

    def add(self, start: int, end: int) -> int:
        """Add ``[start, end)`` in place and return how many milliseconds were new."""
        if start >= end:
            return 0
        bounds = self._bounds
        # Every bound inside [start, end] disappears; a start (end) falling outside any interval,
        # or on the end (start) of a neighbour, decides whether a new bound is kept.
        left = bisect_left(bounds, start)
        right = bisect_right(bounds, end)
        added = sum(gap_end - gap_start for gap_start, gap_end in self.subtract(start, end))
        replacement = []
        if left % 2 == 0:
            replacement.append(start)
        if right % 2 == 0:
            replacement.append(end)
        bounds[left:right] = replacement
        self._measure += added
        return added

    def with_added(self, pairs: Iterable[tuple[int, int]]) -> IntervalSet:
        """This set if ``pairs`` is empty, else a copy with them added: ``self`` never changes."""
        pairs = tuple(pairs)
        if not pairs:
            return self
        result = self.copy()
        for start, end in pairs:
            result.add(start, end)
        return result

    def contains(self, point: int) -> bool:
        """True when millisecond ``point`` is covered."""
        return bisect_right(self._bounds, point) % 2 == 1

    def subtract(self, start: int, end: int) -> list[tuple[int, int]]:
        """The parts of ``[start, end)`` not in the set, in increasing order."""
        gaps: list[tuple[int, int]] = []
        if start >= end:
            return gaps
        bounds = self._bounds
        index = bisect_right(bounds, start)
        cursor = start
        if index % 2 == 1:
            cursor = bounds[index]
            index += 1
        while index < len(bounds) and bounds[index] < end and cursor < end:
            if bounds[index] > cursor:
                gaps.append((cursor, bounds[index]))
            cursor = bounds[index + 1]
            index += 2
        if cursor < end:
            gaps.append((cursor, end))
        return gaps

    def first_gap_from(self, start: int = 0) -> int:
        """The first millisecond at or after ``start`` that is not covered."""
        index = bisect_right(self._bounds, start)
        return self._bounds[index] if index % 2 == 1 else start

    def __iter__(self) -> Iterator[tuple[int, int]]:
        bounds = self._bounds
        return ((bounds[i], bounds[i + 1]) for i in range(0, len(bounds), 2))

    def __len__(self) -> int:
        return len(self._bounds) // 2

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, IntervalSet):
            return NotImplemented
        return self._bounds == other._bounds

    __hash__ = None  # type: ignore[assignment]  # mutable, so not hashable

    def __repr__(self) -> str:
        return f"IntervalSet({self.to_list()!r})"


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)
