"""Sessions: a new one at login, and a logout that ends every copy of the old one."""

from __future__ import annotations

from flask import Flask

from tests.conftest import Client
from tests.factories import Factory


def _cookie(client: Client) -> str:
    return client.get_cookie("session").value


def _with_cookie(app: Flask, value: str) -> Client:
    app.test_client_class = Client
    other: Client = app.test_client()  # type: ignore[assignment]
    other.set_cookie("session", value)
    return other


def test_logging_in_starts_a_new_session(app: Flask, client: Client, make: Factory) -> None:
    make.trainee("wang")
    make.commit()
    client.get("/login")
    before = _cookie(client)
    assert client.log_in("wang").status_code == 303
    assert _cookie(client) != before
    planted = _with_cookie(app, before)  # a cookie given to the victim before they logged in
    assert planted.get("/api/v1/me").status_code == 401


def test_logging_out_ends_every_copy_of_the_session(app: Flask, login, make: Factory) -> None:
    trainee = make.trainee("wang")
    client = login(trainee)
    stolen = _with_cookie(app, _cookie(client))
    assert stolen.get("/api/v1/me").status_code == 200
    client.post("/logout", data={"csrf_token": client.csrf_token()})
    assert stolen.get("/api/v1/me").status_code == 401
    assert stolen.get("/").status_code == 302  # to the login page
    again = login(trainee)  # and the user logs in again as ever
    assert again.get("/api/v1/me").status_code == 200
