"""Rate limits on the player's requests, and the presence-check code that cannot be guessed."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest
from flask import Flask
from sqlalchemy import func, select

from learning.api.limits import TokenBuckets
from learning.models import BeatRecord, TraineeStudyState
from tests.api.player import Player

pytestmark = pytest.mark.usefixtures("totals_rebuild_exactly")


def test_a_bucket_refills_at_its_rate_and_never_above_its_burst() -> None:
    now = [0.0]
    buckets = TokenBuckets(burst=3, rate_per_s=0.5, clock=lambda: now[0])
    assert [buckets.take("a") for _ in range(3)] == [None, None, None]
    assert buckets.take("a") == pytest.approx(2.0)  # one token takes two seconds
    assert buckets.take("b") is None  # keys are apart
    now[0] = 1000.0
    assert [buckets.take("a") for _ in range(3)] == [None, None, None]
    assert buckets.take("a") is not None
    now[0] = 999.0  # a wall clock set back
    assert buckets.take("a") is not None


def test_an_honest_player_never_meets_the_limit(player) -> None:
    page = player()
    page.play(9 * 60, step=15)  # 37 beats, more than the burst: every one asserted 200
    for _ in range(10):  # a viewer fiddling with the seek bar
        page.clock.advance(0.3)
        page.position += 2
        assert page.send("seeked", from_s=page.position - 2).status_code == 200


def test_a_flood_is_refused_with_retry_after_and_nothing_of_it_stored(player, db_session) -> None:
    page = player()
    answers = [page.send("tick").status_code for _ in range(40)]
    assert answers == [200] * 30 + [429] * 10
    refused = page.send("tick")
    assert refused.status_code == 429
    assert refused.get_json()["error"] == "rate_limited"
    assert refused.headers["Retry-After"] == "1"
    assert db_session.scalar(select(func.count(BeatRecord.id))) == 30
    page.clock.advance(1)
    assert page.send("tick").status_code == 200  # and the player's retry goes through


def test_opening_playbacks_over_and_over_is_limited(player) -> None:
    page = player()
    for _ in range(29):
        page.open()
    response = page.client.post(
        "/api/v1/playbacks",
        json={"enrolment_id": page.enrolment_id, "video_id": page.video_id},
        headers={"X-CSRFToken": page.token},
    )
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "10"


@dataclass
class PendingCheck:
    page: Player
    check_id: str
    code: str

    def answer(self, code: str):
        return self.page.send("attention_ok", attention_id=self.check_id, attention_code=code)


@pytest.fixture
def pending(app: Flask, player, db_session, learner) -> PendingCheck:
    """A page whose presence check (due after a minute of play) is pending, and its code."""
    settings = app.extensions["accounting_settings"]
    app.extensions["accounting_settings"] = replace(
        settings, attention_min_minutes=1, attention_max_minutes=1
    )
    page = player()
    page.play(75)
    code = db_session.get(TraineeStudyState, learner.user.id).pending_code
    return PendingCheck(page, page.last["attention_check"]["id"], code)


def test_guessing_the_check_code_is_stopped_after_five_wrong_answers(
    pending: PendingCheck,
) -> None:
    page, code = pending.page, pending.code
    guesses = [f"{n:04d}" for n in range(10_000) if f"{n:04d}" != code]
    page.clock.advance(2)
    for guess in guesses[:5]:
        page.clock.advance(2)
        answer = pending.answer(guess)
        assert answer.status_code == 200 and page.last["attention_check"] is not None
    refused = pending.answer(code)
    assert refused.status_code == 429
    assert refused.get_json()["error"] == "too_many_attempts"
    assert "10 分钟" in refused.get_json()["message"]
    assert int(refused.headers["Retry-After"]) == 600 - 8  # ten minutes from the first wrong one
    page.clock.advance(minutes=4)  # still within the check's five minutes: still refused
    assert pending.answer(code).status_code == 429
    page.clock.advance(minutes=6)  # the wrong answers left the window, but so did the check:
    late = pending.answer(code)
    assert (late.status_code, late.get_json()["reason"]) == (409, "attention_timeout")


def test_a_right_answer_after_a_few_wrong_ones_clears_the_check(pending: PendingCheck) -> None:
    wrong = "0000" if pending.code != "0000" else "1111"
    pending.page.clock.advance(2)
    for _ in range(4):  # a clumsy but honest viewer
        pending.answer(wrong)
    assert pending.answer(pending.code).status_code == 200
    assert pending.page.last["attention_check"] is None
