"""One structured log line per request: JSON that log collectors read without parsing rules.

`{"event": "request", "method", "path", "status", "ms", "user", "request_id", "remote"}` on the
`learning.requests` logger. The request id comes from the proxy's `X-Request-ID` when it sends
one (so a line can be followed through the proxy's log too), else it is made here; either way
it is sent back in the response's `X-Request-ID`.
"""

from __future__ import annotations

import json
import logging
import time
import uuid

from flask import Flask, Response, g, request, session

log = logging.getLogger("learning.requests")
HEADER = "X-Request-ID"


def init_app(app: Flask) -> None:
    if not app.config["REQUEST_LOG"]:
        return
    app.before_request(_start)
    app.after_request(_log)


def _start() -> None:
    g.request_started = time.perf_counter()
    incoming = request.headers.get(HEADER, "")
    g.request_id = incoming[:64] if incoming.isprintable() and incoming else uuid.uuid4().hex


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
                    "user": session.get("_user_id"),  # as the session claims: no database read
                    "request_id": g.request_id,
                    "remote": request.remote_addr,
                },
                ensure_ascii=False,
            )
        )
    return response
