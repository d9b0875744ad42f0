"""Signatures checked once per process (learning/signatures.py) still refuse what Flask's and
Flask-WTF's own checks refuse: a cookie or token altered after a good one was seen, a cookie
older than the session lifetime, a token carried into another session."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask

from learning.signatures import RememberedSessions
from tests.conftest import Client
from tests.factories import Factory


def _with_cookie(app: Flask, value: str) -> Client:
    app.test_client_class = Client
    other: Client = app.test_client()  # type: ignore[assignment]
    other.set_cookie("session", value)
    return other


def _altered(value: str) -> str:
    """The same text with one character of the payload changed."""
    position = 5
    replacement = "A" if value[position] != "A" else "B"
    return value[:position] + replacement + value[position + 1 :]


def test_the_app_remembers_signatures(app: Flask) -> None:
    assert isinstance(app.session_interface, RememberedSessions)


def test_an_altered_cookie_is_refused_after_the_good_one_was_seen(
    app: Flask, login, make: Factory
) -> None:
    client = login(make.trainee("wang"))
    cookie = client.get_cookie("session").value
    assert _with_cookie(app, cookie).get("/api/v1/me").status_code == 200
    assert _with_cookie(app, cookie).get("/api/v1/me").status_code == 200  # remembered
    assert _with_cookie(app, _altered(cookie)).get("/api/v1/me").status_code == 401


def test_a_remembered_cookie_still_ends_with_the_session_lifetime(
    app: Flask, login, make: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = login(make.trainee("wang"))
    cookie = client.get_cookie("session").value
    assert _with_cookie(app, cookie).get("/api/v1/me").status_code == 200
    monkeypatch.setattr(app, "permanent_session_lifetime", timedelta(seconds=-1))
    assert _with_cookie(app, cookie).get("/api/v1/me").status_code == 401


def test_a_csrf_token_works_only_in_its_own_session(app: Flask, login, make: Factory) -> None:
    wang, li = login(make.trainee("wang")), login(make.trainee("liping"))
    token = wang.csrf_token()
    url = "/api/v1/playbacks/no-such-playback/heartbeats"
    beat = {"seq": 1, "position_s": 0, "rate": 1, "paused": False, "visible": True, "event": "play"}
    for _ in range(2):  # the token passes (the playback is unknown), the second time remembered
        answer = wang.post(url, json=beat, headers={"X-CSRFToken": token})
        assert answer.status_code == 404
    for client, sent in ((li, token), (wang, _altered(token)), (wang, "")):
        answer = client.post(url, json=beat, headers={"X-CSRFToken": sent})
        assert answer.status_code == 400 and answer.get_json()["error"] == "csrf", sent
