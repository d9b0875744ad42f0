"""Password guessing is slowed to the limits across processes, and nobody can lock another
person out (ASVS 2.2): failures count per account and address pair, a known device is slowed
rather than refused, an address is refused only for spraying many accounts, the holder is told
of an attack, and admins lift a lock from the user's page or the command line."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from learning import security
from learning.clock import FakeClock
from learning.models import AuditEntry, Notification, User
from learning.services import accounts
from tests.conftest import FAST_HASH, Client
from tests.factories import PASSWORD, Factory

REFUSED = "尝试失败次数过多"
ATTACKER = {"REMOTE_ADDR": "10.6.6.6"}


def _attempt(client: Client, username: str, password: str = "wrong-password1", **kwargs: Any):
    token = client.csrf_token()
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        **kwargs,
    )


def _wrong(client: Client, username: str, times: int, **kwargs: Any) -> None:
    for _ in range(times):
        assert _attempt(client, username, **kwargs).status_code == 200, "refused too early"


def _new_client(app: Flask) -> Client:
    app.test_client_class = Client
    return app.test_client()  # type: ignore[return-value]


def _english(client: Client) -> Client:
    client.post_form("/language", {"language": "en"})
    return client


def _known_device(app: Flask, username: str, **kwargs: Any) -> Client:
    """A browser the holder logged in with before (and logged out of)."""
    client = _english(_new_client(app))
    assert client.log_in(username, **kwargs).status_code == 303
    client.post_form("/logout")
    return client


def test_a_pair_is_refused_after_five_failures_even_with_the_right_password(
    client: Client, make: Factory, clock: FakeClock
) -> None:
    make.trainee("wang")
    make.commit()
    _wrong(client, "wang", 5)
    response = client.log_in("WANG")  # the count is per account, whatever the case
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "900"
    page = response.get_data(as_text=True)
    assert REFUSED in page
    assert "15 分钟" in page
    clock.advance(minutes=15)
    assert client.log_in("wang").status_code == 303


def test_a_success_clears_the_pair_count(client: Client, make: Factory) -> None:
    make.trainee("wang")
    make.commit()
    _wrong(client, "wang", 4)
    assert client.log_in("wang").status_code == 303
    client.post_form("/logout")
    _wrong(client, "wang", 4)
    assert client.log_in("wang").status_code == 303


def test_a_strangers_wrong_passwords_do_not_stop_the_holder_at_their_own_address(
    app: Flask, make: Factory
) -> None:
    make.admin("boss")
    make.commit()
    attacker = _new_client(app)
    _wrong(attacker, "boss", 5, environ_base=ATTACKER)
    assert attacker.log_in("boss", environ_base=ATTACKER).status_code == 429
    holder = _new_client(app)  # a new browser, at the holder's own address
    assert holder.log_in("boss").status_code == 303


def test_an_attack_from_many_addresses_does_not_stop_the_holder_on_a_known_device(
    app: Flask, make: Factory, clock: FakeClock, db_session: Session
) -> None:
    app.config.update(LOGIN_FAILURES_PER_PAIR=2, LOGIN_FAILURES_PER_ACCOUNT=6)
    make.trainee("wang")
    make.commit()
    holder = _known_device(app, "wang")
    attacker = _new_client(app)
    for number in range(3):
        _wrong(attacker, "wang", 2, environ_base={"REMOTE_ADDR": f"10.6.6.{number}"})
    # Under attack: new devices wait, from any address, the holder's own too ...
    for address in ("10.6.6.9", "127.0.0.1"):
        refused = _english(_new_client(app)).log_in("wang", environ_base={"REMOTE_ADDR": address})
        assert refused.status_code == 429
        assert "Log in from a device you have used before" in refused.get_data(as_text=True)
    # ... and nothing they try is counted; the holder's browser gets in.
    assert holder.log_in("wang").status_code == 303
    # Told: at this login, and in their messages, once for the attack however long it lasts.
    home = holder.get("/", follow_redirects=True).get_data(as_text=True)
    assert "Failed attempts to log in to your account since your last login: 6." in home
    messages = holder.get("/me/notifications").get_data(as_text=True)
    assert "Someone tried 6 wrong passwords on your account within 15 minutes" in messages
    told = select(Notification).where(Notification.kind == "login_attacked")
    assert len(db_session.scalars(told).all()) == 1
    clock.advance(minutes=15)  # a new attack, in a new window, is told again
    for number in range(3):
        _wrong(attacker, "wang", 2, environ_base={"REMOTE_ADDR": f"10.7.7.{number}"})
    assert len(db_session.scalars(told).all()) == 2


def test_the_holder_is_told_of_failures_since_the_last_login_once(
    app: Flask, make: Factory
) -> None:
    make.admin("boss")  # admins have no messages page: the login tells them
    make.commit()
    _wrong(_new_client(app), "boss", 2, environ_base=ATTACKER)
    holder = _english(_new_client(app))
    holder.log_in("boss")
    told = "Failed attempts to log in to your account since your last login: 2."
    assert told in holder.get("/", follow_redirects=True).get_data(as_text=True)
    holder.post_form("/logout")
    holder.log_in("boss")
    assert "Failed attempts" not in holder.get("/", follow_redirects=True).get_data(as_text=True)


def test_a_known_device_is_slowed_never_refused_for_long(
    app: Flask, make: Factory, clock: FakeClock
) -> None:
    make.admin("boss")
    make.commit()
    holder = _known_device(app, "boss")
    _wrong(holder, "boss", 5)
    waits = []
    for _ in range(8):
        refused = _attempt(holder, "boss")
        assert refused.status_code == 429
        assert "wrong passwords were tried on this device" in refused.get_data(as_text=True)
        waits.append(int(refused.headers["Retry-After"]))
        clock.advance(seconds=waits[-1] - 1)
        assert _attempt(holder, "boss").status_code == 429  # not a second early
        clock.advance(seconds=1)
        assert _attempt(holder, "boss").status_code == 200  # a wrong password, counted
    assert waits == [30, 60, 120, 240, 300, 300, 300, 300]
    clock.advance(seconds=300)
    assert holder.log_in("boss").status_code == 303


def test_another_accounts_or_a_forged_device_cookie_is_a_new_device(
    app: Flask, make: Factory
) -> None:
    make.trainee("wang")
    make.trainee("liu")
    make.commit()
    attacker = _known_device(app, "liu", environ_base=ATTACKER)  # the attacker's own account
    _wrong(attacker, "wang", 5, environ_base=ATTACKER)
    assert attacker.log_in("wang", environ_base=ATTACKER).status_code == 429
    forged = _new_client(app)
    other_key = URLSafeTimedSerializer("not-the-secret-key", salt="login-device")
    forged.set_cookie("device", other_key.dumps([["wang", "x"]]))
    _wrong(forged, "wang", 5)
    assert forged.log_in("wang").status_code == 429


def test_thirty_failures_from_one_address_over_many_accounts_do_not_lock_out_a_new_user_there(
    app: Flask, make: Factory
) -> None:
    make.trainee("wang")
    make.commit()
    classroom = _new_client(app)
    for number in range(30):  # a classroom of typing errors behind one NAT
        _wrong(classroom, f"trainee{number}", 1)
    assert _new_client(app).log_in("wang").status_code == 303


def test_an_address_spraying_many_accounts_waits_but_its_known_devices_get_in(
    app: Flask, make: Factory
) -> None:
    app.config["LOGIN_ACCOUNTS_PER_ADDRESS"] = 3
    make.trainee("wang")
    make.commit()
    colleague = _known_device(app, "wang")
    sprayer = _new_client(app)
    _wrong(sprayer, "li", 4)  # one account tried again and again counts once
    _wrong(sprayer, "zhao", 1)
    assert _new_client(app).log_in("wang").status_code == 303
    _wrong(sprayer, "sun", 1)  # the third distinct account: spraying
    assert _new_client(app).log_in("wang").status_code == 429
    assert colleague.log_in("wang").status_code == 303
    elsewhere = _new_client(app).log_in("wang", environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert elsewhere.status_code == 303


def test_a_forged_forwarded_address_does_not_escape_the_limit(app: Flask, make: Factory) -> None:
    app.config["LOGIN_ACCOUNTS_PER_ADDRESS"] = 3
    make.trainee("wang")
    make.commit()
    client = _new_client(app)
    for number in range(3):
        _wrong(client, f"user{number}", 1, headers={"X-Forwarded-For": f"10.1.1.{number}"})
    response = client.log_in("wang", headers={"X-Forwarded-For": "10.9.9.9"})
    assert response.status_code == 429


@pytest.mark.own_app  # trusting proxies wraps the app's WSGI callable
def test_behind_a_proxy_the_forwarded_address_is_the_one_counted(
    app: Flask, client: Client, make: Factory
) -> None:
    security.trust_proxies(app, 1)  # what PROXY_HOPS = 1 does when the app is created
    app.config["LOGIN_ACCOUNTS_PER_ADDRESS"] = 2
    make.trainee("wang")
    make.commit()
    for name in ("li", "zhao"):
        _wrong(client, name, 1, headers={"X-Forwarded-For": "10.1.1.1"})
    assert client.log_in("wang", headers={"X-Forwarded-For": "10.1.1.1"}).status_code == 429
    assert client.log_in("wang", headers={"X-Forwarded-For": "10.1.1.2"}).status_code == 303


def _change_password(client: Client, current: str) -> Any:
    return client.post_form(
        "/account/password",
        {
            "current_password": current,
            "new_password": "violet-harbour-tractor-42",
            "confirm": "violet-harbour-tractor-42",
        },
    )


def test_guessing_the_current_password_on_the_change_form_is_throttled(
    make: Factory, login, clock: FakeClock, db_session: Session
) -> None:
    trainee = make.trainee("wang")
    client = login(trainee)  # a stolen session
    for _ in range(5):
        assert _change_password(client, "a-guess-123").status_code == 200
    refused = _change_password(client, PASSWORD)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "900"
    assert REFUSED in refused.get_data(as_text=True)
    clock.advance(minutes=15)
    assert _change_password(client, PASSWORD).status_code == 303


def _lock(app: Flask, username: str) -> Client:
    attacker = _new_client(app)
    _wrong(attacker, username, 5, environ_base=ATTACKER)
    assert attacker.log_in(username, environ_base=ATTACKER).status_code == 429
    return attacker


def test_an_admin_lifts_a_lock_on_the_users_page_with_a_reason(
    app: Flask, make: Factory, login, db_session: Session
) -> None:
    wang = make.trainee("wang")
    admin = login(make.admin("boss"))
    _english(admin)
    attacker = _lock(app, "wang")
    page = admin.get(f"/admin/users/{wang.id}").get_data(as_text=True)
    assert "wrong passwords from any device, wrong current passwords): 5" in page
    url = f"/admin/users/{wang.id}/unlock-login"
    no_reason = admin.post_form(url, follow_redirects=True)
    assert "Please give a reason." in no_reason.get_data(as_text=True)
    assert attacker.log_in("wang", environ_base=ATTACKER).status_code == 429
    answer = admin.post_form(url, {"reason": "电话核实本人"})
    assert answer.status_code == 303
    assert attacker.log_in("wang", environ_base=ATTACKER).status_code == 303
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "user.unlock_login"))
    assert (entry.reason, entry.subject, entry.details) == (
        "电话核实本人",
        f"user:{wang.id}",
        {"failures": 5},
    )
    log = admin.get("/admin/audit").get_data(as_text=True)
    assert "Login locks lifted" in log


def test_only_admins_lift_a_lock(app: Flask, make: Factory, login) -> None:
    wang = make.trainee("wang")
    other = login(make.instructor("teacher"))
    _lock(app, "wang")
    url = f"/admin/users/{wang.id}/unlock-login"
    answer = other.post_form(url, {"reason": "let me in"})
    assert answer.status_code == 403
    assert _new_client(app).log_in("wang", environ_base=ATTACKER).status_code == 429


def test_the_command_line_lifts_a_lock_with_a_reason(
    app: Flask, make: Factory, db_session: Session
) -> None:
    make.admin("boss")
    make.commit()
    attacker = _lock(app, "boss")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["unlock-login", "boss"]).exit_code == 2  # the reason is required
    result = runner.invoke(args=["unlock-login", "BOSS", "--reason", "ticket 42"])
    assert (result.exit_code, result.output.strip()) == (0, "5")
    assert attacker.log_in("boss", environ_base=ATTACKER).status_code == 303
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "user.unlock_login"))
    boss = db_session.scalar(select(User).where(User.username == "boss"))
    assert (entry.actor_id, entry.reason, entry.subject) == (None, "ticket 42", f"user:{boss.id}")
    unknown = runner.invoke(args=["unlock-login", "nobody", "--reason", "x"])
    assert unknown.exit_code == 1


def test_an_unknown_account_costs_the_hash_a_known_one_does(
    client: Client, make: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Else the time of a failure would tell which accounts exist (where the configured method
    is not the default scrypt of the unknown one's dummy hash)."""
    make.trainee("wang")
    make.commit()
    compared = []
    check = accounts.check_password_hash

    def counted(stored: str, password: str) -> bool:
        compared.append(stored.split("$")[0])
        return check(stored, password)

    monkeypatch.setattr(accounts, "check_password_hash", counted)
    assert client.log_in("wang", "not-the-password-1").status_code == 200
    assert client.log_in("nobody", "not-the-password-1").status_code == 200
    assert compared == [FAST_HASH, FAST_HASH]
