"""Reference endpoints for the load benchmarks, only when `BENCH_ENDPOINTS` is on.

`POST /api/v1/bench/noop` does nothing: the ceiling of this stack on this machine.
`POST /api/v1/bench/auth` does what an authenticated request of the app does and nothing else:
the session cookie, the logged-in user read from the database and checked (as every request
but the heartbeat reads them before its view; the heartbeat reads them in its own transaction),
the CSRF header. Measured in the same run as the heartbeats, they tell what the beat path
itself costs (bench/heartbeats.py).
"""

from __future__ import annotations

from flask import Blueprint, Flask, request
from flask.typing import ResponseReturnValue

from learning.api.study import trainee_id
from learning.api.validation import check_csrf
from learning.db import writes_itself
from learning.extensions import csrf

blueprint = Blueprint("bench", __name__, url_prefix="/api/v1/bench")


@blueprint.post("/noop")
@csrf.exempt
def noop() -> ResponseReturnValue:
    return {"ok": True}


@blueprint.post("/auth")
@csrf.exempt
@writes_itself  # as the heartbeat: what it reads, it reads as a reader
def authenticated_noop() -> ResponseReturnValue:
    trainee_id()
    check_csrf(request.headers.get("X-CSRFToken"))
    return {"ok": True}


def init_app(app: Flask) -> None:
    if app.config["BENCH_ENDPOINTS"]:
        app.register_blueprint(blueprint)
