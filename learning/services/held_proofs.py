"""Proofs chosen on an application form that came back with an error, held on the server so
the applicant need not choose them again (a browser empties a file input on every page).

They wait under `UPLOAD_FOLDER/held-proofs/<form token>/`, one file and its name each; the
token is random and kept in the applicant's session, so only that browser reaches them. The
application takes them when it is saved; the nightly job removes those left behind.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from learning.config import Defaults
from learning.services import ServiceError
from learning.services.applications import MAX_DOCUMENTS, Upload, check_uploads

FOLDER = "held-proofs"
ABANDONED_AFTER = timedelta(days=1)
_TOKEN = re.compile(r"^[0-9a-f]{32}$")
_PROOF = re.compile(r"^[0-9a-f]{16}$")


@dataclass(frozen=True)
class HeldProof:
    id: str
    name: str
    size_bytes: int


def new_token() -> str:
    return secrets.token_hex(16)


def hold(
    upload_folder: str | Path,
    token: str,
    uploads: list[Upload],
    *,
    now: datetime,
    stored_bytes: int = 0,
    max_bytes: int = Defaults.APPLICATION_MAX_BYTES,
) -> None:
    """Keep the newly chosen files; a file that could never be accepted is refused (nothing of
    it is kept), and so are files beyond the most an application takes: in number, or in bytes
    with those held already and the `stored_bytes` of the application being corrected."""
    if not uploads:
        return
    already = held(upload_folder, token)
    if len(already) + len(uploads) > MAX_DOCUMENTS:
        raise ServiceError("too_many_documents", most=MAX_DOCUMENTS)
    check_uploads(
        uploads,
        kept_bytes=stored_bytes + sum(proof.size_bytes for proof in already),
        max_bytes=max_bytes,
    )
    folder = _folder(upload_folder, token)
    folder.mkdir(parents=True, exist_ok=True)
    for upload in uploads:
        proof_id = secrets.token_hex(8)
        (folder / f"{proof_id}.bin").write_bytes(upload.data)
        meta = {"name": upload.name, "held_at": now.isoformat()}
        (folder / f"{proof_id}.json").write_text(json.dumps(meta, ensure_ascii=False))


def held(upload_folder: str | Path, token: str) -> list[HeldProof]:
    """The files held for this form, in the order they were chosen."""
    folder = _folder(upload_folder, token)
    if not folder.is_dir():
        return []
    metas = sorted(folder.glob("*.json"), key=lambda path: path.stat().st_mtime_ns)
    return [
        HeldProof(
            id=meta.stem,
            name=json.loads(meta.read_text())["name"],
            size_bytes=meta.with_suffix(".bin").stat().st_size,
        )
        for meta in metas
        if meta.with_suffix(".bin").is_file()
    ]


def remove(upload_folder: str | Path, token: str, proof_ids: list[str]) -> None:
    folder = _folder(upload_folder, token)
    for proof_id in proof_ids:
        if _PROOF.match(proof_id):  # never a path of the client's making
            (folder / f"{proof_id}.bin").unlink(missing_ok=True)
            (folder / f"{proof_id}.json").unlink(missing_ok=True)


def uploads(upload_folder: str | Path, token: str) -> list[Upload]:
    """The held files as uploads, for the application to store."""
    folder = _folder(upload_folder, token)
    return [
        Upload(name=proof.name, data=(folder / f"{proof.id}.bin").read_bytes())
        for proof in held(upload_folder, token)
    ]


def discard(upload_folder: str | Path, token: str) -> None:
    shutil.rmtree(_folder(upload_folder, token), ignore_errors=True)


def prune(upload_folder: str | Path, *, now: datetime) -> int:
    """Remove the held files of forms left for `ABANDONED_AFTER`; returns how many forms."""
    root = Path(upload_folder) / FOLDER
    if not root.is_dir():
        return 0
    removed = 0
    for folder in root.iterdir():
        if now - _last_held(folder, now) >= ABANDONED_AFTER:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


def _last_held(folder: Path, now: datetime) -> datetime:
    """When the form last held a file; a folder that says nothing readable counts as old."""
    times = []
    for meta in folder.glob("*.json"):
        try:
            times.append(datetime.fromisoformat(json.loads(meta.read_text())["held_at"]))
        except (ValueError, KeyError):
            continue
    return max(times, default=now - ABANDONED_AFTER)


def _folder(upload_folder: str | Path, token: str) -> Path:
    if not _TOKEN.match(token):
        raise ServiceError("unknown_upload")
    return Path(upload_folder) / FOLDER / token
