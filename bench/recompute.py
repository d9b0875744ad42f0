"""`recompute` over many raw beats: how long replaying and comparing every kept total takes.

Run from the repository root::

    .venv/bin/python -m bench.recompute                   # 130 trainees, about a million beats
    .venv/bin/python -m bench.recompute --trainees 1300   # about ten million
    .venv/bin/python -m bench.recompute --database sqlite:////tmp/replay.db   # kept, re-used

An empty database is seeded with the demo and `--trainees` trainees, each with 75 days of
honest viewing simulated through the same rules (about 7,700 beats a trainee); a database that
has users is used as it is. Then it times what `flask recompute --check` does: trainee by
trainee, replaying their stored events through the rules and comparing their kept totals and
stored beats. It prints the beats, the seconds and the rate, and what ten million beats would
take at it.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time

from sqlalchemy import func, select

from bench.seeding import bench_app, seed_if_empty
from learning.db import get_database
from learning.extensions import now_ms
from learning.models import BeatRecord
from learning.services import recompute

TEN_MILLION = 10_000_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", help="SQLAlchemy URL; a temporary SQLite file if omitted")
    parser.add_argument("--trainees", type=int, default=130)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = bench_app(arguments.database, folder, "replay.sqlite")
        seed_if_empty(app, "--trainees", str(arguments.trainees))
        database = get_database(app)
        with database.session_factory() as session:
            beats = session.scalar(select(func.count(BeatRecord.id))) or 0
        started = time.perf_counter()
        with app.app_context():
            report = recompute.check(database, now_ms=now_ms(), processes=arguments.processes)
        total_s = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"{beats:,} beats, {report.events:,} events of {report.trainees} trainees, "
            f"{arguments.processes} processes"
        )
        print(
            f"replayed and compared, trainee by trainee: {total_s:7.1f} s, "
            f"{report.events / total_s:9,.0f} events/s"
        )
        print(f"{len(report.differences)} differences, peak memory {peak_mb:,.0f} MB")
        print(
            f"at this rate, {TEN_MILLION:,} beats: {total_s * TEN_MILLION / max(1, beats):.0f} s"
            " (the target is under 120 s)"
        )
        database.dispose()


if __name__ == "__main__":
    main()
