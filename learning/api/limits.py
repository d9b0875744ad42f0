"""Rate limits on the player's requests: beats per playback, playbacks opened per trainee,
face-check answers per trainee.

By default, token buckets in this process's memory: a bucket holds `burst` tokens and refills at
`rate` a second; a request takes one or is answered 429 with `Retry-After`. They sit on the hot
path, so they cost a dictionary lookup and a lock rather than a round trip. The price: with N
worker processes (or hosts) a client may get up to N times the rate. That bounds the load one
client can put on the server; what a beat can earn is bounded by the accounting rules
themselves, whatever the rate.

With `RATE_LIMIT_STORAGE_URL` naming a Redis server, the same limits are counted there, once for
every process and host that names it, by the `limits` library (which Flask-Limiter builds on):
a moving window of `burst` requests per `burst / rate` seconds, the same burst and the same
sustained rate as the bucket (after a full burst the window gives requests back as the oldest
leave it, where the bucket gives one back every 1 / rate seconds). If the store cannot be
reached, requests are let through and the outage is logged: a rate limit must not turn a Redis
restart into refused beats.

The player keeps a refused beat and sends it again, so an honest player loses nothing even if it
hit a limit, and the limits sit far above what it sends (a beat every 15 s, a few more when the
viewer pauses or seeks).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from flask import Flask, current_app
from flask_babel import gettext as _
from limits import RateLimitItemPerSecond
from limits.errors import StorageError
from limits.storage import RedisStorage
from limits.strategies import MovingWindowRateLimiter

from learning.api.validation import ApiError

log = logging.getLogger(__name__)
STORE_TIMEOUT_S = 0.5  # a store slower than this counts as down: the request goes through


class Limits(Protocol):
    """What a view asks of a limit."""

    def take(self, key: str) -> float | None:
        """Take one request for `key`: None if allowed, else the seconds until one would be."""


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


class SharedLimits:
    """One limit counted in a shared store (Redis) through the `limits` library's moving window,
    so that every process and host naming the store shares it."""

    def __init__(self, storage: RedisStorage, name: str, burst: int, rate_per_s: float) -> None:
        self.name = name
        self._item = RateLimitItemPerSecond(burst, max(1, math.ceil(burst / rate_per_s)))
        self._limiter = MovingWindowRateLimiter(storage)
        self._store_down = False

    def take(self, key: str) -> float | None:
        try:
            if self._limiter.hit(self._item, self.name, key):
                allowed = True
            else:
                reset_at, _remaining = self._limiter.get_window_stats(self._item, self.name, key)
                allowed = False
        except StorageError as error:
            if not self._store_down:
                log.warning("rate limit store unreachable, %s not limited: %s", self.name, error)
            self._store_down = True
            return None
        if self._store_down:
            log.warning("rate limit store reachable again, %s limited", self.name)
            self._store_down = False
        return None if allowed else max(0.0, reset_at - time.time())


def init_app(app: Flask) -> None:
    """The app's limits: in the shared store when one is configured, else buckets in memory on
    the app's clock (a test's fake clock moves them too)."""
    config = app.config
    settings = {
        "beat_limits": (config["BEAT_BURST"], config["BEATS_PER_S"]),
        "playback_open_limits": (
            config["PLAYBACK_OPEN_BURST"],
            config["PLAYBACK_OPENS_PER_MINUTE"] / 60,
        ),
        "face_answer_limits": (config["FACE_ANSWER_BURST"], config["FACE_ANSWERS_PER_MINUTE"] / 60),
    }
    if config["RATE_LIMIT_STORAGE_URL"]:
        storage = RedisStorage(
            config["RATE_LIMIT_STORAGE_URL"],
            key_prefix=config["RATE_LIMIT_KEY_PREFIX"],
            wrap_exceptions=True,
            socket_timeout=STORE_TIMEOUT_S,
            socket_connect_timeout=STORE_TIMEOUT_S,
        )
        for name, (burst, rate) in settings.items():
            app.extensions[name] = SharedLimits(storage, name, burst, rate)
        return

    def seconds() -> float:
        return app.extensions["clock"].now().timestamp()

    for name, (burst, rate) in settings.items():
        app.extensions[name] = TokenBuckets(burst, rate, seconds)


def take(limits: str, key: str) -> None:
    """Take a token from the app's `limits` for `key`, or answer 429 with Retry-After."""
    counted: Limits = current_app.extensions[limits]
    wait_s = counted.take(key)
    if wait_s is not None:
        raise ApiError(
            429,
            "rate_limited",
            _("Too many requests at once. The player sends this again by itself."),
            retry_after_s=max(1, math.ceil(wait_s)),
        )
