"""Limits on failed attempts: wrong passwords per account and per address, wrong answers to
presence checks per trainee.

A failure is a row (`ThrottleHit`), so every process and host behind the proxy counts the same
attempts; only failures are written, so honest use costs one indexed count per attempt. Once a
key has had `most` failures within the window, it is refused until the oldest of them leaves the
window (the seconds to wait go back to the client as `Retry-After`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from learning.models import ThrottleHit

LOGIN_ACCOUNT = "login_account"
LOGIN_ADDRESS = "login_address"
CHECK_ANSWER = "check_answer"


@dataclass(frozen=True)
class Limit:
    kind: str
    most: int
    window_s: int


def retry_after_s(session: Session, limit: Limit, key: str, *, now_ms: int) -> int | None:
    """Seconds until `key` may try again, or None when it may try now."""
    since = now_ms - limit.window_s * 1000
    count, oldest = session.execute(
        select(func.count(ThrottleHit.id), func.min(ThrottleHit.at_ms)).where(
            ThrottleHit.kind == limit.kind, ThrottleHit.key == key, ThrottleHit.at_ms > since
        )
    ).one()
    if count < limit.most:
        return None
    return max(1, -(-(oldest - since) // 1000))  # rounded up: never invite a retry too early


def record_failure(session: Session, kind: str, key: str, *, now_ms: int) -> None:
    session.add(ThrottleHit(kind=kind, key=key, at_ms=now_ms))


def forget(session: Session, kind: str, key: str) -> None:
    """A success wipes the key's failures (a trainee who logs in starts again from zero)."""
    session.execute(delete(ThrottleHit).where(ThrottleHit.kind == kind, ThrottleHit.key == key))


def prune(session: Session, *, before_ms: int) -> int:
    """Drop failures older than any window (the nightly job); returns how many."""
    result = session.execute(delete(ThrottleHit).where(ThrottleHit.at_ms < before_ms))
    return result.rowcount or 0
