"""Who may send beats: the heartbeat checks its sender in its own first read (the user's row
joined to the trainee's state and playback, learning/services/beats.py), never from anything
kept between requests, and must refuse whom the rest of the app refuses, with the same answers.

A change made elsewhere (another process, or the database directly, which nothing in this
process hears of) holds from the very next beat, and a refused beat stores nothing."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.orm import Session

from learning.clock import FakeClock
from learning.config import SESSION_LIMITS, Defaults
from learning.db import get_database
from learning.domain.accounting import Beat
from learning.services import accounts, beats
from tests.api.conftest import Learner
from tests.api.player import Player
from tests.factories import Factory

KEPT = {
    "beats": "SELECT COUNT(*), MAX(event_no) FROM beats WHERE trainee_id = :t",
    "state": "SELECT event_count, clock_ms, played_since_check_ms FROM trainee_study_state "
    "WHERE trainee_id = :t",
    "playbacks": "SELECT id, last_seq, position_ms, last_beat_at_ms, status FROM playbacks "
    "WHERE trainee_id = :t ORDER BY id",
    "days": "SELECT day, credited_ms FROM study_days WHERE trainee_id = :t ORDER BY day",
    "enrolment": "SELECT online_s, last_studied_on FROM enrolments WHERE trainee_id = :t",
}


def kept(session: Session, trainee_id: int) -> dict[str, list[tuple[Any, ...]]]:
    """What a beat writes of the trainee's, as the database holds it now."""
    session.rollback()  # a new snapshot
    return {
        name: [tuple(row) for row in session.execute(text(query), {"t": trainee_id})]
        for name, query in KEPT.items()
    }


def change_in_the_database(make: Factory, user_id: int, assignment: str) -> None:
    """A change to the user's row as another process would make it: in the database, with
    nothing told to this process."""
    make.session.execute(text(f"UPDATE users SET {assignment} WHERE id = :id"), {"id": user_id})
    make.commit()


def playing(player, clock: FakeClock) -> Player:
    """A page that has played a while, its last beat just answered."""
    page = player()
    page.play(60)
    clock.advance(15)
    page.position += 15
    return page


def refused_keeping_nothing(
    page: Player,
    make: Factory,
    user_id: int,
    before: dict[str, list[tuple[Any, ...]]],
    status: int,
    error: str,
    event: str = "tick",
    **fields: Any,
) -> dict[str, Any]:
    """Send a beat that must be refused with `status` and `error`, and check that nothing of
    the trainee's changed since `before`; the refusal's body."""
    refused = page.send(event, **fields)
    assert refused.status_code == status
    body = refused.get_json()
    assert body["error"] == error
    assert kept(make.session, user_id) == before
    return body


@pytest.mark.parametrize("assignment", ["active = false", "session_epoch = session_epoch + 1"])
def test_changed_in_the_database_is_refused_on_the_next_beat(
    app: Flask, make: Factory, player, learner: Learner, clock: FakeClock, assignment: str
) -> None:
    page = playing(player, clock)
    before = kept(make.session, learner.user.id)
    change_in_the_database(make, learner.user.id, assignment)
    refused_keeping_nothing(page, make, learner.user.id, before, 401, "login_required")


def test_a_password_changed_in_another_process_is_refused_on_the_next_beat(
    app: Flask, make: Factory, player, learner: Learner, clock: FakeClock
) -> None:
    page = playing(player, clock)
    before = kept(make.session, learner.user.id)
    accounts.set_password(  # another process's change: this one is not told
        make.session,
        learner.user,
        "a-new-secret-9",
        now=clock.now(),
        hash_method="pbkdf2:sha256:1000",
    )
    make.commit()
    refused_keeping_nothing(page, make, learner.user.id, before, 401, "login_required")


def test_a_password_to_change_set_in_the_database_stops_the_next_beat(
    app: Flask, make: Factory, player, learner: Learner, clock: FakeClock
) -> None:
    page = playing(player, clock)
    before = kept(make.session, learner.user.id)
    change_in_the_database(make, learner.user.id, "must_change_password = true")
    body = refused_keeping_nothing(
        page, make, learner.user.id, before, 403, "password_change_required"
    )
    assert body["change_url"] == "/account/password"


def test_a_trainee_made_instructor_in_the_database_sends_no_more_beats(
    app: Flask, make: Factory, player, learner: Learner, clock: FakeClock
) -> None:
    page = playing(player, clock)
    before = kept(make.session, learner.user.id)
    change_in_the_database(make, learner.user.id, "role = 'instructor'")
    refused_keeping_nothing(page, make, learner.user.id, before, 403, "forbidden")


def test_the_idle_limit_of_the_role_read_with_the_beat(
    app: Flask, make: Factory, player, learner: Learner, clock: FakeClock
) -> None:
    """The session's idle limit is the role's as the beat reads it: staff's 30 minutes."""
    for name in SESSION_LIMITS:  # as shipped (tests/conftest.py lets sessions last)
        app.config[name] = getattr(Defaults, name)
    page = playing(player, clock)
    change_in_the_database(make, learner.user.id, "role = 'instructor'")
    clock.advance(minutes=31)
    before = kept(make.session, learner.user.id)
    refused_keeping_nothing(page, make, learner.user.id, before, 401, "session_expired")
    assert page.send("tick").get_json()["error"] == "session_expired"  # the reason is kept


def test_a_check_answer_from_a_deactivated_trainee_is_refused_before_its_limit(
    app: Flask, make: Factory, player, learner: Learner, clock: FakeClock
) -> None:
    page = playing(player, clock)
    change_in_the_database(make, learner.user.id, "active = false")
    before = kept(make.session, learner.user.id)
    refused_keeping_nothing(
        page,
        make,
        learner.user.id,
        before,
        401,
        "login_required",
        "attention_ok",
        attention_id="not-a-check",
        attention_code="0000",
    )


def test_a_deactivated_trainee_is_refused_whatever_playback_they_name(
    app: Flask, make: Factory, player, learner: Learner, clock: FakeClock
) -> None:
    """Judged before the playback is looked for: 401, not the 404 of a playback not theirs."""
    page = playing(player, clock)
    change_in_the_database(make, learner.user.id, "active = false")
    page.playback_id = "no-such-playback"
    assert page.send("tick").status_code == 401


def test_the_service_hands_the_sender_to_admit_before_writing(
    app: Flask, make: Factory, player, learner: Learner, clock: FakeClock
) -> None:
    page = playing(player, clock)
    seen: list[beats.Sender | None] = []

    class Refused(Exception):
        pass

    def admit(sender: beats.Sender | None) -> None:
        seen.append(sender)
        raise Refused

    before = kept(make.session, learner.user.id)
    beat = Beat(seq=99, position_ms=0, rate_milli=1000, paused=False, visible=True, event="tick")
    with pytest.raises(Refused):
        beats.record_plain_beat(
            get_database(app),
            trainee_id=learner.user.id,
            playback_id=str(page.playback_id),
            beat=beat,
            client_ts=None,
            now_ms=int(clock.now().timestamp() * 1000),
            admit=admit,
        )
    assert kept(make.session, learner.user.id) == before
    sender = seen[-1]  # on PostgreSQL judged first as remembered, then again as read
    assert len(seen) in (1, 2) and all(other == sender for other in seen)
    assert sender is not None
    assert (sender.role, bool(sender.active), bool(sender.must_change_password)) == (
        "trainee",
        True,
        False,
    )
    assert sender.password_hash == learner.user.password_hash


def test_staff_and_strangers_send_no_beats(app: Flask, login, make, player, learner) -> None:
    page = player()
    instructor = login(make.instructor())
    beat = {"seq": 1, "position_s": 0, "rate": 1, "paused": False, "visible": True, "event": "play"}
    url = f"/api/v1/playbacks/{page.playback_id}/heartbeats"
    token = instructor.csrf_token()
    answer = instructor.post(url, json=beat, headers={"X-CSRFToken": token})
    assert answer.status_code == 403
    assert app.test_client().post(url, json=beat).status_code == 401


def test_deactivated_here_is_refused_at_once(app: Flask, login, make, player, learner: Learner):
    page = player()
    assert page.send("play").status_code == 200
    admin = login(make.admin())
    form = {"display_name": "x", "role": "trainee"}
    assert admin.post_form(f"/admin/users/{learner.user.id}", form).status_code == 303
    refused = page.send("tick")
    assert refused.status_code == 401 and refused.get_json()["error"] == "login_required"
