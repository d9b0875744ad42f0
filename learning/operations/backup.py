"""Backing up and restoring an installation: the SQLite database and the uploaded files.

A backup is a folder: `database.sqlite` (SQLite's online backup: a consistent copy taken while
the application keeps serving), `uploads/` (videos, posters, applicants' documents) and
`manifest.json` (when, which schema revision, how many beats, every file with its size).
Restoring checks the copy (SQLite's integrity check, the manifest's files) before it writes
anything, then replaces the configured database and puts the files back; the caller then
replays the raw beats to prove the totals (`recompute`).

PostgreSQL is backed up with its own tools (`pg_dump`, `pg_restore`); `postgres_commands`
says which, for the configured database.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from learning.services import ServiceError

DATABASE_FILE = "database.sqlite"
UPLOADS = "uploads"
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Backup:
    folder: Path
    revision: str
    beats: int
    files: int
    total_bytes: int


def sqlite_path(url: str) -> Path:
    """The database file of a SQLite URL; refused for any other database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        raise ServiceError("not_sqlite")
    return Path(parsed.database)


def back_up(url: str, upload_folder: Path, destination: Path, *, now: datetime) -> Backup:
    """Write a backup folder under `destination`, named after `now`; never overwrites one."""
    source_path = sqlite_path(url)
    folder = destination / f"learning-{now:%Y%m%d-%H%M%S}"
    if folder.exists():
        raise ServiceError("backup_exists", folder=str(folder))
    folder.mkdir(parents=True)
    target = folder / DATABASE_FILE
    with _connect(source_path) as source, _connect(target) as copy:
        source.backup(copy)  # page by page, consistent, while writers go on (WAL)
    revision, beats = _describe(target)
    files = _copy_files(upload_folder, folder / UPLOADS)
    database_bytes = target.stat().st_size
    manifest = {
        "created_at": now.isoformat(),
        "revision": revision,
        "beats": beats,
        "database_bytes": database_bytes,
        "files": files,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    total = database_bytes + sum(files.values())
    return Backup(folder, revision, beats, len(files), total)


def restore(folder: Path, url: str, upload_folder: Path) -> Backup:
    """Replace the configured SQLite database and uploads with the backup in `folder`.

    Everything is checked first; nothing is written if the backup is incomplete or damaged.
    The application must be stopped meanwhile (a running one would keep writing to the file).
    """
    target_path = sqlite_path(url)
    manifest = _read_manifest(folder)
    copy_path = folder / DATABASE_FILE
    _check_integrity(copy_path)
    revision, beats = _describe(copy_path)
    if (revision, beats) != (manifest["revision"], manifest["beats"]):
        raise ServiceError("backup_damaged", detail="the database does not match its manifest")
    _check_files(folder / UPLOADS, manifest["files"])
    target_path.parent.mkdir(parents=True, exist_ok=True)
    with _connect(copy_path) as copy, _connect(target_path) as target:
        copy.backup(target)
    upload_folder.mkdir(parents=True, exist_ok=True)
    shutil.copytree(folder / UPLOADS, upload_folder, dirs_exist_ok=True)
    total = manifest["database_bytes"] + sum(manifest["files"].values())
    return Backup(folder, revision, beats, len(manifest["files"]), total)


def postgres_commands(url: str, destination: Path) -> tuple[str, str]:
    """The pg_dump and pg_restore command lines for this database (password left out)."""
    parsed = make_url(url)
    plain = URL.create(  # libpq's own form, without the password (PGPASSWORD or ~/.pgpass)
        "postgresql", parsed.username, None, parsed.host, parsed.port, parsed.database
    )
    address = plain.render_as_string(hide_password=False)
    dump = destination / "database.dump"
    return (
        f"pg_dump --format=custom --file={dump} '{address}'",
        f"pg_restore --clean --if-exists --no-owner --dbname='{address}' {dump}",
    )


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA busy_timeout = 30000")
    return connection


def _describe(path: Path) -> tuple[str, int]:
    """The schema revision and the number of raw beats in a database file."""
    with _connect(path) as connection:
        try:
            (revision,) = connection.execute("SELECT version_num FROM alembic_version").fetchone()
            (beats,) = connection.execute("SELECT count(*) FROM beats").fetchone()
        except sqlite3.DatabaseError as error:
            raise ServiceError("backup_damaged", detail=str(error)) from error
    return revision, beats


def _check_integrity(path: Path) -> None:
    if not path.is_file():
        raise ServiceError("backup_damaged", detail=f"{DATABASE_FILE} is missing")
    try:
        with _connect(path) as connection:
            result = connection.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as error:
        raise ServiceError("backup_damaged", detail=str(error)) from error
    if result != "ok":
        raise ServiceError("backup_damaged", detail=result)


def _copy_files(source: Path, target: Path) -> dict[str, int]:
    """Copy the uploads; returns each file's path (relative, with /) and size."""
    target.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        shutil.copytree(source, target, dirs_exist_ok=True)
    return {
        path.relative_to(target).as_posix(): path.stat().st_size
        for path in sorted(target.rglob("*"))
        if path.is_file()
    }


def _read_manifest(folder: Path) -> dict:
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise ServiceError("backup_damaged", detail=f"{MANIFEST} is missing") from error
    except ValueError as error:
        raise ServiceError("backup_damaged", detail=f"{MANIFEST} is not JSON") from error
    return manifest


def _check_files(uploads: Path, expected: dict[str, int]) -> None:
    for name, size in expected.items():
        path = uploads / name
        if not path.is_file() or path.stat().st_size != size:
            raise ServiceError("backup_damaged", detail=f"{UPLOADS}/{name} is missing or cut")
