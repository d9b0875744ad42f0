"""The reference face taken with the camera, in Chromium: its fake camera plays the astronaut's
portrait, the trainee consents, turns the camera on and takes the photo; the reference is then in
force, on a phone-sized screen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, update

from learning.db import get_database
from learning.models import Enrolment, FaceProfile, Programme, User
from tests.browser.conftest import log_in
from tests.faces.portraits import astronaut, jpeg, y4m
from tests.live import LiveServer

TRAINEE = "trainee05"


@pytest.fixture
def page(camera_page, tmp_path: Path):
    """A phone whose camera shows the astronaut's portrait, held still."""
    picture = astronaut().resize((640, 640)).crop((0, 80, 640, 560))
    return camera_page(y4m([jpeg(picture)], tmp_path / "camera.y4m", hold=10))


@pytest.fixture
def trainee_id(live_server: LiveServer) -> Iterator[int]:
    """The trainee, with face checks on for their programmes while the test runs (the live
    server is shared with the other browser tests)."""
    database = get_database(live_server.app)
    with database.transaction() as session:
        trainee = session.scalars(select(User).where(User.username == TRAINEE)).one()
        programmes = select(Enrolment.programme_id).where(Enrolment.trainee_id == trainee.id)
        changed = [
            programme.id
            for programme in session.scalars(select(Programme).where(Programme.id.in_(programmes)))
            if not programme.face_checks
        ]
        session.execute(update(Programme).where(Programme.id.in_(changed)).values(face_checks=True))
        found = trainee.id
    yield found
    with database.transaction() as session:
        session.execute(
            update(Programme).where(Programme.id.in_(changed)).values(face_checks=False)
        )


def test_a_photo_taken_with_the_camera_is_in_force(page, live_server, trainee_id: int) -> None:
    log_in(page, live_server.url, TRAINEE)
    page.goto(f"{live_server.url}/account/profile#face")
    page.click("form[action='/account/face/consent']:has(input[value=give]) button")
    page.wait_for_load_state("networkidle")
    page.click("[data-face-start]")
    page.wait_for_function("document.querySelector('#face video').videoWidth > 0")
    with page.expect_navigation():
        page.click("[data-face-shoot]")
    page.wait_for_load_state("networkidle")
    assert page.locator(".flash-success").count() == 1
    assert page.locator(f"#face img[src='/users/{trainee_id}/face.jpg']").is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page scrolls sideways on a phone"
    with get_database(live_server.app).transaction() as session:
        profile = session.get(FaceProfile, trainee_id)
        assert profile is not None and profile.reference_in_force
        assert profile.reference_source == "camera"
