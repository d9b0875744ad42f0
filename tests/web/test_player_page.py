"""The player page and the video files behind it."""

from __future__ import annotations

import gc

from flask import Flask

from learning.demo.seed import DEMO_MEDIA
from learning.services import videos
from tests.factories import Factory


def _video(app: Flask, make: Factory, programme: str = "accounting-4"):
    return videos.import_video_file(
        make.session,
        upload_folder=app.config["UPLOAD_FOLDER"],
        source=DEMO_MEDIA / "intro.webm",
        title="课程导论",
        programme_codes=[programme],
        now=make.clock.now(),
    )


def test_video_files_answer_range_requests_so_seeking_works(
    app: Flask, login, make: Factory
) -> None:
    video = _video(app, make)
    trainee = make.trainee()
    make.enrolment(trainee, "accounting-4")
    client = login(trainee)
    size = (DEMO_MEDIA / "intro.webm").stat().st_size
    with client.get(f"/videos/{video.id}/file", headers={"Range": "bytes=1000-1999"}) as part:
        assert part.status_code == 206
        assert part.headers["Content-Range"] == f"bytes 1000-1999/{size}"
        assert part.data == (DEMO_MEDIA / "intro.webm").read_bytes()[1000:2000]
        assert part.mimetype == "video/webm"


def test_a_trainee_of_another_programme_cannot_fetch_the_file(
    app: Flask, login, make: Factory
) -> None:
    video = _video(app, make, "trading-3")
    outsider = make.trainee()
    make.enrolment(outsider, "accounting-4")
    with login(outsider).get(f"/videos/{video.id}/file") as response:
        assert response.status_code == 404


def test_the_player_page_carries_what_the_script_needs(app: Flask, login, make: Factory) -> None:
    video = _video(app, make)
    trainee = make.trainee()
    enrolment = make.enrolment(trainee, "accounting-4")
    page = login(trainee).get(f"/enrolments/{enrolment.id}/videos/{video.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'data-enrolment-id="{enrolment.id}"' in html
    assert f'data-video-id="{video.id}"' in html
    assert f"/videos/{video.id}/file" in html
    assert "/static/js/player.js" in html
    assert "<script>" not in html  # no inline script: the page works under a strict CSP
    assert "正在其他窗口" in html


def test_the_course_page_links_each_video_to_the_player(app: Flask, login, make: Factory) -> None:
    video = _video(app, make)
    trainee = make.trainee()
    enrolment = make.enrolment(trainee, "accounting-4")
    html = login(trainee).get(f"/enrolments/{enrolment.id}").get_data(as_text=True)
    assert f"/enrolments/{enrolment.id}/videos/{video.id}" in html


def test_a_video_outside_the_enrolment_has_no_player(app: Flask, login, make: Factory) -> None:
    video = _video(app, make, "trading-3")
    trainee = make.trainee()
    enrolment = make.enrolment(trainee, "accounting-4")
    assert login(trainee).get(f"/enrolments/{enrolment.id}/videos/{video.id}").status_code == 404


def test_the_player_starts_at_the_second_the_continue_button_asks_for(
    app: Flask, login, make: Factory
) -> None:
    video = _video(app, make)  # 75 s
    trainee = make.trainee()
    enrolment = make.enrolment(trainee, "accounting-4")
    client = login(trainee)
    url = f"/enrolments/{enrolment.id}/videos/{video.id}"
    assert 'data-start-s="30"' in client.get(f"{url}?t=30").get_data(as_text=True)
    for ignored in ("", "?t=75", "?t=-1", "?t=abc", "?t=1e309", "?t=" + "9" * 40):
        page = client.get(url + ignored)
        assert page.status_code == 200
        assert "data-start-s" not in page.get_data(as_text=True), ignored


def test_a_video_answer_without_a_body_closes_the_file(app: Flask, login, make: Factory) -> None:
    """HEAD and 304 send no body: the answer's close still closes the file (no ResourceWarning,
    which the warning filter turns into a failure)."""
    video = _video(app, make)
    client = login(make.admin())
    with client.head(f"/videos/{video.id}/file") as head:
        assert head.status_code == 200
        assert head.data == b""
    etag = head.headers["ETag"]
    with client.get(f"/videos/{video.id}/file", headers={"If-None-Match": etag}) as cached:
        assert cached.status_code == 304
    gc.collect()
