"""Who sent a request, and whether their session still stands: the facts of the user that
decide it (active, the auth version the session was signed with, the role, a password to
change first), read from the database on every request, never kept between requests.

Every request but the heartbeat reads them with the ORM, once a request (the same row
Flask-Login loads, from the session's identity map). The heartbeat reads them in its own
transaction's first read, joined to the trainee's state and playback (`services.beats`), so it
costs no statement of its own: its view is marked `checked_in_own_read`, the hooks that ask
who the user is (session_expiry, the API's password-change check) leave it to the view, and
the view takes only what the cookie says before its body is read. So a deactivation or a new
password, made in any process or in the database directly, holds from the next request on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import current_app, g, request, session

from learning.db import get_session
from learning.models import User

View = TypeVar("View", bound=Callable[..., Any])


@dataclass(frozen=True)
class Identity:
    user_id: int
    role: str
    active: bool
    auth_version: str
    must_change_password: bool


def checked_in_own_read(view: View) -> View:
    """Mark a view that reads the user in its own transaction (the heartbeat): the hooks that
    would read them first leave the session's checks to the view (`standing`)."""
    view.checked_in_own_read = True  # type: ignore[attr-defined]
    return view


def checked_by_view() -> bool:
    """Whether this request's view checks the user itself, in its own read."""
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "checked_in_own_read", False)


def session_user_id() -> int | None:
    """The user id the signed session names, if any: all the cookie alone can tell."""
    raw_id = session.get("_user_id")
    if not isinstance(raw_id, str) or not raw_id.isdigit():
        return None
    return int(raw_id)


def current_identity() -> Identity | None:
    """The logged-in, active user of this request's session, or None (read once a request)."""
    user_id = session_user_id()
    if user_id is None:
        return None
    loaded = g.get("identity")
    if loaded is None or loaded.user_id != user_id:
        user = get_session().get(User, user_id)
        if user is None:
            return None
        loaded = g.identity = identity_of(
            user_id,
            role=user.role,
            active=user.active,
            password_hash=user.password_hash,
            session_epoch=user.session_epoch,
            must_change_password=user.must_change_password,
        )
    return standing(loaded)


def identity_of(
    user_id: int,
    *,
    role: str,
    active: bool,
    password_hash: str,
    session_epoch: int,
    must_change_password: bool,
) -> Identity:
    """The identity from the user's row as read (SQLite gives booleans as 0 and 1)."""
    version = auth_version_of(password_hash, session_epoch)
    return Identity(user_id, role, bool(active), version, bool(must_change_password))


def standing(identity: Identity | None) -> Identity | None:
    """`identity` if this request's session is still theirs: the user is active and the
    session was signed with their current auth version; else None."""
    if identity is None or not identity.active:
        return None
    if session_user_id() != identity.user_id:
        return None
    if session.get("auth_version") != identity.auth_version:
        return None
    return identity


def auth_version_of(password_hash: str, session_epoch: int) -> str:
    """Changes when the password changes or the user logs out, and the sessions end with it."""
    return f"{password_hash[-16:]}.{session_epoch}"
