"""An admin uploads a video through the library page over a network that drops a chunk, adds it
to a programme, and a trainee of that programme plays it."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import select

from learning.db import get_database
from learning.demo.seed import DEMO_MEDIA
from learning.models import Coverage, Video
from tests.api.test_videos import real_duration_s
from tests.browser.conftest import LiveServer, log_in
from tests.factories import Factory

SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/learning-screenshots"))
FILE = DEMO_MEDIA / "mrv.webm"  # 330 KB: six chunks of 64 KB on the live server
TITLE = "第九讲 MRV 实务（新上传）"


def _trainee_of(live_server: LiveServer, programme_code: str) -> tuple[str, int]:
    app = live_server.app
    with get_database(app).transaction() as session:
        make = Factory(session, app.extensions["clock"])
        user = make.trainee("uploadviewer", password="marble canyon drift", display_name="新学员")
        enrolment = make.enrolment(user, programme_code, condition="L3-a")
        return user.username, enrolment.id


def test_a_video_uploaded_through_the_page_is_played_by_a_trainee(
    page, browser, live_server: LiveServer
) -> None:
    dropped: list[str] = []

    def flaky_network(route) -> None:
        if "offset=131072" in route.request.url and not dropped:
            dropped.append(route.request.url)
            route.abort("connectionreset")  # the third chunk is lost once
        else:
            route.continue_()

    page.route("**/api/v1/admin/uploads/*", flaky_network)
    log_in(page, live_server.url, "admin")
    page.goto(f"{live_server.url}/admin/videos")
    page.set_input_files("input[type=file]", str(FILE))
    page.fill("input[name=title]", TITLE)
    page.check("input[name=programmes][value=trading-3]")
    page.click("[data-upload-start]")
    page.wait_for_selector("[data-upload-done]:not([hidden])", timeout=30_000)
    assert dropped, "the lost chunk was never sent"
    assert page.locator("[data-upload-progress] progress").get_attribute("value") == "1000"
    assert "100%" in page.locator("[data-upload-figures]").inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "video-library-uploaded.png"), full_page=True)
    page.wait_for_load_state("networkidle")  # the page reloads with the new video listed
    page.wait_for_selector(f"text={TITLE}")

    with get_database(live_server.app).transaction() as session:
        video = session.scalars(select(Video).where(Video.title == TITLE)).one()
        assert abs(video.duration_s - real_duration_s(FILE)) < 1  # read from the file
        video_id, duration_s = video.id, video.duration_s
    username, enrolment_id = _trainee_of(live_server, "trading-3")
    context = browser.new_context(locale="zh-CN", bypass_csp=True)
    trainee = context.new_page()
    log_in(trainee, live_server.url, username, "marble canyon drift")
    trainee.goto(f"{live_server.url}/enrolments/{enrolment_id}")
    chapter = trainee.locator("details.chapter").filter(has_text=TITLE)
    if chapter.count() and chapter.first.get_attribute("open") is None:  # folded away
        chapter.first.locator("summary").click()  # opened as a person would
    trainee.click(f"text={TITLE}")
    trainee.wait_for_function("window.learningPlayer && window.learningPlayer.playbackId")
    trainee.evaluate("document.getElementById('video').play()")
    trainee.wait_for_timeout(7_000)
    trainee.evaluate("document.getElementById('video').pause()")
    trainee.wait_for_function(
        "window.learningPlayer.queue.length === 0 && !window.learningPlayer.sending",
        timeout=30_000,
    )
    context.close()
    with get_database(live_server.app).transaction() as session:
        row = session.get(Coverage, (enrolment_id, video_id))
        assert row is not None and 4 <= row.covered_s <= min(duration_s, 9)
