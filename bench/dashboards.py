"""Server time of every dashboard with a cohort of 10,000 trainees and a year of history.

Run from the repository root::

    .venv/bin/python -m bench.dashboards                      # SQLite, seeded in a temp folder
    .venv/bin/python -m bench.dashboards --database sqlite:////tmp/cohort.db   # kept, re-used
    .venv/bin/python -m bench.dashboards --database postgresql://127.0.0.1/bench

An empty database is migrated and seeded with the demo plus `seed-demo --cohort N` (about a
minute and a half on SQLite for 10,000); a database that already has users is used as it is.
Each page is requested in-process through the WSGI app (no network, no browser), `--repeat`
times after one warm-up request; the median and the slowest are printed, with the ratio to the
login page measured in the same run (a page that renders a template and reads nothing).
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from bench.seeding import bench_app, seed_if_empty
from learning.db import get_database
from learning.demo.seed import DEMO_PASSWORD
from learning.models import Enrolment, Programme, TrainingClass, User

TARGET_S = 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", help="SQLAlchemy URL; a temporary SQLite file if omitted")
    parser.add_argument("--trainees", type=int, default=10_000, help="cohort size when seeding")
    parser.add_argument("--repeat", type=int, default=5)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = bench_app(arguments.database, folder, "cohort.sqlite")
        seed_if_empty(app, "--cohort", str(arguments.trainees))
        _report(app, arguments.repeat)


def _report(app: Flask, repeat: int) -> None:
    pages = _pages(app)
    print(f"{'page':<52} {'median':>8} {'slowest':>8} {'x login':>8}")
    baseline = None
    missed = []
    for name, (username, path) in pages.items():
        client = _logged_in(app, username)
        times = _timed(lambda client=client, path=path: client.get(path), repeat)
        median = statistics.median(times)
        baseline = baseline or median
        slowest = max(times)
        print(f"{name:<52} {median * 1e3:7.0f}ms {slowest * 1e3:7.0f}ms {median / baseline:8.1f}")
        if name.startswith("dashboard") and slowest > TARGET_S:
            missed.append(name)
    print("every dashboard under 1 s" if not missed else f"over 1 s: {', '.join(missed)}")


def _pages(app: Flask) -> dict[str, tuple[str | None, str]]:
    """The pages to time: (who is logged in, path), the login page first as the baseline."""
    with get_database(app).transaction() as session:
        trainees = session.scalar(select(func.count(Enrolment.id)))
        biggest_class = session.execute(
            select(TrainingClass.id, func.count(Enrolment.id))
            .join(Enrolment, Enrolment.class_id == TrainingClass.id)
            .group_by(TrainingClass.id)
            .order_by(func.count(Enrolment.id).desc(), TrainingClass.id)
        ).first()
        biggest_programme = session.execute(
            select(Programme.id, Programme.code, func.count(Enrolment.id))
            .join(Enrolment, Enrolment.programme_id == Programme.id)
            .group_by(Programme.id, Programme.code)
            .order_by(func.count(Enrolment.id).desc())
        ).first()
        busiest = session.execute(
            select(Enrolment.id, User.username)
            .join(User, User.id == Enrolment.trainee_id)
            .order_by(Enrolment.online_s.desc(), Enrolment.id)
        ).first()
        instructor = session.scalar(
            select(User.username).where(User.username.like("cohort-teacher%")).limit(1)
        )
    assert biggest_class and biggest_programme and busiest, "the database has no cohort"
    class_id, class_size = biggest_class
    programme_id, programme_code, programme_size = biggest_programme
    enrolment_id, username = busiest
    today = date.today()
    return {
        "login page (baseline)": (None, "/login"),
        f"dashboard: admin overview ({trainees} enrolments)": ("admin", "/admin"),
        "dashboard: admin overview, one programme, 90 days": (
            "admin",
            f"/admin?programme={programme_code}&date_from={today - timedelta(days=120)}"
            f"&date_to={today - timedelta(days=30)}",
        ),
        f"dashboard: class of {class_size}, admin": ("admin", f"/classes/{class_id}"),
        f"dashboard: class of {class_size}, hours of 30 days": (
            "admin",
            f"/classes/{class_id}?date_from={today - timedelta(days=30)}&date_to={today}"
            "&sort=period",
        ),
        "dashboard: instructor's classes": (instructor, "/"),
        f"dashboard: trainee's course ({username})": (username, f"/enrolments/{enrolment_id}"),
        "trainee's study record": (username, "/me/record"),
        f"export: class of {class_size}, Excel": ("admin", f"/classes/{class_id}/export.xlsx"),
        f"export: programme of {programme_size}, Excel": (
            "admin",
            f"/admin/programmes/{programme_id}/export.xlsx",
        ),
    }


def _logged_in(app: Flask, username: str | None) -> FlaskClient:
    client = app.test_client()
    if username is None:
        return client
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert token, "no CSRF token on the login page"
    response = client.post(
        "/login",
        data={"username": username, "password": DEMO_PASSWORD, "csrf_token": token.group(1)},
    )
    assert response.status_code == 303, f"{username} could not log in"
    return client


def _timed(request: Callable, repeat: int) -> list[float]:
    response = request()
    assert response.status_code == 200, response.status_code
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = request()
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    return times


if __name__ == "__main__":
    main()
