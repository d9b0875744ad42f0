"""Third-party browser code served by the app itself (no CDN): plotly.js from its package.

plotly.min.js is 4.8 MB, 1.4 MB gzipped: on a slow mobile link that is the difference between
charts after 25 s and after 8 s. It is compressed once per process, at its first request, and
kept in memory; every later request sends the same bytes. gzip only, from the standard library
(Brotli would save a further fifth but needs a compiled package).
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import plotly
from flask import Blueprint, Flask, Response, abort, request
from flask.typing import ResponseReturnValue

blueprint = Blueprint("vendor", __name__)

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
YEAR_S = 365 * 24 * 3600
_lock = threading.Lock()


@dataclass(frozen=True)
class Encoded:
    """The file in one content coding, with the ETag of that representation."""

    body: bytes
    etag: str
    coding: str | None  # None: as it is


def init_app(app: Flask) -> None:
    app.jinja_env.globals["plotly_version"] = plotly.__version__


@blueprint.route("/vendor/plotly-<version>.min.js")
def plotly_js(version: str) -> ResponseReturnValue:
    """The version is in the address, so the file can be cached for a year."""
    if version != plotly.__version__:
        abort(404)
    plain, gzipped = _plotly_files()
    chosen = gzipped if request.accept_encodings["gzip"] > 0 else plain
    response = Response(chosen.body, mimetype="text/javascript")
    if chosen.coding:
        response.headers["Content-Encoding"] = chosen.coding
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["Cache-Control"] = f"public, max-age={YEAR_S}, immutable"
    response.set_etag(chosen.etag)
    return response.make_conditional(request)


def _plotly_files() -> tuple[Encoded, Encoded]:
    with _lock:  # the first requests of a fresh process arrive together: compress only once
        return _prepared(PLOTLY_JS)


@cache
def _prepared(path: Path) -> tuple[Encoded, Encoded]:
    """The file as it is and gzipped (mtime 0, so every process makes the same bytes)."""
    body = path.read_bytes()
    digest = hashlib.sha256(body).hexdigest()[:20]
    gzipped = gzip.compress(body, compresslevel=9, mtime=0)
    return Encoded(body, digest, None), Encoded(gzipped, f"{digest}-gzip", "gzip")
