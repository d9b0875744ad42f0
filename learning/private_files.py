"""The service's files are its own: the database, the uploads (ID photos, proofs, face
pictures) and the generated secret key are readable by the service's user only.

The process's file-creation mask is set once, when the application is built, so every file and
folder it creates afterwards (SQLite's database and its WAL, an uploaded document, a backup)
is created without rights for the group and others, whichever entry point runs it: `flask`,
gunicorn's workers or the scheduler. The instance and upload folders of an installation made
before are tightened too; the files already inside them are then out of others' reach.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

PRIVATE_UMASK = 0o077


def keep_private(app: Flask) -> None:
    os.umask(PRIVATE_UMASK)
    for folder in (Path(app.instance_path), Path(app.config["UPLOAD_FOLDER"])):
        _tighten(folder)


def _tighten(folder: Path) -> None:
    try:
        if folder.is_dir() and folder.stat().st_uid == os.getuid():
            folder.chmod(0o700)
    except OSError:
        pass  # a folder the service cannot change is the operator's choice, not an error
