"""one open application per mobile number; proofs deleted after the retention period

Revision ID: 0022
Revises: 0020
Create Date: 2026-12-12 08:00:00
"""

from __future__ import annotations

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0020"
branch_labels = None
depends_on = None

OPEN = "status IN ('submitted', 'returned')"


def upgrade() -> None:
    op.add_column("applications", sa.Column("phone", sa.String(length=20), nullable=True))
    op.add_column("application_documents", sa.Column("deleted_at", sa.DateTime(), nullable=True))
    _fill_phones()
    op.create_index(
        "ux_applications_open_phone",
        "applications",
        ["phone"],
        unique=True,
        sqlite_where=sa.text(OPEN),
        postgresql_where=sa.text(OPEN),
    )


def _fill_phones() -> None:
    """Each application gets its applicant's number as `identity.normalise_phone` writes it.
    Open applications that share a number from before the rule stay open: the oldest keeps the
    number, the others none, so the index can be built and none is closed by a migration."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT a.id, a.status, p.phone FROM applications a "
            "JOIN trainee_profiles p ON p.user_id = a.applicant_id "
            "WHERE p.phone IS NOT NULL ORDER BY a.id"
        )
    ).all()
    taken: set[str] = set()
    for application_id, status, raw in rows:
        phone = _normalise(raw)
        if not phone:
            continue
        if status in ("submitted", "returned"):
            if phone in taken:
                continue
            taken.add(phone)
        bind.execute(
            sa.text("UPDATE applications SET phone = :phone WHERE id = :id"),
            {"phone": phone, "id": application_id},
        )


def _normalise(text: str) -> str:
    """`learning.services.identity.normalise_phone` as it was at this revision."""
    digits = (str(unicodedata.decimal(c)) if c.isdecimal() else c for c in text)
    return "".join(c for c in digits if not c.isspace() and c != "-")[:20]


def downgrade() -> None:
    op.drop_index("ux_applications_open_phone", table_name="applications")
    with op.batch_alter_table("application_documents") as batch:
        batch.drop_column("deleted_at")
    with op.batch_alter_table("applications") as batch:
        batch.drop_column("phone")
