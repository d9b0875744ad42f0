"""The app with the demo data on a database of its own, served on a local port by a thread:
what the browser tests drive and the API fuzzing attacks. The database is of the suite's kind
(`tests.conftest.separate_database`): SQLite, or PostgreSQL when the suite runs on it."""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.engine import make_url
from werkzeug.serving import WSGIRequestHandler, make_server

from learning import migrate
from learning.clock import Clock
from learning.db import get_database
from learning.demo import seed as demo
from tests.conftest import FAST_HASH, make_test_app, separate_database


@dataclass
class LiveServer:
    app: Flask
    url: str


def demo_app(
    folder: Path,
    database_url: str,
    *,
    seeded: bool = True,
    clock: Clock | None = None,
    shared: Path | None = None,
    **settings: Any,
) -> Flask:
    """An app on the empty database `database_url`, migrated, with its upload folder under
    `folder` and the demo in it (`seeded`; `trainee_count` and `history_days` pass on to the
    demo), seeded as of `clock` (the tests' fake clock unless given). With `shared`
    (`shared_folder`), the fake clock and SQLite, the demo is a copy of one seeded once per run
    for these sizes and settings: the same rows, since the fake clock always starts at the same
    moment."""
    if seeded and shared is not None and clock is None and database_url.startswith("sqlite"):
        key = ("demo_app", sorted(settings.items()))
        source = seeded_once(shared, key, lambda into: _seed_demo_app(into, settings))
        copy_seeded(source, "demo.sqlite", database_url, folder / "uploads")
        sizes = ("trainee_count", "history_days")
        return make_test_app(
            database_url,
            UPLOAD_FOLDER=str(folder / "uploads"),
            **{key: value for key, value in settings.items() if key not in sizes},
        )
    sizes = {key: settings.pop(key) for key in ("trainee_count", "history_days") if key in settings}
    app = make_test_app(database_url, UPLOAD_FOLDER=str(folder / "uploads"), **settings)
    if clock is not None:
        app.extensions["clock"] = clock
    database = get_database(app)
    migrate.upgrade(database)
    if seeded:
        with database.transaction() as session:
            demo.seed(
                session,
                upload_folder=folder / "uploads",
                now=app.extensions["clock"].now(),
                standard_hour_minutes=45,
                hash_method=FAST_HASH,
                settings=app.extensions["accounting_settings"],
                **sizes,
            )
    return app


def _seed_demo_app(folder: Path, settings: dict[str, Any]) -> None:
    app = demo_app(folder, f"sqlite:///{folder / 'demo.sqlite'}", **settings)
    get_database(app).dispose()


def seeded_once(shared: Path, key: object, seed: Callable[[Path], None]) -> Path:
    """The folder under `shared` (`shared_folder`) that `seed(folder)` fills once per run for
    `key` (its repr names it): the first worker to take the lock seeds it, the others wait for
    it. Nothing writes to it after: tests take copies (`copy_seeded`)."""
    digest = hashlib.sha256(repr(key).encode()).hexdigest()
    seeded = shared / f"demo-{digest[:16]}"
    with (shared / f"{seeded.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (seeded / "done").exists():
            seeded.mkdir(exist_ok=True)
            seed(seeded)
            (seeded / "done").touch()
    return seeded


def copy_seeded(source: Path, database_name: str, database_url: str, uploads: Path) -> None:
    """Copy the SQLite file `database_name` of the folder `source` to the (new) database of
    `database_url`, and the folder's uploads/ into `uploads`."""
    target = make_url(database_url).database
    assert target is not None
    with (
        closing(sqlite3.connect(source / database_name)) as original,
        closing(sqlite3.connect(target)) as copy,
    ):
        original.backup(copy)
    shutil.copytree(source / "uploads", uploads, dirs_exist_ok=True)


class _ClosedOnce:
    """An answer's body that is closed once, by the server or after the request at the latest."""

    def __init__(self, body: Any) -> None:
        self._body = body
        self._closed = False

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._body)

    def close(self) -> None:
        if not self._closed and hasattr(self._body, "close"):
            self._closed = True
            self._body.close()


class _ClosingHandler(WSGIRequestHandler):
    """Werkzeug's handler, but the answer's body (a video file) is closed even when the browser
    drops the connection in the middle of it: werkzeug's own cleanup then reads the dead socket
    and raises before it closes the body, and the file leaks."""

    def make_environ(self) -> dict[str, Any]:
        environ = super().make_environ()
        environ["tests.bodies"] = self._bodies = []
        return environ

    def run_wsgi(self) -> None:
        self._bodies: list[_ClosedOnce] = []
        try:
            super().run_wsgi()
        finally:
            for body in self._bodies:
                body.close()


def _remember_bodies(app: Any) -> Any:
    def wsgi(environ: dict[str, Any], start_response: Any) -> _ClosedOnce:
        body = _ClosedOnce(app(environ, start_response))
        environ["tests.bodies"].append(body)
        return body

    return wsgi


@contextmanager
def serve_demo(
    folder: Path, *, shared: Path | None = None, history_days: int = 10, **settings: Any
) -> Iterator[LiveServer]:
    """The demo app served by a thread, on a database of its own under `folder`. With `shared`
    (a folder every worker of the run sees, `shared_folder`) and SQLite, the demo is seeded
    once per run and settings, there, and each worker serves a copy: seeding takes about 18 s."""
    with separate_database(folder, "live") as database_url:
        if shared is not None and database_url.startswith("sqlite"):
            _copy_seeded(shared, folder, history_days, settings)
            app = make_test_app(database_url, UPLOAD_FOLDER=str(folder / "uploads"), **settings)
            app.extensions["clock"] = Clock()  # a browser plays in real time
        else:
            app = demo_app(
                folder, database_url, clock=Clock(), history_days=history_days, **settings
            )
        try:
            with serve(app) as url:
                yield LiveServer(app, url)
        finally:
            get_database(app).dispose()


def shared_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder every worker of this run sees: pytest-xdist gives each worker a base folder of
    its own, inside one of the run's (which pytest removes with its old runs)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if "PYTEST_XDIST_WORKER" in os.environ else base


def _copy_seeded(shared: Path, folder: Path, history_days: int, settings: dict[str, Any]) -> None:
    """Copy into `folder` (live.sqlite and uploads/) the demo seeded under `shared` for these
    settings, seeded by the first worker that needs it: as of that moment, minutes before the
    last copy is served."""

    def seed(into: Path) -> None:
        url = f"sqlite:///{into / 'live.sqlite'}"
        app = demo_app(into, url, clock=Clock(), history_days=history_days, **settings)
        get_database(app).dispose()

    seeded = seeded_once(shared, (history_days, sorted(settings.items())), seed)
    copy_seeded(seeded, "live.sqlite", f"sqlite:///{folder / 'live.sqlite'}", folder / "uploads")


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """`app` served on a free local port by a thread, as the browser tests see it: its URL."""
    server = make_server(
        "127.0.0.1", 0, _remember_bodies(app), threaded=True, request_handler=_ClosingHandler
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
