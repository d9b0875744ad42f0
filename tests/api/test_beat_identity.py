"""Who may send beats: the heartbeat path reads the user from the session and a per-process
cache (learning/identities.py), and must still refuse whom the rest of the app refuses."""

from __future__ import annotations

from flask import Flask

from learning.services import accounts
from tests.api.conftest import Learner


def test_deactivated_here_is_refused_at_once(app: Flask, login, make, player, learner: Learner):
    page = player()
    assert page.send("play").status_code == 200
    admin = login(make.admin())
    form = {"display_name": "x", "role": "trainee"}
    assert admin.post_form(f"/admin/users/{learner.user.id}", form).status_code == 303
    refused = page.send("tick")
    assert refused.status_code == 401 and refused.get_json()["error"] == "login_required"


def test_changed_elsewhere_is_refused_once_the_cache_expires(
    app: Flask, make, player, learner: Learner, clock
) -> None:
    page = player()
    assert page.send("play").status_code == 200
    # another process changes the password: this one's entry is still good for a while
    accounts.set_password(
        make.session,
        learner.user,
        "a-new-secret-9",
        now=clock.now(),
        hash_method="pbkdf2:sha256:1000",
    )
    make.commit()
    assert page.send("tick").status_code == 200
    app.extensions["identities"].ttl_s = 0
    app.extensions["identities"].entries.clear()
    assert page.send("tick").status_code == 401


def test_staff_and_strangers_send_no_beats(app: Flask, login, make, player, learner) -> None:
    page = player()
    instructor = login(make.instructor())
    beat = {"seq": 1, "position_s": 0, "rate": 1, "paused": False, "visible": True, "event": "play"}
    url = f"/api/v1/playbacks/{page.playback_id}/heartbeats"
    token = instructor.csrf_token()
    answer = instructor.post(url, json=beat, headers={"X-CSRFToken": token})
    assert answer.status_code == 403
    assert app.test_client().post(url, json=beat).status_code == 401
