"""A trainee's face for the face checks: the consent it rests on and the reference face.

Facial data is sensitive personal information (PIPL art. 28): it is kept apart from the
profile, only with a separate consent, and deleted with the consent's withdrawal.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from learning.models.base import Base


class FaceConsent(enum.StrEnum):
    GIVEN = "given"
    REFUSED = "refused"  # the trainee studies under the code check; admins see it


class ReferenceSource(enum.StrEnum):
    CAMERA = "camera"  # taken live in the browser: in force at once
    UPLOAD = "upload"  # a file: in force once an admin approves it beside the ID document


class FaceProfile(Base):
    __tablename__ = "face_profiles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id"), primary_key=True, autoincrement=False
    )
    consent: Mapped[str] = mapped_column(String(16))
    consent_at: Mapped[datetime]
    # the reference face: its 128-number descriptor and the picture it was read from
    descriptor: Mapped[list[Any] | None]
    reference_path: Mapped[str | None] = mapped_column(String(300))
    reference_source: Mapped[str | None] = mapped_column(String(16))
    reference_set_at: Mapped[datetime | None]
    reference_approved_at: Mapped[datetime | None]
    reference_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    @property
    def reference_in_force(self) -> bool:
        return (
            self.consent == FaceConsent.GIVEN.value
            and self.descriptor is not None
            and (
                self.reference_source == ReferenceSource.CAMERA.value
                or self.reference_approved_at is not None
            )
        )


class FaceSnapshot(Base):
    """A picture a face check was judged on, kept for the retention period for admins to see.

    The row stays after the retention job deletes the picture (`path` None, `deleted_at` set):
    the record that a check happened, and that its picture was deleted, outlives the picture.
    """

    __tablename__ = "face_snapshots"
    __table_args__ = (Index("ix_face_snapshots_trainee_id_taken_at", "trainee_id", "taken_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    playback_id: Mapped[str | None] = mapped_column(ForeignKey("playbacks.id"))
    check_id: Mapped[str | None] = mapped_column(String(64))
    taken_at: Mapped[datetime]
    action: Mapped[str | None] = mapped_column(String(16))  # the liveness action asked for
    outcome: Mapped[str] = mapped_column(String(16))  # accounting.FACE_OUTCOMES
    distance_milli: Mapped[int | None]
    path: Mapped[str | None] = mapped_column(String(300))  # under the upload folder
    deleted_at: Mapped[datetime | None]
