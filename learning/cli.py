"""Command-line interface: `flask --app learning <command>` (shared/api.md)."""

from __future__ import annotations

import logging
import os
import random
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from learning import migrate
from learning.db import Database, get_database
from learning.demo import cohort as demo_cohort
from learning.demo import seed as demo
from learning.domain import accounting
from learning.extensions import get_accounting_settings, get_clock, now_ms
from learning.jobs.runner import SchedulerProcess
from learning.models import Role, User
from learning.operations import backup
from learning.services import (
    ServiceError,
    accounts,
    catalogue,
    classes,
    enrolments,
    recompute,
    videos,
)


def init_app(app: Flask) -> None:
    for command in (
        init_db,
        create_user,
        unlock_login,
        enrol,
        create_class,
        add_video,
        seed_demo,
        recompute_totals,
        scheduler,
        backup_command,
        restore_command,
    ):
        app.cli.add_command(command)


@contextmanager
def _transaction() -> Iterator[Session]:
    """One transaction; a refused operation prints its reason and exits with status 1."""
    with _refusals(), get_database(current_app).transaction() as session:
        yield session


@contextmanager
def _refusals() -> Iterator[None]:
    """A refused operation prints its reason and exits with status 1."""
    try:
        yield
    except ServiceError as error:
        details = ", ".join(f"{key}={value}" for key, value in error.params.items())
        click.echo(f"error: {error.code}" + (f" ({details})" if details else ""), err=True)
        sys.exit(1)


def _user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(func.lower(User.username) == username.lower()))
    if user is None:
        raise ServiceError("unknown_user", username=username)
    return user


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create the database, or migrate it to the newest schema."""
    database = get_database(current_app)
    migrate.upgrade(database)
    click.echo(f"database at revision {migrate.current_revision(database)}")


@click.command("create-user")
@with_appcontext
@click.argument("username")
@click.option("--role", type=click.Choice([role.value for role in Role]), required=True)
@click.option("--password", required=True)
@click.option("--display-name", default=None)
def create_user(username: str, role: str, password: str, display_name: str | None) -> None:
    """Create a user of any role."""
    with _transaction() as session:
        user = accounts.create_user(
            session,
            username=username,
            password=password,
            role=Role(role),
            display_name=display_name or username,
            now=get_clock().now(),
            hash_method=current_app.config["PASSWORD_HASH_METHOD"],
        )
        click.echo(user.id)


@click.command("unlock-login")
@with_appcontext
@click.argument("username")
@click.option("--reason", required=True, help="kept in the audit log")
def unlock_login(username: str, reason: str) -> None:
    """Lift every login lock and slowdown on an account; prints how many failures were
    forgotten."""
    with _transaction() as session:
        forgotten = accounts.lift_login_locks(
            session, _user(session, username), reason=reason, now=get_clock().now(), actor_id=None
        )
        click.echo(forgotten)


@click.command("enrol")
@with_appcontext
@click.argument("username")
@click.option("--work-type", required=True, help="e.g. accounting")
@click.option("--level", type=click.IntRange(1, 5), required=True)
@click.option("--class", "class_name", default=None, help="the class (班级) to put them in")
def enrol(username: str, work_type: str, level: int, class_name: str | None) -> None:
    """Enrol a trainee whose eligibility was checked off-line; prints the enrolment id."""
    with _transaction() as session:
        enrolment = enrolments.enrol(
            session,
            trainee=_user(session, username),
            programme=catalogue.programme_for(session, work_type, level),
            training_class=classes.class_by_name(session, class_name) if class_name else None,
            now=get_clock().now(),
            standard_hour_minutes=current_app.config["STANDARD_HOUR_MINUTES"],
            eligibility_condition=enrolments.OFFLINE_CHECK,
            reason="eligibility checked off-line (command line)",
        )
        click.echo(enrolment.id)


@click.command("create-class")
@with_appcontext
@click.argument("name")
@click.option("--instructor", "instructors", multiple=True, required=True)
def create_class(name: str, instructors: tuple[str, ...]) -> None:
    """Create a class (班级) taught by one or more instructors; prints its id."""
    with _transaction() as session:
        training_class = classes.create_class(
            session,
            name=name,
            instructors=[_user(session, username) for username in instructors],
            now=get_clock().now(),
        )
        click.echo(training_class.id)


@click.command("add-video")
@with_appcontext
@click.option("--programme", "programmes", multiple=True, required=True, help="e.g. accounting-4")
@click.option("--title", required=True)
@click.option("--file", "file_path", type=click.Path(exists=True, dir_okay=False), default=None)
@click.option("--url", default=None)
@click.option("--duration-s", type=click.IntRange(min=1), default=None)
def add_video(
    programmes: tuple[str, ...],
    title: str,
    file_path: str | None,
    url: str | None,
    duration_s: int | None,
) -> None:
    """Add a video to programmes: a file (its duration read from it) or a URL with --duration-s."""
    if (file_path is None) == (url is None):
        raise click.UsageError("give exactly one of --file and --url")
    if url is not None and duration_s is None:
        raise click.UsageError("a --url video needs --duration-s")
    with _transaction() as session:
        now = get_clock().now()
        if file_path is not None:
            video = videos.import_video_file(
                session,
                upload_folder=current_app.config["UPLOAD_FOLDER"],
                source=file_path,
                title=title,
                programme_codes=list(programmes),
                now=now,
            )
        else:
            video = catalogue.add_video(
                session,
                title=title,
                duration_s=duration_s or 0,
                url=url,
                programme_codes=list(programmes),
                now=now,
            )
        click.echo(f"{video.id} {video.duration_s}s")


@click.command("seed-demo")
@with_appcontext
@click.option("--if-empty", is_flag=True, help="do nothing (but print the logins) if users exist")
@click.option("--trainees", type=click.IntRange(1, 100_000), default=40, show_default=True)
@click.option(
    "--history-days", type=click.IntRange(0, 3650), default=demo.HISTORY_DAYS, show_default=True
)
@click.option(
    "--cohort",
    type=click.IntRange(0, 100_000),
    default=0,
    help="add this many trainees in classes of 50 whose year of study is written as kept "
    "totals without raw beats: for measuring dashboards at scale; recompute cannot rebuild them",
)
def seed_demo(if_empty: bool, trainees: int, history_days: int, cohort: int) -> None:
    """Fill the database with a demo: videos, classes, users of every role, study history."""
    if current_app.config["ENV"] == "production":
        click.echo(
            "error: seed-demo is refused in production: its accounts share a published password",
            err=True,
        )
        sys.exit(1)
    with _transaction() as session:
        has_users = session.scalar(select(func.count(User.id))) or 0
        if has_users and not if_empty:
            click.echo(
                "error: the database already has users; seed-demo fills an empty one", err=True
            )
            sys.exit(1)
        if not has_users:
            beats = demo.seed(
                session,
                upload_folder=current_app.config["UPLOAD_FOLDER"],
                now=get_clock().now(),
                standard_hour_minutes=current_app.config["STANDARD_HOUR_MINUTES"],
                hash_method=current_app.config["PASSWORD_HASH_METHOD"],
                settings=get_accounting_settings(),
                trainee_count=trainees,
                history_days=history_days,
            )
            click.echo(f"demo created with {beats} heartbeats of study history")
            if cohort:
                _seed_cohort(session, cohort)
    click.echo(demo.LOGIN_HELP)


@click.command("scheduler")
@with_appcontext
def scheduler() -> None:
    """Run the background jobs until stopped (SIGTERM). Start one or more anywhere: the one
    holding the database lease runs the jobs, the others stand by to take over."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    for chatty in ("apscheduler", "alembic"):  # not a line per run, nor per import
        logging.getLogger(chatty).setLevel(logging.WARNING)
    SchedulerProcess(current_app._get_current_object()).serve()  # type: ignore[attr-defined]
    # Stopped cleanly, the lease given up: leave now, without the interpreter's finalization.
    # It puts back the default action of SIGTERM while native threads (numpy's BLAS, loaded
    # by openpyxl) can still receive one, so the second signal of a Ctrl-C on `make run`
    # (make's trap) would kill the process after its clean stop (exit -15).
    logging.shutdown()
    sys.stdout.flush()
    os._exit(0)


def _seed_cohort(session: Session, size: int) -> None:
    started = time.perf_counter()
    figures = demo_cohort.seed_cohort(
        session,
        size=size,
        days=demo_cohort.COHORT_DAYS,
        now=get_clock().now(),
        standard_hour_minutes=current_app.config["STANDARD_HOUR_MINUTES"],
        password_hash=generate_password_hash(
            demo.DEMO_PASSWORD, method=current_app.config["PASSWORD_HASH_METHOD"]
        ),
        rng=random.Random(size),
    )
    click.echo(
        f"cohort of {figures.trainees} trainees in {figures.classes} classes: "
        f"{figures.study_days} day sums, {figures.registrations} exam registrations, "
        f"{time.perf_counter() - started:.1f} s (kept totals only, no raw beats)"
    )


@click.command("recompute")
@click.option("--check", is_flag=True, help="only compare; exit 1 on any difference")
@click.option(
    "--since-verified",
    is_flag=True,
    help="with --check: only trainees with events after their verified snapshot, replayed "
    "from it (the nightly check); without it, everything is replayed (the weekly check)",
)
@click.option(
    "--processes",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="replay the trainees in this many processes (one per core is fastest)",
)
@with_appcontext
def recompute_totals(check: bool, since_verified: bool, processes: int) -> None:
    """Rebuild every stored study total from the raw beats (or, with --check, compare)."""
    if since_verified and not check:
        raise click.UsageError("--since-verified goes with --check: a rebuild replays everything")
    started = time.perf_counter()
    database = get_database(current_app)
    # One trainee at a time: the site keeps serving (see services/recompute.py).
    run = recompute.check if check else recompute.rebuild
    if since_verified:
        run = recompute.check_since_verified
    report = run(database, now_ms=now_ms(), processes=processes)
    found = report.differences
    for difference in found[:50]:
        click.echo(str(difference), err=check)
    if len(found) > 50:
        click.echo(f"... and {len(found) - 50} more", err=check)
    seconds = time.perf_counter() - started
    rules = "compiled rules" if accounting.COMPILED else "rules from source"
    summary = (
        f"{report.trainees} trainees, {report.events} events replayed in {seconds:.1f} s ({rules})"
    )
    if check and found:
        click.echo(f"{len(found)} differences; {summary}", err=True)
        sys.exit(1)
    verb = "corrected" if found else "no differences"
    click.echo(f"{len(found)} {verb}; {summary}" if found else f"{verb}; {summary}")


@click.command("backup")
@click.argument("destination", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def backup_command(destination: Path) -> None:
    """Back up the database and the uploaded files into a new folder under DESTINATION, while
    the application keeps serving (SQLite; PostgreSQL is backed up with pg_dump)."""
    config = current_app.config
    if not get_database(current_app).is_sqlite:
        dump, _restore = backup.postgres_commands(config["DATABASE_URL"], destination)
        click.echo(
            "This database is PostgreSQL: back it up with its own tools, and copy the uploads:\n"
            f"  {dump}\n  cp -a {config['UPLOAD_FOLDER']} {destination / 'uploads'}\n"
            "See README, Running in production, Backups.",
            err=True,
        )
        sys.exit(2)
    with _refusals():
        made = backup.back_up(
            config["DATABASE_URL"],
            Path(config["UPLOAD_FOLDER"]),
            destination,
            now=get_clock().now(),
        )
    click.echo(
        f"backed up to {made.folder}: schema {made.revision}, {made.beats:,} raw beats, "
        f"{made.files} uploaded files, {made.total_bytes / 1e6:,.1f} MB"
    )


@click.command("restore")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="replace a database that has users without asking")
@with_appcontext
def restore_command(folder: Path, yes: bool) -> None:
    """Replace the database and uploads with the backup in FOLDER (stop the application
    first), then replay the raw beats to check every total of the restored copy."""
    config = current_app.config
    database = get_database(current_app)
    if not database.is_sqlite:
        _dump, restore = backup.postgres_commands(config["DATABASE_URL"], folder)
        click.echo(f"This database is PostgreSQL: restore it with\n  {restore}", err=True)
        sys.exit(2)
    if _has_users(database) and not yes:
        click.confirm("The database has users. Replace everything in it?", abort=True)
    database.dispose()  # no pooled connection may keep the old file's pages
    with _refusals():
        restored = backup.restore(folder, config["DATABASE_URL"], Path(config["UPLOAD_FOLDER"]))
    click.echo(f"restored {restored.beats:,} raw beats and {restored.files} uploaded files")
    with database.session_factory() as session:
        found = recompute.compare(session, now_ms=now_ms())
    if found:
        click.echo(f"the restored totals differ from the raw beats: {len(found)}", err=True)
        sys.exit(1)
    click.echo("every total matches the raw beats")


def _has_users(database: Database) -> bool:
    try:
        with database.session_factory() as session:
            return bool(session.scalar(select(func.count(User.id))))
    except DBAPIError:  # no schema yet: nothing to lose
        return False
