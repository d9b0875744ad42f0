"""The study-hour tracker for carbon emission manager (碳排放管理员) certification training."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from learning.config import PROJECT_ROOT, load_settings


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application: settings, extensions, blueprints and CLI commands."""
    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.from_mapping(load_settings(Path(app.instance_path), config))

    from learning import (
        api,
        cli,
        extensions,
        private_files,
        request_log,
        security,
        session_expiry,
        signatures,
        web,
    )
    from learning.routing import IdConverter

    private_files.keep_private(app)
    app.url_map.converters["int"] = IdConverter
    request_log.init_app(app)  # first: every request is logged, even one refused at once
    security.init_app(app)  # then a request's body limit, before CSRF or anything reads a form
    extensions.init_app(app)
    signatures.init_app(app)
    session_expiry.init_app(app)  # before the blueprints' hooks ask who the user is
    web.register_blueprints(app)
    api.init_app(app)
    cli.init_app(app)
    return app
