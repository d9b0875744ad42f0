"""Shared fixtures: one migrated database per test session, rolled back after every test.

`DATABASE_URL` in the environment runs the suite against that database (PostgreSQL in CI);
otherwise a SQLite file in a temporary folder is used.
"""

from __future__ import annotations

import copy
import os
import re
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from hypothesis import settings
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from learning import create_app, migrate
from learning.api import limits
from learning.clock import FakeClock
from learning.db import Database, get_database
from tests import factories

FAST_HASH = "pbkdf2:sha256:1000"  # tests only: the real default (scrypt) is slow on purpose
# Sessions do not end by themselves in the `app` fixture's tests: many move the fake clock by
# hours or days between the requests of one login. tests/security/test_sessions.py puts the
# real limits back; the live server (browser tests, fuzzing) keeps them.
SESSIONS_LAST = {
    "SESSION_IDLE_MINUTES_STAFF": 10 * 365 * 24 * 60,
    "SESSION_IDLE_MINUTES_TRAINEE": 10 * 365 * 24 * 60,
    "SESSION_LIFETIME_HOURS": 10 * 365 * 24,
}

# Hypothesis: "ci" (set by .ci/run) is hypothesis's own CI profile (derandomized, no deadline)
# drawing the examples each property was written with; "quick", the default, draws a fifth of
# them, with no deadline, for a local run. Only the number of examples differs: strategies and
# assertions are the same. The thorough run locally: HYPOTHESIS_PROFILE=ci make test.
EXAMPLE_SHARE = {"ci": 1.0, "quick": 0.2}
HYPOTHESIS_PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "quick")
settings.register_profile("ci", settings.get_profile("ci"), max_examples=100)
settings.register_profile("quick", max_examples=20, deadline=None)
settings.load_profile(HYPOTHESIS_PROFILE)


def examples(ci_count: int) -> int:
    """The examples drawn under the loaded profile by a property that draws `ci_count` on CI."""
    return max(10, round(ci_count * EXAMPLE_SHARE[HYPOTHESIS_PROFILE]))


def pytest_configure(config: pytest.Config) -> None:
    translations = Path(__file__).parent.parent / "learning" / "translations"
    for po_file in translations.glob("*/LC_MESSAGES/messages.po"):
        mo_file = po_file.with_suffix(".mo")
        if not mo_file.exists() or mo_file.stat().st_mtime < po_file.stat().st_mtime:
            from babel.messages.mofile import write_mo
            from babel.messages.pofile import read_po

            with po_file.open("rb") as source, mo_file.open("wb") as target:
                write_mo(target, read_po(source))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Marks the browser tests and spreads their files through the first half of the run, one
    after every few other files. A browser test mostly waits on a video playing in real time:
    interleaved, some workers wait while the others keep the cores busy, and none is left
    with a long browser file at the end. Of the other files, those marked `long` go first.
    (`make test` hands files out in this order: it turns off xdist's ordering by number of
    tests, which would put the browser tests last.)"""
    _refuse_shared_node_ids(items)
    here = Path(__file__).parent / "browser"
    files: dict[Path, list[pytest.Item]] = {}
    for item in items:
        files.setdefault(Path(item.fspath), []).append(item)
    browser = [tests for path, tests in files.items() if here in path.parents]
    others = [tests for path, tests in files.items() if here not in path.parents]
    others.sort(key=lambda tests: tests[0].get_closest_marker("long") is None)  # stable
    for tests in browser:
        for item in tests:
            item.add_marker(pytest.mark.browser)
    every = max(1, len(others) // (2 * len(browser))) if browser else 0
    ordered: list[pytest.Item] = []
    for i, tests in enumerate(browser):
        ordered += tests
        for more in others[i * every : (i + 1) * every]:
            ordered += more
    for more in others[len(browser) * every :]:
        ordered += more
    items[:] = ordered


def _refuse_shared_node_ids(items: list[pytest.Item]) -> None:
    """xdist schedules by node id: of tests that share one, `make test` runs only one, silently
    (schemathesis' `parametrize` did that to 25 API operations)."""
    counts = Counter(item.nodeid for item in items)
    shared = sorted(nodeid for nodeid, count in counts.items() if count > 1)
    if shared:
        raise pytest.UsageError(f"tests sharing a node id (xdist would run one): {shared}")


def reset_schema(database: Database) -> None:
    """Empty the database, whatever it holds."""
    if database.is_sqlite:
        return  # always a new file
    with database.engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))


def make_test_app(database_url: str, **overrides: Any) -> Flask:
    settings = {
        "TESTING": True,
        "ENV": "development",
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": database_url,
        "PASSWORD_HASH_METHOD": FAST_HASH,
        **overrides,
    }
    app = create_app(settings)
    app.extensions["clock"] = FakeClock()
    return app


@contextmanager
def new_postgresql_database(url: str, name: str) -> Iterator[str]:
    """A new database `name` on the server of `url` (dropped first if a killed run left it),
    dropped at the end; yields its URL."""
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def worker_database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """This process's database: `DATABASE_URL` (PostgreSQL in CI) or a SQLite file of its own;
    under pytest-xdist each worker (gw0, gw1...) has its own, `<database>_gw0` on PostgreSQL."""
    url = os.environ.get("DATABASE_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
    elif worker and url.startswith("postgresql"):
        with new_postgresql_database(url, f"{make_url(url).database}_{worker}") as worker_url:
            yield worker_url
    else:
        yield url


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with worker_database_url(tmp_path_factory) as url:
        database = Database(url)
        reset_schema(database)
        migrate.upgrade(database)
        database.dispose()
        yield url


@contextmanager
def in_transaction(app: Flask) -> Iterator[Connection]:
    """`app`'s sessions inside a transaction of their own connection, rolled back at the end:
    they join it, and their commits are savepoints."""
    database = get_database(app)
    connection = database.engine.connect()
    transaction = connection.begin()
    database.session_factory.configure(bind=connection, join_transaction_mode="create_savepoint")
    try:
        yield connection
    finally:
        transaction.rollback()
        connection.close()
        database.session_factory.configure(
            bind=database.engine, join_transaction_mode="conservative_savepoint"
        )


@contextmanager
def app_in_transaction(database_url: str, uploads: Path) -> Iterator[tuple[Flask, Connection]]:
    """An application of its own on the shared database, inside a transaction rolled back at
    the end (see `in_transaction`)."""
    app = make_test_app(database_url, UPLOAD_FOLDER=str(uploads), **SESSIONS_LAST)
    with in_transaction(app) as connection:
        yield app, connection
    get_database(app).dispose()


def renew_memory(app: Flask) -> None:
    """New in-memory state for `app`, as a newly built app has: a fake clock at its start and
    full rate-limit buckets (on that clock)."""
    app.extensions["clock"] = FakeClock()
    limits.init_app(app)


def shape(app: Flask) -> dict[str, Any]:
    """What a test may use on the shared app but has no business changing, and that no
    snapshot puts back: its routes, hooks, error handlers, middleware, template globals, the
    extensions it holds and the listeners on its engine."""
    engine = get_database(app).engine
    hooks = (
        "before_request_funcs",
        "after_request_funcs",
        "teardown_request_funcs",
        "url_value_preprocessors",
        "url_default_functions",
        "template_context_processors",
    )
    return {
        "rules": [(rule.rule, rule.endpoint) for rule in app.url_map.iter_rules()],
        "views": dict(app.view_functions),
        **{hook: {k: list(v) for k, v in getattr(app, hook).items() if v} for hook in hooks},
        "error_handlers": {  # the nested defaultdicts grow empty entries as they are read
            (scope, code, kind): handler
            for scope, by_code in app.error_handler_spec.items()
            for code, by_kind in by_code.items()
            for kind, handler in by_kind.items()
        },
        "teardown_appcontext_funcs": list(app.teardown_appcontext_funcs),
        "wsgi_app": app.wsgi_app,
        "session_interface": app.session_interface,
        "jinja": (dict(app.jinja_env.globals), dict(app.jinja_env.filters)),
        "extensions": sorted(app.extensions),
        "engine_listeners": {
            name: len(getattr(engine.dispatch, name))
            for name in ("engine_connect", "begin", "before_cursor_execute", "after_cursor_execute")
        },
        "pool_listeners": {
            name: len(getattr(engine.pool.dispatch, name))
            for name in ("connect", "checkout", "checkin")
        },
    }


class SharedApp:
    """One application per test process, built on the first test that asks for it: building one
    (routes, blueprints, and then compiling every template anew) cost about a fifth of the
    suite when each test had its own.

    Each test gets it as a new one would be: its own transaction (rolled back), upload folder,
    fake clock and rate limits; the configuration and the extensions as built,
    put back after the test. Anything else a test changes on it (a route, a hook, a listener on
    the engine) fails that test at teardown, and the next test gets an app built anew.
    """

    def __init__(self, database_url: str, uploads: Path) -> None:
        self.database_url = database_url
        self.uploads = uploads  # each test has its own; this one is never written to
        self.app: Flask | None = None

    def build(self) -> Flask:
        app = make_test_app(self.database_url, UPLOAD_FOLDER=str(self.uploads), **SESSIONS_LAST)
        self.config = copy.deepcopy(dict(app.config))
        self.extensions = dict(app.extensions)
        self.shape = shape(app)
        return app

    @contextmanager
    def for_test(self, uploads: Path) -> Iterator[Flask]:
        if self.app is None:
            self.app = self.build()
        app = self.app
        app.config["UPLOAD_FOLDER"] = str(uploads)
        renew_memory(app)
        try:
            with in_transaction(app):
                yield app
        finally:
            app.config.clear()
            app.config.update(copy.deepcopy(self.config))
            app.extensions.clear()
            app.extensions.update(self.extensions)
            app.test_client_class = None
            now = shape(app)
            changed = sorted(key for key, value in now.items() if value != self.shape[key])
            if changed:
                self.close()
        assert not changed, (
            f"the test changed the shared app ({', '.join(changed)}) beyond its configuration "
            "and extensions: mark it @pytest.mark.own_app"
        )
        assert not has_app_context(), "the test left an application context pushed"

    def close(self) -> None:
        if self.app is not None:
            get_database(self.app).dispose()
            self.app = None


@pytest.fixture(scope="session")
def shared_app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SharedApp]:
    shared = SharedApp(database_url, tmp_path_factory.mktemp("uploads"))
    yield shared
    shared.close()


@pytest.fixture
def app(request: pytest.FixtureRequest, database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The application on the shared database, inside a transaction rolled back at the end:
    the process's shared app, or one of its own for a test marked `own_app` (one that must
    change what `SharedApp` cannot put back)."""
    if request.node.get_closest_marker("own_app"):
        with app_in_transaction(database_url, tmp_path / "uploads") as (app, _connection):
            yield app
        return
    shared: SharedApp = request.getfixturevalue("shared_app")
    with shared.for_test(tmp_path / "uploads") as app:
        yield app


@pytest.fixture
def clock(app: Flask) -> FakeClock:
    return app.extensions["clock"]


@pytest.fixture
def db_session(app: Flask) -> Iterator[Session]:
    session = get_database(app).session_factory()
    yield session
    session.close()


@pytest.fixture
def make(db_session: Session, clock: FakeClock) -> factories.Factory:
    return factories.Factory(db_session, clock)


class Client(FlaskClient):
    """A test client that can log in through the form and send the CSRF token like a page."""

    def csrf_token(self) -> str:
        page = self.get("/login").get_data(as_text=True)
        if "csrf-token" not in page:
            page = self.get("/account/password").get_data(as_text=True)
        match = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
        assert match, "no CSRF token on the page"
        return match.group(1)

    def post_form(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        """Post the form `data` with the CSRF token its page would hold."""
        return self.post(url, data={**(data or {}), "csrf_token": self.csrf_token()}, **kwargs)

    def log_in(self, username: str, password: str = factories.PASSWORD, **kwargs: Any) -> Any:
        return self.post_form("/login", {"username": username, "password": password}, **kwargs)

    def post_json(self, url: str, body: Any, **kwargs: Any) -> Any:
        headers = {"X-CSRFToken": self.csrf_token(), **kwargs.pop("headers", {})}
        return self.post(url, json=body, headers=headers, **kwargs)


@pytest.fixture
def client(app: Flask) -> Client:
    app.test_client_class = Client
    return app.test_client()  # type: ignore[return-value]


@pytest.fixture
def login(app: Flask, make: factories.Factory) -> Any:
    """`login(user)` -> a client logged in as that user."""

    def log_in_as(user: Any) -> Client:
        make.commit()
        app.test_client_class = Client
        client: Client = app.test_client()  # type: ignore[assignment]
        response = client.log_in(user.username)
        assert response.status_code == 303, response.get_data(as_text=True)
        return client

    return log_in_as


@contextmanager
def separate_database(folder: Path, name: str) -> Iterator[str]:
    """The URL of a new, empty database of the kind the suite runs on, for an app of its own
    (a served app, a migration from nothing): a SQLite file `name`.sqlite under `folder`; with
    a PostgreSQL `DATABASE_URL`, a database of its own on that server, named after the suite's
    and `name`, dropped at the end. Either way its tables never meet the suite's."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgresql"):
        yield f"sqlite:///{folder / f'{name}.sqlite'}"
        return
    own = f"{make_url(url).database}_{name}"[:50] + f"_{uuid.uuid4().hex[:10]}"
    with new_postgresql_database(url, own) as own_url:
        yield own_url


@pytest.fixture
def redis_store() -> Iterator[dict[str, str]]:
    """The rate-limit settings of a Redis store (`TEST_REDIS_URL`, default the machine's
    127.0.0.1:6379) under a key prefix of this test's own, whose keys are deleted at the end;
    the test is skipped, saying so, if no Redis answers there."""
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    connection = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        connection.ping()
    except redis.RedisError as error:
        pytest.skip(f"no Redis server answers at {url} ({error}): shared limits are untested")
    prefix = f"test-{uuid.uuid4().hex}"
    yield {"RATE_LIMIT_STORAGE_URL": url, "RATE_LIMIT_KEY_PREFIX": prefix}
    for key in connection.scan_iter(f"{prefix}:*"):
        connection.delete(key)
    connection.close()


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[Database]:
    """A new, empty database of the kind the suite runs on."""
    with separate_database(tmp_path, "empty") as url:
        database = Database(url)
        yield database
        database.dispose()
