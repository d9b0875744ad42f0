"""chapters: a short heading on each programme video, grouping the course page

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("programme_videos", sa.Column("chapter", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("programme_videos") as batch:
        batch.drop_column("chapter")
