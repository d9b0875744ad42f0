"""applications returned for changes (the note and when); one account per ID-card number

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-09 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("returned_note", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("returned_at", sa.DateTime(), nullable=True))
    # Stored as `identity.normalise_id_number` writes them (a lower-case x counted as X), so
    # the unique index compares what people mean.
    op.execute(
        "UPDATE trainee_profiles SET id_number = UPPER(TRIM(id_number)) WHERE id_number IS NOT NULL"
    )
    op.execute("UPDATE trainee_profiles SET id_number = NULL WHERE id_number = ''")
    _refuse_duplicates()
    op.create_index("ux_trainee_profiles_id_number", "trainee_profiles", ["id_number"], unique=True)


def _refuse_duplicates() -> None:
    """Two accounts with one ID number cannot be merged by a migration: say which to fix."""
    rows = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT id_number, COUNT(*) FROM trainee_profiles WHERE id_number IS NOT NULL "
                "GROUP BY id_number HAVING COUNT(*) > 1"
            )
        )
        .all()
    )
    if rows:
        numbers = ", ".join(f"{n[:3]}…{n[-4:]} ({count} accounts)" for n, count in rows)
        raise RuntimeError(
            "Several accounts share an ID-card number; give each person one account (or clear "
            f"the number on the extra ones) before upgrading: {numbers}"
        )


def downgrade() -> None:
    op.drop_index("ux_trainee_profiles_id_number", table_name="trainee_profiles")
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_column("returned_at")
        batch_op.drop_column("returned_note")
