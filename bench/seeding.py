"""What the timing benchmarks share: an app on a database of their own, seeded once."""

from __future__ import annotations

import time
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from learning import create_app, migrate
from learning.db import get_database
from learning.models import User


def bench_app(url: str | None, folder: str, default_name: str) -> Flask:
    """The app on `url`, or on a SQLite file `default_name` in `folder`, migrated."""
    app = create_app(
        {
            "SECRET_KEY": "bench",
            "DATABASE_URL": url or f"sqlite:///{Path(folder) / default_name}",
            "UPLOAD_FOLDER": str(Path(folder) / "uploads"),
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )
    migrate.upgrade(get_database(app))
    return app


def seed_if_empty(app: Flask, *seed_arguments: str) -> None:
    """`seed-demo` with these arguments, unless the database has users already."""
    with get_database(app).session_factory() as session:
        if session.scalar(select(func.count(User.id))):
            return
    started = time.perf_counter()
    result = app.test_cli_runner().invoke(args=["seed-demo", *seed_arguments])
    if result.exit_code:
        raise SystemExit(result.output)
    print(" ".join(result.output.splitlines()[:2]))
    print(f"seeded in {time.perf_counter() - started:.0f} s")
