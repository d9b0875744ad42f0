"""The database: one engine per application, one session per request (opened lazily).

SQLite connections get WAL, a busy timeout and foreign keys. The pysqlite driver's own
transaction handling is switched off and `BEGIN` is emitted by SQLAlchemy instead (SQLAlchemy's
documented recipe), so SAVEPOINTs work and a writer can begin as one. On SQLite a transaction
that reads and then writes fails at once ("database is locked") if another writer committed in
between; so every transaction of a state-changing request, a command or a job begins with
`BEGIN IMMEDIATE` (it waits for the write lock up to the busy timeout instead). Requests that
only read (GET) keep plain, concurrent `BEGIN`s.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from flask import Flask, current_app, g, request
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

_writing: ContextVar[bool] = ContextVar("sqlite_writing", default=False)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@contextmanager
def writing() -> Iterator[None]:
    """Transactions begun inside this block begin as writers (SQLite `BEGIN IMMEDIATE`)."""
    token = _writing.set(True)
    try:
        yield
    finally:
        _writing.reset(token)


class Database:
    """Owns the engine and the session factory of one application."""

    def __init__(self, url: str, *, sqlite_busy_timeout_ms: int = 5000) -> None:
        self.url = url
        self.engine = _make_engine(url, sqlite_busy_timeout_ms)
        self.session_factory = sessionmaker(bind=self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in one writing transaction, committed at the end (commands, jobs)."""
        with writing(), self.session_factory.begin() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def _make_engine(url: str, busy_timeout_ms: int) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let SQLAlchemy emit BEGIN itself
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _writing.get() else "BEGIN")

    return engine


def init_app(app: Flask, database: Database) -> None:
    app.extensions["database"] = database
    app.before_request(_mark_writing_request)
    app.teardown_request(_unmark_writing_request)
    app.teardown_appcontext(_close_session)


def _mark_writing_request() -> None:
    if request.method not in SAFE_METHODS:
        g.writing_token = _writing.set(True)


def _unmark_writing_request(_error: BaseException | None) -> None:
    token = g.pop("writing_token", None)
    if token is not None:
        _writing.reset(token)


def get_database(app: Flask) -> Database:
    return app.extensions["database"]


def get_session() -> Session:
    """The current request's session, opened on first use."""
    if "db_session" not in g:
        g.db_session = get_database(current_app).session_factory()
    return g.db_session


def _close_session(_error: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
