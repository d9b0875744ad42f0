"""Limits on attempts: wrong passwords, wrong current passwords on the change form, wrong
answers to presence checks; and on anonymous registration, applications and proof uploads per
address.

An attempt is a row (`ThrottleHit`), so every process and host behind the proxy counts the same
attempts. For logins and checks only failures are written, so honest use costs a few indexed
counts per attempt; registration counts what it accepted (an application created, a file held),
since its flood is of successes. Once a key has had `most` hits within the window, it is refused
until enough of them leave the window (the seconds to wait go back to the client as
`Retry-After`). `accounts.sign_in` says which keys a login is counted under.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import Session

from learning.database import rowcount
from learning.models import ThrottleHit

LOGIN = "login"  # a wrong password from a client without the account's device cookie
LOGIN_DEVICE = "login_device"  # a wrong password from a known device: key = the device
PASSWORD_CHECK = "password_check"  # a wrong current password on the change form: key = user id
CHECK_ANSWER = "check_answer"
APPLICATION_ADDRESS = "application_address"
PROOF_UPLOAD_ADDRESS = "proof_upload_address"


@dataclass(frozen=True)
class Limit:
    kind: str
    most: int
    window_s: int


@dataclass(frozen=True)
class Slowdown:
    """After `free` failures within the window, each further try waits `first_s` after the
    last failure, twice as long after each further one, never longer than `most_s`."""

    kind: str
    free: int
    first_s: int
    most_s: int
    window_s: int


def _since(window_s: int, now_ms: int) -> int:
    return now_ms - window_s * 1000


def _seconds(ms: int) -> int:
    return max(1, -(-ms // 1000))  # rounded up: never invite a retry too early


def _matching(
    kind: str, since: int, key: str | None, account: str | None
) -> list[ColumnElement[bool]]:
    where = [ThrottleHit.kind == kind, ThrottleHit.at_ms > since]
    if key is not None:
        where.append(ThrottleHit.key == key)
    if account is not None:
        where.append(ThrottleHit.account == account)
    return where


def retry_after_s(
    session: Session,
    limit: Limit,
    key: str | None,
    *,
    now_ms: int,
    account: str | None = None,
    adding: int = 1,
) -> int | None:
    """Seconds until `key` (of `account`, when given; or the account under any key) may make
    `adding` more attempts, or None when it may make them now."""
    within = _matching(limit.kind, _since(limit.window_s, now_ms), key, account)
    count = session.scalar(select(func.count(ThrottleHit.id)).where(*within)) or 0
    if count + adding <= limit.most:
        return None
    if adding > limit.most:
        return limit.window_s  # never at once; a whole window is the honest answer
    leaving = session.scalar(  # the hit whose leaving the window makes room for `adding`
        select(ThrottleHit.at_ms)
        .where(*within)
        .order_by(ThrottleHit.at_ms)
        .offset(count + adding - limit.most - 1)
        .limit(1)
    )
    if leaving is None:  # the hits were forgotten meanwhile (a sign-in that succeeded): room now
        return None
    return _seconds(leaving - _since(limit.window_s, now_ms))


def accounts_retry_after_s(session: Session, limit: Limit, key: str, *, now_ms: int) -> int | None:
    """Like `retry_after_s`, counting the distinct accounts `key` failed on rather than its
    failures: seconds until fewer than `most` of them have a failure within the window."""
    since = _since(limit.window_s, now_ms)
    latest = sorted(
        session.scalars(
            select(func.max(ThrottleHit.at_ms))
            .where(*_matching(limit.kind, since, key, None))
            .group_by(ThrottleHit.account)
        )
    )
    if len(latest) < limit.most:
        return None
    return _seconds(latest[len(latest) - limit.most] - since)


def slowed_for_s(
    session: Session, slowdown: Slowdown, key: str, *, now_ms: int, account: str | None = None
) -> int | None:
    """Seconds `key` must still wait under `slowdown`, or None when it may try now."""
    since = _since(slowdown.window_s, now_ms)
    count, last = session.execute(
        select(func.count(ThrottleHit.id), func.max(ThrottleHit.at_ms)).where(
            *_matching(slowdown.kind, since, key, account)
        )
    ).one()
    if count < slowdown.free:
        return None
    delay_s = min(slowdown.most_s, slowdown.first_s * 2 ** min(count - slowdown.free, 30))
    waited_ms = now_ms - last
    return None if waited_ms >= delay_s * 1000 else _seconds(delay_s * 1000 - waited_ms)


def record_failure(
    session: Session, kind: str, key: str, *, now_ms: int, account: str | None = None
) -> None:
    session.add(ThrottleHit(kind=kind, key=key, at_ms=now_ms, account=account))


def record(session: Session, kind: str, key: str, *, now_ms: int, count: int = 1) -> None:
    """Count `count` accepted uses of `key` (registration's limits count what they accepted)."""
    session.add_all(ThrottleHit(kind=kind, key=key, at_ms=now_ms) for _ in range(count))


def forget(session: Session, kind: str, key: str, *, account: str | None = None) -> None:
    """A success wipes the key's failures (a trainee who logs in starts again from zero)."""
    where = [ThrottleHit.kind == kind, ThrottleHit.key == key]
    if account is not None:
        where.append(ThrottleHit.account == account)
    session.execute(delete(ThrottleHit).where(*where))


def failures_of_account(session: Session, account: str, *, since_ms: int) -> int:
    """Failures naming `account` of any kind since then (what an admin sees before lifting)."""
    return (
        session.scalar(
            select(func.count(ThrottleHit.id)).where(
                ThrottleHit.account == account, ThrottleHit.at_ms > since_ms
            )
        )
        or 0
    )


def forget_account(session: Session, account: str) -> int:
    """Every failure naming `account`, of any kind and key: every lock on it is lifted."""
    result = session.execute(delete(ThrottleHit).where(ThrottleHit.account == account))
    return rowcount(result)


def prune(session: Session, *, before_ms: int) -> int:
    """Drop failures older than any window (the nightly job); returns how many."""
    result = session.execute(delete(ThrottleHit).where(ThrottleHit.at_ms < before_ms))
    return rowcount(result)
