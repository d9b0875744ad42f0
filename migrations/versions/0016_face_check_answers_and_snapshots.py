"""face checks answered: the outcome and distance on the beat, and the snapshots kept

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMNs: `beats` may hold hundreds of millions of rows; a batch would copy them.
    op.add_column("beats", sa.Column("face_outcome", sa.String(length=16), nullable=True))
    op.add_column("beats", sa.Column("face_distance_milli", sa.Integer(), nullable=True))
    op.create_table(
        "face_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("playback_id", sa.String(length=32), nullable=True),
        sa.Column("check_id", sa.String(length=64), nullable=True),
        sa.Column("taken_at", sa.DateTime(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("distance_milli", sa.Integer(), nullable=True),
        sa.Column("path", sa.String(length=300), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["trainee_id"], ["users.id"], name=op.f("fk_face_snapshots_trainee_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["playback_id"], ["playbacks.id"], name=op.f("fk_face_snapshots_playback_id_playbacks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_face_snapshots")),
    )
    op.create_index(
        "ix_face_snapshots_trainee_id_taken_at", "face_snapshots", ["trainee_id", "taken_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_face_snapshots_trainee_id_taken_at", table_name="face_snapshots")
    op.drop_table("face_snapshots")
    with op.batch_alter_table("beats") as batch:
        batch.drop_column("face_distance_milli")
        batch.drop_column("face_outcome")
