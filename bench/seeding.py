"""What the timing benchmarks share: an app on a database of their own, seeded once."""

from __future__ import annotations

import random
import time
from datetime import datetime
from pathlib import Path

from flask import Flask
from sqlalchemy import func, inspect, select
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from learning import create_app, migrate
from learning.db import get_database
from learning.demo import history as demo_history
from learning.demo import seed as demo
from learning.demo.history import Learner
from learning.extensions import get_accounting_settings, get_clock
from learning.models import Role, TrainingClass, User
from learning.services import accounts, catalogue, enrolments

#: Bench trainees seeded (and committed) together: one transaction for 10,000 trainees' beats
#: wrote a write-ahead log of 750 MB and had not ended after 19 minutes.
CHUNK = 500
#: A copy of the snapshots at the eve of the seeded day (see `seed_day`), a table of the bench
#: database only: the timed nightly check moves them on, `restore_eve` puts them back.
EVE_TABLE = "bench_eve_snapshots"


def bench_app(url: str | None, folder: str, default_name: str) -> Flask:
    """The app on `url`, or on a SQLite file `default_name` in `folder`, migrated."""
    app = create_app(
        {
            "SECRET_KEY": "bench",
            "DATABASE_URL": url or f"sqlite:///{Path(folder) / default_name}",
            "UPLOAD_FOLDER": str(Path(folder) / "uploads"),
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )
    migrate.upgrade(get_database(app))
    return app


def seed_if_empty(app: Flask, *seed_arguments: str) -> None:
    """`seed-demo` with these arguments, unless the database has users already."""
    with get_database(app).session_factory() as session:
        if session.scalar(select(func.count(User.id))):
            return
    started = time.perf_counter()
    result = app.test_cli_runner().invoke(args=["seed-demo", *seed_arguments])
    if result.exit_code:
        raise SystemExit(result.output)
    print(" ".join(result.output.splitlines()[:2]))
    print(f"seeded in {time.perf_counter() - started:.0f} s")


def seed_day(app: Flask, *, trainees: int, history_days: int, day_events: int) -> None:
    """Unless the database has users: the demo without its trainees' study (`seed-demo
    --trainees 2 --history-days 0`), then `trainees` more, each studying `history_days` days
    as the demo's trainees do and then one evening of about `day_events` events ("the day"),
    through the same rules (`demo.history.generate`); each trainee's snapshot is their replay
    state at the day's eve, kept in `EVE_TABLE` too. Committed `CHUNK` trainees at a time."""
    database = get_database(app)
    with database.session_factory() as session:
        if session.scalar(select(func.count(User.id))):
            return
    seed_if_empty(app, "--trainees", "2", "--history-days", "0")
    started = time.perf_counter()
    rng = random.Random(trainees)
    beats = 0
    with app.app_context():
        now = get_clock().now()
        settings = get_accounting_settings()
        password_hash = generate_password_hash(demo.DEMO_PASSWORD, method="pbkdf2:sha256:1000")
        for first in range(1, trainees + 1, CHUNK):
            numbers = range(first, min(trainees, first + CHUNK - 1) + 1)
            with database.transaction() as session:
                learners = _bench_trainees(session, numbers, password_hash, now)
                beats += demo_history.generate(
                    session,
                    learners=learners,
                    settings=settings,
                    until=now,
                    days=history_days,
                    rng=rng,
                    day=demo_history.Day(day_events),
                )
            seconds = time.perf_counter() - started
            print(f"  {numbers[-1]:,} trainees, {beats:,} beats, {seconds:.0f} s", flush=True)
    with database.transaction() as session:
        session.execute(sql_text(f"CREATE TABLE {EVE_TABLE} AS SELECT * FROM replay_snapshots"))
    print(f"seeded {trainees:,} trainees, {beats:,} beats in {time.perf_counter() - started:.0f} s")


def restore_eve(app: Flask) -> bool:
    """Put back the snapshots of the seeded day's eve (False if the database has no seeded day)."""
    database = get_database(app)
    with database.session_factory() as session:
        if not inspect(session.connection()).has_table(EVE_TABLE):
            return False
    with database.transaction() as session:
        session.execute(sql_text("DELETE FROM replay_snapshots"))
        session.execute(sql_text(f"INSERT INTO replay_snapshots SELECT * FROM {EVE_TABLE}"))
    return True


def _bench_trainees(
    session: Session, numbers: range, password_hash: str, now: datetime
) -> list[Learner]:
    """Trainees `bench00001`... enrolled in the demo's two classes in turn (eligibility
    approved), each with a habit of the demo's."""
    plan = [
        (
            session.scalars(select(TrainingClass).where(TrainingClass.name == name)).one(),
            work,
            level,
        )
        for name, _teacher, work, level in demo.CLASS_PLAN
    ]
    programmes = [catalogue.programme_for(session, work, level) for _class, work, level in plan]
    videos = [
        [(video.id, video.duration_s) for video in catalogue.programme_videos(session, each.id)]
        for each in programmes
    ]
    learners = []
    for number in numbers:
        trainee = accounts.create_user_with_hash(
            session,
            username=f"bench{number:05d}",
            password_hash=password_hash,
            role=Role.TRAINEE,
            display_name=f"Bench {number}",
            now=now,
        )
        which = number % len(plan)
        training_class, _work, level = plan[which]
        enrolment = enrolments.enrol(
            session,
            trainee=trainee,
            programme=programmes[which],
            training_class=training_class,
            now=now,
            standard_hour_minutes=45,
            eligibility_condition=f"L{level}-a",
            reason="bench data",
        )
        habit = demo.HABITS[number % len(demo.HABITS)]
        learners.append(Learner(trainee.id, enrolment.id, videos[which], habit))
    return learners
