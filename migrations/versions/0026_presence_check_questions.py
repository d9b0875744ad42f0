"""presence checks that ask a question of the bank (弹题): the programme setting, the
questions asked, the outcome on the answer beat

Revision ID: 0026
Revises: 0023
Create Date: 2026-12-10 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "check_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("check_id", sa.String(length=64), nullable=False),
        sa.Column("playback_id", sa.String(length=32), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("asked_at", sa.DateTime(), nullable=False),
        sa.Column("chosen", sa.String(length=8), nullable=True),
        sa.Column("outcome", sa.String(length=8), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["playback_id"], ["playbacks.id"], name=op.f("fk_check_questions_playback_id_playbacks")
        ),
        sa.ForeignKeyConstraint(
            ["question_id"], ["questions.id"], name=op.f("fk_check_questions_question_id_questions")
        ),
        sa.ForeignKeyConstraint(
            ["trainee_id"], ["users.id"], name=op.f("fk_check_questions_trainee_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_questions")),
    )
    op.create_index(
        "ix_check_questions_trainee_id_check_id", "check_questions", ["trainee_id", "check_id"]
    )
    # Added and dropped in place (SQLite has both since 3.35): a batch copy of `programmes` or
    # of the beat log would trip the foreign keys that point at them, and copy millions of beats.
    op.add_column("beats", sa.Column("question_id", sa.Integer(), nullable=True))
    op.add_column("beats", sa.Column("question_outcome", sa.String(length=8), nullable=True))
    op.add_column(
        "programmes",
        sa.Column("presence_check", sa.String(length=16), server_default="code", nullable=False),
    )


def downgrade() -> None:
    op.drop_column("programmes", "presence_check")
    op.drop_column("beats", "question_outcome")
    op.drop_column("beats", "question_id")
    op.drop_index("ix_check_questions_trainee_id_check_id", table_name="check_questions")
    op.drop_table("check_questions")
