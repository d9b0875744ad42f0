"""Password guessing is slowed to the limits, per account and per address, across processes."""

from __future__ import annotations

from flask import Flask

from learning import security
from learning.clock import FakeClock
from tests.conftest import Client
from tests.factories import Factory

REFUSED = "尝试失败次数过多"


def _wrong(client: Client, username: str, times: int, **kwargs) -> None:
    for _ in range(times):
        token = client.csrf_token()
        response = client.post(
            "/login",
            data={"username": username, "password": "wrong-password1", "csrf_token": token},
            **kwargs,
        )
        assert response.status_code == 200, "refused too early"


def test_an_account_is_refused_after_five_failures_even_with_the_right_password(
    client: Client, make: Factory, clock: FakeClock
) -> None:
    make.trainee("wang")
    make.commit()
    _wrong(client, "wang", 5)
    response = client.log_in("WANG")  # the count is per account, whatever the case
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert REFUSED in page
    assert "15 分钟" in page
    clock.advance(minutes=15)
    assert client.log_in("wang").status_code == 303


def test_a_success_clears_the_account_count(client: Client, make: Factory) -> None:
    make.trainee("wang")
    make.commit()
    _wrong(client, "wang", 4)
    assert client.log_in("wang").status_code == 303
    client.post("/logout", data={"csrf_token": client.csrf_token()})
    _wrong(client, "wang", 4)
    assert client.log_in("wang").status_code == 303


def test_one_address_trying_many_accounts_is_refused(
    app: Flask, client: Client, make: Factory
) -> None:
    app.config["LOGIN_FAILURES_PER_ADDRESS"] = 6
    make.trainee("wang")
    make.commit()
    for name in ("li", "zhao", "sun"):
        _wrong(client, name, 2)
    assert client.log_in("wang").status_code == 429
    elsewhere = client.log_in("wang", environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert elsewhere.status_code == 303


def test_a_forged_forwarded_address_does_not_escape_the_limit(
    app: Flask, client: Client, make: Factory
) -> None:
    app.config["LOGIN_FAILURES_PER_ADDRESS"] = 3
    make.trainee("wang")
    make.commit()
    for number in range(3):
        _wrong(client, f"user{number}", 1, headers={"X-Forwarded-For": f"10.1.1.{number}"})
    response = client.log_in("wang", headers={"X-Forwarded-For": "10.9.9.9"})
    assert response.status_code == 429


def test_behind_a_proxy_the_forwarded_address_is_the_one_counted(
    app: Flask, client: Client, make: Factory
) -> None:
    security.trust_proxies(app, 1)  # what PROXY_HOPS = 1 does when the app is created
    app.config["LOGIN_FAILURES_PER_ADDRESS"] = 2
    make.trainee("wang")
    make.commit()
    _wrong(client, "li", 2, headers={"X-Forwarded-For": "10.1.1.1"})
    assert client.log_in("wang", headers={"X-Forwarded-For": "10.1.1.1"}).status_code == 429
    assert client.log_in("wang", headers={"X-Forwarded-For": "10.1.1.2"}).status_code == 303
