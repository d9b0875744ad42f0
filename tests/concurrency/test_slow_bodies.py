"""A request's small body is read whole before its transaction begins: a phone sending its beat
over a bad link must not hold SQLite's writer lock (or a PostgreSQL connection) while the bytes
trickle in, or every other writer waits for it (bench/RESULTS.md, 2026-12-07: eight such clients
stopped every beat, whatever the server).

Runs on SQLite (the default) and on PostgreSQL (`DATABASE_URL`), like the rest of the suite.
"""

from __future__ import annotations

import io
from typing import Any

from flask import Flask
from sqlalchemy import event

from learning.db import get_database
from tests.conftest import Client
from tests.factories import Factory


class RecordedInput(io.BytesIO):
    """A request body that notes in `events` when it is read."""

    def __init__(self, body: bytes, events: list[str]) -> None:
        super().__init__(body)
        self.events = events

    def read(self, size: int | None = -1) -> bytes:
        self.events.append("body read")
        return super().read(size)

    def readinto(self, buffer: Any) -> int:
        self.events.append("body read")
        return super().readinto(buffer)


def test_a_beats_body_is_read_before_its_transaction_begins(live_app: Flask) -> None:
    with get_database(live_app).transaction() as session:
        make = Factory(session, live_app.extensions["clock"])
        trainee = make.trainee("slow")
        enrolment = make.enrolment(trainee, "accounting-4")
        video = make.video("accounting-4", duration_s=3600)
        session.flush()
        ids = {"enrolment_id": enrolment.id, "video_id": video.id}
    client: Client = live_app.test_client()  # type: ignore[assignment]
    assert client.log_in("slow").status_code == 303
    token = client.csrf_token()
    playback = client.post("/api/v1/playbacks", json=ids, headers={"X-CSRFToken": token})
    events: list[str] = []
    engine = get_database(live_app).engine

    def began(*_args: Any) -> None:
        events.append("transaction begun")

    # The heartbeat's transaction is on a driver connection (no ORM "begin"): taking one from
    # the pool counts as its beginning.
    listened = [(engine, "begin"), (engine, "checkout")]

    body = (
        b'{"seq": 1, "position_s": 0, "rate": 1, "paused": false, "visible": true, "event": "play"}'
    )
    for target, name in listened:
        event.listen(target, name, began)
    try:
        answer = client.post(
            f"/api/v1/playbacks/{playback.get_json()['playback_id']}/heartbeats",
            headers={"X-CSRFToken": token, "Content-Type": "application/json"},
            environ_overrides={"wsgi.input": RecordedInput(body, events)},
            content_length=len(body),
        )
    finally:
        for target, name in listened:
            event.remove(target, name, began)
    assert answer.status_code == 200, answer.get_json()
    assert "transaction begun" in events  # the test would prove nothing otherwise
    assert events.index("body read") < events.index("transaction begun"), events
