"""The rate limiter's cost per beat, in-process: `limits.take("beat_limits", key)` in a request
context, over 1,000 playbacks, best of 5.

Run from the repository root::

    .venv/bin/python -m bench.limiter                              # the buckets in memory
    .venv/bin/python -m bench.limiter redis://127.0.0.1:6379/0     # the shared Redis store

The bucket is large enough that no take is refused: this measures the bookkeeping.
"""

from __future__ import annotations

import sys
import timeit
import uuid

import redis

from learning import create_app
from learning.api import limits

PLAYBACKS = 1000


def main() -> None:
    store = sys.argv[1] if len(sys.argv) > 1 else ""
    prefix = f"bench-limiter-{uuid.uuid4().hex}"
    settings = {
        "SECRET_KEY": "bench",
        "DATABASE_URL": "sqlite://",
        "BEAT_BURST": 10**9,
        "BEATS_PER_S": 10**6,
        "RATE_LIMIT_STORAGE_URL": store,
        "RATE_LIMIT_KEY_PREFIX": prefix,
    }
    app = create_app(settings)
    keys = [f"playback-{number}" for number in range(PLAYBACKS)]
    rounds = 5 if store else 20

    def take_all() -> None:
        for key in keys:
            limits.take("beat_limits", key)

    with app.test_request_context("/"):
        best = min(timeit.repeat(take_all, number=rounds, repeat=5))
    kind = type(app.extensions["beat_limits"]).__name__
    print(f"{kind}: {best / rounds / PLAYBACKS * 1e6:.2f} us per take")
    if store:
        connection = redis.Redis.from_url(store)
        for key in connection.scan_iter(f"{prefix}:*"):
            connection.delete(key)


if __name__ == "__main__":
    main()
