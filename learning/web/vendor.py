"""Third-party browser code served by the app itself (no CDN): plotly.js from its package."""

from __future__ import annotations

from pathlib import Path

import plotly
from flask import Blueprint, Flask, abort, send_file
from flask.typing import ResponseReturnValue

blueprint = Blueprint("vendor", __name__)

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
YEAR_S = 365 * 24 * 3600


def init_app(app: Flask) -> None:
    app.jinja_env.globals["plotly_version"] = plotly.__version__


@blueprint.route("/vendor/plotly-<version>.min.js")
def plotly_js(version: str) -> ResponseReturnValue:
    """The version is in the address, so the file can be cached for a year."""
    if version != plotly.__version__:
        abort(404)
    response = send_file(PLOTLY_JS, mimetype="text/javascript", max_age=YEAR_S, conditional=True)
    response.headers["Cache-Control"] = f"public, max-age={YEAR_S}, immutable"
    return response
