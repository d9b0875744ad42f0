# ruff: noqa: E501  (the conditions are quoted as the notice words them)
"""admissions: eligibility conditions, applications, documents

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 14:34:16.879498
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "eligibility_conditions",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("text_zh", sa.Text(), nullable=False),
        sa.Column("text_en", sa.Text(), nullable=False),
        sa.Column("requirement", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_eligibility_conditions")),
    )
    with op.batch_alter_table("eligibility_conditions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_eligibility_conditions_level"), ["level"], unique=False
        )

    op.create_table(
        "applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("applicant_id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("condition_code", sa.String(length=16), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("enrolment_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["applicant_id"], ["users.id"], name=op.f("fk_applications_applicant_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_applications_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["enrolment_id"],
            ["enrolments.id"],
            name=op.f("fk_applications_enrolment_id_enrolments"),
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_applications_programme_id_programmes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applications")),
    )
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_applications_applicant_id"), ["applicant_id"], unique=False
        )
        batch_op.create_index(
            "ix_applications_status_submitted_at", ["status", "submitted_at"], unique=False
        )

    op.create_table(
        "application_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("original_name", sa.String(length=200), nullable=False),
        sa.Column("stored_path", sa.String(length=300), nullable=False),
        sa.Column("mime_type", sa.String(length=50), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_application_documents_application_id_applications"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_documents")),
    )
    with op.batch_alter_table("application_documents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_application_documents_application_id"), ["application_id"], unique=False
        )

    conditions = sa.table(
        "eligibility_conditions",
        sa.column("code"),
        sa.column("level"),
        sa.column("text_zh"),
        sa.column("text_en"),
        sa.column("requirement", sa.JSON),
        sa.column("active"),
    )
    op.bulk_insert(conditions, [{**condition, "active": True} for condition in CONDITIONS])


# The conditions of the 2023 national occupational standard as the training notice lists them
# (domain.md); admins may change them later as data.
CONDITIONS = [
    {
        "code": "L4-a",
        "level": 4,
        "text_zh": "累计从事本职业或相关职业工作满5年。",
        "text_en": "At least 5 years of accumulated work in this occupation or a related one.",
        "requirement": {"years": 5},
    },
    {
        "code": "L4-b",
        "level": 4,
        "text_zh": "取得本职业或相关职业五级/初级工职业资格（职业技能等级）证书后，累计从事本职业或相关职业工作满3年。",
        "text_en": "A level-5 (junior worker) certificate of this or a related occupation, then at least 3 years of accumulated work in this or a related occupation.",
        "requirement": {"certificate": {"min_level": 5}, "years_after": 3},
    },
    {
        "code": "L4-c",
        "level": 4,
        "text_zh": "取得本专业或相关专业的技工院校或中等及以上职业院校、专科及以上普通高等学校毕业证书（含在读应届毕业生）。",
        "text_en": "A diploma in this or a related major from a technical school, a secondary or higher vocational school, or a junior college or above (final-year students count).",
        "requirement": {
            "education": {
                "kinds": [
                    "technical_school",
                    "secondary_vocational",
                    "higher_vocational",
                    "junior_college",
                    "bachelor_or_above",
                    "advanced_worker_class",
                    "technician_college",
                    "advanced_technical_school",
                    "preparatory_technician_class",
                ],
                "major": ["this", "related"],
                "final_year_ok": True,
            }
        },
    },
    {
        "code": "L3-a",
        "level": 3,
        "text_zh": "累计从事本职业或相关职业工作满10年。",
        "text_en": "At least 10 years of accumulated work in this occupation or a related one.",
        "requirement": {"years": 10},
    },
    {
        "code": "L3-b",
        "level": 3,
        "text_zh": "取得本职业或相关职业五级/初级工职业资格（职业技能等级）证书后，累计从事本职业或相关职业工作满3年。",
        "text_en": "A level-5 (junior worker) certificate of this or a related occupation, then at least 3 years of accumulated work in this or a related occupation.",
        "requirement": {"certificate": {"min_level": 5}, "years_after": 3},
    },
    {
        "code": "L3-c",
        "level": 3,
        "text_zh": "取得符合专业对应关系的初级职称（专业技术人员职业资格）后，累计从事本职业或相关职业工作满1年。",
        "text_en": "A junior professional title matching the field, then at least 1 year of accumulated work in this or a related occupation.",
        "requirement": {"title": {"level": "junior"}, "years_after": 1},
    },
    {
        "code": "L3-d",
        "level": 3,
        "text_zh": "取得本专业或相关专业的技工院校高级工班及以上毕业证书（含在读应届毕业生）。",
        "text_en": "A diploma in this or a related major from an advanced-worker class or above of a technical school (final-year students count).",
        "requirement": {
            "education": {
                "kinds": [
                    "advanced_worker_class",
                    "technician_college",
                    "advanced_technical_school",
                    "preparatory_technician_class",
                ],
                "major": ["this", "related"],
                "final_year_ok": True,
            }
        },
    },
    {
        "code": "L3-e",
        "level": 3,
        "text_zh": "取得本职业或相关职业四级/中级工职业资格（职业技能等级）证书，并取得高等职业学校、专科及以上普通高等学校本专业或相关专业毕业证书（含在读应届毕业生）。",
        "text_en": "A level-4 (intermediate worker) certificate of this or a related occupation, and a diploma in this or a related major from a higher vocational school or a junior college or above (final-year students count).",
        "requirement": {
            "all": [
                {"certificate": {"min_level": 4}},
                {
                    "education": {
                        "kinds": ["higher_vocational", "junior_college", "bachelor_or_above"],
                        "major": ["this", "related"],
                        "final_year_ok": True,
                    }
                },
            ]
        },
    },
    {
        "code": "L3-f",
        "level": 3,
        "text_zh": "取得经评估论证的高等职业学校、专科及以上普通高等学校本专业或相关专业的毕业证书（含在读应届毕业生）。",
        "text_en": "A diploma in this or a related major from a programme of a higher vocational school or a junior college or above that passed evaluation (final-year students count).",
        "requirement": {
            "education": {
                "kinds": ["higher_vocational", "junior_college", "bachelor_or_above"],
                "major": ["this", "related"],
                "final_year_ok": True,
                "evaluated_programme": True,
            }
        },
    },
    {
        "code": "L2-a",
        "level": 2,
        "text_zh": "取得本职业或相关职业三级/高级工职业资格（职业技能等级）证书后，累计从事本职业或相关职业工作满5年。",
        "text_en": "A level-3 (advanced worker) certificate of this or a related occupation, then at least 5 years of accumulated work in this or a related occupation.",
        "requirement": {"certificate": {"min_level": 3}, "years_after": 5},
    },
    {
        "code": "L2-b",
        "level": 2,
        "text_zh": "取得符合专业对应关系的初级职称（专业技术人员职业资格）后，累计从事本职业或相关职业工作满5年，并在取得本职业或相关职业三级/高级工职业资格（职业技能等级）证书后，从事本职业或相关职业工作满1年。",
        "text_en": "A junior professional title matching the field, then at least 5 years of accumulated work in this or a related occupation, and at least 1 year of work after a level-3 (advanced worker) certificate of this or a related occupation.",
        "requirement": {
            "all": [
                {"title": {"level": "junior"}, "years_after": 5},
                {"certificate": {"min_level": 3}, "years_after": 1},
            ]
        },
    },
    {
        "code": "L2-c",
        "level": 2,
        "text_zh": "取得符合专业对应关系的中级职称（专业技术人员职业资格）后，累计从事本职业或相关职业工作满1年。",
        "text_en": "An intermediate professional title matching the field, then at least 1 year of accumulated work in this or a related occupation.",
        "requirement": {"title": {"level": "intermediate"}, "years_after": 1},
    },
    {
        "code": "L2-d",
        "level": 2,
        "text_zh": "取得本职业或相关职业三级/高级工职业资格（职业技能等级）证书的高级技工学校、技师学院毕业生，累计从事本职业或相关职业工作满2年。",
        "text_en": "A graduate of an advanced technical school or a technician college holding a level-3 (advanced worker) certificate of this or a related occupation, with at least 2 years of accumulated work in this or a related occupation.",
        "requirement": {
            "all": [
                {"education": {"kinds": ["advanced_technical_school", "technician_college"]}},
                {"certificate": {"min_level": 3}},
                {"years": 2},
            ]
        },
    },
    {
        "code": "L2-e",
        "level": 2,
        "text_zh": "取得本职业或相关职业三级/高级工职业资格（职业技能等级）证书满2年的技师学院预备技师班、技师班学生。",
        "text_en": "A student of a preparatory-technician or technician class of a technician college who has held a level-3 (advanced worker) certificate of this or a related occupation for at least 2 years.",
        "requirement": {
            "all": [
                {"education": {"kinds": ["preparatory_technician_class"], "studying": True}},
                {"certificate": {"min_level": 3}, "held_years": 2},
            ]
        },
    },
    {
        "code": "L1-a",
        "level": 1,
        "text_zh": "取得本职业或相关职业二级/技师职业资格（职业技能等级）证书后，累计从事本职业或相关职业工作满5年。",
        "text_en": "A level-2 (technician) certificate of this or a related occupation, then at least 5 years of accumulated work in this or a related occupation.",
        "requirement": {"certificate": {"min_level": 2}, "years_after": 5},
    },
    {
        "code": "L1-b",
        "level": 1,
        "text_zh": "取得符合专业对应关系的高级职称（专业技术人员职业资格）后，累计从事本职业或相关职业工作满1年。",
        "text_en": "A senior professional title matching the field, then at least 1 year of accumulated work in this or a related occupation.",
        "requirement": {"title": {"level": "senior"}, "years_after": 1},
    },
    {
        "code": "L1-c",
        "level": 1,
        "text_zh": "取得符合专业对应关系的中级职称后，累计从事本职业或相关职业工作满5年，并在取得本职业或相关职业二级/技师职业资格（职业技能等级）证书后，从事本职业或相关职业工作满1年。",
        "text_en": "An intermediate professional title matching the field, then at least 5 years of accumulated work in this or a related occupation, and at least 1 year of work after a level-2 (technician) certificate of this or a related occupation.",
        "requirement": {
            "all": [
                {"title": {"level": "intermediate"}, "years_after": 5},
                {"certificate": {"min_level": 2}, "years_after": 1},
            ]
        },
    },
]


def downgrade() -> None:
    with op.batch_alter_table("application_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_application_documents_application_id"))

    op.drop_table("application_documents")
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_index("ix_applications_status_submitted_at")
        batch_op.drop_index(batch_op.f("ix_applications_applicant_id"))

    op.drop_table("applications")
    with op.batch_alter_table("eligibility_conditions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_eligibility_conditions_level"))

    op.drop_table("eligibility_conditions")
