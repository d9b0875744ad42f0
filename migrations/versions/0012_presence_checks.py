"""presence checks: when each was raised, shown and answered

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 00:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "presence_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("check_id", sa.String(length=64), nullable=False),
        sa.Column("playback_id", sa.String(length=32), nullable=False),
        sa.Column("raised_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("shown_at_ms", sa.BigInteger(), nullable=True),
        sa.Column("answered_at_ms", sa.BigInteger(), nullable=True),
        sa.Column("answer_ms", sa.BigInteger(), nullable=True),
        sa.Column("wrong_answers", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["playback_id"],
            ["playbacks.id"],
            name=op.f("fk_presence_checks_playback_id_playbacks"),
        ),
        sa.ForeignKeyConstraint(
            ["trainee_id"], ["users.id"], name=op.f("fk_presence_checks_trainee_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_presence_checks")),
        sa.UniqueConstraint(
            "trainee_id", "check_id", name=op.f("uq_presence_checks_trainee_id_check_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("presence_checks")
