"""Heartbeat ingest under load: the app under a production server on a local port, many viewers.

Run from the repository root::

    .venv/bin/python -m bench.heartbeats                       # SQLite in a temporary folder
    .venv/bin/python -m bench.heartbeats --clients 200 --seconds 10
    .venv/bin/python -m bench.heartbeats --database postgresql+psycopg://postgres@127.0.0.1/bench
    .venv/bin/python -m bench.heartbeats --server sync --server gthread --server granian
    .venv/bin/python -m bench.heartbeats --hosts 2 --database postgresql+psycopg://...

It makes a database with `--viewers` trainees enrolled in one programme with one long video
(an existing database must be empty), starts the server (`--server`: gunicorn's sync workers
or gthread workers with `config/gunicorn.conf.py`, or granian with `config/serve.py`) with the
reference endpoints on, logs every viewer in and opens a playback for each. Then four phases of
`--seconds` each (after a warm-up), at `--clients` concurrent connections: the no-op endpoint
(the ceiling of the stack), the authenticated no-op (session, user, CSRF), heartbeats, and
heartbeats again while `--slow-clients` more connections each send a request body a byte at a
time (as a phone on a bad link does): do the others stall? `--rounds N` runs the authenticated
no-op and the heartbeats N times each, in turn, and adds up each one's rounds, so that a change
in the machine's load during the run weighs on both sides of their ratio alike. Each client
plays its own viewers in turn, so one viewer's beats leave in order, each at the position real
time has reached. It prints the rate, p50 and p99 of each, the ratios, the server's CPU per
request and its memory (the proportional set size of all its processes, from `/proc`), and the
tally: every beat answered must be stored once, and the seconds credited in the answers must
equal those in the database. Given several `--server`, it runs each in turn on a fresh database
and prints a table of them at the end.

Clients keep their connection open between requests, as browsers do (`--close` opens one per
request); a server that closes it (gunicorn's sync workers do) gets a new one. With `--hosts 2`
two servers (and a scheduler beside each, as `make serve` runs) share the database and each
client sends its requests to them in turn, as a round-robin balancer would: a viewer logs in on
one and beats on both, and the scheduler's lease is checked at the end (one holder ran every
job). `--rate-limit-store redis://...` counts the rate limits there instead of per process. The
client is plain asyncio on raw sockets (no HTTP library), and shares the machine's cores with
the server: its CPU share is printed too.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, make_url, select, text

from learning import create_app, migrate
from learning.db import Database, get_database
from learning.jobs import lease
from learning.models import BeatRecord, JobRun, User
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
    server_cpu_s: float = 0.0  # all the server's processes, warm-up included
    server_memory_mb: float = 0.0  # their proportional set size at the end of the phase
    slow_cut: int = 0  # slow requests the server gave up on
    window_s: float = 0.0
    rounds: list[float] = field(default_factory=list)  # the rate of each round (--rounds)
    database_cpu_s: float = 0.0  # PostgreSQL's processes (`Server.database_cpu_s`)

    def merged(self, later: Phase) -> Phase:
        """This phase and a later round of it as one: every answer and second of both."""
        return Phase(
            self.name,
            self.latencies + later.latencies,
            self.errors + later.errors,
            self.answered + later.answered,
            self.credited_s + later.credited_s,
            self.client_cpu_s + later.client_cpu_s,
            self.server_cpu_s + later.server_cpu_s,
            max(self.server_memory_mb, later.server_memory_mb),
            self.slow_cut + later.slow_cut,
            self.window_s + later.window_s,
            self.rounds + later.rounds,
            self.database_cpu_s + later.database_cpu_s,
        )

    @property
    def server_us_per_request(self) -> float:
        return self.us_per_request(self.server_cpu_s)

    def us_per_request(self, cpu_s: float) -> float:
        return cpu_s / self.answered * 1e6 if self.answered else 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.window_s if self.window_s else 0.0

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000 if ordered else 0


# --- a minimal HTTP/1.1 client that keeps its connections open ------------------------------


class Link:
    """One client's connections, one per server, kept open between requests (unless `close`),
    each request going to the next server in turn."""

    def __init__(self, ports: list[int], *, close: bool = False) -> None:
        self.ports = ports
        self.close = close
        self.turn = 0
        self.connections: dict[int, tuple[asyncio.StreamReader, asyncio.StreamWriter]] = {}

    def next_port(self) -> int:
        port = self.ports[self.turn % len(self.ports)]
        self.turn += 1
        return port

    def drop(self, port: int) -> None:
        _reader, writer = self.connections.pop(port)
        writer.close()

    def close_all(self) -> None:
        for port in list(self.connections):
            self.drop(port)


async def request(
    link: Link, method: str, path: str, *, body: bytes = b"", headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    port = link.next_port()
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    lines += ["Connection: close"] if link.close else []
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    lines.append(f"Content-Length: {len(body)}")
    message = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
    reused = port in link.connections
    if not reused:
        link.connections[port] = await asyncio.open_connection("127.0.0.1", port)
    reader, writer = link.connections[port]
    try:
        writer.write(message)
        head = await reader.readuntil(b"\r\n\r\n")
    except (OSError, asyncio.IncompleteReadError) as error:
        link.drop(port)
        if not reused or getattr(error, "partial", b""):
            raise OSError(f"no answer: {error}") from error
        # The server closed a kept connection before reading this request (as browsers do,
        # send it again on a new one): nothing of it was processed.
        link.turn -= 1
        return await request(link, method, path, body=body, headers=headers)
    status_line, *header_lines = head[:-4].decode("latin-1").split("\r\n")
    answer_headers: dict[str, str] = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        if name.lower() == "set-cookie" and value.strip().startswith("session="):
            answer_headers["session"] = value.strip().split(";", 1)[0]
        answer_headers.setdefault(name.lower(), value.strip())
    try:
        content = await reader.readexactly(int(answer_headers["content-length"]))
    except (OSError, asyncio.IncompleteReadError, KeyError) as error:
        link.drop(port)
        raise OSError(f"incomplete answer: {error!r}") from error
    if link.close or answer_headers.get("connection", "").lower() == "close":
        link.drop(port)
    return int(status_line.split()[1]), answer_headers, content


def csrf_token(page: bytes) -> str:
    found = re.search(rb'name="csrf-token" content="([^"]+)"', page)
    assert found, "no CSRF token on the page"
    return found.group(1).decode()


async def log_in(link: Link, viewer: Viewer) -> None:
    _status, headers, page = await request(link, "GET", "/login")
    cookie = headers["session"]
    form = urllib.parse.urlencode(
        {"username": viewer.username, "password": PASSWORD, "csrf_token": csrf_token(page)}
    ).encode()
    status, headers, _ = await request(
        link,
        "POST",
        "/login",
        body=form,
        headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status in (302, 303), f"{viewer.username} could not log in ({status})"
    cookie = headers.get("session", cookie)
    _status, headers, page = await request(link, "GET", "/", headers={"Cookie": cookie})
    viewer.cookie, viewer.token = headers.get("session", cookie), csrf_token(page)


async def open_playback(link: Link, viewer: Viewer, video_id: int) -> None:
    body = json.dumps({"enrolment_id": viewer.enrolment_id, "video_id": video_id}).encode()
    status, _headers, content = await request(
        link, "POST", "/api/v1/playbacks", body=body, headers=_api_headers(viewer)
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
    phase: Phase,
    clients: list[tuple[Link, list[Viewer]]],
    seconds: float,
    send,
    server: Server,
    slow_clients: int = 0,
) -> None:
    begin = time.monotonic()
    window_start, stop = begin + WARM_UP_S, begin + WARM_UP_S + seconds
    cpu_start, server_cpu_start = time.process_time(), server.cpu_s()
    database_cpu_start = server.database_cpu_s()

    async def client(link: Link, viewers: list[Viewer]) -> None:
        turn = 0
        while time.monotonic() < stop:
            viewer = viewers[turn % len(viewers)]
            turn += 1
            sent = time.monotonic()
            try:
                status, content = await send(link, viewer)
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

    viewers = [viewer for _link, client_viewers in clients for viewer in client_viewers]
    slow = [
        slow_sender(server.ports[i % len(server.ports)], stop, phase, viewers[i], i)
        for i in range(slow_clients)
    ]
    await asyncio.gather(*(client(link, viewers) for link, viewers in clients), *slow)
    phase.window_s = seconds
    phase.client_cpu_s = time.process_time() - cpu_start
    phase.server_cpu_s = server.cpu_s() - server_cpu_start
    phase.server_memory_mb = server.memory_mb()
    phase.database_cpu_s = server.database_cpu_s() - database_cpu_start


async def slow_sender(port: int, stop: float, phase: Phase, viewer: Viewer, number: int) -> None:
    """A beat whose body arrives a byte every half second (a phone on a bad link), until
    `stop`, then dropped unfinished; a new one whenever the server gives up on it. Its playback
    does not exist, so even a beat that arrived whole would store nothing; the server reads the
    body before it looks."""
    body = json.dumps({"seq": 1, "position_s": 0, "rate": 1, "paused": False, "visible": True})
    head = "\r\n".join(
        [
            f"POST /api/v1/playbacks/slow-{number}/heartbeats HTTP/1.1",
            f"Host: 127.0.0.1:{port}",
            *(f"{name}: {value}" for name, value in _api_headers(viewer).items()),
            f"Content-Length: {len(body)}",
        ]
    )
    while time.monotonic() < stop:
        try:
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(f"{head}\r\n\r\n".encode())
            for byte in body.encode():
                if time.monotonic() >= stop:
                    break
                await asyncio.sleep(0.5)
                writer.write(bytes([byte]))
                await writer.drain()
        except OSError:
            phase.slow_cut += 1
            await asyncio.sleep(0.5)
            continue
        writer.close()


async def send_noop(link: Link, _viewer: Viewer) -> tuple[int, bytes]:
    status, _headers, _content = await request(link, "POST", "/api/v1/bench/noop", body=b"{}")
    return status, b""


async def send_auth_noop(link: Link, viewer: Viewer) -> tuple[int, bytes]:
    status, _headers, _content = await request(
        link, "POST", "/api/v1/bench/auth", body=b"{}", headers=_api_headers(viewer)
    )
    return status, b""


def next_beat(viewer: Viewer) -> dict[str, object]:
    """The viewer's next beat, at the position real time has reached since its first."""
    viewer.seq += 1
    if viewer.seq == 1:
        viewer.started = time.monotonic()
    return {
        "seq": viewer.seq,
        "position_s": round(time.monotonic() - viewer.started, 3),
        "rate": 1,
        "paused": False,
        "visible": True,
        "event": "play" if viewer.seq == 1 else "tick",
    }


async def send_beat(link: Link, viewer: Viewer) -> tuple[int, bytes]:
    beat = next_beat(viewer)
    status, _headers, content = await request(
        link,
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


SERVERS = ("sync", "gthread", "granian")


def server_command(kind: str, threads: int) -> list[str]:
    """The command serving the app with `kind`: gunicorn with its production config (the
    worker class overridden), or granian as `make serve` runs it; both bind to $BIND."""
    if kind == "granian":
        return [sys.executable, str(ROOT / "config" / "serve.py")]
    gunicorn = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "config" / "gunicorn.conf.py")]
    workers = ["--worker-class", "gthread", "--threads", str(threads)] if kind == "gthread" else []
    return [*gunicorn, *(workers or ["--worker-class", "sync"]), "learning:create_app()"]


class Server:
    """The server processes of one run (one or more hosts, each with a scheduler when there
    are several), with their CPU time and memory read from /proc."""

    def __init__(self, kind: str, url: str, folder: Path, arguments: argparse.Namespace) -> None:
        self.kind = kind
        self.ports = [free_port() for _ in range(arguments.hosts)]
        self.database_name = None if url.startswith("sqlite") else make_url(url).database
        environment = {
            **os.environ,
            # Development mode, which production refuses the reference endpoints and a short
            # key; the path is production's (the JSON request log, the security headers).
            "LEARNING_ENV": "development",
            "SECRET_KEY": "bench",
            "DATABASE_URL": url,
            "UPLOAD_FOLDER": str(folder / "uploads"),
            "PASSWORD_HASH_METHOD": FAST_HASH,
            "BENCH_ENDPOINTS": "1",
            # The limiter still runs on every beat (its cost is measured) but never refuses one:
            # viewers here beat faster than any real player when the server keeps up.
            "BEAT_BURST": "1000",
            "BEATS_PER_S": "1000",
            "RATE_LIMIT_STORAGE_URL": arguments.rate_limit_store or "",
            "RATE_LIMIT_KEY_PREFIX": f"bench-{os.getpid()}-{kind}",
            "JOB_PLAYBACKS_EVERY_S": "5",
            "JOB_NOTIFICATIONS_EVERY_S": "5",
        }
        self.log_path = folder / f"server-{kind}.log"
        self.processes: list[subprocess.Popen] = []
        with self.log_path.open("w") as log:
            for port in self.ports:
                self.processes.append(
                    subprocess.Popen(
                        server_command(kind, arguments.threads),
                        env={
                            **environment,
                            "BIND": f"127.0.0.1:{port}",
                            "THREADS": str(arguments.threads),
                        },
                        cwd=ROOT,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                    )
                )
            self.schedulers = [
                subprocess.Popen(
                    [sys.executable, "-m", "flask", "--app", "learning", "scheduler"],
                    env=environment,
                    cwd=ROOT,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
                for _ in self.ports
                if arguments.hosts > 1
            ]
        self._wait_until_listening()

    def _wait_until_listening(self) -> None:
        deadline = time.monotonic() + 60
        for port in self.ports:
            while True:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1):
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        self.stop()
                        raise SystemExit(
                            f"{self.kind} did not start; see {self.log_path}"
                        ) from None
                    time.sleep(0.2)

    def _tree(self) -> list[int]:
        """The servers' process ids and all their descendants'."""
        parents: dict[int, int] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
        found = [process.pid for process in self.processes]
        for pid in found:
            found += [child for child, parent in parents.items() if parent == pid]
        return found

    def cpu_s(self) -> float:
        """CPU seconds of the server processes, those of workers already reaped included."""
        ticks = 0
        for pid in self._tree():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            ticks += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
        return ticks / os.sysconf("SC_CLK_TCK")

    def database_cpu_s(self) -> float:
        """CPU seconds of the PostgreSQL server's processes on this machine that serve this
        run: the backends connected to its database and the server's own (the WAL writer, the
        checkpointer...), not other databases' backends. 0 for SQLite, which runs inside the
        server's processes."""
        if self.database_name is None:
            return 0.0
        ticks = 0
        for entry in Path("/proc").iterdir():
            try:
                if not entry.name.isdigit() or (entry / "comm").read_text().strip() != "postgres":
                    continue
                title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().split()
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            client = any("(" in word or word == "[local]" for word in title[3:])
            if (client or title[2:4] == ["autovacuum", "worker"]) and (
                self.database_name not in title
            ):
                continue  # another database's backend or vacuum
            ticks += int(fields[11]) + int(fields[12])  # utime stime
        return ticks / os.sysconf("SC_CLK_TCK")

    def memory_mb(self) -> float:
        """Proportional set size of the server processes (pages shared between forked workers
        counted once in all)."""
        kilobytes = 0
        for pid in self._tree():
            try:
                rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
            except OSError:
                continue
            kilobytes += int(re.search(r"^Pss:\s+(\d+)", rollup, re.MULTILINE).group(1))
        return kilobytes / 1024

    def stop(self) -> None:
        for process in self.processes + self.schedulers:
            process.terminate()
        for process in self.processes + self.schedulers:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


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


def lease_report(url: str, since: datetime) -> str:
    """Who held the scheduler lease, and which holders ran jobs since `since`."""
    database = Database(url)
    with database.session_factory() as session:
        current = lease.current(session)
        runners = session.scalars(
            select(JobRun.holder).where(JobRun.started_at >= since).distinct()
        ).all()
        runs = session.scalar(select(func.count(JobRun.id)).where(JobRun.started_at >= since))
    database.dispose()
    holder = current.holder if current else None
    verdict = "the lease holder alone" if runners == [holder] else "NOT the lease holder alone"
    return (
        f"scheduler: {len(runners)} holder(s) ran {runs} jobs, the lease is held by {holder}: "
        f"{verdict}"
    )


async def main_async(
    arguments: argparse.Namespace, server: Server, viewers: list[Viewer], video: int
) -> list[Phase]:
    setup = asyncio.Semaphore(32)

    async def ready(viewer: Viewer) -> None:
        async with setup:
            link = Link(server.ports, close=arguments.close)
            await log_in(link, viewer)
            await open_playback(link, viewer, video)
            link.close_all()

    started = time.monotonic()
    await asyncio.gather(*(ready(viewer) for viewer in viewers))
    print(
        f"{server.kind}: {len(viewers)} viewers logged in, playbacks open, "
        f"in {time.monotonic() - started:.0f} s"
    )
    phases = {}
    alternated = [("authenticated no-op", send_auth_noop, 0), ("heartbeat", send_beat, 0)]
    for name, send, slow in (
        ("no-op (ceiling)", send_noop, 0),
        *alternated * arguments.rounds,
        (f"heartbeat, {arguments.slow_clients} slow", send_beat, arguments.slow_clients),
    ):
        clients = [
            (Link(server.ports, close=arguments.close), viewers[i :: arguments.clients])
            for i in range(arguments.clients)
        ]
        phase = Phase(name)
        await run_phase(phase, clients, arguments.seconds, send, server, slow)
        for link, _viewers in clients:
            link.close_all()
        phase.rounds.append(phase.rate)
        if name in phases:
            phase = phases[name].merged(phase)
        phases[name] = phase
    if arguments.rounds > 1:
        authenticated, beats = (phases[name].rounds for name, _send, _slow in alternated)
        ratios = ", ".join(f"{b / a:.2f}" for a, b in zip(authenticated, beats, strict=True))
        print(f"heartbeats / authenticated no-op, round by round: {ratios}")
    return list(phases.values())


def report(
    kind: str, phases: list[Phase], arguments: argparse.Namespace, stored: tuple[int, int]
) -> str:
    """Print one server's phases; return its row for the table of servers."""
    print(
        f"\n{kind}: {arguments.clients} concurrent clients"
        f"{' (a connection per request)' if arguments.close else ', kept alive'}, "
        f"{arguments.hosts} host(s), {arguments.seconds:.0f} s per phase"
    )
    columns = ("req/s", "p50 ms", "p99 ms", "errors", "us/req", "PSS MB", "client CPU")
    print(f"{'endpoint':<22} " + " ".join(f"{column:>8}" for column in columns))
    for phase in phases:
        share = phase.client_cpu_s / (phase.window_s + WARM_UP_S * len(phase.rounds))
        print(
            f"{phase.name:<22} {phase.rate:8.0f} {phase.percentile(0.5):8.1f} "
            f"{phase.percentile(0.99):8.1f} {phase.errors:8d} {phase.server_us_per_request:8.0f} "
            f"{phase.server_memory_mb:8.0f} {share:10.0%}"
        )
    ceiling, authenticated, beats, slowed = phases
    print(f"\nheartbeats / no-op:               {beats.rate / ceiling.rate:.2f}")
    print(f"heartbeats / authenticated no-op: {beats.rate / authenticated.rate:.2f}")
    if authenticated.server_us_per_request:
        cpu_ratio = beats.server_us_per_request / authenticated.server_us_per_request
        print(f"server CPU per beat / per authenticated no-op: {cpu_ratio:.2f}")
    if authenticated.database_cpu_s:
        print(machine_cpu(authenticated, beats))
    print(
        f"heartbeats beside {arguments.slow_clients} slow clients / without: "
        f"{slowed.rate / beats.rate:.2f} (the server gave up on a slow request "
        f"{slowed.slow_cut} times)"
    )
    count, credited = stored
    answered, credited_s = beats.answered + slowed.answered, beats.credited_s + slowed.credited_s
    same = count == answered and credited == credited_s
    tally_line = (
        f"tally: {answered} beats answered, {count} stored; {credited_s} s credited "
        f"in the answers, {credited} s in the database: {'equal' if same else 'DIFFERENT'}"
    )
    print(tally_line)
    return (
        f"| {kind} | {ceiling.rate:,.0f}, {ceiling.percentile(0.99):.0f} ms, "
        f"{ceiling.server_us_per_request:.0f} us | {authenticated.rate:,.0f}, "
        f"{authenticated.percentile(0.99):.0f} ms | {beats.rate:,.0f}, "
        f"{beats.percentile(0.5):.0f} ms, {beats.percentile(0.99):.0f} ms, "
        f"{beats.server_us_per_request:.0f} us | {slowed.rate:,.0f}, "
        f"{slowed.percentile(0.99):.0f} ms ({slowed.rate / beats.rate:.2f}) | "
        f"{beats.server_memory_mb:.0f} MB | {answered:,} = {count:,}"
        f"{'' if same else ' DIFFERENT'} |"
    )


def machine_cpu(authenticated: Phase, beats: Phase) -> str:
    """What a request costs the machine's cores, the client's, the application's and
    PostgreSQL's together, and the cores that used at the rate reached: a rate bounded by
    the cores uses all of them, whatever it is spent on."""
    lines = []
    for phase in (authenticated, beats):
        parts = [phase.client_cpu_s, phase.server_cpu_s, phase.database_cpu_s]
        client, server, database = (phase.us_per_request(cpu_s) for cpu_s in parts)
        cores = sum(parts) / (phase.window_s + WARM_UP_S * len(phase.rounds))
        lines.append(
            f"{phase.name}: CPU per request {client:.0f} us client + {server:.0f} us server + "
            f"{database:.0f} us PostgreSQL = {client + server + database:.0f} us; "
            f"{cores:.2f} cores busy"
        )
    return "\n".join(lines)


def empty(url: str) -> None:
    """Drop what the previous server's run left in a PostgreSQL database (a SQLite file is new
    each time)."""
    database = Database(url)
    if not database.is_sqlite:
        with database.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--database", help="an empty database's URL; SQLite in a temp folder if omitted"
    )
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--viewers", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument(
        "--server",
        action="append",
        choices=SERVERS,
        help="sync (default), gthread or granian; several run in turn, each on a fresh database",
    )
    parser.add_argument(
        "--threads", type=int, default=4, help="per worker, for gthread and granian (4)"
    )
    parser.add_argument("--slow-clients", type=int, default=8)
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="run the authenticated no-op and the heartbeats this many times each, in turn, "
        "and add up each one's rounds: a machine whose load changes then weighs on both alike",
    )
    parser.add_argument("--hosts", type=int, default=1, help="servers sharing the database")
    parser.add_argument("--close", action="store_true", help="a new connection per request")
    parser.add_argument("--rate-limit-store", help="e.g. redis://127.0.0.1:6379/0")
    arguments = parser.parse_args()
    rows = []
    for number, kind in enumerate(arguments.server or ["sync"]):
        with tempfile.TemporaryDirectory() as name:
            folder = Path(name)
            url = arguments.database or f"sqlite:///{folder / 'bench.sqlite'}"
            if number:
                empty(url)
            viewers, video = prepare(url, folder, max(arguments.viewers, arguments.clients))
            since = datetime.now(UTC)
            server = Server(kind, url, folder, arguments)
            try:
                phases = asyncio.run(main_async(arguments, server, viewers, video))
                leader = lease_report(url, since) if arguments.hosts > 1 else ""
            finally:
                server.stop()  # the schedulers give the lease up: read it before
            rows.append(report(kind, phases, arguments, tally(url)))
            print(leader)
    print(
        "\n| server | no-op req/s, p99, server CPU | authenticated no-op | heartbeats req/s, "
        "p50, p99, server CPU | beats beside slow clients, p99 (x alone) | memory (PSS) | tally |"
    )
    print("|---|---|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
