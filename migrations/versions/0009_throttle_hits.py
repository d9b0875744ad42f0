"""throttle hits

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 19:28:51.990343
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "throttle_hits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_throttle_hits")),
    )
    with op.batch_alter_table("throttle_hits", schema=None) as batch_op:
        batch_op.create_index(
            "ix_throttle_hits_kind_key_at_ms", ["kind", "key", "at_ms"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("throttle_hits", schema=None) as batch_op:
        batch_op.drop_index("ix_throttle_hits_kind_key_at_ms")

    op.drop_table("throttle_hits")
