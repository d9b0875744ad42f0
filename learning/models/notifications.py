"""In-app notifications: what happened that a person should know, until they have read it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from learning.models.base import Base


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_id_created_at", "user_id", "created_at"),
        # What a job sends once ("hours_reached:12"); a second run finds it and sends nothing.
        UniqueConstraint("key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(32))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]
    key: Mapped[str | None] = mapped_column(String(100))
    # The announcement this notification carries; withdrawing it removes the notification.
    announcement_id: Mapped[int | None] = mapped_column(ForeignKey("announcements.id"), index=True)
