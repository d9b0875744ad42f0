"""announcements of the training office to trainees (each addressed trainee's notification
points at its announcement); the study reminders sent to idle trainees before their exam

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-09 10:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "announcements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("audience", sa.String(length=16), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=True),
        sa.Column("class_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.Column("withdrawn_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(audience = 'all' AND programme_id IS NULL AND class_id IS NULL)"
            " OR (audience = 'programme' AND programme_id IS NOT NULL AND class_id IS NULL)"
            " OR (audience = 'class' AND class_id IS NOT NULL AND programme_id IS NULL)",
            name=op.f("ck_announcements_audience"),
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_announcements_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["class_id"], ["classes.id"], name=op.f("fk_announcements_class_id_classes")
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_announcements_programme_id_programmes"),
        ),
        sa.ForeignKeyConstraint(
            ["withdrawn_by_id"], ["users.id"], name=op.f("fk_announcements_withdrawn_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcements")),
    )
    op.create_index("ix_announcements_created_at", "announcements", ["created_at"])
    op.create_table(
        "study_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("idle_days", sa.Integer(), nullable=False),
        sa.Column("exam_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enrolment_id"],
            ["enrolments.id"],
            name=op.f("fk_study_reminders_enrolment_id_enrolments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_study_reminders")),
        sa.UniqueConstraint(
            "enrolment_id", "sent_on", name=op.f("uq_study_reminders_enrolment_id_sent_on")
        ),
    )
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("announcement_id", sa.Integer(), nullable=True))
        batch.create_index("ix_notifications_announcement_id", ["announcement_id"])
        batch.create_foreign_key(
            "fk_notifications_announcement_id_announcements",
            "announcements",
            ["announcement_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.drop_constraint("fk_notifications_announcement_id_announcements", type_="foreignkey")
        batch.drop_index("ix_notifications_announcement_id")
        batch.drop_column("announcement_id")
    op.drop_table("study_reminders")
    op.drop_index("ix_announcements_created_at", table_name="announcements")
    op.drop_table("announcements")
