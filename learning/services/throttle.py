"""Limits on failed attempts: wrong passwords per account and per address, wrong answers to
presence checks per trainee; and on anonymous registration: applications and proof uploads per
address.

An attempt is a row (`ThrottleHit`), so every process and host behind the proxy counts the same
attempts. For logins and checks only failures are written, so honest use costs one indexed count
per attempt; registration counts what it accepted (an application created, a file held), since
its flood is of successes. Once a key has had `most` hits within the window, it is refused until
enough of them leave the window (the seconds to wait go back to the client as `Retry-After`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from learning.models import ThrottleHit

LOGIN_ACCOUNT = "login_account"
LOGIN_ADDRESS = "login_address"
CHECK_ANSWER = "check_answer"
APPLICATION_ADDRESS = "application_address"
PROOF_UPLOAD_ADDRESS = "proof_upload_address"


@dataclass(frozen=True)
class Limit:
    kind: str
    most: int
    window_s: int


def retry_after_s(
    session: Session, limit: Limit, key: str, *, now_ms: int, adding: int = 1
) -> int | None:
    """Seconds until `key` may make `adding` more attempts, or None when it may make them now."""
    since = now_ms - limit.window_s * 1000
    within = (ThrottleHit.kind == limit.kind, ThrottleHit.key == key, ThrottleHit.at_ms > since)
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
    return max(1, -(-(leaving - since) // 1000))  # rounded up: never invite a retry too early


def record_failure(session: Session, kind: str, key: str, *, now_ms: int) -> None:
    session.add(ThrottleHit(kind=kind, key=key, at_ms=now_ms))


def record(session: Session, kind: str, key: str, *, now_ms: int, count: int = 1) -> None:
    """Count `count` accepted uses of `key` (registration's limits count what they accepted)."""
    session.add_all(ThrottleHit(kind=kind, key=key, at_ms=now_ms) for _ in range(count))


def forget(session: Session, kind: str, key: str) -> None:
    """A success wipes the key's failures (a trainee who logs in starts again from zero)."""
    session.execute(delete(ThrottleHit).where(ThrottleHit.kind == kind, ThrottleHit.key == key))


def prune(session: Session, *, before_ms: int) -> int:
    """Drop failures older than any window (the nightly job); returns how many."""
    result = session.execute(delete(ThrottleHit).where(ThrottleHit.at_ms < before_ms))
    return result.rowcount or 0
