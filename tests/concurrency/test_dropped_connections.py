"""Connections the PostgreSQL server dropped (a restart, an idle timeout, `pg_terminate_backend`)
while they sat in the pool: the beat, which takes its connection without the pool's ping, runs
its transaction again on a new one and is credited once; every other request is still pinged.

PostgreSQL only (`DATABASE_URL`): SQLite has no server to drop a connection.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import psycopg
import pytest
from flask import Flask
from sqlalchemy import func, make_url, select

from learning.db import get_database
from learning.domain.accounting import Beat
from learning.models import BeatRecord, Enrolment
from learning.services import beats
from tests.api.player import Player
from tests.conftest import Client
from tests.factories import Factory


@dataclass
class Watching:
    player: Player
    trainee_id: int
    enrolment_id: int


@pytest.fixture
def watching(live_app: Flask) -> Watching:
    """A trainee of `live_app` who has opened a playback and sent `play`."""
    if get_database(live_app).is_sqlite:
        pytest.skip("PostgreSQL only: SQLite has no server to drop a connection")
    with get_database(live_app).transaction() as session:
        make = Factory(session, live_app.extensions["clock"])
        trainee = make.trainee("dropped")
        enrolment = make.enrolment(trainee, "accounting-4")
        video = make.video("accounting-4", duration_s=3600)
        session.flush()
        ids = (trainee.id, enrolment.id, video.id)
    client: Client = live_app.test_client()  # type: ignore[assignment]
    assert client.log_in("dropped").status_code == 303
    player = Player(client, live_app.extensions["clock"], ids[1], ids[2])
    player.open()
    assert player.send("play").status_code == 200
    return Watching(player, ids[0], ids[1])


def terminate_other_backends(app: Flask) -> int:
    """End every other backend on the app's database, as a restart would, and wait until they
    are gone; returns how many there were."""
    url = make_url(get_database(app).url).set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as admin:
        others = "datname = current_database() AND pid <> pg_backend_pid()"
        ended = admin.execute(
            f"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE {others}"
        ).fetchone()
        for _ in range(100):
            left = admin.execute(f"SELECT count(*) FROM pg_stat_activity WHERE {others}").fetchone()
            if left == (0,):
                break
            time.sleep(0.05)
    return ended[0] if ended else 0


def tick(app: Flask, player: Player) -> None:
    app.extensions["clock"].advance(15)
    player.position += 15
    response = player.send("tick")
    assert response.status_code == 200, response.get_data(as_text=True)


def stored(app: Flask, watching: Watching) -> tuple[int, int, list[int]]:
    """The enrolment's online seconds, and the credited milliseconds of every stored beat."""
    with get_database(app).session_factory() as session:
        online_s = session.get_one(Enrolment, watching.enrolment_id).online_s
        credited = session.scalars(select(BeatRecord.credited_ms).order_by(BeatRecord.id))
        count = session.scalar(select(func.count(BeatRecord.id)))
        return online_s, count or 0, list(credited)


def test_a_beat_after_the_server_dropped_its_connection_is_credited_once(
    live_app: Flask, watching: Watching
) -> None:
    tick(live_app, watching.player)
    assert terminate_other_backends(live_app) >= 1
    tick(live_app, watching.player)
    assert watching.player.last["credited_s"] == 15
    assert stored(live_app, watching) == (30, 3, [0, 15_000, 15_000])


def test_a_beat_whose_connection_drops_inside_its_transaction_runs_once_more(
    live_app: Flask, watching: Watching
) -> None:
    """Dropped after the beat's read (its rows locked), before its writes and COMMIT: nothing
    of the first run stays, the second stores the beat once."""
    database = get_database(live_app)
    reads: list[None] = []

    def drop_on_first_read(_sender: beats.Sender | None) -> None:
        reads.append(None)
        if len(reads) == 1:
            terminate_other_backends(live_app)

    answer = beats.record_plain_beat(
        database,
        trainee_id=watching.trainee_id,
        playback_id=watching.player.playback_id or "",
        beat=Beat(
            seq=2, position_ms=15_000, rate_milli=1000, paused=False, visible=True, event="tick"
        ),
        client_ts=None,
        now_ms=int(live_app.extensions["clock"].now().timestamp() * 1000) + 15_000,
        admit=drop_on_first_read,
    )
    assert len(reads) == 2
    assert answer.credited_s == 15
    assert stored(live_app, watching) == (15, 2, [0, 15_000])


def test_other_requests_are_pinged_and_meet_no_dropped_connection(
    live_app: Flask, watching: Watching
) -> None:
    client = watching.player.client
    assert client.get("/api/v1/me").status_code == 200
    assert terminate_other_backends(live_app) >= 1
    assert client.get("/api/v1/me").status_code == 200
    assert client.get("/api/v1/me/enrolments").status_code == 200
