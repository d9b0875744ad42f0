"""login failures name their account (counted per account and address pair, lifted by an
admin); users count the wrong passwords given since their last login

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-10 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The old rows count per account or per address alone; the new rules cannot read them,
    # and they would have left the 15-minute window before anyone missed them.
    op.execute("DELETE FROM throttle_hits WHERE kind IN ('login_account', 'login_address')")
    op.add_column("throttle_hits", sa.Column("account", sa.String(length=200), nullable=True))
    op.create_index(
        "ix_throttle_hits_account_kind_at_ms", "throttle_hits", ["account", "kind", "at_ms"]
    )
    # Added and dropped in place (SQLite has both): a batch copy of `users` would trip the
    # foreign keys pointing at it once any row refers to a user.
    op.add_column(
        "users", sa.Column("failed_logins", sa.Integer(), server_default="0", nullable=False)
    )


def downgrade() -> None:
    op.drop_column("users", "failed_logins")
    op.drop_index("ix_throttle_hits_account_kind_at_ms", table_name="throttle_hits")
    op.drop_column("throttle_hits", "account")
