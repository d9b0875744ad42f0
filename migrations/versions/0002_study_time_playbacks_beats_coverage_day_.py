"""study time: playbacks, beats, coverage, day sums, offline credits

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 13:39:25.763397
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "coaching_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("credit_s", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["class_id"], ["classes.id"], name=op.f("fk_coaching_days_class_id_classes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coaching_days")),
        sa.UniqueConstraint("class_id", "day", name=op.f("uq_coaching_days_class_id_day")),
    )
    op.create_table(
        "trainee_study_state",
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("seed", sa.String(length=64), nullable=False),
        sa.Column("event_count", sa.BigInteger(), nullable=False),
        sa.Column("clock_ms", sa.BigInteger(), nullable=False),
        sa.Column("latest_playback_id", sa.String(length=32), nullable=True),
        sa.Column("checks_answered", sa.Integer(), nullable=False),
        sa.Column("played_since_check_ms", sa.BigInteger(), nullable=False),
        sa.Column("next_due_ms", sa.BigInteger(), nullable=True),
        sa.Column("pending_id", sa.String(length=64), nullable=True),
        sa.Column("pending_code", sa.String(length=16), nullable=True),
        sa.Column("pending_resume_at_ms", sa.BigInteger(), nullable=True),
        sa.Column("pending_sent_at_ms", sa.BigInteger(), nullable=True),
        sa.Column("day", sa.String(length=10), nullable=True),
        sa.Column("day_credited_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["trainee_id"], ["users.id"], name=op.f("fk_trainee_study_state_trainee_id_users")
        ),
        sa.PrimaryKeyConstraint("trainee_id", name=op.f("pk_trainee_study_state")),
    )
    op.create_table(
        "coverage",
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("video_id", sa.Integer(), nullable=False),
        sa.Column("intervals", sa.JSON(), nullable=False),
        sa.Column("covered_s", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enrolment_id"], ["enrolments.id"], name=op.f("fk_coverage_enrolment_id_enrolments")
        ),
        sa.ForeignKeyConstraint(
            ["video_id"], ["videos.id"], name=op.f("fk_coverage_video_id_videos")
        ),
        sa.PrimaryKeyConstraint("enrolment_id", "video_id", name=op.f("pk_coverage")),
    )
    op.create_table(
        "offline_credits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("seconds", sa.Integer(), nullable=False),
        sa.Column("coaching_day_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["coaching_day_id"],
            ["coaching_days.id"],
            name=op.f("fk_offline_credits_coaching_day_id_coaching_days"),
        ),
        sa.ForeignKeyConstraint(
            ["enrolment_id"],
            ["enrolments.id"],
            name=op.f("fk_offline_credits_enrolment_id_enrolments"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_offline_credits_recorded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offline_credits")),
    )
    with op.batch_alter_table("offline_credits", schema=None) as batch_op:
        batch_op.create_index("ix_offline_credits_enrolment_id", ["enrolment_id"], unique=False)
        batch_op.create_index(
            "uq_offline_credits_coaching_day_id_enrolment_id",
            ["coaching_day_id", "enrolment_id"],
            unique=True,
        )

    op.create_table(
        "playbacks",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("video_id", sa.Integer(), nullable=False),
        sa.Column("event_no", sa.BigInteger(), nullable=False),
        sa.Column("opened_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("duration_ms", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("end_reason", sa.String(length=32), nullable=True),
        sa.Column("superseded_at_ms", sa.BigInteger(), nullable=True),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("position_ms", sa.BigInteger(), nullable=True),
        sa.Column("crediting", sa.Boolean(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("visible", sa.Boolean(), nullable=False),
        sa.Column("rate_milli", sa.Integer(), nullable=False),
        sa.Column("last_beat_at_ms", sa.BigInteger(), nullable=True),
        sa.Column("allowance_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enrolment_id"], ["enrolments.id"], name=op.f("fk_playbacks_enrolment_id_enrolments")
        ),
        sa.ForeignKeyConstraint(
            ["trainee_id"], ["users.id"], name=op.f("fk_playbacks_trainee_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["video_id"], ["videos.id"], name=op.f("fk_playbacks_video_id_videos")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_playbacks")),
    )
    with op.batch_alter_table("playbacks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_playbacks_enrolment_id_video_id", ["enrolment_id", "video_id"], unique=False
        )
        batch_op.create_index(
            "ix_playbacks_status_last_beat_at_ms", ["status", "last_beat_at_ms"], unique=False
        )
        batch_op.create_index(
            "ix_playbacks_trainee_id_event_no", ["trainee_id", "event_no"], unique=False
        )

    op.create_table(
        "study_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("video_id", sa.Integer(), nullable=False),
        sa.Column("credited_ms", sa.BigInteger(), nullable=False),
        sa.Column("not_credited", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enrolment_id"], ["enrolments.id"], name=op.f("fk_study_days_enrolment_id_enrolments")
        ),
        sa.ForeignKeyConstraint(
            ["trainee_id"], ["users.id"], name=op.f("fk_study_days_trainee_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["video_id"], ["videos.id"], name=op.f("fk_study_days_video_id_videos")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_study_days")),
        sa.UniqueConstraint(
            "trainee_id",
            "day",
            "enrolment_id",
            "video_id",
            name=op.f("uq_study_days_trainee_id_day_enrolment_id_video_id"),
        ),
    )
    with op.batch_alter_table("study_days", schema=None) as batch_op:
        batch_op.create_index(
            "ix_study_days_enrolment_id_day", ["enrolment_id", "day"], unique=False
        )

    op.create_table(
        "beats",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("playback_id", sa.String(length=32), nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("event_no", sa.BigInteger(), nullable=False),
        sa.Column("server_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("event", sa.String(length=16), nullable=False),
        sa.Column("position_ms", sa.BigInteger(), nullable=False),
        sa.Column("from_ms", sa.BigInteger(), nullable=True),
        sa.Column("rate_milli", sa.Integer(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("visible", sa.Boolean(), nullable=False),
        sa.Column("attention_id", sa.String(length=64), nullable=True),
        sa.Column("attention_code", sa.String(length=64), nullable=True),
        sa.Column("client_ts", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("credited_ms", sa.BigInteger(), nullable=False),
        sa.Column("not_credited", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["playback_id"], ["playbacks.id"], name=op.f("fk_beats_playback_id_playbacks")
        ),
        sa.ForeignKeyConstraint(
            ["trainee_id"], ["users.id"], name=op.f("fk_beats_trainee_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_beats")),
    )
    with op.batch_alter_table("beats", schema=None) as batch_op:
        batch_op.create_index("ix_beats_playback_id_seq", ["playback_id", "seq"], unique=False)
        batch_op.create_index("ix_beats_trainee_id_day", ["trainee_id", "day"], unique=False)
        batch_op.create_index(
            "ix_beats_trainee_id_event_no", ["trainee_id", "event_no"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("beats", schema=None) as batch_op:
        batch_op.drop_index("ix_beats_trainee_id_event_no")
        batch_op.drop_index("ix_beats_trainee_id_day")
        batch_op.drop_index("ix_beats_playback_id_seq")

    op.drop_table("beats")
    with op.batch_alter_table("study_days", schema=None) as batch_op:
        batch_op.drop_index("ix_study_days_enrolment_id_day")

    op.drop_table("study_days")
    with op.batch_alter_table("playbacks", schema=None) as batch_op:
        batch_op.drop_index("ix_playbacks_trainee_id_event_no")
        batch_op.drop_index("ix_playbacks_status_last_beat_at_ms")
        batch_op.drop_index("ix_playbacks_enrolment_id_video_id")

    op.drop_table("playbacks")
    with op.batch_alter_table("offline_credits", schema=None) as batch_op:
        batch_op.drop_index("uq_offline_credits_coaching_day_id_enrolment_id")
        batch_op.drop_index("ix_offline_credits_enrolment_id")

    op.drop_table("offline_credits")
    op.drop_table("coverage")
    op.drop_table("trainee_study_state")
    op.drop_table("coaching_days")
