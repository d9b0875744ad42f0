"""Pages anyone may open: health for monitors."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from learning.db import get_session
from learning.extensions import get_clock
from learning.jobs import lease

blueprint = Blueprint("public", __name__)


@blueprint.route("/healthz")
def healthz() -> ResponseReturnValue:
    """Database reachable and scheduler alive; 200 only when both are (shared/api.md)."""
    scheduler = "absent"
    try:
        session = get_session()
        session.execute(text("SELECT 1"))
        database = "ok"
        scheduler = lease.status(session, now=get_clock().now())
    except SQLAlchemyError:
        database = "down"
    healthy = database == "ok" and scheduler == "ok"
    body = {"status": "ok" if healthy else "degraded", "database": database, "scheduler": scheduler}
    return jsonify(body), 200 if healthy else 503
