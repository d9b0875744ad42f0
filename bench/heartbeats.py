"""Heartbeat ingest under load: the app under gunicorn on a local port, many simulated viewers.

Run from the repository root::

    .venv/bin/python -m bench.heartbeats                       # SQLite in a temporary folder
    .venv/bin/python -m bench.heartbeats --clients 200 --seconds 10
    .venv/bin/python -m bench.heartbeats --database postgresql+psycopg://postgres@127.0.0.1/bench

It makes a database with `--viewers` trainees enrolled in one programme with one long video
(an existing database must be empty), starts gunicorn with `config/gunicorn.conf.py` and the
reference endpoints on, logs every viewer in and opens a playback for each. Then three phases of
`--seconds` each (after a warm-up), at `--clients` concurrent connections: the no-op endpoint
(the ceiling of the stack), the authenticated no-op (session, user, CSRF), and heartbeats.
Each client plays its own viewers in turn, so one viewer's beats leave in order, each at the
position real time has reached. It prints the rate, p50 and p99 of each, the ratios, and the
tally: every beat answered must be stored once, and the seconds credited in the answers must
equal those in the database. The server's CPU time per request of each phase is read from
`/proc` (gunicorn's processes, the workers it has already reaped included). The client is plain
asyncio on raw sockets (no HTTP library), and shares the machine's cores with the server: its
CPU share is printed too.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from learning import create_app, migrate
from learning.db import Database, get_database
from learning.models import BeatRecord, User
from learning.services import accounts, catalogue, enrolments

PASSWORD = "viewer-pass-1"
FAST_HASH = "pbkdf2:sha256:1000"
WARM_UP_S = 2.0
ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Viewer:
    username: str
    enrolment_id: int
    cookie: str = ""
    token: str = ""
    playback_id: str = ""
    seq: int = 0
    started: float = 0.0


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)  # of answers inside the window
    errors: int = 0
    answered: int = 0  # every answer, warm-up included (for the tally)
    credited_s: int = 0
    client_cpu_s: float = 0.0
    server_cpu_s: float = 0.0  # the whole phase's, warm-up included, as `answered` is
    window_s: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.window_s if self.window_s else 0.0

    @property
    def server_us(self) -> float:
        """The server's CPU time per answered request, in microseconds."""
        return self.server_cpu_s / self.answered * 1e6 if self.answered else 0.0

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000 if ordered else 0


# --- a minimal HTTP/1.1 client (gunicorn's sync workers close every connection) ----------------


async def request(
    port: int, method: str, path: str, *, body: bytes = b"", headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    lines.append(f"Content-Length: {len(body)}")
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
    raw = await reader.read(-1)
    writer.close()
    head, _, content = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    answer_headers: dict[str, str] = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        if name.lower() == "set-cookie" and value.strip().startswith("session="):
            answer_headers["session"] = value.strip().split(";", 1)[0]
        answer_headers.setdefault(name.lower(), value.strip())
    return int(status_line.split()[1]), answer_headers, content


def csrf_token(page: bytes) -> str:
    found = re.search(rb'name="csrf-token" content="([^"]+)"', page)
    assert found, "no CSRF token on the page"
    return found.group(1).decode()


async def log_in(port: int, viewer: Viewer) -> None:
    _status, headers, page = await request(port, "GET", "/login")
    cookie = headers["session"]
    form = urllib.parse.urlencode(
        {"username": viewer.username, "password": PASSWORD, "csrf_token": csrf_token(page)}
    ).encode()
    status, headers, _ = await request(
        port,
        "POST",
        "/login",
        body=form,
        headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status in (302, 303), f"{viewer.username} could not log in ({status})"
    cookie = headers.get("session", cookie)
    _status, headers, page = await request(port, "GET", "/", headers={"Cookie": cookie})
    viewer.cookie, viewer.token = headers.get("session", cookie), csrf_token(page)


async def open_playback(port: int, viewer: Viewer, video_id: int) -> None:
    body = json.dumps({"enrolment_id": viewer.enrolment_id, "video_id": video_id}).encode()
    status, _headers, content = await request(
        port, "POST", "/api/v1/playbacks", body=body, headers=_api_headers(viewer)
    )
    assert status == 201, content
    viewer.playback_id = json.loads(content)["playback_id"]


def _api_headers(viewer: Viewer) -> dict[str, str]:
    return {
        "Cookie": viewer.cookie,
        "X-CSRFToken": viewer.token,
        "Content-Type": "application/json",
    }


# --- the phases ---------------------------------------------------------------------------------


async def run_phase(
    port: int, phase: Phase, clients: list[list[Viewer]], seconds: float, send, server: int
) -> None:
    begin = time.monotonic()
    window_start, stop = begin + WARM_UP_S, begin + WARM_UP_S + seconds
    cpu_start, server_start = time.process_time(), server_cpu_s(server)

    async def client(viewers: list[Viewer]) -> None:
        turn = 0
        while time.monotonic() < stop:
            viewer = viewers[turn % len(viewers)]
            turn += 1
            sent = time.monotonic()
            try:
                status, content = await send(port, viewer)
            except OSError:
                phase.errors += 1
                continue
            done = time.monotonic()
            if status not in (200, 409):
                phase.errors += 1
                continue
            phase.answered += 1
            if content:
                phase.credited_s += json.loads(content).get("credited_s", 0)
            if window_start <= sent and done <= stop:
                phase.latencies.append(done - sent)

    await asyncio.gather(*(client(viewers) for viewers in clients))
    phase.window_s = seconds
    phase.client_cpu_s = time.process_time() - cpu_start
    phase.server_cpu_s = server_cpu_s(server) - server_start


def server_cpu_s(pid: int) -> float:
    """CPU seconds used so far by process `pid`, its live children and those it has reaped."""
    ticks = os.sysconf("SC_CLK_TCK")
    fields = _stat(pid)
    total = sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    for child in children:
        try:
            total += sum(int(value) for value in _stat(int(child))[11:13])
        except FileNotFoundError:
            continue  # ended since: its time is in the parent's cutime once reaped
    return total / ticks


def _stat(pid: int) -> list[str]:
    """The fields of /proc/<pid>/stat after the command's name (which may hold spaces)."""
    return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()


async def send_noop(port: int, _viewer: Viewer) -> tuple[int, bytes]:
    status, _headers, _content = await request(port, "POST", "/api/v1/bench/noop", body=b"{}")
    return status, b""


async def send_auth_noop(port: int, viewer: Viewer) -> tuple[int, bytes]:
    status, _headers, _content = await request(
        port, "POST", "/api/v1/bench/auth", body=b"{}", headers=_api_headers(viewer)
    )
    return status, b""


async def send_beat(port: int, viewer: Viewer) -> tuple[int, bytes]:
    viewer.seq += 1
    if viewer.seq == 1:
        viewer.started = time.monotonic()
    beat = {
        "seq": viewer.seq,
        "position_s": round(time.monotonic() - viewer.started, 3),
        "rate": 1,
        "paused": False,
        "visible": True,
        "event": "play" if viewer.seq == 1 else "tick",
    }
    status, _headers, content = await request(
        port,
        "POST",
        f"/api/v1/playbacks/{viewer.playback_id}/heartbeats",
        body=json.dumps(beat).encode(),
        headers=_api_headers(viewer),
    )
    return status, content


# --- setting up -------------------------------------------------------------------------------


def prepare(url: str, folder: Path, count: int) -> tuple[list[Viewer], int]:
    app = create_app(
        {
            "SECRET_KEY": "bench",
            "DATABASE_URL": url,
            "UPLOAD_FOLDER": str(folder / "uploads"),
            "PASSWORD_HASH_METHOD": FAST_HASH,
        }
    )
    database = get_database(app)
    migrate.upgrade(database)
    now = datetime.now(UTC)
    with database.transaction() as session:
        if session.scalar(select(func.count(User.id))):
            raise SystemExit(f"{url} is not empty: give the benchmark a database of its own")
        video = catalogue.add_video(
            session,
            title="长课",
            duration_s=100 * 3600,
            url="https://videos.example/long.mp4",
            programme_codes=["accounting-4"],
            now=now,
        )
        programme = catalogue.programme_by_code(session, "accounting-4")
        viewers = []
        for number in range(count):
            trainee = accounts.create_user(
                session,
                username=f"viewer{number:05d}",
                password=PASSWORD,
                role=accounts.Role.TRAINEE,
                display_name=f"观众{number}",
                now=now,
                hash_method=FAST_HASH,
            )
            enrolment = enrolments.enrol(
                session,
                trainee=trainee,
                programme=programme,
                now=now,
                standard_hour_minutes=45,
                eligibility_condition="L4-a",
            )
            viewers.append(Viewer(trainee.username, enrolment.id))
        video_id = video.id
    database.dispose()
    return viewers, video_id


def start_server(url: str, folder: Path, port: int) -> subprocess.Popen:
    environment = {
        **os.environ,
        # Production refuses the bench endpoints; its other differences are set here (the
        # secure cookie) or do nothing over plain HTTP on one host (HSTS, the host check).
        "LEARNING_ENV": "development",
        "SESSION_COOKIE_SECURE": "1",
        "SECRET_KEY": secrets.token_hex(32),
        "DATABASE_URL": url,
        "UPLOAD_FOLDER": str(folder / "uploads"),
        "PASSWORD_HASH_METHOD": FAST_HASH,
        "BENCH_ENDPOINTS": "1",
        # The limiter still runs on every beat (its cost is measured) but never refuses one:
        # viewers here beat faster than any real player when the server keeps up.
        "BEAT_BURST": "1000",
        "BEATS_PER_S": "1000",
        "BIND": f"127.0.0.1:{port}",
    }
    with (folder / "server.log").open("w") as log:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                str(ROOT / "config" / "gunicorn.conf.py"),
                "learning:create_app()",
            ],
            env=environment,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit(f"gunicorn did not start; see {folder / 'server.log'}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def tally(url: str) -> tuple[int, int]:
    """Beats stored, and their credited seconds as the answers floor them."""
    database = Database(url)
    with database.session_factory() as session:
        stored = session.scalar(select(func.count(BeatRecord.id))) or 0
        credited = session.scalar(select(func.sum(BeatRecord.credited_ms // 1000))) or 0
    database.dispose()
    return stored, int(credited)


async def main_async(
    arguments: argparse.Namespace, port: int, viewers: list[Viewer], video: int, server: int
):
    setup = asyncio.Semaphore(32)

    async def ready(viewer: Viewer) -> None:
        async with setup:
            await log_in(port, viewer)
            await open_playback(port, viewer, video)

    started = time.monotonic()
    await asyncio.gather(*(ready(viewer) for viewer in viewers))
    print(
        f"{len(viewers)} viewers logged in, playbacks open, in {time.monotonic() - started:.0f} s"
    )
    clients = [viewers[i :: arguments.clients] for i in range(arguments.clients)]
    phases = []
    for name, send in (
        ("no-op (ceiling)", send_noop),
        ("authenticated no-op", send_auth_noop),
        ("heartbeat", send_beat),
    ):
        phase = Phase(name)
        await run_phase(port, phase, clients, arguments.seconds, send, server)
        phases.append(phase)
    return phases


def report(phases: list[Phase], arguments: argparse.Namespace, stored: tuple[int, int]) -> None:
    print(f"\n{arguments.clients} concurrent clients, {arguments.seconds:.0f} s per phase")
    columns = ("req/s", "p50 ms", "p99 ms", "errors", "client CPU", "server us/req")
    print(f"{'endpoint':<22} " + " ".join(f"{column:>8}" for column in columns))
    for phase in phases:
        share = phase.client_cpu_s / (phase.window_s + WARM_UP_S)
        print(
            f"{phase.name:<22} {phase.rate:8.0f} {phase.percentile(0.5):8.1f} "
            f"{phase.percentile(0.99):8.1f} {phase.errors:7d} {share:10.0%} "
            f"{phase.server_us:13.0f}"
        )
    ceiling, authenticated, beats = phases
    print(f"\nheartbeats / no-op:               {beats.rate / ceiling.rate:.2f}")
    print(f"heartbeats / authenticated no-op: {beats.rate / authenticated.rate:.2f}")
    print(
        f"server CPU per beat / per authenticated no-op: "
        f"{beats.server_us / authenticated.server_us:.2f}"
    )
    count, credited = stored
    same = count == beats.answered and credited == beats.credited_s
    print(
        f"tally: {beats.answered} beats answered, {count} stored; {beats.credited_s} s credited "
        f"in the answers, {credited} s in the database: {'equal' if same else 'DIFFERENT'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--database", help="an empty database's URL; SQLite in a temp folder if omitted"
    )
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--viewers", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=10.0)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        url = arguments.database or f"sqlite:///{folder / 'bench.sqlite'}"
        viewers, video = prepare(url, folder, max(arguments.viewers, arguments.clients))
        port = free_port()
        server = start_server(url, folder, port)
        try:
            phases = asyncio.run(main_async(arguments, port, viewers, video, server.pid))
        finally:
            server.terminate()
            server.wait(timeout=30)
        report(phases, arguments, tally(url))


if __name__ == "__main__":
    main()
