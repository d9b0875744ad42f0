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

``--history-days`` sets the days seeded (75 by default); ``--no-full`` leaves the full check out.
With ``--day-beats N`` it then times the nightly check (`recompute --check --since-verified`).
An empty database is then seeded for it instead (`bench.seeding.seed_day`): the demo without
its trainees' study, and `--trainees` trainees who study `--history-days` days as the demo's do
and then, every one of them, an evening of about N events: "the day", 2.5 million beats for
10,000 trainees of 250; each trainee's snapshot is their replay state at the day's eve, as last
night's check would have left it, and a copy of those is kept in the database, put back before
each timed check, so the database can be timed again (``--seed-only`` seeds and times
nothing). On a database without that copy (one seeded by `seed-demo`), each trainee's verified
snapshot is put back N events before their last (those with fewer events get one at their
last), so their last N events are "the day". It prints the day's events/s and, if the day was
smaller than 2.5 million beats, labelled as such, what one of that size would take at that rate.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import resource
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import func, select

from bench.seeding import bench_app, restore_eve, seed_day, seed_if_empty
from learning.db import get_database
from learning.domain.accounting import COMPILED
from learning.extensions import now_ms
from learning.models import BeatRecord, Enrolment, TraineeStudyState
from learning.services import recompute

TEN_MILLION = 10_000_000
A_DAY = 2_500_000  # the day: beats checked by the nightly check in under 60 s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", help="SQLAlchemy URL; a temporary SQLite file if omitted")
    parser.add_argument("--trainees", type=int, default=130)
    parser.add_argument("--history-days", type=int, default=75, help="seeded days of study")
    parser.add_argument("--no-full", action="store_true", help="the nightly check only")
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--day-beats", type=int, default=0, help="events a trainee in the day")
    parser.add_argument("--profile", action="store_true", help="one process, under cProfile")
    parser.add_argument("--seed-only", action="store_true", help="seed --database, time nothing")
    arguments = parser.parse_args()
    if arguments.profile:
        arguments.processes = 1
    with tempfile.TemporaryDirectory() as folder:
        app = bench_app(arguments.database, folder, "replay.sqlite")
        if arguments.day_beats:
            seed_day(
                app,
                trainees=arguments.trainees,
                history_days=arguments.history_days,
                day_events=arguments.day_beats,
            )
        else:
            seed_if_empty(
                app,
                "--trainees",
                str(arguments.trainees),
                "--history-days",
                str(arguments.history_days),
            )
        database = get_database(app)
        if arguments.seed_only:
            database.dispose()
            return
        with database.session_factory() as session:
            beats = session.scalar(select(func.count(BeatRecord.id))) or 0
        if not arguments.no_full:
            with app.app_context():
                _full(database, beats, arguments.processes, arguments.profile)
        if arguments.day_beats:
            with app.app_context():
                started = time.perf_counter()
                if restore_eve(app):
                    print(f"snapshots of the seeded day's eve put back: {_since(started)}")
                else:
                    _put_back(database, arguments.day_beats)
                    print(f"snapshots put back {arguments.day_beats} events: {_since(started)}")
                _nightly(database, arguments.processes, arguments.profile)
        database.dispose()


def _cpu_s() -> float:
    """User and system seconds of this process and its ended children (the workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _since(started: float) -> str:
    return f"{time.perf_counter() - started:.1f} s"


def _full(database: object, beats: int, processes: int, profiling: bool) -> None:
    """The full check timed."""
    assert isinstance(database, recompute.Database)
    profile = cProfile.Profile() if profiling else None
    started = time.perf_counter()
    with _profiled(profile):
        report = recompute.check(database, now_ms=now_ms(), processes=processes)
    total_s = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{beats:,} beats, {report.events:,} events of {report.trainees} trainees, "
        f"{processes} processes, rules: " + ("compiled (mypyc)" if COMPILED else "Python source")
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
    _print_profile(profile)


@contextmanager
def _profiled(profile: cProfile.Profile | None) -> Iterator[None]:
    if profile is not None:
        profile.enable()
    try:
        yield
    finally:
        if profile is not None:
            profile.disable()


def _print_profile(profile: cProfile.Profile | None) -> None:
    if profile is not None:
        stats = pstats.Stats(profile)
        stats.sort_stats("cumulative").print_stats(40)
        stats.sort_stats("tottime").print_stats(20)


def _put_back(database: object, day_beats: int) -> None:
    """Every trainee's snapshot put back `day_beats` events before their last."""
    assert isinstance(database, recompute.Database)
    with database.transaction() as session:
        statement = select(TraineeStudyState.trainee_id, TraineeStudyState.event_count)
        counts = dict(session.execute(statement).tuples().all())
        enrolled = set(session.scalars(select(Enrolment.trainee_id)))
        for trainee_id in sorted(enrolled | set(counts)):  # as a full check leaves them
            count = counts.get(trainee_id, 0)  # those with fewer events studied none of the day
            at = count - day_beats if count > day_beats else count
            recompute.store_snapshot_at(session, trainee_id, at, now_ms=now_ms())


def _nightly(database: object, processes: int, profiling: bool) -> None:
    """The nightly check timed."""
    assert isinstance(database, recompute.Database)
    profile = cProfile.Profile() if profiling else None
    cpu_before = _cpu_s()
    started = time.perf_counter()
    with _profiled(profile):
        report = recompute.check_since_verified(database, now_ms=now_ms(), processes=processes)
    total_s = time.perf_counter() - started
    cpu_s = _cpu_s() - cpu_before
    rate = report.events / total_s
    print(
        f"nightly check from snapshots: {report.trainees} trainees, {report.events:,} events "
        f"of the day, {total_s:.1f} s, {rate:,.0f} events/s, "
        f"{1000 * total_s / max(1, report.trainees):.1f} ms a trainee, "
        f"{len(report.differences)} differences"
    )
    print(  # what a shared machine's other work does not add to, unlike the wall clock
        f"CPU of this process and its workers: {cpu_s:.1f} s, "
        f"{cpu_s / processes:.1f} s a process if the cores were its own"
    )
    if report.events < A_DAY:
        print(
            f"extrapolated, not measured: {A_DAY:,} beats of a day at this rate: "
            f"{A_DAY / rate:.0f} s (the target is under 60 s)"
        )
    _print_profile(profile)


if __name__ == "__main__":
    main()
