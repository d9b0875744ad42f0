"""Face checks through the API: a programme that requires them, a trainee who consented and
has a reference face, and answers made of camera frames from portraits shipped in packages
(the astronaut Eileen Collins as the trainee, Grace Hopper as someone else, a cat as no face).
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from learning import faces
from learning.clock import FakeClock
from learning.models import (
    BeatRecord,
    Enrolment,
    FaceSnapshot,
    Playback,
    PresenceCheck,
    ReferenceSource,
    TraineeStudyState,
)
from learning.services import catalogue, face_profiles
from tests.api.conftest import Learner
from tests.api.player import Player
from tests.faces.portraits import astronaut, cat, hopper, jpeg, live, still

pytestmark = pytest.mark.usefixtures("totals_rebuild_exactly")


@cache
def frames_of(who: str, action: str) -> tuple[bytes, ...]:
    if who == "trainee":
        return tuple(live("astronaut", astronaut(), action))
    if who == "someone else":
        return tuple(live("hopper", hopper(), action))
    if who == "a photo":
        return tuple(still(astronaut()))
    return tuple(still(cat()))


@pytest.fixture
def face_learner(app: Flask, db_session: Session, learner: Learner) -> Learner:
    """The learner, consenting, with the astronaut as reference, in a face-check programme."""
    catalogue.programme_by_code(db_session, "accounting-4").face_checks = True
    folder = Path(app.config["UPLOAD_FOLDER"])
    now = FakeClock().now()
    face_profiles.record_consent(
        db_session, learner.user.id, given=True, upload_folder=folder, now=now
    )
    face_profiles.set_reference(
        db_session,
        learner.user.id,
        jpeg(astronaut()),
        source=ReferenceSource.CAMERA,
        upload_folder=folder,
        now=now,
    )
    db_session.commit()
    return learner


def answer_with(page: Player, frames: tuple[bytes, ...] | list[bytes], **beat: object):
    """Send a face-check answer as the player does: the answer beat and the frames."""
    check = page.last.get("attention_check") or page.opened["attention_check"]
    page.seq += 1
    body = {
        "seq": page.seq,
        "position_s": page.position,
        "rate": 1.0,
        "paused": False,
        "visible": True,
        "event": "attention_ok",
        "attention_id": check["id"],
        **beat,
    }
    data = {
        "beat": json.dumps(body),
    }
    pictures = [("frame", FileStorage(io.BytesIO(f), f"f{i}.jpg")) for i, f in enumerate(frames)]
    # encoded here, in memory: the test client would spool it to a file it never closes
    boundary, encoded = encode_multipart(MultiDict([*data.items(), *pictures]))
    response = page.client.post(
        check["answer_url"],
        data=encoded,
        headers={"X-CSRFToken": page.token},
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    page.last = response.get_json()
    return response


def play(page: Player, clock: FakeClock, seconds: int) -> None:
    """Play on for `seconds` in beats of 15 s, as the player does."""
    for _ in range(seconds // 15):
        clock.advance(15)
        page.position += 15
        page.send("tick")


def test_study_starts_with_a_face_check_that_the_trainee_clears(
    face_learner: Learner, player: Callable[..., Player], clock: FakeClock, db_session: Session
) -> None:
    page = player()
    check = page.opened["attention_check"]
    assert check["kind"] == "face" and check["action"] in faces.LIVENESS_ACTIONS
    assert check["resume_at_s"] is None and "image_url" not in check
    page.send("play")
    play(page, clock, 30)
    assert page.last["credited_s"] == 0 and page.last["reason"] == "attention_pending"
    clock.advance(3)
    page.position = 0
    response = answer_with(page, frames_of("trainee", check["action"]))
    assert response.status_code == 200, response.get_json()
    assert page.last["attention_check"] is None
    assert page.last["face_outcome"] == "match"
    play(page, clock, 60)
    assert page.last["covered_s"] == 60
    snapshot = db_session.scalars(select(FaceSnapshot)).one()
    assert (snapshot.outcome, snapshot.action, snapshot.check_id) == (
        "match",
        check["action"],
        check["id"],
    )
    assert snapshot.distance_milli < 500 and snapshot.path
    stored = db_session.scalars(select(BeatRecord).where(BeatRecord.face_outcome.is_not(None)))
    assert [(b.face_outcome, b.face_distance_milli) for b in stored] == [
        ("match", snapshot.distance_milli)
    ]
    record = db_session.scalars(select(PresenceCheck)).one()
    assert record.check_id == check["id"] and record.answered_at_ms is not None


@pytest.mark.parametrize(
    ("who", "outcome"),
    [("someone else", "mismatch"), ("a photo", "not_live"), ("a cat", "no_face")],
)
def test_another_face_a_still_photo_or_no_face_leaves_the_check_pending(
    face_learner: Learner,
    player: Callable[..., Player],
    clock: FakeClock,
    db_session: Session,
    who: str,
    outcome: str,
) -> None:
    page = player()
    check = page.opened["attention_check"]
    page.send("play")
    clock.advance(3)
    response = answer_with(page, frames_of(who, check["action"]))
    assert response.status_code == 200
    assert page.last["face_outcome"] == outcome and page.last["face_message"]
    assert page.last["attention_check"]["id"] == check["id"]
    play(page, clock, 30)
    assert page.last["credited_s"] == 0 and page.last["covered_s"] == 0
    assert db_session.scalars(select(FaceSnapshot.outcome)).all() == [outcome]


def test_several_faces_leave_the_check_pending(
    face_learner: Learner, player: Callable[..., Player], clock: FakeClock
) -> None:
    both = Image.new("RGB", (1024, 600), "white")
    both.paste(astronaut(), (0, 0))
    both.paste(hopper(), (512, 0))
    page = player()
    clock.advance(3)
    answer_with(page, [jpeg(both)] * 6)
    assert page.last["face_outcome"] == "several_faces"
    assert page.last["attention_check"] is not None


def test_a_script_without_a_camera_earns_nothing(
    face_learner: Learner, player: Callable[..., Player], clock: FakeClock, db_session: Session
) -> None:
    """A hostile client answers every check on the heartbeat path, with the code read from
    the server's state or typed blindly, for an hour: the face check is never cleared."""
    page = player()
    check = page.opened["attention_check"]
    code = db_session.get(TraineeStudyState, face_learner.user.id).pending_code
    credited = 0
    for _ in range(240):
        clock.advance(15)
        page.position += 15
        page.send("attention_ok", attention_id=check["id"], attention_code=code)
        credited += page.last.get("credited_s", 0)
        if page.last.get("error") == "too_many_attempts":
            clock.advance(60)
        elif page.last.get("error") == "ended":  # the check timed out: open again, as a bot would
            assert page.open()["attention_check"]["id"] == check["id"]
        else:
            assert page.last["attention_check"]["id"] == check["id"]
    assert credited == 0
    assert db_session.scalars(select(Enrolment.online_s)).all() == [0]


def test_wrong_faces_are_throttled_like_wrong_codes(
    face_learner: Learner, player: Callable[..., Player], clock: FakeClock, app: Flask
) -> None:
    page = player()
    clock.advance(3)
    for _ in range(app.config["CHECK_WRONG_ANSWERS"]):
        assert answer_with(page, frames_of("a photo", "blink")).status_code == 200
    refused = answer_with(page, frames_of("trainee", page.opened["attention_check"]["action"]))
    assert refused.status_code == 429 and refused.get_json()["error"] == "too_many_attempts"
    clock.advance(app.config["CHECK_ANSWER_WINDOW_S"] + 1)
    page.open()  # the check timed out meanwhile and ended the playback; it is still pending
    clock.advance(3)
    again = answer_with(page, frames_of("trainee", page.opened["attention_check"]["action"]))
    assert again.status_code == 200 and page.last["face_outcome"] == "match"


def test_without_consent_the_trainee_studies_under_the_code_check(
    app: Flask, db_session: Session, learner: Learner, player: Callable[..., Player]
) -> None:
    catalogue.programme_by_code(db_session, "accounting-4").face_checks = True
    face_profiles.record_consent(
        db_session,
        learner.user.id,
        given=False,
        upload_folder=app.config["UPLOAD_FOLDER"],
        now=FakeClock().now(),
    )
    db_session.commit()
    page = player()
    assert page.opened["attention_check"] is None
    playback = db_session.get(Playback, page.playback_id)
    assert playback.settings["face_checks"] is False


@pytest.mark.parametrize(
    ("frames", "status", "error"),
    [
        ([], 422, "no_frames"),
        ([b"not a picture"] * 6, 422, "not_a_picture"),
        ([b"x" * (300 * 1024)], 413, "too_large"),
    ],
)
def test_bad_frames_get_a_clear_error_and_change_nothing(
    face_learner: Learner, player: Callable[..., Player], clock: FakeClock, frames, status, error
) -> None:
    page = player()
    clock.advance(3)
    response = answer_with(page, frames)
    assert response.status_code == status and response.get_json()["error"] == error
    assert answer_with(page, frames_of("trainee", "blink")).status_code == 200


def test_an_answer_beat_that_is_not_this_checks_is_refused(
    face_learner: Learner, player: Callable[..., Player], clock: FakeClock
) -> None:
    page = player()
    clock.advance(3)
    response = answer_with(page, frames_of("trainee", "blink"), attention_id="someotherid")
    assert response.status_code == 422


def test_the_player_page_may_use_the_camera_and_other_pages_may_not(
    face_learner: Learner, login
) -> None:
    client = login(face_learner.user)
    page = client.get(f"/enrolments/{face_learner.enrolment.id}/videos/{face_learner.video.id}")
    assert page.status_code == 200 and "data-face-check" in page.get_data(as_text=True)
    assert page.headers["Permissions-Policy"].startswith("camera=(self)")
    assert "camera=()" in client.get("/").headers["Permissions-Policy"]
