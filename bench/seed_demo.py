"""`flask seed-demo` on a fresh SQLite file: its time, and what it wrote, for one or more checkouts.

Run from the repository root (the arguments after `--` are seed-demo's)::

    .venv/bin/python -m bench.seed_demo --checkout /path/to/old --checkout . --rounds 3 \\
        -- --trainees 6 --history-days 3
    PYTHONHASHSEED=0 .venv/bin/python -m bench.seed_demo --digest -- --trainees 40 --history-days 10

Each round runs, for each checkout in turn (so that a busy machine weighs on all alike), `flask
--app learning init-db` and then the timed `flask --app learning seed-demo ARGS` in a new
process from that checkout, on a new SQLite file; it prints the seconds of the seeding process
(wall clock, and CPU: user + system) and each checkout's median. With `--digest`, the demo is
seeded instead in this process (this checkout) at a fixed moment and every table's rows are
printed as a count and a digest, to compare what two checkouts write: file names and password
hashes are left out (random by design), and so is a study state's random seed while it has no
events; PYTHONHASHSEED=0 keeps the order of the rows written from a set.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path


def _timed(checkout: Path, seed_arguments: list[str]) -> tuple[float, float]:
    """(wall, cpu) seconds of `seed-demo` from `checkout` on a new database."""
    with tempfile.TemporaryDirectory() as folder:
        environment = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{folder}/demo.sqlite",
            "SECRET_KEY": "bench",
            "UPLOAD_FOLDER": f"{folder}/uploads",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
        flask = [str(checkout / ".venv/bin/flask"), "--app", "learning"]
        subprocess.run([*flask, "init-db"], cwd=checkout, env=environment, check=True, **_quiet())
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = _now()
        subprocess.run(
            [*flask, "seed-demo", *seed_arguments],
            cwd=checkout,
            env=environment,
            check=True,
            **_quiet(),
        )
        wall = _now() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _quiet() -> dict:
    return {"stdout": subprocess.DEVNULL}


def _now() -> float:
    return os.times().elapsed


def _digest(trainees: int, history_days: int) -> None:
    """Seed in this process (this checkout) at a fixed moment; print each table's digest."""
    import sqlite3
    from datetime import UTC, datetime

    from learning import migrate
    from learning.database import Database
    from learning.demo import seed as demo
    from learning.domain.accounting import AccountingSettings

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "demo.sqlite"
        database = Database(f"sqlite:///{path}")
        migrate.upgrade(database)
        with database.transaction() as session:
            demo.seed(
                session,
                upload_folder=Path(folder) / "uploads",
                now=datetime(2026, 3, 2, 1, tzinfo=UTC),
                standard_hour_minutes=45,
                hash_method="pbkdf2:sha256:1000",
                settings=AccountingSettings(),
                trainee_count=trainees,
                history_days=history_days,
            )
        database.dispose()
        connection = sqlite3.connect(path)
        tables = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        for (table,) in sorted(tables.fetchall()):
            cursor = connection.execute(f'SELECT * FROM "{table}" ORDER BY rowid')
            columns = [column[0] for column in cursor.description]
            rows = [_comparable(table, dict(zip(columns, row, strict=True))) for row in cursor]
            digest = hashlib.sha256(repr(rows).encode()).hexdigest()[:16]
            print(f"{table:28} {len(rows):8} {digest}")
        connection.close()


def _comparable(table: str, row: dict) -> dict:
    row.pop("password_hash", None)
    row.pop("file_path", None)
    if table == "trainee_study_state" and row["event_count"] == 0:
        row.pop("seed")
    return row


def main() -> None:
    own, _, seed_arguments = " ".join(sys.argv[1:]).partition(" -- ")
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--checkout", type=Path, action="append", default=[])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--digest", action="store_true")
    arguments = parser.parse_args(own.split())
    if arguments.digest:
        sizes = argparse.ArgumentParser()
        sizes.add_argument("--trainees", type=int, default=40)
        sizes.add_argument("--history-days", type=int, default=75)
        demo = sizes.parse_args(seed_arguments.split())
        _digest(demo.trainees, demo.history_days)
        return
    checkouts = [checkout.resolve() for checkout in arguments.checkout or [Path(".")]]
    print(f"seed-demo {seed_arguments}", flush=True)
    times: dict[Path, list[tuple[float, float]]] = {checkout: [] for checkout in checkouts}
    for number in range(1, arguments.rounds + 1):
        for checkout in checkouts:
            wall, cpu = _timed(checkout, seed_arguments.split())
            times[checkout].append((wall, cpu))
            print(f"round {number} {checkout}: {wall:6.2f} s wall {cpu:6.2f} s CPU", flush=True)
    for checkout, measured in times.items():
        wall = statistics.median(w for w, _ in measured)
        cpu = statistics.median(c for _, c in measured)
        print(f"median {checkout}: {wall:6.2f} s wall {cpu:6.2f} s CPU")


if __name__ == "__main__":
    main()
