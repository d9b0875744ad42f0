"""question bank, practice answers, wrong-answer book, mock exams

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-10 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("stem", sa.Text(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("answer", sa.String(length=8), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("chapter", sa.String(length=100), nullable=True),
        sa.Column("knowledge_point", sa.String(length=100), nullable=False),
        sa.Column("difficulty", sa.SmallInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("retired_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('true_false', 'single', 'multiple')", name=op.f("ck_questions_kind")
        ),
        sa.CheckConstraint("difficulty BETWEEN 1 AND 3", name=op.f("ck_questions_difficulty")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questions")),
    )
    op.create_table(
        "wrong_book_entries",
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("right_in_a_row", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["questions.id"],
            name=op.f("fk_wrong_book_entries_question_id_questions"),
        ),
        sa.ForeignKeyConstraint(
            ["trainee_id"], ["users.id"], name=op.f("fk_wrong_book_entries_trainee_id_users")
        ),
        sa.PrimaryKeyConstraint("trainee_id", "question_id", name=op.f("pk_wrong_book_entries")),
    )
    op.create_table(
        "mock_exam_formats",
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("true_false_count", sa.Integer(), nullable=False),
        sa.Column("true_false_points", sa.Integer(), nullable=False),
        sa.Column("single_count", sa.Integer(), nullable=False),
        sa.Column("single_points", sa.Integer(), nullable=False),
        sa.Column("multiple_count", sa.Integer(), nullable=False),
        sa.Column("multiple_points", sa.Integer(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("pass_mark", sa.Integer(), nullable=False),
        sa.Column("exam_gate_score", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "duration_minutes BETWEEN 5 AND 300", name=op.f("ck_mock_exam_formats_duration")
        ),
        sa.CheckConstraint(
            "true_false_count >= 0 AND single_count >= 0 AND multiple_count >= 0",
            name=op.f("ck_mock_exam_formats_counts"),
        ),
        sa.CheckConstraint(
            "true_false_points > 0 AND single_points > 0 AND multiple_points > 0",
            name=op.f("ck_mock_exam_formats_points"),
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_mock_exam_formats_programme_id_programmes"),
        ),
        sa.PrimaryKeyConstraint("programme_id", name=op.f("pk_mock_exam_formats")),
    )
    op.create_table(
        "question_programmes",
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_question_programmes_programme_id_programmes"),
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["questions.id"],
            name=op.f("fk_question_programmes_question_id_questions"),
        ),
        sa.PrimaryKeyConstraint("question_id", "programme_id", name=op.f("pk_question_programmes")),
    )
    with op.batch_alter_table("question_programmes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_question_programmes_programme_id"), ["programme_id"], unique=False
        )

    op.create_table(
        "mock_exams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("deadline_at", sa.DateTime(), nullable=False),
        sa.Column("handed_in_at", sa.DateTime(), nullable=True),
        sa.Column("handed_in_by", sa.String(length=16), nullable=True),
        sa.Column("total_points", sa.Integer(), nullable=False),
        sa.Column("pass_mark", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["enrolment_id"], ["enrolments.id"], name=op.f("fk_mock_exams_enrolment_id_enrolments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mock_exams")),
    )
    with op.batch_alter_table("mock_exams", schema=None) as batch_op:
        batch_op.create_index(
            "ix_mock_exams_enrolment_id_started_at", ["enrolment_id", "started_at"], unique=False
        )
        batch_op.create_index(
            "ux_mock_exams_open_enrolment_id",
            ["enrolment_id"],
            unique=True,
            sqlite_where=sa.text("handed_in_at IS NULL"),
            postgresql_where=sa.text("handed_in_at IS NULL"),
        )

    op.create_table(
        "practice_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("chosen", sa.String(length=8), nullable=False),
        sa.Column("right", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enrolment_id"],
            ["enrolments.id"],
            name=op.f("fk_practice_answers_enrolment_id_enrolments"),
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["questions.id"],
            name=op.f("fk_practice_answers_question_id_questions"),
        ),
        sa.ForeignKeyConstraint(
            ["trainee_id"], ["users.id"], name=op.f("fk_practice_answers_trainee_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice_answers")),
    )
    with op.batch_alter_table("practice_answers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_practice_answers_enrolment_id"), ["enrolment_id"], unique=False
        )
        batch_op.create_index("ix_practice_answers_question_id", ["question_id"], unique=False)
        batch_op.create_index(
            "ix_practice_answers_trainee_id_question_id",
            ["trainee_id", "question_id"],
            unique=False,
        )

    op.create_table(
        "mock_exam_items",
        sa.Column("mock_exam_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("chosen", sa.String(length=8), nullable=True),
        sa.Column("right", sa.Boolean(), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["mock_exam_id"],
            ["mock_exams.id"],
            name=op.f("fk_mock_exam_items_mock_exam_id_mock_exams"),
        ),
        sa.ForeignKeyConstraint(
            ["question_id"], ["questions.id"], name=op.f("fk_mock_exam_items_question_id_questions")
        ),
        sa.PrimaryKeyConstraint("mock_exam_id", "position", name=op.f("pk_mock_exam_items")),
    )
    with op.batch_alter_table("mock_exam_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mock_exam_items_question_id"), ["question_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("mock_exam_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mock_exam_items_question_id"))

    op.drop_table("mock_exam_items")
    with op.batch_alter_table("practice_answers", schema=None) as batch_op:
        batch_op.drop_index("ix_practice_answers_trainee_id_question_id")
        batch_op.drop_index("ix_practice_answers_question_id")
        batch_op.drop_index(batch_op.f("ix_practice_answers_enrolment_id"))

    op.drop_table("practice_answers")
    with op.batch_alter_table("mock_exams", schema=None) as batch_op:
        batch_op.drop_index(
            "ux_mock_exams_open_enrolment_id",
            sqlite_where=sa.text("handed_in_at IS NULL"),
            postgresql_where=sa.text("handed_in_at IS NULL"),
        )
        batch_op.drop_index("ix_mock_exams_enrolment_id_started_at")

    op.drop_table("mock_exams")
    with op.batch_alter_table("question_programmes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_question_programmes_programme_id"))

    op.drop_table("question_programmes")
    op.drop_table("mock_exam_formats")
    op.drop_table("wrong_book_entries")
    op.drop_table("questions")
