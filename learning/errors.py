"""Error answers: JSON under /api/, a friendly page elsewhere; never a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, Response, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from learning import session_expiry
from learning.extensions import login_manager

log = logging.getLogger(__name__)


def wants_json() -> bool:
    return request.path.startswith("/api/")


def json_error(status: int, error: str, message: str, **extra: object) -> Response:
    response = jsonify({"error": error, "message": message, **extra})
    response.status_code = status
    return response


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(SecurityError, _unknown_host)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)
    login_manager.unauthorized_handler(_unauthorized)


def _unauthorized() -> ResponseReturnValue:
    code, message = session_expiry.refusal()
    if wants_json():
        return json_error(401, code, message)
    flash(message if session_expiry.ended() else _("Please log in to open this page."), "info")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _csrf_error(error: CSRFError) -> Response | tuple[str, int]:
    if wants_json():
        return json_error(
            400, "csrf", _("The security token is missing or expired. Reload the page.")
        )
    message = _("The form had expired. Please try again.")
    return render_template(
        "errors/error.html", code=400, message=message, retry_url=request.path
    ), 400


def _unknown_host(error: SecurityError) -> Response:
    """A request naming a host this installation does not serve (`TRUSTED_HOSTS`): no page of
    ours can be built for it (links need a host), so a short plain answer that repeats nothing
    of what was sent."""
    return Response("400 Bad Request: unknown host\n", status=400, mimetype="text/plain")


def _http_error(error: HTTPException) -> Response | tuple[str, int]:
    code = error.code or 500
    name = (error.name or "error").lower().replace(" ", "_")
    if wants_json():
        # Werkzeug's own description is English only: a person reading it gets ours.
        own = error.description if error.description != type(error).description else None
        response = json_error(code, name, own or _page_message(code))
        if code == 405 and error.get_response().headers.get("Allow"):
            response.headers["Allow"] = error.get_response().headers["Allow"]
        return response
    return render_template("errors/error.html", code=code, message=_page_message(code)), code


def _unexpected_error(error: Exception) -> Response | tuple[str, int]:
    if isinstance(error, HTTPException):
        return _http_error(error)
    log.exception("unhandled error on %s %s", request.method, request.path)
    return _http_error(InternalServerError())


def _page_message(code: int) -> str:
    messages = {
        400: _("The request could not be understood."),
        403: _("You do not have access to this page."),
        404: _("This page does not exist, or it is not yours to see."),
        405: _("This address does not accept that kind of request."),
        413: _("What you sent is too large."),
        429: _("Too many requests. Please wait a moment and try again."),
    }
    return messages.get(code, _("Something went wrong on our side. Please try again later."))
