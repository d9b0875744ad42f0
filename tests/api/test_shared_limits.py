"""The player's rate limits counted in a shared store (Redis), and what happens without one."""

from __future__ import annotations

import pytest
from flask import Flask

from learning.api.limits import SharedLimits, TokenBuckets
from tests.conftest import make_test_app

LIMITS = ("beat_limits", "playback_open_limits", "face_answer_limits")


@pytest.fixture
def two_apps(database_url: str, redis_store: dict[str, str]) -> tuple[Flask, Flask]:
    settings = {**redis_store, "BEAT_BURST": 3, "BEATS_PER_S": 0.1}
    return make_test_app(database_url, **settings), make_test_app(database_url, **settings)


def test_two_app_instances_share_each_limit_in_the_store(two_apps) -> None:
    first, second = two_apps
    beats_first, beats_second = first.extensions["beat_limits"], second.extensions["beat_limits"]
    assert isinstance(beats_first, SharedLimits)
    assert [beats_first.take("p1"), beats_second.take("p1"), beats_first.take("p1")] == [None] * 3
    wait_s = beats_second.take("p1")
    assert wait_s is not None and 25 < wait_s <= 30  # the burst's window: 3 beats / 0.1 a second
    assert beats_first.take("p1") is not None
    assert beats_second.take("p2") is None  # keys are apart
    assert second.extensions["playback_open_limits"].take("p1") is None  # and limits are apart


def test_an_unreachable_store_lets_requests_through_and_says_so(database_url, caplog) -> None:
    app = make_test_app(
        database_url,
        RATE_LIMIT_STORAGE_URL="redis://127.0.0.1:9/0",  # the discard port: nothing listens
        BEAT_BURST=1,
    )
    beats = app.extensions["beat_limits"]
    assert [beats.take("p1") for _ in range(3)] == [None] * 3
    unreachable = [r for r in caplog.records if "store unreachable" in r.getMessage()]
    assert len(unreachable) == 1  # once per outage, not once per request


def test_without_a_store_the_limits_stay_in_this_process(database_url) -> None:
    app = make_test_app(database_url)
    assert app.config["RATE_LIMIT_STORAGE_URL"] == ""
    assert all(isinstance(app.extensions[name], TokenBuckets) for name in LIMITS)
