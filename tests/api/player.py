"""A scripted player for API tests: opens a playback and sends beats as the browser would."""

from __future__ import annotations

from typing import Any

from learning.clock import FakeClock
from tests.conftest import Client


class Player:
    """One page playing one video; `clock` is the server's fake clock, moved by the test."""

    def __init__(self, client: Client, clock: FakeClock, enrolment_id: int, video_id: int):
        self.client = client
        self.clock = clock
        self.enrolment_id = enrolment_id
        self.video_id = video_id
        self.token = client.csrf_token()
        self.playback_id: str | None = None
        self.seq = 0
        self.position = 0.0
        self.rate = 1.0
        self.last: dict[str, Any] = {}
        self.opened: dict[str, Any] = {}

    def open(self) -> dict[str, Any]:
        response = self.client.post(
            "/api/v1/playbacks",
            json={"enrolment_id": self.enrolment_id, "video_id": self.video_id},
            headers={"X-CSRFToken": self.token},
        )
        assert response.status_code == 201, response.get_json()
        self.opened = response.get_json()
        self.playback_id = self.opened["playback_id"]
        self.seq = 0
        self.position = self.opened["resume_position_s"]
        return self.opened

    def send(self, event: str = "tick", *, seq: int | None = None, **fields: Any):
        """Send one beat now (the clock is not moved); returns the response."""
        if seq is None:
            self.seq += 1
            seq = self.seq
        body = {
            "seq": seq,
            "position_s": self.position,
            "rate": self.rate,
            "paused": False,
            "visible": True,
            "event": event,
            **fields,
        }
        response = self.client.post(
            f"/api/v1/playbacks/{self.playback_id}/heartbeats",
            json=body,
            headers={"X-CSRFToken": self.token},
        )
        self.last = response.get_json()
        return response

    def play(self, seconds: float, *, step: float = 15, jitter: float = 0.0) -> None:
        """Play at the current rate for `seconds` of wall time, a beat every `step` seconds."""
        self.send("play")
        played = 0.0
        while played < seconds:
            wall = min(step, seconds - played)
            self.clock.advance(wall + jitter)
            played += wall
            self.position += wall * self.rate
            assert self.send("tick").status_code == 200, self.last

    def credited_total(self) -> int:
        return self.last.get("covered_s", 0)
