"""exam results, certificates and subsidy rates

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 14:44:09.165703
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subsidy_rates",
        sa.Column("level", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["level"], ["levels.number"], name=op.f("fk_subsidy_rates_level_levels")
        ),
        sa.PrimaryKeyConstraint("level", name=op.f("pk_subsidy_rates")),
    )
    with op.batch_alter_table("exam_registrations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("outcome", sa.String(length=16), nullable=True))
        batch_op.add_column(
            sa.Column("scores", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
        )
        batch_op.add_column(sa.Column("certificate_no", sa.String(length=22), nullable=True))
        batch_op.add_column(sa.Column("certificate_issued_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("results_recorded_at", sa.DateTime(), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_exam_registrations_certificate_no"), ["certificate_no"]
        )

    rates = sa.table("subsidy_rates", sa.column("level"), sa.column("amount_fen"))
    op.bulk_insert(
        rates, [{"level": level, "amount_fen": yuan * 100} for level, yuan in SUBSIDY_YUAN.items()]
    )


# Guangdong's 2025 catalogue of training subsidies (domain.md), per level, in yuan.
SUBSIDY_YUAN = {4: 1500, 3: 2000, 2: 2500, 1: 3000}


def downgrade() -> None:
    with op.batch_alter_table("exam_registrations", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_exam_registrations_certificate_no"), type_="unique")
        batch_op.drop_column("results_recorded_at")
        batch_op.drop_column("certificate_issued_on")
        batch_op.drop_column("certificate_no")
        batch_op.drop_column("scores")
        batch_op.drop_column("outcome")

    op.drop_table("subsidy_rates")
