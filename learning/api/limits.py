"""Rate limits on the player's requests: beats per playback, playbacks opened per trainee.

Token buckets in this process's memory: a bucket holds `burst` tokens and refills at `rate` a
second; a request takes one or is answered 429 with `Retry-After`. They sit on the hot path,
so they cost a dictionary lookup and a lock rather than a database round trip (a library such
as Flask-Limiter keeps counters in an external store such as Redis, which we do not require).
The price: with N worker processes a client may get up to N times the rate. That bounds the
load one client can put on the server; what a beat can earn is bounded by the accounting rules
themselves, whatever the rate. The player keeps a refused beat and sends it again, so an honest
player loses nothing even if it hit a limit, and the limits sit far above what it sends (a beat
every 15 s, a few more when the viewer pauses or seeks).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app
from flask_babel import gettext as _

from learning.api.validation import ApiError


@dataclass
class _Bucket:
    tokens: float
    at: float


class TokenBuckets:
    """One bucket per key; idle full buckets are dropped now and then to bound memory."""

    def __init__(
        self, burst: int, rate_per_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.burst = burst
        self.rate_per_s = rate_per_s
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()
        self._next_sweep = clock() + self._full_after_s

    @property
    def _full_after_s(self) -> float:
        return self.burst / self.rate_per_s

    def take(self, key: str) -> float | None:
        """Take a token for `key`: None if there was one, else the seconds until there is."""
        now = self._clock()
        with self._lock:
            if now >= self._next_sweep:
                self._sweep(now)
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(float(self.burst), now)
            elapsed = max(0.0, now - bucket.at)  # a wall clock set back refills nothing
            bucket.tokens = min(self.burst, bucket.tokens + elapsed * self.rate_per_s)
            bucket.at = now
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return None
            return (1 - bucket.tokens) / self.rate_per_s

    def _sweep(self, now: float) -> None:
        idle_since = now - self._full_after_s  # an untouched bucket is full again by now
        self._buckets = {k: b for k, b in self._buckets.items() if b.at > idle_since}
        self._next_sweep = now + self._full_after_s


def init_app(app: Flask) -> None:
    """The app's buckets, on the app's clock (a test's fake clock moves them too)."""
    config = app.config

    def seconds() -> float:
        return app.extensions["clock"].now().timestamp()

    app.extensions["beat_limits"] = TokenBuckets(
        config["BEAT_BURST"], config["BEATS_PER_S"], seconds
    )
    app.extensions["playback_open_limits"] = TokenBuckets(
        config["PLAYBACK_OPEN_BURST"], config["PLAYBACK_OPENS_PER_MINUTE"] / 60, seconds
    )
    app.extensions["face_answer_limits"] = TokenBuckets(
        config["FACE_ANSWER_BURST"], config["FACE_ANSWERS_PER_MINUTE"] / 60, seconds
    )


def take(limits: str, key: str) -> None:
    """Take a token from the app's `limits` for `key`, or answer 429 with Retry-After."""
    wait_s = current_app.extensions[limits].take(key)
    if wait_s is not None:
        raise ApiError(
            429,
            "rate_limited",
            _("Too many requests at once. The player sends this again by itself."),
            retry_after_s=max(1, math.ceil(wait_s)),
        )
