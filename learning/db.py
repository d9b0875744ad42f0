"""The database: one engine per application, one session per request (opened lazily).

SQLite connections get WAL, a busy timeout and foreign keys. The pysqlite driver's own
transaction handling is switched off and `BEGIN` is emitted by SQLAlchemy instead (SQLAlchemy's
documented recipe), so SAVEPOINTs work and a writer can take `BEGIN IMMEDIATE`
(`lock_for_writing`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


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
        """A session in one transaction, committed at the end (for CLI commands and jobs)."""
        with self.session_factory.begin() as session:
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
        # `session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})` takes the write
        # lock at BEGIN, so a writer never fails half-way on a lock upgrade.
        mode = connection.get_execution_options().get("sqlite_begin")
        immediate = mode in {"IMMEDIATE", "EXCLUSIVE"}
        connection.exec_driver_sql(f"BEGIN {mode}" if immediate else "BEGIN")

    return engine


def lock_for_writing(session: Session) -> None:
    """Start the session's transaction as a writer: `BEGIN IMMEDIATE` on SQLite.

    Call it before the first statement of a transaction that will write after reading; row
    locks (`SELECT ... FOR UPDATE`) do the same job on PostgreSQL. Inside a transaction that has
    already begun it changes nothing (the session's first statement decided the kind of BEGIN).
    """
    if not session.in_transaction():
        session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})


def init_app(app: Flask, database: Database) -> None:
    app.extensions["database"] = database
    app.teardown_appcontext(_close_session)


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
