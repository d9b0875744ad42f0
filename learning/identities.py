"""Who sent a request, for the heartbeat path: from the signed session and a per-process cache.

Every other view loads the user with Flask-Login. A heartbeat needs only the user's id, role,
whether the session is still good (active, same password) and whether the password must be
changed first, and it is the one request sent
thousands of times a second, so these are kept per process for `USER_CACHE_S` seconds instead
of read from the database on each beat. What that costs: a deactivation, a role change or a
password change made in another process takes effect on the beat path within that many
seconds (at once in the process that made it, which drops its entry).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from flask import Flask, current_app, session
from sqlalchemy import select

from learning.db import get_session
from learning.models import User


@dataclass(frozen=True)
class Identity:
    user_id: int
    role: str
    active: bool
    auth_version: str
    must_change_password: bool


class IdentityCache:
    """One application's cache: user id -> (valid until, identity)."""

    def __init__(self, ttl_s: float) -> None:
        self.ttl_s = ttl_s
        self.entries: dict[int, tuple[float, Identity]] = {}
        self.lock = threading.Lock()


def init_app(app: Flask) -> None:
    app.extensions["identities"] = IdentityCache(app.config["USER_CACHE_S"])


def _cache() -> IdentityCache:
    return current_app.extensions["identities"]


def current_identity() -> Identity | None:
    """The logged-in, active user of this request's session, or None."""
    raw_id = session.get("_user_id")
    if not isinstance(raw_id, str) or not raw_id.isdigit():
        return None
    identity = _cached(int(raw_id))
    if identity is None or not identity.active:
        return None
    if session.get("auth_version") != identity.auth_version:
        return None
    return identity


def forget(user_id: int) -> None:
    """Drop a user's entry (their role, state or password changed in this process)."""
    cache = _cache()
    with cache.lock:
        cache.entries.pop(user_id, None)


def _cached(user_id: int) -> Identity | None:
    cache, now = _cache(), time.monotonic()
    with cache.lock:
        entry = cache.entries.get(user_id)
    if entry is not None and entry[0] > now:
        return entry[1]
    row = (
        get_session()
        .execute(
            select(
                User.role,
                User.active,
                User.password_hash,
                User.session_epoch,
                User.must_change_password,
            ).where(User.id == user_id)
        )
        .first()
    )
    if row is None:
        return None
    role, active, password_hash, session_epoch, must_change = row
    version = auth_version_of(password_hash, session_epoch)
    identity = Identity(user_id, role, active, version, must_change)
    with cache.lock:
        cache.entries[user_id] = (now + cache.ttl_s, identity)
    return identity


def auth_version_of(password_hash: str, session_epoch: int) -> str:
    """Changes when the password changes or the user logs out, and the sessions end with it."""
    return f"{password_hash[-16:]}.{session_epoch}"
