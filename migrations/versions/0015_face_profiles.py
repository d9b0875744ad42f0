"""face checks: a programme may require them; a trainee's consent and reference face

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 04:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN: a batch would copy and drop `programmes`, which enrolments reference.
    op.add_column(
        "programmes",
        sa.Column("face_checks", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "face_profiles",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("consent", sa.String(length=16), nullable=False),
        sa.Column("consent_at", sa.DateTime(), nullable=False),
        sa.Column("descriptor", sa.JSON(), nullable=True),
        sa.Column("reference_path", sa.String(length=300), nullable=True),
        sa.Column("reference_source", sa.String(length=16), nullable=True),
        sa.Column("reference_set_at", sa.DateTime(), nullable=True),
        sa.Column("reference_approved_at", sa.DateTime(), nullable=True),
        sa.Column("reference_approved_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_face_profiles_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["reference_approved_by_id"],
            ["users.id"],
            name=op.f("fk_face_profiles_reference_approved_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_face_profiles")),
    )


def downgrade() -> None:
    op.drop_table("face_profiles")
    op.drop_column("programmes", "face_checks")
