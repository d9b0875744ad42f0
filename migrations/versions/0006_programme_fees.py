"""programme fees

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 14:46:21.172049
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("programmes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("training_fee_fen", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("assessment_fee_fen", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("programmes", schema=None) as batch_op:
        batch_op.drop_column("assessment_fee_fen")
        batch_op.drop_column("training_fee_fen")
