"""The session cookie's and the CSRF token's signatures, each checked once per process.

A browser sends the same signed session cookie and the same signed CSRF token on every request
until its session changes, and the player sends thousands of beats an hour. Checking a
signature costs itsdangerous a key derivation and an HMAC, and Flask builds a new serializer
for it on every request: together about a fifth of an authenticated request's work
(bench/RESULTS.md). So a signature found good is remembered per process, in a bounded LRU
keyed by the signed text itself: a text that was authentic once is authentic for good, since
only the holder of the key can produce it. What does depend on the moment is still checked on
every request: the cookie's age against the session lifetime (as itsdangerous checks it), and
whether the token matches the one in this request's session. A CSRF time limit
(`WTF_CSRF_TIME_LIMIT`), if one is set, makes every check go through Flask-WTF as before.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable
from functools import lru_cache

from flask import Flask, Request, current_app, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_wtf.csrf import validate_csrf
from itsdangerous import BadData, URLSafeTimedSerializer
from wtforms.validators import ValidationError

REMEMBERED = 4096  # signed texts remembered per process (sessions seen recently)
CSRF_SALT = "wtf-csrf-token"  # Flask-WTF's


def init_app(app: Flask) -> None:
    app.session_interface = RememberedSessions()
    secret: str | bytes = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key or ""
    serializer = URLSafeTimedSerializer(secret, salt=CSRF_SALT)

    @lru_cache(maxsize=REMEMBERED)
    def csrf_token_of(signed: str) -> str | None:
        """The token a signed CSRF token carries, or None if its signature is not good."""
        try:
            token = serializer.loads(signed)
        except BadData:
            return None
        return token if isinstance(token, str) else None

    app.extensions["csrf_tokens"] = csrf_token_of


class RememberedSessions(SecureCookieSessionInterface):
    """Flask's signed cookie session, with the cookies whose signature it checked remembered."""

    def __init__(self) -> None:
        self._keys: tuple[object, ...] = ()
        self._serializer: URLSafeTimedSerializer | None = None
        self._unsign: Callable[[str], tuple[bytes, int] | None] = _unsigner(None)

    def _current(self, app: Flask) -> URLSafeTimedSerializer | None:
        """The serializer, made again only when the app's keys change."""
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        if keys != self._keys:
            self._serializer = self.get_signing_serializer(app)
            self._unsign = _unsigner(self._serializer)
            self._keys = keys
        return self._serializer

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        serializer = self._current(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        signed = self._unsign(value)
        if signed is None:
            return self.session_class()
        payload, signed_at = signed
        age = int(time.time()) - signed_at
        if age > app.permanent_session_lifetime.total_seconds() or age < 0:
            return self.session_class()  # expired, as itsdangerous's max_age refuses it
        try:
            return self.session_class(serializer.load_payload(payload))
        except BadData:
            return self.session_class()


def _unsigner(
    serializer: URLSafeTimedSerializer | None,
) -> Callable[[str], tuple[bytes, int] | None]:
    """A remembering check of `serializer`'s signatures (any of its keys): the signed text's
    payload, still encoded, and when it was signed; None if the signature is not good."""

    @lru_cache(maxsize=REMEMBERED)
    def unsign(value: str) -> tuple[bytes, int] | None:
        if serializer is None:
            return None
        for signer in serializer.iter_unsigners():
            try:
                payload, signed_at = signer.unsign(value, return_timestamp=True)
            except BadData:
                continue
            return payload, int(signed_at.timestamp())
        return None

    return unsign


def check_csrf_token(token: str | None) -> bool:
    """Whether `token` is the signed form of this session's CSRF token (Flask-WTF's check)."""
    config = current_app.config
    if config["WTF_CSRF_TIME_LIMIT"] is not None or not token:
        try:
            validate_csrf(token)
        except ValidationError:
            return False
        return True
    carried = current_app.extensions["csrf_tokens"](token)
    stored = session.get(config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
    if carried is None or not isinstance(stored, str):
        return False
    return hmac.compare_digest(stored, carried)
