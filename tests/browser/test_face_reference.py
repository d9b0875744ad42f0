"""The reference face taken with the camera, in Chromium: its fake camera plays the astronaut's
portrait, the trainee consents, turns the camera on and takes the photo; the reference is then in
force, on a phone-sized screen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import select

from learning.db import get_database
from learning.models import Enrolment, FaceProfile, Programme, User
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, log_in
from tests.faces.portraits import astronaut
from tests.live import LiveServer

TRAINEE = "trainee05"
CAMERA_ARGS = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]


def _y4m(image: Image.Image, path: Path, frames: int = 10) -> Path:
    """A still picture as the raw video Chromium's fake camera plays (4:2:0, JPEG ranges)."""
    width, height = image.size
    ycc = np.asarray(image.convert("YCbCr"))
    half = (width // 2, height // 2)
    chroma = [np.asarray(Image.fromarray(ycc[:, :, plane]).resize(half)) for plane in (1, 2)]
    frame = b"FRAME\n" + ycc[:, :, 0].tobytes() + b"".join(plane.tobytes() for plane in chroma)
    header = f"YUV4MPEG2 W{width} H{height} F30:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + frame * frames)
    return path


@pytest.fixture
def camera_page(tmp_path: Path) -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    video = _y4m(astronaut().resize((640, 640)).crop((0, 80, 640, 560)), tmp_path / "cam.y4m")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[*CHROMIUM_ARGS, *CAMERA_ARGS, f"--use-file-for-fake-video-capture={video}"],
        )
        context = browser.new_context(
            viewport={"width": 390, "height": 844},
            locale="zh-CN",
            is_mobile=True,
            bypass_csp=True,  # Playwright waits by evaluating strings; the app does not
        )
        yield context.new_page()
        browser.close()


def _with_face_checks(live_server: LiveServer) -> int:
    """Face checks on for the trainee's programmes; the trainee's id."""
    with get_database(live_server.app).transaction() as session:
        trainee = session.scalars(select(User).where(User.username == TRAINEE)).one()
        programmes = select(Enrolment.programme_id).where(Enrolment.trainee_id == trainee.id)
        for programme in session.scalars(select(Programme).where(Programme.id.in_(programmes))):
            programme.face_checks = True
        return trainee.id


def test_a_photo_taken_with_the_camera_is_in_force(camera_page, live_server) -> None:
    page = camera_page
    trainee_id = _with_face_checks(live_server)
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
