"""Browser tests: the app served on a local port, driven by Debian's Chromium through Playwright.

Skipped when /usr/bin/chromium is missing, unless REQUIRE_BROWSER=1 (CI), where that fails.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from learning.db import get_database
from learning.demo import seed as demo
from learning.services import catalogue
from tests.browser.player import PASSWORD, Learner
from tests.factories import Factory
from tests.live import LiveServer, serve_demo, shared_folder

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
_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app with the demo data on a database of its own, served by a thread."""
    with serve_demo(
        tmp_path_factory.mktemp("live"),
        shared=shared_folder(tmp_path_factory),
        HEARTBEAT_INTERVAL_S=BEAT_INTERVAL_S,
        UPLOAD_CHUNK_BYTES=64 * 1024,  # a small file still goes in several chunks
    ) as server:
        yield server


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
    """A page whose test may run its own scripts in it: the content policy forbids string
    evaluation, which Playwright's waiting uses; test_content_policy.py checks the policy."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="zh-CN", bypass_csp=True
    )
    page = context.new_page()
    yield page
    context.close()


CAMERA_ARGS = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def camera_page(browser, request: pytest.FixtureRequest):
    """`camera_page(video)` -> a phone-sized page of a second Chromium whose camera plays the
    Y4M file `video` in a loop (launched by the session's Playwright: a process runs one)."""

    def launch(video: Path):
        camera = browser.browser_type.launch(
            executable_path=str(CHROMIUM),
            args=[*CHROMIUM_ARGS, *CAMERA_ARGS, f"--use-file-for-fake-video-capture={video}"],
        )
        request.addfinalizer(camera.close)
        context = camera.new_context(
            viewport=PHONE, locale="zh-CN", bypass_csp=True, is_mobile=True, has_touch=True
        )
        return context.new_page()

    return launch


def log_in(page, base_url: str, username: str, password: str = demo.DEMO_PASSWORD) -> None:
    page.goto(f"{base_url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button.primary")
    page.wait_for_load_state("networkidle")


@pytest.fixture
def learner(live_server: LiveServer) -> Learner:
    """A trainee of the test's own, enrolled in trading-3, on the live server."""
    app = live_server.app
    with get_database(app).transaction() as session:
        make = Factory(session, app.extensions["clock"])
        user = make.trainee(f"viewer{next(_numbers)}", password=PASSWORD, display_name="观看者")
        enrolment = make.enrolment(user, "trading-3", condition="L3-a")
        titles = {
            v.title: v.id for v in catalogue.programme_videos(session, enrolment.programme_id)
        }
        intro = next(vid for title, vid in titles.items() if title.startswith("课程导论"))
        lecture = next(vid for title, vid in titles.items() if title.startswith("第1讲"))
        return Learner(user.username, user.id, enrolment.id, intro, lecture)


@pytest.fixture
def viewer(page, live_server: LiveServer, learner: Learner):
    log_in(page, live_server.url, learner.username, PASSWORD)
    return page
