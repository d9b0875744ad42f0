"""Every JSON answer goes through the model its route declares for its status (contract.py):
a view that answers a field the model does not declare, a field of the wrong type or without
a required one fails: our 500 for the user (never what the view meant to send, nor a trace),
and AnswerOutsideItsModel in the log."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from pydantic import ValidationError

from learning.api import contract, schemas
from learning.api.contract import AnswerOutsideItsModel
from tests.conftest import make_test_app

UNLOCK = {"enrolment_id": 3, "exam_unlocked": True}
REFUSED = {
    "credited_s": 0,
    "not_credited_s": {},
    "reason": "superseded",
    "covered_s": 12,
    "enrolment_online_hours": 0.5,
    "attention_check": None,
    "error": "superseded",
    "message": "Playing elsewhere.",
}


def _served(answer: Callable[[], Any]) -> Flask:
    """An app with one bound route, `GET /api/v1/contract-test`, answering `answer()`: 200
    with an Unlock, or 409 with a BeatRefused."""
    app = make_test_app("sqlite://")

    @contract.route(200, schemas.Unlock, refusals={409: schemas.BeatRefused})
    def view() -> Any:
        return answer()

    app.add_url_rule("/api/v1/contract-test", "contract_test", view)
    return app


def _get(answer: Callable[[], Any]) -> Any:
    return _served(answer).test_client().get("/api/v1/contract-test")


def test_an_answer_of_its_model_is_sent_as_it_is() -> None:
    response = _get(lambda: UNLOCK)
    assert (response.status_code, response.get_json()) == (200, UNLOCK)
    refused = _get(lambda: (REFUSED, 409))
    assert (refused.status_code, refused.get_json()) == (409, REFUSED)


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(lambda: {**UNLOCK, "secret": "x"}, id="a field the model does not declare"),
        pytest.param(lambda: {**UNLOCK, "exam_unlocked": "maybe"}, id="a field of the wrong type"),
        pytest.param(lambda: {"enrolment_id": 3}, id="a required field missing"),
        pytest.param(lambda: (UNLOCK, 409), id="the model of another status"),
        pytest.param(lambda: [UNLOCK], id="a list for an object"),
        pytest.param(
            lambda: schemas.Me(id=1, username="a", display_name="A", role="admin"),
            id="an instance of another model",
        ),
    ],
)
def test_an_answer_outside_its_model_fails(
    answer: Callable[[], Any], caplog: pytest.LogCaptureFixture
) -> None:
    response = _get(answer)
    assert response.status_code == 500
    assert response.get_json() == {
        "error": "internal_server_error",
        "message": response.get_json()["message"],
    }
    assert "secret" not in response.get_data(as_text=True)
    failures = [record.exc_info[0] for record in caplog.records if record.exc_info]
    assert failures == [AnswerOutsideItsModel]


def test_answer_builds_only_what_the_model_declares() -> None:
    """What the views that read their own requests (the heartbeat) answer with."""
    built = contract.answer(schemas.BeatRefused, 409, **REFUSED)
    assert (built.status_code, built.get_json()) == (409, REFUSED)
    with pytest.raises(ValidationError, match="secret"):
        contract.answer(schemas.Unlock, **UNLOCK, secret="x")
    with pytest.raises(ValidationError, match="exam_unlocked"):
        contract.answer(schemas.Unlock, enrolment_id=3)


def test_a_built_answer_leaves_out_what_it_was_not_given() -> None:
    """A face check carries no picture's address: the key is absent, not null."""
    check = {"id": "c1", "resume_at_s": None, "kind": "face", "action": "blink", "answer_url": "/a"}
    app = make_test_app("sqlite://")

    @contract.route(200, schemas.BeatAnswer, validated_in_view=True)
    def view() -> Any:
        fields = {**REFUSED, "attention_check": check}
        del fields["error"], fields["message"]
        return contract.answer(schemas.BeatAnswer, **fields)

    app.add_url_rule("/api/v1/contract-test", "contract_test", view)
    answer = app.test_client().get("/api/v1/contract-test").get_json()
    assert answer["attention_check"] == check and "image_url" not in answer["attention_check"]
