"""The interval set coverage is kept in: exact, sorted, merged, half-open integer milliseconds."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from learning.domain.accounting import IntervalSet
from tests.conftest import examples


def test_empty_set_measures_nothing_and_starts_uncovered():
    empty = IntervalSet()
    assert empty.measure == 0
    assert len(empty) == 0
    assert empty.to_list() == []
    assert empty.first_gap_from(0) == 0
    assert not empty.contains(0)


def test_add_returns_only_the_new_milliseconds():
    coverage = IntervalSet()
    assert coverage.add(0, 1000) == 1000
    assert coverage.add(500, 1500) == 500
    assert coverage.add(200, 800) == 0
    assert coverage.to_list() == [[0, 1500]]
    assert coverage.measure == 1500


def test_touching_intervals_merge_and_disjoint_ones_stay_sorted():
    coverage = IntervalSet()
    coverage.add(3000, 4000)
    coverage.add(0, 1000)
    coverage.add(1000, 2000)
    assert coverage.to_list() == [[0, 2000], [3000, 4000]]
    coverage.add(2000, 3000)
    assert coverage.to_list() == [[0, 4000]]


def test_add_bridging_several_intervals_counts_only_the_gaps():
    coverage = IntervalSet([(0, 10), (20, 30), (40, 50)])
    assert coverage.add(5, 45) == 20
    assert coverage.to_list() == [[0, 50]]
    assert coverage.measure == 50


def test_empty_or_reversed_interval_adds_nothing():
    coverage = IntervalSet([(10, 20)])
    assert coverage.add(15, 15) == 0
    assert coverage.add(30, 25) == 0
    assert coverage.to_list() == [[10, 20]]


def test_contains_is_half_open():
    coverage = IntervalSet([(10, 20)])
    assert not coverage.contains(9)
    assert coverage.contains(10)
    assert coverage.contains(19)
    assert not coverage.contains(20)


def test_subtract_returns_uncovered_parts_in_order():
    coverage = IntervalSet([(10, 20), (30, 40)])
    assert coverage.subtract(0, 50) == [(0, 10), (20, 30), (40, 50)]
    assert coverage.subtract(15, 35) == [(20, 30)]
    assert coverage.subtract(12, 18) == []
    assert coverage.subtract(20, 30) == [(20, 30)]
    assert coverage.subtract(25, 25) == []
    assert coverage.subtract(45, 60) == [(45, 60)]


def test_first_gap_from_skips_the_covered_run():
    coverage = IntervalSet([(0, 5000), (6000, 7000)])
    assert coverage.first_gap_from(0) == 5000
    assert coverage.first_gap_from(5500) == 5500
    assert coverage.first_gap_from(6000) == 7000
    assert IntervalSet([(100, 200)]).first_gap_from(0) == 0


def test_json_round_trip_is_compact_and_exact():
    coverage = IntervalSet([(0, 1500), (90_000, 120_250)])
    stored = json.dumps(coverage.to_list())
    assert stored == "[[0, 1500], [90000, 120250]]"
    assert IntervalSet.from_list(json.loads(stored)) == coverage


def test_from_list_normalises_order_and_overlap():
    assert IntervalSet.from_list([[50, 60], [0, 10], [5, 20], [20, 20]]).to_list() == [
        [0, 20],
        [50, 60],
    ]


@pytest.mark.parametrize(
    "bad",
    [[[10, 5]], [[-1, 5]], [[0, 1.5]], [[0]], [[0, 1, 2]], [[True, 5]], [["0", "5"]]],
)
def test_from_list_refuses_corrupted_pairs(bad):
    with pytest.raises(ValueError):
        IntervalSet.from_list(bad)


def test_with_added_copies_on_write():
    original = IntervalSet([(0, 10)])
    assert original.with_added([]) is original
    grown = original.with_added([(10, 20)])
    assert grown.to_list() == [[0, 20]]
    assert original.to_list() == [[0, 10]]
    assert original.measure == 10


def test_copy_is_independent_and_sets_are_not_hashable():
    original = IntervalSet([(0, 10)])
    duplicate = original.copy()
    duplicate.add(10, 20)
    assert original != duplicate
    assert original == IntervalSet([(0, 10)])
    with pytest.raises(TypeError):
        hash(original)


pairs = st.lists(
    st.tuples(st.integers(0, 300), st.integers(0, 300)).map(sorted).map(tuple), max_size=25
)


@settings(max_examples=examples(300), deadline=None)
@given(pairs, st.integers(0, 300), st.integers(0, 300))
def test_matches_a_set_of_points(intervals, start, end):
    """Against the naive model (a Python set of every covered millisecond)."""
    coverage = IntervalSet()
    points: set[int] = set()
    for low, high in intervals:
        added = coverage.add(low, high)
        assert added == len(set(range(low, high)) - points)
        points |= set(range(low, high))
    assert coverage.measure == len(points)
    assert all(coverage.contains(point) == (point in points) for point in range(0, 302))
    gaps = coverage.subtract(start, end)
    assert [ms for low, high in gaps for ms in range(low, high)] == [
        ms for ms in range(start, end) if ms not in points
    ]
    assert all(high > low for low, high in gaps)
    assert all(gaps[i][1] < gaps[i + 1][0] for i in range(len(gaps) - 1))
    first = coverage.first_gap_from(start)
    assert first not in points
    assert all(ms in points for ms in range(start, first))
    flat = [bound for pair in coverage.to_list() for bound in pair]
    assert flat == sorted(set(flat))
    assert IntervalSet.from_list(coverage.to_list()) == coverage
