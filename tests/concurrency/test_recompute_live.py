"""`recompute` and `recompute --check` while viewers beat: never a false difference, never a
second lost or credited twice. Runs on SQLite and on PostgreSQL (`DATABASE_URL`)."""

from __future__ import annotations

import threading
from typing import Any

from flask import Flask
from sqlalchemy import select

from learning.db import get_database
from learning.models import Enrolment
from learning.services import recompute
from tests.conftest import Client
from tests.factories import PASSWORD, Factory

VIEWERS = 3
BEATS = 40


def _viewers(app: Flask) -> list[dict[str, Any]]:
    with get_database(app).transaction() as session:
        make = Factory(session, app.extensions["clock"])
        video = make.video("accounting-4", duration_s=3600)
        people = []
        for number in range(VIEWERS):
            trainee = make.trainee(f"viewer{number}")
            enrolment = make.enrolment(trainee, "accounting-4")
            people.append({"username": trainee.username, "enrolment_id": enrolment.id})
    for person in people:
        client: Client = app.test_client()  # type: ignore[assignment]
        assert client.log_in(person["username"], PASSWORD).status_code == 303
        token = client.csrf_token()
        opened = client.post(
            "/api/v1/playbacks",
            json={"enrolment_id": person["enrolment_id"], "video_id": video.id},
            headers={"X-CSRFToken": token},
        )
        person.update(client=client, token=token, playback_id=opened.get_json()["playback_id"])
        person["credited_s"] = 0
    return people


def _watch(app: Flask, person: dict[str, Any], errors: list[str]) -> None:
    """Whole seconds, one a beat, the clock moving a second before each: every second new."""
    for seq in range(1, BEATS + 1):
        app.extensions["clock"].advance(1)
        response = person["client"].post(
            f"/api/v1/playbacks/{person['playback_id']}/heartbeats",
            json={
                "seq": seq,
                "position_s": seq,
                "rate": 1,
                "paused": False,
                "visible": True,
                "event": "tick",
            },
            headers={"X-CSRFToken": person["token"]},
        )
        if response.status_code != 200:
            errors.append(f"beat {seq}: {response.status_code} {response.get_data(as_text=True)}")
            return
        person["credited_s"] += response.get_json()["credited_s"]


def test_recompute_and_check_while_viewers_beat(live_app: Flask) -> None:
    database = get_database(live_app)
    people = _viewers(live_app)
    errors: list[str] = []
    found: list[str] = []
    watching = [
        threading.Thread(target=_watch, args=(live_app, person, errors)) for person in people
    ]
    for thread in watching:
        thread.start()
    rounds = 0
    while any(thread.is_alive() for thread in watching) or rounds < 2:
        now_ms = int(live_app.extensions["clock"].now().timestamp() * 1000)
        found += map(str, recompute.check(database, now_ms=now_ms).differences)
        report = recompute.rebuild(database, now_ms=now_ms)
        found += [f"rebuild corrected {difference}" for difference in report.differences]
        rounds += 1
    for thread in watching:
        thread.join()
    assert errors == []
    assert found == [], "\n".join(found[:10])
    with database.session_factory() as session:
        online = {
            row.id: row.online_s
            for row in session.execute(select(Enrolment.id, Enrolment.online_s))
        }
        assert recompute.compare(session, now_ms=0) == []
    for person in people:  # the first beat sets the position; each later one earns its second
        assert person["credited_s"] == online[person["enrolment_id"]] == BEATS - 1
