"""The demo's named trainees: one account per ID number, however many are seeded."""

import random

from learning.demo import people
from learning.demo.seed import _profile


def test_a_profile_never_takes_an_id_number_already_given() -> None:
    first = people.fake_id_number(random.Random(7))
    taken = {first}
    profile = _profile(random.Random(7), "张三", taken)
    assert profile.id_number != first
    assert taken == {first, profile.id_number}


def test_without_a_collision_the_numbers_are_the_ones_drawn() -> None:
    """The demo's rows stay those of its seed where no number was drawn twice."""
    drawn = people.fake_id_number(random.Random(7))
    assert _profile(random.Random(7), "张三", set()).id_number == drawn
