"""Response headers that keep the pages to themselves: a content security policy with no
inline script, no framing by other sites, no MIME sniffing, no referrer sent elsewhere.

Flask-Talisman sets them on every response. TLS ends at the reverse proxy (README "Running in
production"), so Talisman does not redirect to HTTPS itself; the session cookie's flags stay
those of the configuration (secure in production). With `PROXY_HOPS` set, the client's address
and scheme are taken from that many proxies' X-Forwarded-For and X-Forwarded-Proto (the login
limits count per address; HSTS is sent over HTTPS only); without it those headers are ignored,
so a client cannot forge its address.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from flask_talisman import Talisman
from werkzeug.middleware.proxy_fix import ProxyFix

from learning.errors import json_error
from learning.models import Role

#: Scripts and styles come from this site only; the charts' data travels in
#: ``<script type="application/json">`` blocks, which are data, not code. Plotly styles its
#: elements through the style attribute, hence ``'unsafe-inline'`` for styles alone.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:"],
    "media-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

PERMISSIONS_POLICY = {"camera": "()", "microphone": "()", "geolocation": "()"}

#: Pages that take pictures with the camera (the trainee's reference face, the player's face
#: checks); the camera is allowed to this site there, and stays off everywhere else.
CAMERA_PAGES = {"auth.profile", "player.play"}
CAMERA_PERMISSIONS_POLICY = "camera=(self), microphone=(), geolocation=()"


def init_app(app: Flask) -> None:
    """One Talisman per application (it keeps its settings on itself, not on the app)."""
    app.before_request(_body_limit)  # before CSRF and NUL checks read a form
    app.before_request(_refuse_nul_characters)
    if app.config["PROXY_HOPS"]:
        trust_proxies(app, app.config["PROXY_HOPS"])
    app.after_request(_camera_pages)  # registered before Talisman's: it runs after it
    app.after_request(_not_stored)
    production = app.config["ENV"] == "production"
    app.extensions["talisman"] = Talisman(
        app,
        force_https=False,
        strict_transport_security=production,
        strict_transport_security_max_age=365 * 24 * 3600,
        content_security_policy=CONTENT_SECURITY_POLICY,
        frame_options="DENY",
        referrer_policy="same-origin",
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_http_only=True,
        session_cookie_samesite=app.config["SESSION_COOKIE_SAMESITE"],
        permissions_policy=PERMISSIONS_POLICY,
    )


def _camera_pages(response: Response) -> Response:
    if request.endpoint in CAMERA_PAGES:
        response.headers["Permissions-Policy"] = CAMERA_PERMISSIONS_POLICY
    return response


def trust_proxies(app: Flask, hops: int) -> None:
    """Take the client's address and scheme from the last `hops` proxies' headers."""
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]


def _not_stored(response: Response) -> Response:
    """Pages and API answers hold personal data and CSRF tokens: no browser or proxy keeps a
    copy (a shared computer's back button, a proxy's cache). Static files, the bundled chart
    library and the course videos say themselves how long they may be kept."""
    if request.endpoint != "static" and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-store"
    return response


#: Endpoints whose bodies may be larger than MAX_CONTENT_LENGTH, and the setting (MB) that
#: bounds them instead; a megabyte more for the form around the file.
LARGE_BODIES = {"api.add_video": "VIDEO_MAX_MB"}


def _body_limit() -> None:
    """Raise the body limit for the large-body endpoints, and only once the session is known
    to be an admin's: anyone else's body is refused (413) from its declared length, before a
    byte of it is read."""
    setting = LARGE_BODIES.get(request.endpoint or "")
    if setting is not None and current_user.is_authenticated and current_user.role == Role.ADMIN:
        request.max_content_length = (current_app.config[setting] + 1) * 1024 * 1024


FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}


def _refuse_nul_characters() -> ResponseReturnValue | None:
    """A NUL character in the address, the query or a form field is refused whole (400): no
    person types one, and PostgreSQL cannot store it in text (JSON bodies: `json_object`)."""
    texts = [request.path, *request.args.values()]
    if request.method not in {"GET", "HEAD", "OPTIONS"} and request.mimetype in FORM_TYPES:
        texts += request.form.values()
    if not any("\x00" in text for text in texts):
        return None
    message = _("Text may not contain the character NUL (0x00).")
    if request.path.startswith("/api/"):
        return json_error(400, "nul_character", message)
    return render_template("errors/error.html", code=400, message=message), 400
