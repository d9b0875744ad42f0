"""The plausibility review: where playbacks were opened from, the flags a nightly job raises
for a person to look at, and the voids that withdraw a playback's credit.

A void is an event of the trainee's processing order (`event_no`, as beats and openings), so
`recompute` replays it (accounting.md rule 11): stored beats are never edited.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from learning.models.base import Base


class PlaybackOrigin(Base):
    """The network address and browser a playback was opened from, recorded by the opening
    request (never by a beat: the heartbeat path stays as it is). `device` is a short digest
    of the User-Agent, enough to tell "the same browser" without keeping the string."""

    __tablename__ = "playback_origins"
    __table_args__ = (Index("ix_playback_origins_address_opened_at_ms", "address", "opened_at_ms"),)

    playback_id: Mapped[str] = mapped_column(ForeignKey("playbacks.id"), primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    opened_at_ms: Mapped[int] = mapped_column(BigInteger)
    address: Mapped[str] = mapped_column(String(64))
    device: Mapped[str] = mapped_column(String(16))


class ReviewFlag(Base):
    """An enrolment flagged for review, with the findings (`learning.domain.plausibility.Finding` as
    dicts) that raised it; open until an admin clears it (with a note) or voids credit."""

    __tablename__ = "review_flags"
    __table_args__ = (Index("ix_review_flags_status_raised_at", "status", "raised_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id"))
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    raised_at: Mapped[datetime]
    findings: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | cleared | voided
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)


class PlaybackVoid(Base):
    """A playback's credit withdrawn by a reviewer: an event the rebuild replays."""

    __tablename__ = "playback_voids"
    __table_args__ = (Index("ix_playback_voids_trainee_id_event_no", "trainee_id", "event_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    playback_id: Mapped[str] = mapped_column(ForeignKey("playbacks.id"), unique=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    event_no: Mapped[int] = mapped_column(BigInteger)
    at_ms: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime]
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    flag_id: Mapped[int | None] = mapped_column(ForeignKey("review_flags.id"))
    reason: Mapped[str] = mapped_column(Text)
