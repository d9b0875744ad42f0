"""Sessions that end (ASVS 3.3): after a time without activity, and at the latest a fixed
time after the login, whatever the activity.

The signed session cookie carries the login time and the time the session was last seen (whole
seconds of the app's clock). The signature makes them the server's word: a copy of an old cookie
carries its old times and ends with them. Every request of a logged-in session moves "last
seen" on, the player's heartbeats too, so a trainee watching a video stays in; to spare the
cookie a rewrite on each request, only when the stored time is `SEEN_REFRESH_S` old. A session
can therefore end up to that much earlier than the idle limit says.

The idle limit depends on the role (staff hold more power, so they get less time), so a
session's limits are judged with the user as read (identities): by the hook below for every
request, and by the heartbeat itself from its own read (`judge`), the hook leaving it that.
"""

from __future__ import annotations

from flask import Flask, current_app, g, session
from flask_babel import gettext as _

from learning.identities import Identity, checked_by_view, current_identity
from learning.models import Role

LOGIN_AT = "login_at"
SEEN_AT = "seen_at"
SEEN_REFRESH_S = 60

IDLE = "idle"
LIFETIME = "lifetime"
#: Why the last login's session ended, [reason, idle minutes], kept until the next login: the
#: request that ends a session is not always the one that tells the person (a video's range
#: request may meet the limit first; the player's next beat must still say why).
ENDED = "ended"

STAFF = frozenset({Role.INSTRUCTOR.value, Role.ADMIN.value})


def init_app(app: Flask) -> None:
    """Before anything asks who the user is (Flask-Login, the password-change redirect)."""
    app.before_request(_end_or_refresh)


def start() -> None:
    """A new login: the session's clocks start now."""
    now = _now_s()
    session.pop(ENDED, None)
    session[LOGIN_AT] = now
    session[SEEN_AT] = now


def ended_by(
    *, login_at: int, seen_at: int, now: int, idle_limit_s: int, lifetime_s: int
) -> str | None:
    """Why a session with these times has ended at `now` (LIFETIME or IDLE), or None."""
    if now - login_at > lifetime_s:
        return LIFETIME
    if now - seen_at > idle_limit_s:
        return IDLE
    return None


def ended() -> str | None:
    """The reason this request's session was ended by these limits, if it was."""
    return g.get("session_ended")


def refusal() -> tuple[str, str]:
    """The error code and message for a request that needs a login and has none."""
    reason = ended()
    if reason == LIFETIME:
        hours = current_app.config["SESSION_LIFETIME_HOURS"]
        message = _(
            "Your session ended %(hours)s hours after you logged in. Please log in again.",
            hours=hours,
        )
        return "session_expired", message
    if reason == IDLE:
        message = _(
            "Your session ended after %(minutes)s minutes without activity. Please log in again.",
            minutes=g.session_idle_minutes,
        )
        return "session_expired", message
    return "login_required", _("Please log in.")


def _end_or_refresh() -> None:
    if "_user_id" not in session:
        _recall_ending()
        return
    login_at, seen_at = session.get(LOGIN_AT), session.get(SEEN_AT)
    if not isinstance(login_at, int) or not isinstance(seen_at, int):
        session.clear()  # a session without its times (from before these limits): log in again
        return
    if not checked_by_view():
        judge(current_identity())


def judge(identity: Identity | None) -> None:
    """End this request's session if it met a limit, else move "last seen" on. `identity` is
    the session's user if it still stands (`identities.standing`); None leaves the session as
    it is (not a valid login anyway: Flask-Login and the beat path refuse it)."""
    login_at, seen_at = session.get(LOGIN_AT), session.get(SEEN_AT)
    if identity is None or not isinstance(login_at, int) or not isinstance(seen_at, int):
        return
    config, now = current_app.config, _now_s()
    idle_minutes = _idle_minutes(identity)
    reason = ended_by(
        login_at=login_at,
        seen_at=seen_at,
        now=now,
        idle_limit_s=int(idle_minutes * 60),
        lifetime_s=int(config["SESSION_LIFETIME_HOURS"] * 3600),
    )
    if reason is not None:
        session.clear()
        session[ENDED] = [reason, idle_minutes]
        g.session_ended = reason
        g.session_idle_minutes = idle_minutes
    elif now - seen_at >= SEEN_REFRESH_S:
        session[SEEN_AT] = now


def _recall_ending() -> None:
    """An anonymous request after a session ended: its refusals still say why it ended."""
    ended = session.get(ENDED)
    if isinstance(ended, list) and len(ended) == 2 and ended[0] in (IDLE, LIFETIME):
        g.session_ended, g.session_idle_minutes = ended


def _idle_minutes(identity: Identity) -> int:
    config = current_app.config
    if identity.role in STAFF:
        return config["SESSION_IDLE_MINUTES_STAFF"]
    return config["SESSION_IDLE_MINUTES_TRAINEE"]


def _now_s() -> int:
    return int(current_app.extensions["clock"].now().timestamp())
