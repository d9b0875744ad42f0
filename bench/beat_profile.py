"""Server CPU of one heartbeat against one authenticated no-op, in-process, with no network.

Run from the repository root::

    .venv/bin/python -m bench.beat_profile                    # SQLite in a temporary folder
    .venv/bin/python -m bench.beat_profile --database postgresql+psycopg://postgres@127.0.0.1/b
    .venv/bin/python -m bench.beat_profile --profile 25       # and cProfile's top 25 of each

The app is built as `bench/heartbeats.py` serves it (the JSON request log on, written to
/dev/null as gunicorn's handler would write it to its stream), `--viewers` trainees log in and
open a playback each. Then the WSGI application is called directly with prepared requests:
the authenticated no-op and heartbeats, `--requests` of each, in alternating rounds so that
both see the same machine. It prints the CPU time per request (median of the rounds) and the
ratio of a beat's to the no-op's: what the beat path adds to the stack, without gunicorn's
connection handling or the client, which bench/heartbeats.py measures. On PostgreSQL the
database server's own CPU is not counted here.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import logging
import os
import pstats
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.test import EnvironBuilder

from bench.heartbeats import FAST_HASH, PASSWORD, Viewer, next_beat, prepare
from learning import create_app

ROUNDS = 5


def bench_app(url: str, folder: Path) -> Flask:
    """The app with the served settings of bench/heartbeats.py and its request log on."""
    app = create_app(
        {
            "SECRET_KEY": "bench-profile-" + "x" * 32,
            "DATABASE_URL": url,
            "UPLOAD_FOLDER": str(folder / "uploads"),
            "PASSWORD_HASH_METHOD": FAST_HASH,
            "SESSION_COOKIE_SECURE": True,
            "BENCH_ENDPOINTS": True,
            "BEAT_BURST": 1_000_000,
            "BEATS_PER_S": 1_000_000,
        }
    )
    log = logging.getLogger("learning.requests")
    log.handlers = [logging.StreamHandler(open(os.devnull, "w"))]  # noqa: SIM115
    log.setLevel(logging.INFO)
    log.propagate = False
    return app


def log_in(app: Flask, viewer: Viewer, video_id: int) -> None:
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert token, "no CSRF token on the login page"
    form = {"username": viewer.username, "password": PASSWORD, "csrf_token": token.group(1)}
    assert client.post("/login", data=form).status_code in (302, 303)
    page = client.get("/").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert token, "no CSRF token on the home page"
    viewer.token = token.group(1)
    cookie = client.get_cookie("session")
    assert cookie is not None
    viewer.cookie = f"session={cookie.value}"
    opened = client.post(
        "/api/v1/playbacks",
        json={"enrolment_id": viewer.enrolment_id, "video_id": video_id},
        headers={"X-CSRFToken": viewer.token},
    )
    assert opened.status_code == 201, opened.get_data(as_text=True)
    viewer.playback_id = opened.get_json()["playback_id"]


def environ(path: str, viewer: Viewer, body: dict[str, Any]) -> dict[str, Any]:
    builder = EnvironBuilder(
        path=path,
        method="POST",
        data=json.dumps(body),
        content_type="application/json",
        headers={"Cookie": viewer.cookie, "X-CSRFToken": viewer.token},
    )
    return builder.get_environ()


def auth_requests(viewers: list[Viewer], count: int) -> list[dict[str, Any]]:
    return [environ("/api/v1/bench/auth", viewers[i % len(viewers)], {}) for i in range(count)]


def beat_requests(viewers: list[Viewer], count: int) -> list[dict[str, Any]]:
    """Beats in turn across the viewers, each at the position real time has reached (as the
    load bench sends them), prepared before the clock starts."""
    prepared = []
    for i in range(count):
        viewer = viewers[i % len(viewers)]
        path = f"/api/v1/playbacks/{viewer.playback_id}/heartbeats"
        prepared.append(environ(path, viewer, next_beat(viewer)))
    return prepared


def call_all(app: Flask, requests: list[dict[str, Any]]) -> float:
    """CPU seconds per request to answer them all; any answer but 200 stops the bench."""
    statuses: list[str] = []

    def start_response(status: str, _headers: Any, _exc_info: Any = None) -> Callable:
        statuses.append(status)
        return lambda _data: None

    started = time.process_time()
    for request in requests:
        answer = app(request, start_response)
        for _chunk in answer:
            pass
        getattr(answer, "close", lambda: None)()
    spent = time.process_time() - started
    refused = [status for status in statuses if not status.startswith("200")]
    assert not refused, f"answers other than 200: {refused[:5]}"
    return spent / len(requests)


def profile(app: Flask, requests: list[dict[str, Any]], top: int, title: str) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    call_all(app, requests)
    profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(top)
    print(f"\n--- cProfile, {len(requests)} x {title}, by cumulative time ---")
    print(text.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", help="an empty database's URL; SQLite in a temp folder")
    parser.add_argument("--viewers", type=int, default=50)
    parser.add_argument("--requests", type=int, default=1000, help="of each kind per round")
    parser.add_argument("--profile", type=int, default=0, help="print cProfile's top N")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        url = arguments.database or f"sqlite:///{folder / 'bench.sqlite'}"
        viewers, video_id = prepare(url, folder, arguments.viewers)
        app = bench_app(url, folder)
        for viewer in viewers:
            log_in(app, viewer, video_id)
        call_all(app, auth_requests(viewers, 200))  # warm-up: caches, connections, imports
        call_all(app, beat_requests(viewers, 200))
        auth_us, beat_us = [], []
        for _round in range(ROUNDS):
            auth_us.append(call_all(app, auth_requests(viewers, arguments.requests)) * 1e6)
            beat_us.append(call_all(app, beat_requests(viewers, arguments.requests)) * 1e6)
        auth, beat = statistics.median(auth_us), statistics.median(beat_us)
        print(f"{ROUNDS} rounds of {arguments.requests} requests each, CPU per request (median)")
        print(f"authenticated no-op: {auth:7.0f} us   (rounds: {_spread(auth_us)})")
        print(f"heartbeat:           {beat:7.0f} us   (rounds: {_spread(beat_us)})")
        print(f"heartbeat / authenticated no-op: {beat / auth:.2f}")
        if arguments.profile:
            profile(app, auth_requests(viewers, 500), arguments.profile, "authenticated no-op")
            profile(app, beat_requests(viewers, 500), arguments.profile, "heartbeat")


def _spread(values: list[float]) -> str:
    return ", ".join(f"{value:.0f}" for value in values)


if __name__ == "__main__":
    main()
