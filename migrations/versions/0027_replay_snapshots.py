"""verified replay snapshots: the nightly check replays only the events after them

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 13:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "replay_snapshots",
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("event_no", sa.BigInteger(), nullable=False),
        sa.Column("clock_ms", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("verified_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["trainee_id"], ["users.id"], name=op.f("fk_replay_snapshots_trainee_id_users")
        ),
        sa.PrimaryKeyConstraint("trainee_id", name=op.f("pk_replay_snapshots")),
    )


def downgrade() -> None:
    op.drop_table("replay_snapshots")
