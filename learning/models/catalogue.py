"""The catalogue: work types, levels, programmes (work type x level) and their videos."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learning.models.base import Base


class WorkType(Base):
    """A work type (工种) of the occupation, certified separately."""

    __tablename__ = "work_types"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    sort_order: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)


class Level(Base):
    """A skill level (等级): 5 is the lowest, 1 the highest."""

    __tablename__ = "levels"
    __table_args__ = (CheckConstraint("number BETWEEN 1 AND 5", name="number"),)

    number: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    name_zh: Mapped[str] = mapped_column(String(50))
    name_en: Mapped[str] = mapped_column(String(50))
    default_required_hours: Mapped[int]
    has_comprehensive_review: Mapped[bool] = mapped_column(default=False)


class Programme(Base):
    """What a trainee enrols in: one work type at one level, with its minimum standard hours."""

    __tablename__ = "programmes"
    __table_args__ = (
        UniqueConstraint("work_type_code", "level"),
        CheckConstraint("required_hours > 0", name="required_hours"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    work_type_code: Mapped[str] = mapped_column(ForeignKey("work_types.code"))
    level: Mapped[int] = mapped_column(ForeignKey("levels.number"))
    required_hours: Mapped[int]
    active: Mapped[bool] = mapped_column(default=True)
    # Fees in fen, asked for after approval: the training package (training, practice,
    # coaching, one assessment) and the assessment alone (a retake). None: not set yet.
    training_fee_fen: Mapped[int | None]
    assessment_fee_fen: Mapped[int | None]
    # Presence checks by the camera (with the trainee's consent) instead of the typed code.
    face_checks: Mapped[bool] = mapped_column(default=False)
    # Otherwise a presence check asks: the code as a picture, a question of the bank, or both
    # (`AccountingSettings.presence_check`).
    presence_check: Mapped[str] = mapped_column(String(16), default="code", server_default="code")

    work_type: Mapped[WorkType] = relationship()
    level_info: Mapped[Level] = relationship()
    videos: Mapped[list[ProgrammeVideo]] = relationship(
        back_populates="programme", order_by="ProgrammeVideo.position", cascade="all"
    )


class Video(Base):
    """A course video: an uploaded file (stored outside static/) or an external URL."""

    __tablename__ = "videos"
    __table_args__ = (
        CheckConstraint("duration_s > 0", name="duration"),
        CheckConstraint("(file_path IS NOT NULL) OR (url IS NOT NULL)", name="file_or_url"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    duration_s: Mapped[int]
    file_path: Mapped[str | None] = mapped_column(String(500))
    url: Mapped[str | None] = mapped_column(String(1000))
    mime_type: Mapped[str | None] = mapped_column(String(50))
    created_at: Mapped[datetime]
    retired_at: Mapped[datetime | None]


class ProgrammeVideo(Base):
    """A video's place in a programme; one video may serve several programmes."""

    __tablename__ = "programme_videos"

    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), primary_key=True)
    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id"), primary_key=True)
    position: Mapped[int]
    # The heading the course page groups this video under; consecutive videos sharing one
    # form a chapter. None: no chapter (a programme without chapters shows one plain list).
    chapter: Mapped[str | None] = mapped_column(String(100))

    programme: Mapped[Programme] = relationship(back_populates="videos")
    video: Mapped[Video] = relationship()
