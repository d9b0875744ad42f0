"""exam sessions and registrations; unique receipt numbers

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 14:29:00.174270
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exam_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("work_type_code", sa.String(length=32), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("registration_closes_on", sa.Date(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("seats_taken", sa.Integer(), nullable=False),
        sa.Column("coaching_starts_on", sa.Date(), nullable=True),
        sa.Column("coaching_tenths", sa.Integer(), nullable=False),
        sa.Column("parts", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("capacity > 0", name=op.f("ck_exam_sessions_capacity")),
        sa.CheckConstraint(
            "registration_closes_on <= starts_on", name=op.f("ck_exam_sessions_closes_before_start")
        ),
        sa.CheckConstraint(
            "seats_taken >= 0 AND seats_taken <= capacity", name=op.f("ck_exam_sessions_seats")
        ),
        sa.ForeignKeyConstraint(
            ["level"], ["levels.number"], name=op.f("fk_exam_sessions_level_levels")
        ),
        sa.ForeignKeyConstraint(
            ["work_type_code"],
            ["work_types.code"],
            name=op.f("fk_exam_sessions_work_type_code_work_types"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exam_sessions")),
    )
    with op.batch_alter_table("exam_sessions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_exam_sessions_work_type_code_level_starts_on",
            ["work_type_code", "level", "starts_on"],
            unique=False,
        )

    op.create_table(
        "exam_registrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("exam_session_id", sa.Integer(), nullable=False),
        sa.Column("retake", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enrolment_id"],
            ["enrolments.id"],
            name=op.f("fk_exam_registrations_enrolment_id_enrolments"),
        ),
        sa.ForeignKeyConstraint(
            ["exam_session_id"],
            ["exam_sessions.id"],
            name=op.f("fk_exam_registrations_exam_session_id_exam_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exam_registrations")),
        sa.UniqueConstraint(
            "enrolment_id",
            "exam_session_id",
            name=op.f("uq_exam_registrations_enrolment_id_exam_session_id"),
        ),
    )
    with op.batch_alter_table("exam_registrations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_exam_registrations_enrolment_id"), ["enrolment_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_exam_registrations_exam_session_id"), ["exam_session_id"], unique=False
        )

    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f("uq_payments_receipt_no"), ["receipt_no"])


def downgrade() -> None:
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_payments_receipt_no"), type_="unique")

    with op.batch_alter_table("exam_registrations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exam_registrations_exam_session_id"))
        batch_op.drop_index(batch_op.f("ix_exam_registrations_enrolment_id"))

    op.drop_table("exam_registrations")
    with op.batch_alter_table("exam_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_exam_sessions_work_type_code_level_starts_on")

    op.drop_table("exam_sessions")
