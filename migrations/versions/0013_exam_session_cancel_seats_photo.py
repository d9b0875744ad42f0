"""exam sessions have a starting time and can be cancelled with a reason; each registration
holds its seat number; a trainee may give an identity photo for the admission ticket

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 03:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMNs: a batch would copy and drop `exam_sessions`, which registrations
    # reference (refused by SQLite's foreign keys once a registration exists).
    op.add_column("exam_sessions", sa.Column("starts_at", sa.Time(), nullable=True))
    op.add_column("exam_sessions", sa.Column("cancelled_at", sa.DateTime(), nullable=True))
    op.add_column("exam_sessions", sa.Column("cancel_reason", sa.Text(), nullable=True))
    with op.batch_alter_table("exam_registrations") as batch:
        batch.add_column(sa.Column("seat_no", sa.Integer(), nullable=True))
    _number_seats()
    with op.batch_alter_table("exam_registrations") as batch:
        batch.create_unique_constraint(
            "uq_exam_registrations_exam_session_id_seat_no", ["exam_session_id", "seat_no"]
        )
    op.add_column("trainee_profiles", sa.Column("photo_path", sa.String(length=300), nullable=True))


def _number_seats() -> None:
    """Seats 1, 2, ... in the order candidates registered, for the registrations already made."""
    registrations = sa.table(
        "exam_registrations",
        sa.column("id", sa.Integer),
        sa.column("exam_session_id", sa.Integer),
        sa.column("created_at", sa.DateTime),
        sa.column("seat_no", sa.Integer),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(registrations.c.id, registrations.c.exam_session_id).order_by(
            registrations.c.exam_session_id, registrations.c.created_at, registrations.c.id
        )
    ).all()
    seats: dict[int, int] = {}
    for registration_id, exam_session_id in rows:
        seats[exam_session_id] = seats.get(exam_session_id, 0) + 1
        connection.execute(
            registrations.update()
            .where(registrations.c.id == registration_id)
            .values(seat_no=seats[exam_session_id])
        )


def downgrade() -> None:
    op.drop_column("trainee_profiles", "photo_path")
    with op.batch_alter_table("exam_registrations") as batch:
        batch.drop_constraint("uq_exam_registrations_exam_session_id_seat_no", type_="unique")
        batch.drop_column("seat_no")
    for column in ("cancel_reason", "cancelled_at", "starts_at"):
        op.drop_column("exam_sessions", column)
