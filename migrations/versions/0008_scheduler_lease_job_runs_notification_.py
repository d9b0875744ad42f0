"""scheduler lease, job runs, notification keys

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 17:01:04.495533
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_runs")),
    )
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.create_index("ix_job_runs_job_started_at", ["job", "started_at"], unique=False)

    op.create_table(
        "scheduler_lease",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=True),
        sa.Column("acquired_at", sa.DateTime(), nullable=True),
        sa.Column("renewed_at", sa.DateTime(), nullable=True),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scheduler_lease")),
    )
    lease = sa.table("scheduler_lease", sa.column("name", sa.String))
    op.bulk_insert(lease, [{"name": "scheduler"}])  # free until a scheduler process takes it
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key", sa.String(length=100), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_notifications_key"), ["key"])
    _key_hours_reached()


def _key_hours_reached() -> None:
    """The minimum-hours message was sent by the beat path until now; the scheduler sends it
    from now on, once per enrolment by key. Give the ones already sent their key, so nobody is
    told twice."""
    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            "SELECT n.id, e.id FROM notifications n"
            " JOIN enrolments e ON e.trainee_id = n.user_id"
            " WHERE n.kind = 'hours_reached'"
        )
    ).all()
    params = connection.execute(
        sa.text("SELECT id, params FROM notifications WHERE kind = 'hours_reached'")
    ).all()
    programme_of = {
        notification_id: (value if isinstance(value, dict) else json.loads(value)).get("programme")
        for notification_id, value in params
    }
    codes = dict(connection.execute(sa.text("SELECT id, code FROM programmes")).all())
    enrolment_programme = dict(
        connection.execute(sa.text("SELECT id, programme_id FROM enrolments")).all()
    )
    used: set[str] = set()
    for notification_id, enrolment_id in rows:
        code = codes.get(enrolment_programme.get(enrolment_id))
        key = f"hours_reached:{enrolment_id}"
        if key in used or code != programme_of.get(notification_id):
            continue  # another enrolment of the trainee, or told twice before: keep one key
        used.add(key)
        connection.execute(
            sa.text("UPDATE notifications SET key = :key WHERE id = :id"),
            {"key": key, "id": notification_id},
        )


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_notifications_key"), type_="unique")
        batch_op.drop_column("key")

    op.drop_table("scheduler_lease")
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_job_runs_job_started_at")

    op.drop_table("job_runs")
