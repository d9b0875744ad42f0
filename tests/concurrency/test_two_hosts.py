"""Two application servers on one database, as behind a round-robin balancer: a browser's
session cookie and CSRF token from one are good on the other, the rate limits are counted once
for both when a shared store is configured (and per server otherwise), and only one scheduler
holds the lease.

Runs on SQLite (the default) and on PostgreSQL (`DATABASE_URL`), like the rest of the suite.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from learning import migrate
from learning.db import Database, get_database
from learning.jobs import lease
from learning.jobs.runner import SchedulerProcess
from learning.models import BeatRecord, User
from tests.conftest import Client, make_test_app
from tests.factories import Factory

BEATS = 70  # more than two bursts of 30


@dataclass
class Learner:
    username: str
    enrolment_id: int
    video_id: int


@pytest.fixture
def two_hosts(empty_database: Database, tmp_path) -> Iterator[Callable[..., tuple[Flask, Flask]]]:
    """`two_hosts(**settings)` -> two apps on one migrated database, with the same keys."""
    migrate.upgrade(empty_database)
    apps: list[Flask] = []

    def start(**settings: Any) -> tuple[Flask, Flask]:
        for _ in range(2):
            app = make_test_app(
                empty_database.url, UPLOAD_FOLDER=str(tmp_path / "uploads"), **settings
            )
            app.test_client_class = Client
            apps.append(app)
        return apps[0], apps[1]

    yield start
    for app in apps:
        get_database(app).dispose()


def add_learner(app: Flask) -> Learner:
    with get_database(app).transaction() as session:
        make = Factory(session, app.extensions["clock"])
        trainee = make.trainee("roaming")
        enrolment = make.enrolment(trainee, "accounting-4")
        video = make.video("accounting-4", duration_s=3600)
        session.flush()
        return Learner(trainee.username, enrolment.id, video.id)


def same_browser(source: Client, app: Flask) -> Client:
    """A client of `app` holding the cookies `source` was given by the other server."""
    client: Client = app.test_client()  # type: ignore[assignment]
    for name in ("session",):
        cookie = source.get_cookie(name)
        assert cookie is not None, f"no {name} cookie to carry over"
        client.set_cookie(name, cookie.value)
    return client


def open_playback(client: Client, learner: Learner, token: str) -> Any:
    """The learner's video opened through `client`, with `token` as the CSRF token."""
    return client.post(
        "/api/v1/playbacks",
        json={"enrolment_id": learner.enrolment_id, "video_id": learner.video_id},
        headers={"X-CSRFToken": token},
    )


def test_a_login_and_its_csrf_token_from_one_server_are_good_on_the_other(two_hosts) -> None:
    first, second = two_hosts()
    learner = add_learner(first)
    on_first: Client = first.test_client()  # type: ignore[assignment]
    assert on_first.log_in(learner.username).status_code == 303
    page = on_first.get("/").get_data(as_text=True)
    token = page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
    on_second = same_browser(on_first, second)
    opened = open_playback(on_second, learner, token)
    assert opened.status_code == 201, opened.get_json()
    forged = open_playback(on_second, learner, token[:-4] + "AAAA")
    assert forged.status_code in (400, 403)
    assert on_second.post("/logout", headers={"X-CSRFToken": token}).status_code in (302, 303)
    home = on_first.get("/")  # logged out on both (pages read the user from the database)
    assert home.status_code == 302 and "/login" in home.headers["Location"]


def test_a_trainee_deactivated_on_one_server_beats_no_more_on_the_other(two_hosts) -> None:
    """The server that takes the beats hears nothing of the change: the beat's own read finds
    the user inactive, and refuses it before anything is stored."""
    first, second = two_hosts()
    learner = add_learner(first)
    with get_database(first).transaction() as session:
        admin = Factory(session, first.extensions["clock"]).admin("deactivator")
        session.flush()
        admin_name, trainee_id = (
            admin.username,
            session.scalar(select(User.id).where(User.username == learner.username)),
        )
    watching: Client = second.test_client()  # type: ignore[assignment]
    assert watching.log_in(learner.username).status_code == 303
    token = watching.csrf_token()
    opened = open_playback(watching, learner, token)
    url = f"/api/v1/playbacks/{opened.get_json()['playback_id']}/heartbeats"
    beat = {"seq": 1, "position_s": 0, "rate": 1, "paused": False, "visible": True}
    played = watching.post(url, json={**beat, "event": "play"}, headers={"X-CSRFToken": token})
    assert played.status_code == 200, played.get_json()
    office: Client = first.test_client()  # type: ignore[assignment]
    assert office.log_in(admin_name).status_code == 303
    form = {"display_name": "roaming", "role": "trainee"}  # "active" unticked
    assert office.post_form(f"/admin/users/{trainee_id}", form).status_code == 303
    refused = watching.post(
        url, json={**beat, "seq": 2, "event": "tick"}, headers={"X-CSRFToken": token}
    )
    assert refused.status_code == 401, refused.get_json()
    assert refused.get_json()["error"] == "login_required"
    with get_database(second).session_factory() as session:
        assert session.scalar(select(func.count(BeatRecord.id))) == 1


def beats_accepted(first: Flask, second: Flask) -> tuple[int, int]:
    """A flood of beats from one playback, every other one to each server: how many were
    accepted, and how many are stored."""
    learner = add_learner(first)
    on_first: Client = first.test_client()  # type: ignore[assignment]
    assert on_first.log_in(learner.username).status_code == 303
    token = on_first.csrf_token()
    opened = open_playback(on_first, learner, token)
    playback = opened.get_json()["playback_id"]
    hosts = [on_first, same_browser(on_first, second)]
    answers = []
    for seq in range(1, BEATS + 1):
        beat = {"seq": seq, "position_s": 0, "rate": 1, "paused": False, "visible": True}
        response = hosts[seq % 2].post(
            f"/api/v1/playbacks/{playback}/heartbeats",
            json={**beat, "event": "play" if seq == 1 else "tick"},
            headers={"X-CSRFToken": token},
        )
        assert response.status_code in (200, 429), response.get_json()
        answers.append(response.status_code)
    with get_database(first).session_factory() as session:
        stored = session.scalar(select(func.count(BeatRecord.id))) or 0
    return answers.count(200), stored


def test_with_a_shared_store_two_servers_count_one_limit(two_hosts, redis_store) -> None:
    first, second = two_hosts(**redis_store)
    assert beats_accepted(first, second) == (30, 30)  # BEAT_BURST, across both servers


def test_without_a_store_each_server_counts_its_own(two_hosts) -> None:
    first, second = two_hosts()
    assert beats_accepted(first, second) == (60, 60)  # a burst on each: N servers, N times


def test_only_one_of_the_two_servers_schedulers_holds_the_lease(two_hosts) -> None:
    first, second = two_hosts()
    one, other = SchedulerProcess(first), SchedulerProcess(second)
    assert one.renew()
    assert not other.renew()
    assert one.renew()  # renewed, still the only one
    with get_database(second).session_factory() as session:
        assert lease.current(session).holder == one.holder
