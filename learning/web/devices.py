"""Device cookies: a browser that logged into an account is a known device of that account.

After a successful login the browser gets a signed, HttpOnly cookie naming the account and a
random token of this browser; a later login to that account from it is slowed, never locked
(`accounts.sign_in`). One cookie holds the last few accounts used on the browser, so a shared
classroom computer stays known to everyone who used it. Signed with the application's secret
key: a client cannot name a device it was not given; a cookie older than
LOGIN_DEVICE_COOKIE_DAYS is not accepted even if the browser kept it.
"""

from __future__ import annotations

import secrets

from flask import Request, Response, current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "device"
MOST_ACCOUNTS = 10  # accounts remembered per browser, the latest first


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="login-device")


def _max_age_s() -> int:
    return int(current_app.config["LOGIN_DEVICE_COOKIE_DAYS"]) * 24 * 3600


def _entries(request: Request) -> list[tuple[str, str]]:
    """The (account, token) pairs of the request's cookie; none when it is missing or forged."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return []
    try:
        data = _serializer().loads(raw, max_age=_max_age_s())
    except BadSignature:  # a forged, altered or expired cookie: an unknown device
        return []
    return [
        (entry[0], entry[1])
        for entry in data
        if isinstance(entry, list) and len(entry) == 2 and all(isinstance(x, str) for x in entry)
    ]


def known_device(request: Request, account: str) -> str | None:
    """The token of this browser for `account` (lower case), or None for a new device."""
    return dict(_entries(request)).get(account)


def remember(request: Request, response: Response, account: str) -> None:
    """Make this browser a known device of `account` (keeping its token if it had one)."""
    entries = _entries(request)
    token = dict(entries).get(account) or secrets.token_urlsafe(16)
    kept = [[account, token]] + [[a, t] for a, t in entries if a != account]
    response.set_cookie(
        COOKIE,
        _serializer().dumps(kept[:MOST_ACCOUNTS]),
        max_age=_max_age_s(),
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
