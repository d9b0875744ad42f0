"""The server killed with SIGKILL in the middle of a heartbeat load: every beat it answered 200
is in the database, and the totals still rebuild exactly from the raw beats.

The app runs under the production server (`config/serve.py`: granian, several worker
processes) in its own process group on a fresh database of the suite's kind; trainees log in
through the real form and send beats as fast as they are answered; then the whole group is
killed at once, workers included.
"""

from __future__ import annotations

import http.client
import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from sqlalchemy import select

from learning import migrate
from learning.clock import Clock
from learning.db import Database
from learning.demo import seed as demo
from learning.domain.accounting import AccountingSettings
from learning.models import BeatRecord
from learning.services import recompute
from tests.conftest import FAST_HASH

ROOT = Path(__file__).resolve().parents[2]
TRAINEES = 6
LOAD_S = 3.0


class Viewer:
    """One trainee in a browser: a cookie jar, the CSRF token, one playback."""

    def __init__(self, base: str, username: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.token = self._log_in(username)
        self.answered: list[int] = []
        self.refused: str | None = None  # a live server's refusal, which fails the test
        self.playback_id = self._open()

    def _page_token(self, path: str) -> str:
        page = self.opener.open(self.base + path, timeout=10).read().decode()
        return re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)

    def _log_in(self, username: str) -> str:
        form = {"username": username, "password": demo.DEMO_PASSWORD}
        form["csrf_token"] = self._page_token("/login")
        body = urllib.parse.urlencode(form).encode()
        self.opener.open(self.base + "/login", body, timeout=10)
        return self._page_token("/")

    def _json(self, path: str, body: dict | None = None) -> dict:
        request = urllib.request.Request(
            self.base + path,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "X-CSRFToken": self.token},
        )
        with self.opener.open(request, timeout=10) as response:
            return json.loads(response.read())

    def _open(self) -> str:
        (enrolment, *_rest) = self._json("/api/v1/me/enrolments")
        videos = self._json(f"/api/v1/enrolments/{enrolment['id']}/videos")
        opened = self._json(
            "/api/v1/playbacks", {"enrolment_id": enrolment["id"], "video_id": videos[0]["id"]}
        )
        return opened["playback_id"]

    def play_until_the_server_dies(self) -> None:
        started, seq = time.monotonic(), 0
        while True:
            seq += 1
            beat = {
                "seq": seq,
                "position_s": round(time.monotonic() - started, 3),
                "rate": 1.0,
                "paused": False,
                "visible": True,
                "event": "play" if seq == 1 else "tick",
            }
            try:
                self._json(f"/api/v1/playbacks/{self.playback_id}/heartbeats", beat)
            except urllib.error.HTTPError as refusal:  # answered, but not 200: not the kill
                self.refused = f"beat {seq}: {refusal.code} {refusal.reason}"
                return
            except (OSError, http.client.HTTPException, json.JSONDecodeError):
                # The server is gone: refused, reset, or cut between the headers and the
                # body (IncompleteRead) or inside the body (a JSON document cut short).
                return
            self.answered.append(seq)
            time.sleep(0.01)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _seed(database: Database, uploads: Path) -> None:
    migrate.upgrade(database)
    with database.transaction() as session:
        demo.seed(
            session,
            upload_folder=uploads,
            now=Clock().now(),
            standard_hour_minutes=45,
            hash_method=FAST_HASH,
            settings=AccountingSettings(),
            trainee_count=TRAINEES,
            history_days=2,
        )


def _serve(database: Database, folder: Path, port: int) -> subprocess.Popen:
    environment = {
        **os.environ,
        "DATABASE_URL": database.url,
        "SECRET_KEY": "durability",
        "UPLOAD_FOLDER": str(folder / "uploads"),
        "PASSWORD_HASH_METHOD": FAST_HASH,
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "3",
        "BEAT_BURST": "100000",  # this load beats far faster than a player: let it
        "BEATS_PER_S": "100000",
    }
    with (folder / "server.log").open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "config/serve.py"],
            env=environment,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: one killpg takes the workers too
        )
    if _answers(f"http://127.0.0.1:{port}/login", within_s=60):
        return server
    os.killpg(server.pid, signal.SIGKILL)
    raise AssertionError((folder / "server.log").read_text())


def _answers(url: str, *, within_s: float) -> bool:
    """Whether a page is served within the time: ready means a worker has imported the app
    and answered, not merely that the server's main process accepts connections."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return True
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.2)
    return False


def test_every_answered_beat_survives_a_sigkill(empty_database: Database, tmp_path: Path):
    _seed(empty_database, tmp_path / "uploads")
    empty_database.dispose()
    port = _free_port()
    server = _serve(empty_database, tmp_path, port)
    try:
        base = f"http://127.0.0.1:{port}"
        viewers = [Viewer(base, f"trainee{number:02d}") for number in range(1, TRAINEES + 1)]
        threads = [threading.Thread(target=v.play_until_the_server_dies) for v in viewers]
        for thread in threads:
            thread.start()
        time.sleep(LOAD_S)
    finally:
        os.killpg(server.pid, signal.SIGKILL)  # mid-load: requests in flight, no shutdown
        server.wait(timeout=10)
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive(), "a viewer still waits for the dead server"
    assert [v.refused for v in viewers if v.refused] == []
    answered = {(v.playback_id, seq) for v in viewers for seq in v.answered}
    assert len(answered) > 50, (tmp_path / "server.log").read_text()[-2000:]

    database = Database(empty_database.url)  # as after a restart
    with database.session_factory() as session:
        stored = set(session.execute(select(BeatRecord.playback_id, BeatRecord.seq)).tuples())
        assert answered <= stored, f"{len(answered - stored)} answered beats were lost"
        assert recompute.compare(session, now_ms=int(time.time() * 1000)) == []
    database.dispose()
