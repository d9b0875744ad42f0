"""The JSON API under /api/v1 (shared/api.md)."""

from __future__ import annotations

from flask import Blueprint, Flask

api_blueprint = Blueprint("api", __name__, url_prefix="/api/v1")

# The modules add their routes to the blueprint when imported.
from learning.api import (  # noqa: E402
    admin,
    classes,
    exams,
    limits,
    me,
    mock_exams,
    openapi,
    password_change,
    records,
    reference,
    study,
    trainees,
    validation,
    videos,
)


def init_app(app: Flask) -> None:
    app.register_blueprint(api_blueprint)
    validation.init_app(app)
    limits.init_app(app)
    reference.init_app(app)


__all__ = [
    "admin",
    "api_blueprint",
    "classes",
    "exams",
    "init_app",
    "me",
    "mock_exams",
    "openapi",
    "password_change",
    "records",
    "study",
    "trainees",
    "videos",
]
