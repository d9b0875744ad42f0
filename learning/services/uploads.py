"""Resumable uploads of large video files, chunk by chunk.

An upload is started with the file's name and size; the client then sends the bytes in chunks,
each saying at which offset it starts. A chunk that does not start where the received bytes end
is refused with the offset to go on from, so after a dropped connection the client asks where
the upload stands and resumes there instead of starting again. When every byte has arrived, the
file is checked by its content and put into the video library (`videos.import_video_file`).

The bytes wait in `<upload folder>/incoming/<id>.part`, beside `<id>.json` (name, size, who,
when); the upload folder is outside `static/` and shared by every application host. Uploads
left unfinished are removed after `ABANDONED_AFTER` by the nightly job.
"""

from __future__ import annotations

import fcntl
import json
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from learning.models import Video
from learning.services import ServiceError, videos

INCOMING = "incoming"
ABANDONED_AFTER = timedelta(days=2)
_ID = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class Upload:
    id: str
    name: str
    size: int
    received: int


def start(
    upload_folder: str | Path,
    *,
    name: str,
    size: int,
    max_bytes: int,
    now: datetime,
    actor_id: int,
) -> Upload:
    """Announce a file of `size` bytes; nothing larger than `max_bytes` is accepted."""
    if size <= 0:
        raise ServiceError("upload_empty")
    if size > max_bytes:
        raise ServiceError("video_too_large", most_mb=max_bytes // (1024 * 1024))
    upload_id = secrets.token_hex(16)
    folder = _incoming(upload_folder)
    folder.mkdir(parents=True, exist_ok=True)
    kept_name = name[:200]
    meta = {"name": kept_name, "size": size, "started_at": now.isoformat(), "actor": actor_id}
    (folder / f"{upload_id}.json").write_text(json.dumps(meta), encoding="utf-8")
    (folder / f"{upload_id}.part").touch()
    return Upload(upload_id, kept_name, size, 0)


def state(upload_folder: str | Path, upload_id: str) -> Upload:
    """Where an upload stands; `ServiceError("unknown_upload")` for none of that id."""
    meta_path, part_path = _paths(upload_folder, upload_id)
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        received = part_path.stat().st_size
    except (FileNotFoundError, ValueError) as error:
        raise ServiceError("unknown_upload") from error
    return Upload(upload_id, meta["name"], meta["size"], received)


def append(
    upload_folder: str | Path, upload_id: str, *, offset: int, chunks: Iterable[bytes]
) -> Upload:
    """Add the bytes of one chunk starting at `offset`, which must be where the received bytes
    end (else `ServiceError("offset_mismatch", received=...)`, and nothing is written)."""
    current = state(upload_folder, upload_id)
    _meta_path, part_path = _paths(upload_folder, upload_id)
    with part_path.open("r+b") as part:
        fcntl.flock(part, fcntl.LOCK_EX)  # two requests for one upload: one after the other
        received = part.seek(0, 2)
        if offset != received:
            raise ServiceError("offset_mismatch", received=received)
        for chunk in chunks:
            if received + len(chunk) > current.size:
                part.truncate(offset)  # the whole chunk or nothing
                raise ServiceError("upload_overflow", size=current.size)
            part.write(chunk)
            received += len(chunk)
    return Upload(upload_id, current.name, current.size, received)


def finish(
    session: Session,
    upload_folder: str | Path,
    upload_id: str,
    *,
    title: str,
    programme_codes: list[str],
    now: datetime,
    actor_id: int,
) -> Video:
    """Put a complete upload into the library. A file that is not a playable video is refused
    (`not_a_video`, with the reason) and discarded; other refusals keep it for another try."""
    current = state(upload_folder, upload_id)
    if current.received != current.size:
        raise ServiceError("upload_incomplete", received=current.received, size=current.size)
    _meta_path, part_path = _paths(upload_folder, upload_id)
    try:
        video = videos.import_video_file(
            session,
            upload_folder=upload_folder,
            source=part_path,
            title=title,
            programme_codes=programme_codes,
            now=now,
            actor_id=actor_id,
        )
    except ServiceError as error:
        if error.code == "not_a_video":
            discard(upload_folder, upload_id)
        raise
    discard(upload_folder, upload_id)
    return video


def discard(upload_folder: str | Path, upload_id: str) -> None:
    for path in _paths(upload_folder, upload_id):
        path.unlink(missing_ok=True)


def prune(upload_folder: str | Path, *, now: datetime) -> int:
    """Remove uploads started more than `ABANDONED_AFTER` ago; returns how many."""
    removed = 0
    for meta_path in _incoming(upload_folder).glob("*.json"):
        try:
            started = datetime.fromisoformat(json.loads(meta_path.read_text())["started_at"])
        except (ValueError, KeyError):
            started = now - ABANDONED_AFTER
        if now - started >= ABANDONED_AFTER:
            discard(upload_folder, meta_path.stem)
            removed += 1
    return removed


def _incoming(upload_folder: str | Path) -> Path:
    return Path(upload_folder) / INCOMING


def _paths(upload_folder: str | Path, upload_id: str) -> tuple[Path, Path]:
    if not _ID.match(upload_id):  # never a path of the client's making
        raise ServiceError("unknown_upload")
    folder = _incoming(upload_folder)
    return folder / f"{upload_id}.json", folder / f"{upload_id}.part"
