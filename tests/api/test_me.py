"""GET /api/v1/me and /api/v1/me/enrolments (shared/api.md)."""

from __future__ import annotations

import pytest
from flask import Flask

from learning.models import Role
from tests.conftest import Client
from tests.factories import Factory


def test_me_answers_who_is_logged_in(login, make: Factory) -> None:
    user = make.user(Role.INSTRUCTOR, "teacher", display_name="王老师")
    body = login(user).get("/api/v1/me").get_json()
    assert body == {
        "id": user.id,
        "username": "teacher",
        "display_name": "王老师",
        "role": "instructor",
    }


def test_anonymous_api_call_gets_401_json_not_a_redirect(client: Client) -> None:
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.get_json()["error"] == "login_required"


def test_my_enrolments_follow_the_contract(login, make: Factory) -> None:
    trainee = make.trainee()
    enrolment = make.enrolment(trainee, "accounting-2")
    make.enrolment(trainee, "monitoring-4", approved=False)
    body = login(trainee).get("/api/v1/me/enrolments").get_json()
    assert body[0] == {
        "id": enrolment.id,
        "programme": {
            "code": "accounting-2",
            "work_type": "accounting",
            "level": 2,
            "required_hours": 100,
        },
        "online_hours": 0.0,
        "offline_hours": 0.0,
        "credited_hours": 0.0,
        "exam_eligible": False,
        "blocking_reasons": ["hours", "fee_unpaid"],
    }
    assert body[1]["blocking_reasons"] == ["hours", "eligibility_not_approved", "fee_unpaid"]


def test_enrolment_hours_are_rounded_down_and_unlock_lifts_only_the_hours(
    login, make: Factory
) -> None:
    trainee = make.trainee()
    enrolment = make.enrolment(trainee, "accounting-4")
    enrolment.online_s = 80 * 45 * 60 - 1  # one second short of 80 standard hours
    enrolment.offline_s = 0
    client = login(trainee)
    body = client.get("/api/v1/me/enrolments").get_json()[0]
    assert body["credited_hours"] == 79.9
    assert "hours" in body["blocking_reasons"]
    enrolment.exam_unlocked = True
    make.commit()
    body = client.get("/api/v1/me/enrolments").get_json()[0]
    assert body["blocking_reasons"] == ["fee_unpaid"]


def test_api_errors_are_json(login, make: Factory) -> None:
    client = login(make.trainee())
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"
    response = client.post("/api/v1/me", headers={"X-CSRFToken": client.csrf_token()})
    assert response.status_code == 405
    assert response.get_json()["error"] == "method_not_allowed"


@pytest.mark.own_app  # adds a route, which an app that has served requests refuses
def test_state_changing_api_calls_need_the_csrf_header(app: Flask, login, make: Factory) -> None:
    probe = "/api/v1/_csrf_probe"
    app.add_url_rule(probe, "csrf_probe", lambda: {"ok": True}, methods=["POST"])
    client = login(make.trainee())
    response = client.post(probe, json={})
    assert response.status_code == 400
    assert response.get_json()["error"] == "csrf"
    assert client.post_json(probe, {}).status_code == 200
