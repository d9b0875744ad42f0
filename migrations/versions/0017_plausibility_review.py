"""the plausibility review: playback origins, review flags, and voids of a playback's credit

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "playback_origins",
        sa.Column("playback_id", sa.String(length=32), nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("opened_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("device", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["playback_id"],
            ["playbacks.id"],
            name=op.f("fk_playback_origins_playback_id_playbacks"),
        ),
        sa.ForeignKeyConstraint(
            ["trainee_id"], ["users.id"], name=op.f("fk_playback_origins_trainee_id_users")
        ),
        sa.PrimaryKeyConstraint("playback_id", name=op.f("pk_playback_origins")),
    )
    op.create_index(
        "ix_playback_origins_address_opened_at_ms",
        "playback_origins",
        ["address", "opened_at_ms"],
    )
    op.create_table(
        "review_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("raised_at", sa.DateTime(), nullable=False),
        sa.Column("findings", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["enrolment_id"],
            ["enrolments.id"],
            name=op.f("fk_review_flags_enrolment_id_enrolments"),
        ),
        sa.ForeignKeyConstraint(
            ["trainee_id"], ["users.id"], name=op.f("fk_review_flags_trainee_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_review_flags_decided_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_flags")),
    )
    op.create_index("ix_review_flags_status_raised_at", "review_flags", ["status", "raised_at"])
    op.create_table(
        "playback_voids",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("playback_id", sa.String(length=32), nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("event_no", sa.BigInteger(), nullable=False),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("flag_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["playback_id"], ["playbacks.id"], name=op.f("fk_playback_voids_playback_id_playbacks")
        ),
        sa.ForeignKeyConstraint(
            ["trainee_id"], ["users.id"], name=op.f("fk_playback_voids_trainee_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["by_id"], ["users.id"], name=op.f("fk_playback_voids_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["flag_id"], ["review_flags.id"], name=op.f("fk_playback_voids_flag_id_review_flags")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_playback_voids")),
        sa.UniqueConstraint("playback_id", name=op.f("uq_playback_voids_playback_id")),
    )
    op.create_index(
        "ix_playback_voids_trainee_id_event_no", "playback_voids", ["trainee_id", "event_no"]
    )


def downgrade() -> None:
    op.drop_index("ix_playback_voids_trainee_id_event_no", table_name="playback_voids")
    op.drop_table("playback_voids")
    op.drop_index("ix_review_flags_status_raised_at", table_name="review_flags")
    op.drop_table("review_flags")
    op.drop_index("ix_playback_origins_address_opened_at_ms", table_name="playback_origins")
    op.drop_table("playback_origins")
