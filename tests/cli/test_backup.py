"""`flask backup` and `flask restore`: a copy taken while serving, restored, proves its totals."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from learning.db import get_database
from learning.models import BeatRecord, User
from tests.conftest import make_test_app
from tests.live import demo_app, shared_folder

pytestmark = pytest.mark.long  # handed out early (tests/conftest.py)


@pytest.fixture
def installation(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., Flask]]:
    """`installation(name, seeded=...)`: an app on its own SQLite file and upload folder under
    tmp_path/name, with the demo in it (a copy of the run's, `demo_app`) or empty."""
    apps: list[Flask] = []
    shared = shared_folder(tmp_path_factory)

    def make(name: str, *, seeded: bool) -> Flask:
        folder = tmp_path / name
        folder.mkdir()
        database_url = f"sqlite:///{folder / 'learning.sqlite'}"  # `flask backup` copies the file
        app = demo_app(
            folder, database_url, seeded=seeded, shared=shared, trainee_count=6, history_days=3
        )
        apps.append(app)
        return app

    yield make
    for app in apps:
        get_database(app).dispose()


def run(app: Flask, *args: str):
    return app.test_cli_runner().invoke(args=list(args), catch_exceptions=False)


def count(app: Flask, column) -> int:
    with get_database(app).session_factory() as session:
        return session.scalar(select(func.count(column))) or 0


def files(app: Flask) -> list[tuple[str, int]]:
    folder = Path(app.config["UPLOAD_FOLDER"])
    return sorted((p.relative_to(folder).as_posix(), p.stat().st_size) for p in folder.rglob("*"))


@pytest.fixture
def backed_up(installation, tmp_path: Path) -> tuple[Flask, Path]:
    source = installation("source", seeded=True)
    result = run(source, "backup", str(tmp_path / "backups"))
    assert result.exit_code == 0, result.output
    (folder,) = (tmp_path / "backups").iterdir()
    assert f"{count(source, BeatRecord.id):,} raw beats" in result.output
    return source, folder


def test_a_restored_backup_has_every_beat_file_and_total(backed_up, installation) -> None:
    source, folder = backed_up
    target = installation("target", seeded=False)
    result = run(target, "restore", str(folder), "--yes")
    assert result.exit_code == 0, result.output
    assert "every total matches the raw beats" in result.output
    assert count(target, BeatRecord.id) == count(source, BeatRecord.id) > 1000
    assert count(target, User.id) == count(source, User.id)
    assert files(target) == files(source) != []


def test_a_damaged_backup_is_refused_and_nothing_is_written(backed_up, installation) -> None:
    _source, folder = backed_up
    target = installation("target", seeded=True)
    users_before = count(target, User.id)
    database_file = folder / "database.sqlite"
    database_file.write_bytes(database_file.read_bytes()[: 64 * 1024])  # cut short
    result = run(target, "restore", str(folder), "--yes")
    assert result.exit_code == 1
    assert "backup_damaged" in result.output
    assert count(target, User.id) == users_before


def test_a_backup_missing_an_uploaded_file_is_refused(backed_up, installation) -> None:
    _source, folder = backed_up
    next(path for path in (folder / "uploads").rglob("*") if path.is_file()).unlink()
    target = installation("target", seeded=False)
    result = run(target, "restore", str(folder), "--yes")
    assert result.exit_code == 1
    assert "missing or cut" in result.output
    assert count(target, User.id) == 0


def test_restoring_over_a_database_with_users_asks_first(backed_up, installation) -> None:
    _source, folder = backed_up
    target = installation("target", seeded=True)
    result = target.test_cli_runner().invoke(args=["restore", str(folder)], input="n\n")
    assert result.exit_code == 1
    assert "Replace everything" in result.output


def test_postgresql_is_pointed_at_pg_dump_without_the_password(tmp_path: Path) -> None:
    app = make_test_app("postgresql+psycopg://learning:s3cret@db.example.org:5432/learning")
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path)])
    get_database(app).dispose()
    assert result.exit_code == 2
    assert "pg_dump --format=custom" in result.output
    assert "db.example.org:5432/learning" in result.output
    assert "s3cret" not in result.output
