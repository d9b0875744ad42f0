"""Putting video files into the library: check by content, copy outside static/, catalogue."""

from __future__ import annotations

import secrets
import shutil
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from learning.media import NotAVideo, poster_frame, probe_video
from learning.models import Video
from learning.services import ServiceError, catalogue

VIDEO_SUBFOLDER = "videos"


def poster_path(file_path: str) -> str:
    """Where a video file's poster frame is kept (a PNG beside the file)."""
    return f"{file_path}.png"


def import_video_file(
    session: Session,
    *,
    upload_folder: str | Path,
    source: str | Path,
    title: str,
    programme_codes: list[str],
    now: datetime,
    actor_id: int | None = None,
) -> Video:
    """Probe `source`, copy it into the upload folder with a poster frame (the picture the
    player shows before it starts) and add it to the programmes."""
    try:
        info = probe_video(source)
    except NotAVideo as error:
        raise ServiceError("not_a_video", reason=error.reason, **error.params) from error
    relative = Path(VIDEO_SUBFOLDER) / f"{secrets.token_hex(12)}.{info.container}"
    target = Path(upload_folder) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    try:
        poster_frame(target, Path(upload_folder) / poster_path(relative.as_posix()))
    except NotAVideo as error:
        target.unlink(missing_ok=True)
        raise ServiceError("not_a_video", reason=error.reason, **error.params) from error
    return catalogue.add_video(
        session,
        title=title,
        duration_s=info.duration_s,
        programme_codes=programme_codes,
        now=now,
        file_path=relative.as_posix(),
        mime_type=info.mime_type,
        actor_id=actor_id,
    )
