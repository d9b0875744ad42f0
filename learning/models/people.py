"""People: user accounts with a role, and the trainee's profile."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learning.models.base import Base


class Role(enum.StrEnum):
    TRAINEE = "trainee"
    INSTRUCTOR = "instructor"
    ADMIN = "admin"


class TraineeCategory(enum.IntEnum):
    """The six groups of people the training notice is open to (domain.md)."""

    KEY_EMITTING_UNIT = 1
    TEACHING_RESEARCH = 2
    CONSULTING_FIRM = 3
    FINANCIAL_INSTITUTION = 4
    CARBON_PROFESSIONAL = 5
    INDIVIDUAL = 6


class User(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('trainee', 'instructor', 'admin')", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    display_name: Mapped[str] = mapped_column(String(100))
    locale: Mapped[str | None] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(default=True)
    must_change_password: Mapped[bool] = mapped_column(default=False)
    # Raised at each logout: every session of the user ends with it, a copied cookie too.
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")
    # Wrong passwords given for this account since its last login, told at the next one.
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime]
    deactivated_at: Mapped[datetime | None]

    profile: Mapped[TraineeProfile | None] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    # Flask-Login's user protocol
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)


class TraineeProfile(Base):
    __tablename__ = "trainee_profiles"
    __table_args__ = (
        CheckConstraint("category BETWEEN 1 AND 6", name="category"),
        # One account per person: numbers are stored normalised (`identity.normalise_id_number`).
        Index("ux_trainee_profiles_id_number", "id_number", unique=True),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    real_name: Mapped[str] = mapped_column(String(100))
    id_number: Mapped[str | None] = mapped_column(String(18))
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    employer: Mapped[str | None] = mapped_column(String(200))
    category: Mapped[int] = mapped_column(default=int(TraineeCategory.INDIVIDUAL))
    photo_path: Mapped[str | None] = mapped_column(String(300))  # identity photo, for tickets

    user: Mapped[User] = relationship(back_populates="profile")
