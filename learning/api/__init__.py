"""The JSON API under /api/v1 (shared/api.md)."""

from __future__ import annotations

from flask import Blueprint

api_blueprint = Blueprint("api", __name__, url_prefix="/api/v1")

from learning.api import me  # noqa: E402  (routes register themselves on the blueprint)

__all__ = ["api_blueprint", "me"]
