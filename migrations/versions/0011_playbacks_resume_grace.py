"""playbacks: the resume grace (accounting.md rule 3 as amended)

Playbacks opened before the grace existed keep the rule they were judged by: their recorded
settings get `resume_grace_s = 0`, under which a paused, hidden or checked playback's allowance
does not grow, as before. `rest_base_ms` is the allowance when an active playback left the
credited state; under that old rule it is the allowance it still has.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 00:30:00
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

playbacks = sa.table(
    "playbacks",
    sa.column("id", sa.String),
    sa.column("settings", sa.JSON),
    sa.column("status", sa.String),
    sa.column("crediting", sa.Boolean),
    sa.column("allowance_ms", sa.BigInteger),
    sa.column("rest_base_ms", sa.BigInteger),
)


def upgrade() -> None:
    with op.batch_alter_table("playbacks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rest_base_ms", sa.BigInteger(), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(sa.select(playbacks.c.id, playbacks.c.settings)).all()
    for playback_id, settings in rows:
        recorded = json.loads(settings) if isinstance(settings, str) else dict(settings)
        recorded.setdefault("resume_grace_s", 0)
        connection.execute(
            playbacks.update().where(playbacks.c.id == playback_id).values(settings=recorded)
        )
    connection.execute(
        playbacks.update()
        .where(playbacks.c.status == "active", playbacks.c.crediting.is_(False))
        .values(rest_base_ms=playbacks.c.allowance_ms)
    )


def downgrade() -> None:
    with op.batch_alter_table("playbacks", schema=None) as batch_op:
        batch_op.drop_column("rest_base_ms")
