"""Face-check snapshots made directly, as the face-check service leaves them."""

from __future__ import annotations

import secrets
from datetime import datetime
from pathlib import Path

from learning.models import FaceSnapshot
from tests.faces.portraits import hopper, jpeg
from tests.factories import Factory


def snapshot(
    make: Factory,
    upload_folder: str | Path,
    trainee_id: int,
    *,
    taken_at: datetime,
    outcome: str = "match",
    picture: bool = True,
    playback_id: str | None = None,
) -> FaceSnapshot:
    """A snapshot row, with its picture written under the upload folder unless `picture` is
    False (an answer that held no picture)."""
    relative = None
    if picture:
        relative = f"face_snapshots/{secrets.token_hex(16)}.jpg"
        target = Path(upload_folder) / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(jpeg(hopper()))
    row = FaceSnapshot(
        trainee_id=trainee_id,
        playback_id=playback_id,
        check_id=secrets.token_hex(8),
        taken_at=taken_at,
        action="blink",
        outcome=outcome,
        distance_milli=312 if outcome == "match" else 684,
        path=relative,
    )
    make.session.add(row)
    make.session.flush()
    return row
