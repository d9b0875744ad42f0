"""Failed attempts that count against a limit: logins, current-password checks, presence-check
answers."""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from learning.models.base import Base


class ThrottleHit(Base):
    """One failed attempt of a `kind` (what was tried) by a `key` (who or from where), at server
    time `at_ms`. Kept in the database so every process and host counts the same attempts.

    `account` is the account a login or password check named (as typed, in lower case), so
    failures are counted per account and address pair, per account, and across the distinct
    accounts of one address; and an admin lifts every lock on one account at once."""

    __tablename__ = "throttle_hits"
    __table_args__ = (
        Index("ix_throttle_hits_kind_key_at_ms", "kind", "key", "at_ms"),
        Index("ix_throttle_hits_account_kind_at_ms", "account", "kind", "at_ms"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(200))
    at_ms: Mapped[int] = mapped_column(BigInteger)
    account: Mapped[str | None] = mapped_column(String(200))
