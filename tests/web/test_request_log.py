"""Each request leaves one JSON log line, and its id travels back to the caller."""

from __future__ import annotations

import json
import logging

import pytest


def test_a_request_is_logged_as_one_json_line(client, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="learning.requests"):
        response = client.get("/login", headers={"X-Request-ID": "proxy-7f3a"})
    assert response.headers["X-Request-ID"] == "proxy-7f3a"
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "learning.requests"]
    assert len(lines) == 1
    line = lines[0]
    assert (line["method"], line["path"], line["status"]) == ("GET", "/login", 200)
    assert line["request_id"] == "proxy-7f3a" and line["user"] is None and line["ms"] >= 0


def test_a_missing_or_unprintable_id_is_replaced(client) -> None:
    made = client.get("/login").headers["X-Request-ID"]
    assert len(made) == 32
    odd = client.get("/login", headers={"X-Request-ID": "a\tb"}).headers["X-Request-ID"]
    assert odd != "a\tb" and len(odd) == 32
