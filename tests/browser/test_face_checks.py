"""Face checks in a real Chromium whose camera is a file: Chromium's fake capture device plays
a Y4M video made from the portraits in a loop. The trainee's reference face is the astronaut's;
the player asks for a face check when the video opens, takes frames while the "person" blinks
and turns, and the server judges them with the real model.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from learning.db import get_database
from learning.models import FaceSnapshot, ReferenceSource, TraineeStudyState
from learning.services import catalogue, face_profiles
from tests.browser.conftest import LiveServer, log_in
from tests.browser.player import PASSWORD, Learner
from tests.faces.portraits import astronaut, blinking, cat, hopper, jpeg, still, turning, y4m

PROGRAMME = "trading-3"
SCREENSHOTS = Path("/tmp/learning-screenshots")

#: What the fake camera shows: the trainee blinking and turning, someone else doing the same,
#: the trainee's photo held still, and no face at all.
CAMERAS = {
    "trainee": lambda: turning("astronaut", astronaut()) + blinking("astronaut", astronaut()),
    "someone else": lambda: turning("hopper", hopper()) + blinking("hopper", hopper()),
    "a photo": lambda: still(astronaut(), 24),
    "a cat": lambda: still(cat(), 24),
}


@pytest.fixture
def face_trainee(live_server: LiveServer, learner: Learner) -> Iterator[Learner]:
    """The test's own trainee, in a programme with face checks, who consented and whose
    reference face is the astronaut's."""
    app = live_server.app
    now = app.extensions["clock"].now()
    folder = app.config["UPLOAD_FOLDER"]
    with get_database(app).transaction() as session:
        catalogue.programme_by_code(session, PROGRAMME).face_checks = True
        face_profiles.record_consent(
            session, learner.user_id, given=True, upload_folder=folder, now=now
        )
        face_profiles.set_reference(
            session,
            learner.user_id,
            jpeg(astronaut()),
            source=ReferenceSource.CAMERA,
            upload_folder=folder,
            now=now,
        )
    yield learner
    with get_database(app).transaction() as session:  # the other tests' trainees use it too
        catalogue.programme_by_code(session, PROGRAMME).face_checks = False


def open_player(page, live_server: LiveServer, enrolment_id: int, video_id: int) -> None:
    page.goto(f"{live_server.url}/enrolments/{enrolment_id}/videos/{video_id}")
    page.wait_for_function("window.learningPlayer && window.learningPlayer.playbackId")
    page.wait_for_selector("[data-face-check]:not([hidden])")
    page.wait_for_selector("[data-face-start]:not([disabled])", timeout=15_000)


def answer(page) -> str:
    """Press Start and wait for the server's judgement; the words the dialog then shows."""
    page.click("[data-face-start]")
    # The server reads every frame's face with dlib: seconds when idle, but a check took 31 s
    # beside a busy suite on two cores (and the process's first check loads the models).
    page.wait_for_function("!window.learningPlayer.faceBusy", timeout=120_000)
    return page.inner_text("[data-face-message]")


def pending(live_server: LiveServer, user_id: int) -> str | None:
    with get_database(live_server.app).transaction() as session:
        return session.get(TraineeStudyState, user_id).pending_id


def outcomes(live_server: LiveServer, user_id: int) -> list[str]:
    with get_database(live_server.app).transaction() as session:
        rows = session.query(FaceSnapshot).filter_by(trainee_id=user_id).order_by(FaceSnapshot.id)
        return [row.outcome for row in rows]


def test_the_trainee_shows_their_face_and_the_video_plays_on(
    camera_page, live_server: LiveServer, face_trainee, tmp_path: Path
) -> None:
    page = camera_page(y4m(CAMERAS["trainee"](), tmp_path / "camera.y4m"))
    log_in(page, live_server.url, face_trainee.username, PASSWORD)
    open_player(page, live_server, face_trainee.enrolment_id, face_trainee.lecture_id)
    assert page.evaluate("document.getElementById('video').paused")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "face-check-390.png"))
    assert pending(live_server, face_trainee.user_id) is not None
    message = answer(page)
    assert outcomes(live_server, face_trainee.user_id) == ["match"], (
        message
    )  # the verdict, then the page
    page.wait_for_selector("[data-face-check]", state="hidden")
    page.wait_for_function("!document.getElementById('video').paused", timeout=10_000)
    assert pending(live_server, face_trainee.user_id) is None
    live = page.evaluate("document.querySelector('[data-face-preview]').srcObject")
    assert live is None or live == {}  # the camera is let go once the check is cleared


@pytest.mark.parametrize(
    ("camera", "outcome"),
    [("someone else", "mismatch"), ("a photo", "not_live"), ("a cat", "no_face")],
)
def test_another_face_a_photo_held_up_or_no_face_does_not_clear_the_check(
    camera_page, live_server: LiveServer, face_trainee, camera: str, outcome: str, tmp_path: Path
) -> None:
    page = camera_page(y4m(CAMERAS[camera](), tmp_path / "camera.y4m"))
    log_in(page, live_server.url, face_trainee.username, PASSWORD)
    open_player(page, live_server, face_trainee.enrolment_id, face_trainee.lecture_id)
    message = answer(page)
    assert message and page.is_visible("[data-face-check]")
    if camera == "someone else":
        page.screenshot(path=str(SCREENSHOTS / "face-check-mismatch-390.png"))
    assert page.evaluate("document.getElementById('video').paused")
    assert pending(live_server, face_trainee.user_id) is not None
    assert outcomes(live_server, face_trainee.user_id) == [outcome]
