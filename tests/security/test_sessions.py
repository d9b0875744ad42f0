"""Sessions: a new one at login, and a logout that ends every copy of the old one."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask
from flask_login.utils import encode_cookie

from learning.clock import FakeClock
from learning.config import SESSION_LIMITS, ConfigError, Defaults, load_settings
from learning.models import Role
from tests.api.player import Player
from tests.conftest import Client
from tests.factories import PASSWORD, Factory


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
    client.post_form("/logout")
    assert stolen.get("/api/v1/me").status_code == 401
    assert stolen.get("/").status_code == 302  # to the login page
    again = login(trainee)  # and the user logs in again as ever
    assert again.get("/api/v1/me").status_code == 200


# --- sessions that end (ASVS 3.3): idle limits by role, a lifetime, the player's beats -------

STRONG = "violet-harbour-lantern-42"


@pytest.fixture(autouse=True)
def _real_limits(app: Flask) -> None:
    """The limits as shipped (the other tests' app lets sessions last, tests/conftest.py)."""
    for name in SESSION_LIMITS:
        app.config[name] = getattr(Defaults, name)


def _in_english(client: Client) -> Client:
    client.set_cookie("lang", "en")  # the words of a session that ended (it is anonymous then)
    return client


def _expired(response, reason: str) -> None:
    assert response.status_code == 401, response.get_json()
    body = response.get_json()
    assert body["error"] == "session_expired"
    assert reason in body["message"]


@pytest.mark.parametrize("role", [Role.ADMIN, Role.INSTRUCTOR])
def test_a_staff_session_ends_after_30_idle_minutes(
    app: Flask, login, make: Factory, clock: FakeClock, role: Role
) -> None:
    client = _in_english(login(make.user(role)))
    assert client.get("/api/v1/me").status_code == 200
    copy = _with_cookie(app, _cookie(client))  # the same session in another tab
    clock.advance(minutes=29)
    assert copy.get("/api/v1/me").status_code == 200
    clock.advance(minutes=2)  # 31 minutes after the first tab's last request
    _expired(client.get("/api/v1/me"), "30 minutes without activity")
    page = _in_english(_with_cookie(app, _cookie(copy)))
    clock.advance(minutes=31)
    response = page.get("/account/profile")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/account/profile"
    login_page = page.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your session ended after 30 minutes without activity" in login_page


def test_a_trainee_session_lasts_two_idle_hours(
    app: Flask, login, make: Factory, clock: FakeClock
) -> None:
    client = _in_english(login(make.trainee()))
    copy = _with_cookie(app, _cookie(client))
    clock.advance(minutes=119)
    assert copy.get("/api/v1/me").status_code == 200
    clock.advance(minutes=2)
    _expired(client.get("/api/v1/me"), "120 minutes without activity")
    assert copy.get("/api/v1/me").status_code == 200  # active two minutes ago


def test_the_player_hears_why_when_another_request_ended_the_session_first(
    app: Flask, login, make: Factory, clock: FakeClock
) -> None:
    """A video's range request (any request) may meet the idle limit before the next beat:
    the beat's refusal still gives the reason, not a bare "please log in"."""
    client = _in_english(login(make.trainee()))
    clock.advance(minutes=121)
    assert client.get("/account/profile").status_code == 302  # this request ends the session
    _expired(client.get("/api/v1/me"), "120 minutes without activity")
    again = _in_english(login(make.trainee()))
    assert again.post_form("/logout", {}).status_code == 303
    response = again.get("/api/v1/me")  # logged out on purpose: no reason but the login
    assert response.get_json()["error"] == "login_required"


def test_a_session_ends_12_hours_after_login_however_active(
    app: Flask, login, make: Factory, clock: FakeClock
) -> None:
    client = _in_english(login(make.admin()))
    copy = _with_cookie(app, _cookie(client))
    for _minute in range(12 * 60):
        clock.advance(minutes=1)
        assert client.get("/api/v1/me").status_code == 200
    clock.advance(seconds=1)
    _expired(client.get("/api/v1/me"), "12 hours after you logged in")
    response = _in_english(copy).get("/admin/users")
    assert response.headers["Location"] == "/login?next=/admin/users"
    assert "12 hours after you logged in" in copy.get("/login").get_data(as_text=True)
    again = login(make.admin())  # a new login starts a new lifetime
    assert again.get("/api/v1/me").status_code == 200


def test_heartbeats_keep_a_watching_trainee_in_until_12_hours(
    app: Flask, login, make: Factory, clock: FakeClock
) -> None:
    trainee = make.trainee()
    enrolment = make.enrolment(trainee, "accounting-4")
    video = make.video("accounting-4", duration_s=13 * 3600)
    app.extensions["accounting_settings"] = replace(  # no presence checks to answer on the way
        app.extensions["accounting_settings"],
        attention_min_minutes=1440,
        attention_max_minutes=1440,
    )
    logged_in_at = clock.now()
    page = Player(_in_english(login(trainee)), clock, enrolment.id, video.id)
    page.open()  # the last page view: from here on only beats
    page.play(2 * 3600 + 10 * 60)
    assert page.client.get("/api/v1/me").status_code == 200
    page.play(12 * 3600 - (clock.now() - logged_in_at).total_seconds() - 30)
    clock.advance(seconds=45)
    _expired(page.send("tick"), "12 hours after you logged in")


@pytest.mark.parametrize("name", SESSION_LIMITS)
def test_a_session_limit_must_be_positive(tmp_path: Path, name: str) -> None:
    with pytest.raises(ConfigError, match=name):
        load_settings(tmp_path, {name: 0})


def test_a_session_from_before_these_limits_ends(app: Flask, login, make: Factory) -> None:
    """A cookie signed without the times (by the version before) is not honoured."""
    client = login(make.trainee())
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    data = serializer.loads(_cookie(client))
    old = {key: value for key, value in data.items() if key not in {"login_at", "seen_at"}}
    assert _with_cookie(app, serializer.dumps(old)).get("/api/v1/me").status_code == 401
    assert _with_cookie(app, serializer.dumps(data)).get("/api/v1/me").status_code == 200


def test_a_remember_cookie_alone_logs_nobody_in(app: Flask, make: Factory) -> None:
    """Flask-Login's remember-me is never set; a forged or old one opens no session."""
    trainee = make.trainee()
    make.commit()
    with app.test_request_context():
        remembered = encode_cookie(str(trainee.id))
    app.test_client_class = Client
    stranger: Client = app.test_client()  # type: ignore[assignment]
    stranger.set_cookie("remember_token", remembered)
    assert stranger.get("/api/v1/me").status_code == 401
    assert stranger.get("/api/v1/me").status_code == 401


# --- a password to change first: the JSON API too -------------------------------------------


def _refused_for_the_password(response) -> None:
    assert response.status_code == 403, response.get_json()
    body = response.get_json()
    assert body["error"] == "password_change_required"
    assert body["change_url"] == "/account/password"
    assert body["message"]


def test_a_roster_password_opens_no_playback_until_changed(
    app: Flask, login, make: Factory, clock: FakeClock
) -> None:
    trainee = make.trainee()
    trainee.must_change_password = True  # as a roster import leaves it
    enrolment = make.enrolment(trainee, "accounting-4")
    video = make.video("accounting-4", duration_s=3600)
    client = login(trainee)
    wanted = {"enrolment_id": enrolment.id, "video_id": video.id}
    _refused_for_the_password(client.post_json("/api/v1/playbacks", wanted))
    _refused_for_the_password(client.get("/api/v1/me"))
    assert client.get("/api/v1/openapi.json").status_code == 200
    form = {
        "current_password": PASSWORD,
        "new_password": STRONG,
        "confirm": STRONG,
    }
    assert client.post_form("/account/password", form).status_code == 303
    page = Player(client, clock, enrolment.id, video.id)
    page.open()
    page.play(60)


def test_beats_stop_while_a_password_change_is_required(
    app: Flask, login, make: Factory, clock: FakeClock, db_session
) -> None:
    trainee = make.trainee()
    enrolment = make.enrolment(trainee, "accounting-4")
    video = make.video("accounting-4", duration_s=3600)
    page = Player(login(trainee), clock, enrolment.id, video.id)
    page.open()
    page.play(60)
    trainee.must_change_password = True  # set by another process
    make.commit()
    clock.advance(15)
    _refused_for_the_password(page.send("tick"))
    form = {
        "current_password": PASSWORD,
        "new_password": STRONG,
        "confirm": STRONG,
    }
    assert page.client.post_form("/account/password", form).status_code == 303
    assert page.send("tick").status_code == 200
