"""Real scheduler processes against one database: one leads, a killed one is replaced, and
/healthz tells which. Runs on the suite's database kind (SQLite or PostgreSQL)."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from learning import migrate
from learning.db import Database
from learning.models import JobRun
from tests.conftest import make_test_app

LEASE_S = 2
INTERVAL_S = 1


@pytest.fixture
def database(empty_database: Database) -> Iterator[Database]:
    migrate.upgrade(empty_database)
    yield empty_database


def start_scheduler(database: Database, tmp_path: Path, name: str) -> subprocess.Popen:
    environment = {
        **os.environ,
        "DATABASE_URL": database.url,
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "SCHEDULER_LEASE_S": str(LEASE_S),
        "JOB_PLAYBACKS_EVERY_S": str(INTERVAL_S),
        "JOB_NOTIFICATIONS_EVERY_S": str(INTERVAL_S),
        "JOB_EXAM_SESSIONS_EVERY_S": str(INTERVAL_S),
    }
    with (tmp_path / f"{name}.log").open("w") as log:  # the child keeps its own copy
        return subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "learning", "scheduler"],
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def runs(database: Database) -> list[JobRun]:
    with database.session_factory() as session:
        return list(session.scalars(select(JobRun).order_by(JobRun.started_at)))


def wait_for(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def health(database: Database, tmp_path: Path) -> dict:
    app = make_test_app(database.url, UPLOAD_FOLDER=str(tmp_path / "uploads"))
    app.extensions["clock"].set(datetime.now(UTC))
    response = app.test_client().get("/healthz")
    body = response.get_json()
    get_db = app.extensions["database"]
    get_db.dispose()
    return {"code": response.status_code, **body}


def test_two_schedulers_run_each_job_once_and_a_killed_one_is_replaced(
    database: Database, tmp_path: Path
) -> None:
    assert health(database, tmp_path)["scheduler"] == "absent"
    first = start_scheduler(database, tmp_path, "first")
    second = start_scheduler(database, tmp_path, "second")
    try:
        wait_for(lambda: len(runs(database)) >= 12)
        time.sleep(3)
        assert health(database, tmp_path) == {
            "code": 200,
            "status": "ok",
            "database": "ok",
            "scheduler": "ok",
        }
        before = runs(database)
        leaders = {run.holder for run in before}
        assert len(leaders) == 1, "both processes ran jobs"
        for job in ("close_playbacks", "notifications", "exam_sessions"):
            starts = [run.started_at for run in before if run.job == job]
            gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(starts)]
            assert starts and min(gaps) > 0.5 * INTERVAL_S, f"{job} ran twice at once: {gaps}"
        assert all(run.outcome == "ok" for run in before if run.finished_at)

        leader_pid = int(next(iter(leaders)).split(":")[1])
        survivor = second if leader_pid == first.pid else first
        victim = first if survivor is second else second
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
        killed_at = datetime.now(UTC)
        wait_for(lambda: any(run.holder not in leaders for run in runs(database)))
        taken = [run for run in runs(database) if run.holder not in leaders]
        assert int(taken[0].holder.split(":")[1]) == survivor.pid
        # the survivor waited for the lease to expire: no run of its own before that
        assert (taken[0].started_at - killed_at).total_seconds() > -0.5
        assert health(database, tmp_path)["scheduler"] == "ok"

        survivor.send_signal(signal.SIGKILL)
        survivor.wait(timeout=10)
        time.sleep(LEASE_S + 1)
        assert health(database, tmp_path) == {
            "code": 503,
            "status": "degraded",
            "database": "ok",
            "scheduler": "stale",
        }
    finally:
        for process in (first, second):
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)


@pytest.mark.parametrize(
    "signals",
    [(signal.SIGTERM,), (signal.SIGINT, signal.SIGTERM)],  # the second: Ctrl-C on `make run`
    ids=["term", "ctrl-c-then-make's-trap"],
)
def test_a_scheduler_stopped_cleanly_gives_the_lease_up(
    database: Database, tmp_path: Path, signals: tuple[signal.Signals, ...]
):
    process = start_scheduler(database, tmp_path, "clean")
    try:
        wait_for(lambda: len(runs(database)) >= 3)
        for sent in signals:
            process.send_signal(sent)
        log = tmp_path / "clean.log"
        assert process.wait(timeout=20) == 0, log.read_text()[-3000:]
        assert "Traceback" not in log.read_text()
        assert health(database, tmp_path)["scheduler"] == "absent"
    finally:
        if process.poll() is None:
            process.kill()
