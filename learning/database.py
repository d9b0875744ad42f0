"""The database: one engine per application, its session factory and its writers' lock.

No Flask here (services and worker processes use it); `learning.db` ties it to requests.

SQLite connections get WAL, a busy timeout and foreign keys. The pysqlite driver's own
transaction handling is switched off and `BEGIN` is emitted by SQLAlchemy instead (SQLAlchemy's
documented recipe), so SAVEPOINTs work and a writer can begin as one. On SQLite a transaction
that reads and then writes fails at once ("database is locked") if another writer committed in
between; so every transaction of a state-changing request, a command or a job begins with
`BEGIN IMMEDIATE` (it waits for the write lock up to the busy timeout instead). Requests that
only read (GET) keep plain, concurrent `BEGIN`s (`learning.db` marks the others).
"""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from sqlalchemy import Connection, CursorResult, Engine, Result, create_engine, event, make_url
from sqlalchemy.exc import InvalidatePoolError
from sqlalchemy.orm import Session, sessionmaker

#: Whether a transaction begun now begins as a writer: set by `writing()`, and by `learning.db`
#: for a request that may change data.
WRITING: ContextVar[bool] = ContextVar("sqlite_writing", default=False)
HOLDS_WRITER_LOCK = "holds_writer_lock"
#: Set while a connection is checked out without the pool's ping (`Database.driver_transaction`).
UNPINGED: ContextVar[bool] = ContextVar("unpinged", default=False)
_NEW = "new_connection"
T = TypeVar("T")


@contextmanager
def writing() -> Iterator[None]:
    """Transactions begun inside this block begin as writers (SQLite `BEGIN IMMEDIATE`)."""
    token = WRITING.set(True)
    try:
        yield
    finally:
        WRITING.reset(token)


class Database:
    """Owns the engine and the session factory of one application."""

    def __init__(self, url: str, *, sqlite_busy_timeout_ms: int = 5000) -> None:
        self.url = url
        self.writer_lock = _writer_lock(url, sqlite_busy_timeout_ms)
        self.engine = _make_engine(url, sqlite_busy_timeout_ms, self.writer_lock)
        self.session_factory = sessionmaker(bind=self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in one writing transaction, committed at the end (commands, jobs)."""
        with writing(), self.session_factory.begin() as session:
            yield session

    def driver_transaction(self, work: Callable[[Any], T]) -> T:
        """`work(connection)` in one writing transaction on a driver (DBAPI) connection of the
        pool, with no ORM session around it: the heartbeat's (shared/performance.md), whose
        session begin and commit cost more than its statements. Committed at the end, rolled
        back if `work` raises. On SQLite it takes the writers' lock and begins IMMEDIATE, as
        every writing transaction does. Where the sessions are bound to one connection (the
        tests' outer transaction), it runs in a savepoint of that connection instead.

        The connection is taken from the pool without the ping every other checkout pays (a
        round trip of its own on PostgreSQL; bench/RESULTS.md, 2026-12-07). A connection the
        server dropped while it sat in the pool (a restart, an idle timeout, a terminated
        backend) then fails in the transaction instead: it is thrown away and `work` runs once
        more, on a pinged connection (which replaces every other dropped one the pool holds).
        So `work` must be safe to run twice: nothing of the first run is kept unless its COMMIT
        reached the server, and a transaction whose COMMIT was sent and lost may have been
        kept (the beat's is safe: a seq the server has seen is only answered)."""
        bound = self.session_factory.kw.get("bind")
        if isinstance(bound, Connection):
            with bound.begin_nested():
                return work(bound.connection.dbapi_connection)
        try:
            return self._driver_transaction_once(work, pinged=False)
        except _Dropped:
            return self._driver_transaction_once(work, pinged=True)

    def driver_attempt(self, send: Callable[[Any], Callable[[], T]], *, refused: T) -> T | None:
        """One try at a transaction in one round trip (PostgreSQL): `send(driver)` queues its
        statements on the driver's (psycopg's) connection and returns how to read what they
        answered, which is read once BEGIN ISOLATION LEVEL REPEATABLE READ, the statements and
        COMMIT have left in one flight. Repeatable read, so that the transaction sees one
        snapshot and a row that another transaction changed after it began is not written
        over: that is refused (a serialization failure).

        `refused` where the server refused it for a concurrent change (a serialization failure,
        a deadlock, a unique key taken meanwhile): nothing of it was kept. None where the
        connection had been dropped (it is thrown away): a transaction whose COMMIT left
        before may have been kept, and the caller must be able to tell. Any other error is
        raised. The connection is
        taken without the pool's ping, as `driver_transaction`'s is; where the sessions are
        bound to one connection (the tests' outer transaction) it runs in a savepoint of it."""
        bound = self.session_factory.kw.get("bind")
        if isinstance(bound, Connection):
            with bound.begin_nested():
                return send(bound.connection.driver_connection)()
        token = UNPINGED.set(True)
        try:
            connection = self.engine.raw_connection()
        finally:
            UNPINGED.reset(token)
        driver: Any = connection.driver_connection
        try:
            return _in_one_flight(driver, send)
        except self.engine.dialect.loaded_dbapi.Error as error:
            if self._dropped(error, driver):
                connection.invalidate(error)  # never back to the pool
                return None
            if getattr(error, "sqlstate", None) in _CONCURRENT:
                return refused
            raise
        finally:
            connection.close()  # back to the pool (an invalidated one is closed)

    def _driver_transaction_once(self, work: Callable[[Any], T], *, pinged: bool) -> T:
        token = UNPINGED.set(not pinged)
        try:
            connection = self.engine.raw_connection()
        finally:
            UNPINGED.reset(token)
        driver: Any = connection.driver_connection  # sqlite3's or psycopg's own connection
        try:
            if self.is_sqlite:
                return self._immediate(driver, work, connection)
            return _in_pipeline(driver, work, connection)
        except BaseException as error:
            if not self._dropped(error, driver):
                connection.rollback()
                raise
            connection.invalidate(error)  # never back to the pool
            if pinged:
                raise
            raise _Dropped from error
        finally:
            connection.close()  # back to the pool (an invalidated one is closed)

    def _immediate(self, driver: Any, work: Callable[[Any], T], connection: Any) -> T:
        """`work` between BEGIN IMMEDIATE and COMMIT (or ROLLBACK), holding the writers' lock
        for that and no longer: the connection is checked out before and back after, so that
        the one writer's turn is not spent on the pool."""
        lock = self.writer_lock
        locked = lock is not None and lock.acquire()
        try:
            driver.execute("BEGIN IMMEDIATE")
            try:
                done = work(connection)
                connection.commit()
            except BaseException:
                connection.rollback()
                raise
            return done
        finally:
            if lock is not None and locked:
                lock.release()

    def _dropped(self, error: BaseException, driver: Any) -> bool:
        dialect = self.engine.dialect
        return isinstance(error, dialect.loaded_dbapi.Error) and dialect.is_disconnect(
            error, driver, None
        )

    def dispose(self) -> None:
        self.engine.dispose()
        if self.writer_lock is not None:
            self.writer_lock.close()


class WriterLock:
    """One writer at a time on a SQLite file, across the processes and threads that share it.

    SQLite lets one transaction write at a time anyway; left to its busy timeout, the waiting
    writers sleep and retry, and under load most of the time goes in sleeping (shared
    performance.md: 550 beats/s with a p99 near 600 ms, against 1,800 and 130 ms when writers
    queue on a lock first). So a writing transaction takes this lock (a lock file beside the
    database, and a thread lock for the threads of one process) before `BEGIN IMMEDIATE`, and
    lets it go when its connection goes back to the pool (the request's or command's session
    closes), however the transaction ended; a process that dies lets go of its file lock. The
    thread lock is waited for at most the busy timeout: past that the transaction goes on and
    SQLite's own waiting decides.
    """

    def __init__(self, database_path: str, timeout_s: float) -> None:
        self.path = f"{database_path}-writer.lock"
        self.timeout_s = timeout_s
        self.thread_lock = threading.Lock()
        self.file: Any = None

    def acquire(self) -> bool:
        if not self.thread_lock.acquire(timeout=self.timeout_s):
            return False
        if self.file is None:
            self.file = open(self.path, "a+b")  # noqa: SIM115 (kept open for the process)
        fcntl.flock(self.file.fileno(), fcntl.LOCK_EX)
        return True

    def release(self) -> None:
        fcntl.flock(self.file.fileno(), fcntl.LOCK_UN)
        self.thread_lock.release()

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None


def _writer_lock(url: str, busy_timeout_ms: int) -> WriterLock | None:
    """The writers' lock of a SQLite file (none for PostgreSQL or an in-memory database)."""
    if not url.startswith("sqlite"):
        return None
    path = make_url(url).database
    return WriterLock(path, busy_timeout_ms / 1000) if path and path != ":memory:" else None


class _Dropped(Exception):
    """The server had dropped the connection a transaction was given unpinged."""


def _in_pipeline(driver: Any, work: Callable[[Any], T], connection: Any) -> T:
    """`work` in a transaction on psycopg's pipeline, in two round trips where it reads once
    and then writes: BEGIN leaves with its first statements, COMMIT with its last, and
    the pipeline's closing sync waits for it. (In psycopg's own transactions BEGIN and COMMIT
    each wait for a sync of their own: four round trips.)"""
    with _pipelined(driver, "BEGIN"):
        done = work(connection)
    return done


@contextmanager
def _pipelined(driver: Any, begin: str) -> Iterator[None]:
    """`begin`, what the block queues, and COMMIT in one psycopg pipeline, on a connection in
    autocommit while it lasts (so that psycopg sends no BEGIN of its own); rolled back if the
    block raises."""
    driver.autocommit = True
    try:
        with driver.pipeline():
            driver.execute(begin)
            yield
            driver.execute("COMMIT")
    except BaseException:
        if not driver.broken:
            driver.rollback()  # sends ROLLBACK if the transaction is still open
        raise
    finally:
        if not driver.broken:
            driver.autocommit = False  # the pool's and the sessions' default


#: SQLSTATEs of a transaction refused for another's change: serialization failure, deadlock,
#: unique violation.
_CONCURRENT = frozenset({"40001", "40P01", "23505"})


def _in_one_flight(driver: Any, send: Callable[[Any], Callable[[], T]]) -> T:
    """`send`'s statements between BEGIN (repeatable read) and COMMIT, in one pipeline whose
    closing sync is the only wait; then what they answered."""
    with _pipelined(driver, "BEGIN ISOLATION LEVEL REPEATABLE READ"):
        read = send(driver)
    return read()


def _make_engine(url: str, busy_timeout_ms: int, lock: WriterLock | None) -> Engine:
    if not url.startswith("sqlite"):
        return _postgresql_engine(url)
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
        if not WRITING.get():
            connection.exec_driver_sql("BEGIN")
            return
        if lock is not None and lock.acquire():
            connection.connection.info[HOLDS_WRITER_LOCK] = True
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    @event.listens_for(engine.pool, "checkin")  # fires however the connection comes back
    def _release(_dbapi_connection: Any, record: Any) -> None:
        if lock is not None and record.info.pop(HOLDS_WRITER_LOCK, False):
            lock.release()

    return engine


def _postgresql_engine(url: str) -> Engine:
    """An engine whose pool pings a connection as it hands it out (SQLAlchemy's pre-ping, as
    a checkout event), but for a checkout made with `UNPINGED` set: a connection the server
    dropped is replaced before an ORM session meets it, on every request."""
    engine = create_engine(url)
    dialect = engine.dialect

    @event.listens_for(engine.pool, "connect")
    def _new(_dbapi_connection: Any, record: Any) -> None:
        record.info[_NEW] = True  # needs no ping on its first checkout

    @event.listens_for(engine.pool, "checkout")
    def _ping(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if record.info.pop(_NEW, False) or UNPINGED.get():
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                raise InvalidatePoolError() from error  # the pool connects anew
            raise

    return engine


def rowcount(result: Result[Any]) -> int:
    """The rows an INSERT, UPDATE or DELETE touched. `Session.execute` types every result as a
    `Result`; such a statement's is a `CursorResult`, which counts them."""
    if not isinstance(result, CursorResult):
        raise TypeError(f"a {type(result).__name__} counts no rows")
    return result.rowcount
