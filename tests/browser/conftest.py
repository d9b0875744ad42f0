"""Browser tests: the app served on a local port, driven by Debian's Chromium through Playwright.

Skipped when /usr/bin/chromium is missing, unless REQUIRE_BROWSER=1 (CI), where that fails.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from learning import migrate
from learning.clock import Clock
from learning.db import get_database
from learning.services import demo
from tests.conftest import FAST_HASH, make_test_app

CHROMIUM = Path("/usr/bin/chromium")
BEAT_INTERVAL_S = 5  # shorter than the default 15 s, so the tests wait less
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--disable-gpu",
    "--autoplay-policy=no-user-gesture-required",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


@dataclass
class LiveServer:
    app: Flask
    url: str


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app with the demo data on its own SQLite file, served by a thread."""
    folder = tmp_path_factory.mktemp("live")
    app = make_test_app(
        f"sqlite:///{folder / 'live.sqlite'}",
        UPLOAD_FOLDER=str(folder / "uploads"),
        HEARTBEAT_INTERVAL_S=BEAT_INTERVAL_S,
    )
    app.extensions["clock"] = Clock()  # a real browser plays in real time
    database = get_database(app)
    migrate.upgrade(database)
    with database.transaction() as session:
        demo.seed(
            session,
            upload_folder=folder / "uploads",
            now=app.extensions["clock"].now(),
            standard_hour_minutes=45,
            hash_method=FAST_HASH,
            settings=app.extensions["accounting_settings"],
            history_days=10,
        )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(app, f"http://127.0.0.1:{server.server_port}")
    server.shutdown()
    database.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail("REQUIRE_BROWSER is set but /usr/bin/chromium is missing")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, tmp_path: Path) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


def log_in(page, base_url: str, username: str, password: str = demo.DEMO_PASSWORD) -> None:
    page.goto(f"{base_url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button.primary")
    page.wait_for_load_state("networkidle")
