"""Initial schema, and the catalogue of the 2023 national occupational standard.

Work types and levels are data (shared/domain.md): admins may retire or add them later.

Revision ID: 0001
Revises:
Create Date: 2026-11-24 13:26:36.366678
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "classes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_classes")),
        sa.UniqueConstraint("name", name=op.f("uq_classes_name")),
    )
    op.create_table(
        "levels",
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name_zh", sa.String(length=50), nullable=False),
        sa.Column("name_en", sa.String(length=50), nullable=False),
        sa.Column("default_required_hours", sa.Integer(), nullable=False),
        sa.Column("has_comprehensive_review", sa.Boolean(), nullable=False),
        sa.CheckConstraint("number BETWEEN 1 AND 5", name=op.f("ck_levels_number")),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_levels")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("must_change_password", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("deactivated_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "role IN ('trainee', 'instructor', 'admin')", name=op.f("ck_users_role")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "videos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("duration_s", sa.Integer(), nullable=False),
        sa.Column("file_path", sa.String(length=500), nullable=True),
        sa.Column("url", sa.String(length=1000), nullable=True),
        sa.Column("mime_type", sa.String(length=50), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("retired_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "(file_path IS NOT NULL) OR (url IS NOT NULL)", name=op.f("ck_videos_file_or_url")
        ),
        sa.CheckConstraint("duration_s > 0", name=op.f("ck_videos_duration")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_videos")),
    )
    op.create_table(
        "work_types",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name_zh", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=100), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_work_types")),
    )
    op.create_table(
        "class_instructors",
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["class_id"], ["classes.id"], name=op.f("fk_class_instructors_class_id_classes")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_class_instructors_user_id_users")
        ),
        sa.PrimaryKeyConstraint("class_id", "user_id", name=op.f("pk_class_instructors")),
    )
    op.create_table(
        "programmes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("work_type_code", sa.String(length=32), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("required_hours", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.CheckConstraint("required_hours > 0", name=op.f("ck_programmes_required_hours")),
        sa.ForeignKeyConstraint(
            ["level"], ["levels.number"], name=op.f("fk_programmes_level_levels")
        ),
        sa.ForeignKeyConstraint(
            ["work_type_code"],
            ["work_types.code"],
            name=op.f("fk_programmes_work_type_code_work_types"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programmes")),
        sa.UniqueConstraint("code", name=op.f("uq_programmes_code")),
        sa.UniqueConstraint(
            "work_type_code", "level", name=op.f("uq_programmes_work_type_code_level")
        ),
    )
    op.create_table(
        "trainee_profiles",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("real_name", sa.String(length=100), nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("employer", sa.String(length=200), nullable=True),
        sa.Column("category", sa.Integer(), nullable=False),
        sa.CheckConstraint("category BETWEEN 1 AND 6", name=op.f("ck_trainee_profiles_category")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_trainee_profiles_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_trainee_profiles")),
    )
    op.create_table(
        "enrolments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("standard_hour_minutes", sa.Integer(), nullable=False),
        sa.Column("online_s", sa.Integer(), nullable=False),
        sa.Column("offline_s", sa.Integer(), nullable=False),
        sa.Column("last_studied_on", sa.Date(), nullable=True),
        sa.Column("eligibility_condition", sa.String(length=16), nullable=True),
        sa.Column("eligibility_approved_at", sa.DateTime(), nullable=True),
        sa.Column("exam_unlocked", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["class_id"], ["classes.id"], name=op.f("fk_enrolments_class_id_classes")
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"], ["programmes.id"], name=op.f("fk_enrolments_programme_id_programmes")
        ),
        sa.ForeignKeyConstraint(
            ["trainee_id"], ["users.id"], name=op.f("fk_enrolments_trainee_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrolments")),
        sa.UniqueConstraint(
            "trainee_id", "programme_id", name=op.f("uq_enrolments_trainee_id_programme_id")
        ),
    )
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.create_index("ix_enrolments_class_id", ["class_id"], unique=False)

    op.create_table(
        "programme_videos",
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("video_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_programme_videos_programme_id_programmes"),
        ),
        sa.ForeignKeyConstraint(
            ["video_id"], ["videos.id"], name=op.f("fk_programme_videos_video_id_videos")
        ),
        sa.PrimaryKeyConstraint("programme_id", "video_id", name=op.f("pk_programme_videos")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=100), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_audit_log_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["enrolment_id"], ["enrolments.id"], name=op.f("fk_audit_log_enrolment_id_enrolments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_audit_log_enrolment_id_at", ["enrolment_id", "at"], unique=False)

    op.create_table(
        "payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("method", sa.String(length=50), nullable=False),
        sa.Column("receipt_no", sa.String(length=64), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enrolment_id"], ["enrolments.id"], name=op.f("fk_payments_enrolment_id_enrolments")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_payments_recorded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payments_enrolment_id"), ["enrolment_id"], unique=False
        )

    _seed_catalogue()


WORK_TYPES = [
    ("monitoring", "碳排放监测员", "Carbon emission monitor"),
    ("accounting", "碳排放核算员", "Carbon emission accountant"),
    ("verification", "碳排放核查员", "Carbon emission verifier"),
    ("trading", "碳排放交易员", "Carbon emission trader"),
    ("consulting", "碳排放咨询员", "Carbon emission consultant"),
    ("aviation", "民航碳排放管理员", "Civil-aviation carbon emission manager"),
]
# number, Chinese name, English name, minimum standard hours, comprehensive review
LEVELS = [
    (4, "四级/中级工", "Level 4 / Intermediate", 80, False),
    (3, "三级/高级工", "Level 3 / Senior", 80, False),
    (2, "二级/技师", "Level 2 / Technician", 100, True),
    (1, "一级/高级技师", "Level 1 / Senior technician", 100, True),
]
# The 2023 standard is reported to start consulting at level 3.
NOT_OFFERED = {("consulting", 4)}


def _seed_catalogue() -> None:
    work_types = sa.table(
        "work_types",
        sa.column("code"),
        sa.column("name_zh"),
        sa.column("name_en"),
        sa.column("sort_order"),
        sa.column("active"),
    )
    levels = sa.table(
        "levels",
        sa.column("number"),
        sa.column("name_zh"),
        sa.column("name_en"),
        sa.column("default_required_hours"),
        sa.column("has_comprehensive_review"),
    )
    programmes = sa.table(
        "programmes",
        sa.column("code"),
        sa.column("work_type_code"),
        sa.column("level"),
        sa.column("required_hours"),
        sa.column("active"),
    )
    op.bulk_insert(
        work_types,
        [
            {"code": code, "name_zh": zh, "name_en": en, "sort_order": index, "active": True}
            for index, (code, zh, en) in enumerate(WORK_TYPES)
        ],
    )
    op.bulk_insert(
        levels,
        [
            {
                "number": number,
                "name_zh": zh,
                "name_en": en,
                "default_required_hours": hours,
                "has_comprehensive_review": review,
            }
            for number, zh, en, hours, review in LEVELS
        ],
    )
    op.bulk_insert(
        programmes,
        [
            {
                "code": f"{code}-{number}",
                "work_type_code": code,
                "level": number,
                "required_hours": hours,
                "active": True,
            }
            for code, _zh, _en in WORK_TYPES
            for number, _lzh, _len, hours, _review in LEVELS
            if (code, number) not in NOT_OFFERED
        ],
    )


def downgrade() -> None:
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payments_enrolment_id"))

    op.drop_table("payments")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_enrolment_id_at")

    op.drop_table("audit_log")
    op.drop_table("programme_videos")
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.drop_index("ix_enrolments_class_id")

    op.drop_table("enrolments")
    op.drop_table("trainee_profiles")
    op.drop_table("programmes")
    op.drop_table("class_instructors")
    op.drop_table("work_types")
    op.drop_table("videos")
    op.drop_table("users")
    op.drop_table("levels")
    op.drop_table("classes")
