"""beats and playbacks: no index a beat maintains for nobody (issue 22)

`ix_beats_trainee_id_day` had no reader: the beat log is read by trainee and event number
(recompute) and by playback (review), each with its own index. `ix_playbacks_status_last_beat_at_ms`
moved on every beat, since a beat changes `last_beat_at_ms`; what reads playbacks by status asks
for the active ones by trainee (the job that ends expired playbacks), which `(status, trainee_id)`
serves with no column a beat changes. On PostgreSQL the playbacks' pages keep a tenth free
(fillfactor 90), so that a beat's new row version fits beside the old one and its update is a
HOT update, with no index entries written; pages already full get that room only as rows move
or after a VACUUM FULL.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 19:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_beats_trainee_id_day", table_name="beats")
    op.drop_index("ix_playbacks_status_last_beat_at_ms", table_name="playbacks")
    op.create_index("ix_playbacks_status_trainee_id", "playbacks", ["status", "trainee_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE playbacks SET (fillfactor = 90)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE playbacks RESET (fillfactor)")
    op.drop_index("ix_playbacks_status_trainee_id", table_name="playbacks")
    op.create_index(
        "ix_playbacks_status_last_beat_at_ms", "playbacks", ["status", "last_beat_at_ms"]
    )
    op.create_index("ix_beats_trainee_id_day", "beats", ["trainee_id", "day"])
