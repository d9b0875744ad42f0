"""One structured log line per request: JSON that log collectors read without parsing rules.

`{"event": "request", "method", "path", "status", "ms", "user", "request_id", "remote"}` on the
`learning.requests` logger. The request id comes from the proxy's `X-Request-ID` when it sends
one (so a line can be followed through the proxy's log too), else it is made here; either way
it is sent back in the response's `X-Request-ID`.
"""

from __future__ import annotations

import itertools
import json
import logging
import time
import uuid

from flask import Flask, Response, g, request

log = logging.getLogger("learning.requests")
HEADER = "X-Request-ID"


def init_app(app: Flask) -> None:
    if not app.config["REQUEST_LOG"]:
        return
    app.before_request(_start)
    app.after_request(_log)


_PROCESS = uuid.uuid4().hex[:16]  # request ids: this process's random part and a counter
_numbers = itertools.count(1)


def _start() -> None:
    g.request_started = time.perf_counter()
    incoming = request.headers.get(HEADER, "")
    if incoming and incoming.isprintable():
        g.request_id = incoming[:64]
    else:
        g.request_id = f"{_PROCESS}{next(_numbers):016x}"


def _log(response: Response) -> Response:
    started = g.get("request_started")
    if started is None:
        return response
    response.headers[HEADER] = g.request_id
    if log.isEnabledFor(logging.INFO):
        log.info(
            json.dumps(
                {
                    "event": "request",
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "ms": round((time.perf_counter() - started) * 1000, 1),
                    "user": _user_id(),
                    "request_id": g.request_id,
                    "remote": request.remote_addr,
                },
                ensure_ascii=False,
            )
        )
    return response


def _user_id() -> str | None:
    """Whoever the request turned out to be, if it looked (no session or database read here)."""
    identified = g.get("user_id")  # the heartbeat path's trainee
    if identified is not None:
        return str(identified)
    user = g.get("_login_user")  # Flask-Login's, once a view asked for current_user
    return user.get_id() if user is not None and user.is_authenticated else None
