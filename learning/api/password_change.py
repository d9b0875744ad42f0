"""A user who must change their password (a roster's initial one, an admin's reset) uses none
of the API until they have: the pages send them to the change form, the API answers 403
`password_change_required` with the form's address. Only the OpenAPI document stays open
(logging out is a page). The check takes the user as read once a request (identities); the
heartbeat makes it itself (`refuse_if_required`), from its own read."""

from __future__ import annotations

from flask import request, url_for
from flask_babel import gettext as _

from learning.api import api_blueprint
from learning.api.validation import ApiError
from learning.identities import Identity, checked_by_view, current_identity

OPEN_WHILE_PASSWORD_EXPIRED = {"api.openapi_document"}


@api_blueprint.before_request
def require_password_change() -> None:
    if request.endpoint in OPEN_WHILE_PASSWORD_EXPIRED or checked_by_view():
        return
    refuse_if_required(current_identity())


def refuse_if_required(identity: Identity | None) -> None:
    """403 `password_change_required` if the session's user must change their password."""
    if identity is not None and identity.must_change_password:
        raise ApiError(
            403,
            "password_change_required",
            _("Please change your password before going on."),
            change_url=url_for("auth.change_password"),
        )
