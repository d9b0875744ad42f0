"""Pages on a slow mobile link, in Chromium: when the text shows, the player works, charts draw.

Run from the repository root::

    .venv/bin/python -m bench.mobile_pages
    .venv/bin/python -m bench.mobile_pages --runs 3

It seeds the demo (12 trainees, 10 days of history) into a temporary SQLite file, serves it
with gunicorn on a local port, logs in at full speed, then throttles the page's network through
the DevTools protocol (1.6 Mbit/s down, 750 kbit/s up, 150 ms latency: a poor 4G or a good 3G
link) and opens each page in a fresh browser context, so nothing is cached. Times are in
milliseconds from the start of the navigation, measured in the page: first contentful paint,
the player usable (a playback open and the video's metadata loaded) and the first chart drawn
(plotly's `.main-svg`); with the bytes the page transferred.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
]
SLOW_MOBILE = {
    "offline": False,
    "latency": 150,
    "downloadThroughput": 1_600_000 / 8,
    "uploadThroughput": 750_000 / 8,
}
TIMEOUT_MS = 120_000

# Installed before any page script: records when the player and the first chart are ready.
MARKS = """
window.__marks = {};
const poll = setInterval(() => {
  const marks = window.__marks;
  const video = document.querySelector("video");
  if (!("player" in marks) && window.learningPlayer && window.learningPlayer.playbackId
      && video && video.readyState >= 1) marks.player = performance.now();
  if (!("chart" in marks) && document.querySelector(".main-svg")) marks.chart = performance.now();
}, 20);
"""

READ_MARKS = """() => {
  const paint = performance.getEntriesByName("first-contentful-paint")[0];
  const bytes = performance.getEntriesByType("resource").concat(
    performance.getEntriesByType("navigation")).reduce((sum, e) => sum + e.transferSize, 0);
  return {text: paint ? paint.startTime : null, ...window.__marks, bytes};
}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=1, help="visits of each page")
    arguments = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder, serve(Path(folder)) as (url, database):
        pages = _pages(database)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            print(f"{'page':<44} {'text':>8} {'player':>8} {'charts':>8} {'bytes':>10}")
            for name, (username, path, waits) in pages.items():
                for _run in range(arguments.runs):
                    marks = _visit(browser, url, username, path, waits)
                    print(
                        f"{name:<44} {_ms(marks.get('text'))} {_ms(marks.get('player'))} "
                        f"{_ms(marks.get('chart'))} {marks['bytes']:>10,}"
                    )
            browser.close()


def _pages(database: str) -> dict[str, tuple[str, str, list[str]]]:
    """(who, path, what to wait for) of each page measured."""
    with create_engine(database).connect() as connection:
        enrolment_id, video_id = connection.execute(
            text(
                "SELECT e.id, pv.video_id FROM enrolments e JOIN users u ON u.id = e.trainee_id"
                " JOIN programme_videos pv ON pv.programme_id = e.programme_id"
                " WHERE u.username = 'trainee01' ORDER BY pv.position LIMIT 1"
            )
        ).one()
        class_id = connection.execute(
            text("SELECT id FROM classes ORDER BY id LIMIT 1")
        ).scalar_one()
    return {
        "course page (trainee01)": ("trainee01", f"/enrolments/{enrolment_id}", ["chart"]),
        "player (trainee01, first video)": (
            "trainee01",
            f"/enrolments/{enrolment_id}/videos/{video_id}",
            ["player"],
        ),
        "class dashboard (teacher1)": ("teacher1", f"/classes/{class_id}", ["chart"]),
    }


def _visit(browser, url: str, username: str, path: str, waits: list[str]) -> dict:
    """One cold visit of `path` on the slow link, logged in at full speed first."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", bypass_csp=True
    )
    page = context.new_page()
    page.goto(f"{url}/login")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', "demo1234")
    page.click('form[action="/login"] button')
    page.wait_for_load_state()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", SLOW_MOBILE)
    page.add_init_script(MARKS)
    page.goto(f"{url}{path}", wait_until="commit", timeout=TIMEOUT_MS)
    page.wait_for_function(
        "names => names.every(name => window.__marks && name in window.__marks)",
        arg=waits,
        timeout=TIMEOUT_MS,
    )
    page.wait_for_load_state("load", timeout=TIMEOUT_MS)
    marks = page.evaluate(READ_MARKS)
    context.close()
    return marks


def _ms(value: float | None) -> str:
    return f"{value:7.0f}ms" if value is not None else f"{'-':>9}"


@contextmanager
def serve(folder: Path) -> Iterator[tuple[str, str]]:
    """The demo on a SQLite file in `folder`, served by gunicorn: (address, database URL)."""
    database = f"sqlite:///{folder / 'demo.sqlite'}"
    port = _free_port()
    environment = {
        **os.environ,
        "SECRET_KEY": "bench",
        "DATABASE_URL": database,
        "UPLOAD_FOLDER": str(folder / "uploads"),
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "4",
    }
    flask = [sys.executable, "-m", "flask", "--app", "learning"]
    subprocess.run([*flask, "init-db"], env=environment, cwd=ROOT, check=True)
    seed = [*flask, "seed-demo", "--trainees", "12", "--history-days", "10"]
    subprocess.run(seed, env=environment, cwd=ROOT, check=True, capture_output=True)
    gunicorn = [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py"]
    with (folder / "server.log").open("w") as log:
        server = subprocess.Popen(
            [*gunicorn, "learning:create_app()"],
            env=environment,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_for(port)
        yield f"http://127.0.0.1:{port}", database
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_for(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


if __name__ == "__main__":
    main()
