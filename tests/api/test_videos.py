"""Admins add videos: in one request, or in chunks that survive a cut connection."""

from __future__ import annotations

import io
from pathlib import Path

import av
import pytest
from flask import Flask
from sqlalchemy import select

from learning.demo.seed import DEMO_MEDIA
from learning.models import Video
from tests.conftest import Client
from tests.factories import Factory

LECTURE = DEMO_MEDIA / "lecture.webm"  # 1.1 MB, sent in chunks
INTRO = DEMO_MEDIA / "intro.webm"  # 160 KB, sent whole (the test client keeps larger forms in
# temporary files it does not close)


def real_duration_s(path: Path) -> float:
    with av.open(str(path)) as container:
        return container.duration / av.time_base


@pytest.fixture
def admin(login, make: Factory) -> Client:
    return login(make.admin())


def _put(client: Client, upload_id: str, offset: int, data: bytes):
    return client.put(
        f"/api/v1/admin/uploads/{upload_id}?offset={offset}",
        data=data,
        headers={"X-CSRFToken": client.csrf_token(), "Content-Type": "application/octet-stream"},
    )


def test_a_video_in_one_request_gets_the_duration_of_its_file(admin: Client, db_session) -> None:
    with INTRO.open("rb") as file:
        response = admin.post(
            "/api/v1/admin/videos",
            data={"file": (file, "第一讲.webm"), "title": "第一讲", "programmes": ["accounting-4"]},
            headers={"X-CSRFToken": admin.csrf_token()},
        )
    assert response.status_code == 201, response.get_json()
    answer = response.get_json()
    assert abs(answer["duration_s"] - real_duration_s(INTRO)) < 1
    assert answer["programmes"] == ["accounting-4"]
    video = db_session.get(Video, answer["id"])
    assert video.mime_type == "video/webm" and not video.file_path.startswith("static")
    with admin.get(f"/videos/{video.id}/poster.png") as poster:  # taken from the file
        assert poster.status_code == 200 and poster.data.startswith(b"\x89PNG")


def test_a_file_that_is_not_a_video_is_refused_whatever_its_name(admin: Client) -> None:
    response = admin.post(
        "/api/v1/admin/videos",
        data={
            "file": (io.BytesIO(b"This is a text file renamed to .webm\n" * 100), "lecture.webm"),
            "title": "假视频",
            "programmes": ["accounting-4"],
        },
        headers={"X-CSRFToken": admin.csrf_token()},
    )
    assert response.status_code == 422
    assert response.get_json()["error"] == "not_a_video"
    assert "不是浏览器可以播放的视频" in response.get_json()["message"]


def test_an_oversized_video_is_refused_before_its_bytes_are_read(app: Flask, admin: Client) -> None:
    app.config["VIDEO_MAX_MB"] = 1
    started = admin.post_json("/api/v1/admin/uploads", {"name": "big.mp4", "size": 2 * 2**20})
    assert started.status_code == 413
    assert started.get_json()["error"] == "video_too_large"
    app.config["VIDEO_MAX_MB"] = 0
    with INTRO.open("rb") as file:
        whole = admin.post(
            "/api/v1/admin/videos",
            data={"file": (file, "l.webm"), "title": "大", "programmes": ["accounting-4"]},
            headers={"X-CSRFToken": admin.csrf_token()},
        )
    assert whole.status_code == 413


def test_an_upload_cut_halfway_resumes_where_it_stopped(admin: Client, db_session) -> None:
    data = LECTURE.read_bytes()
    started = admin.post_json("/api/v1/admin/uploads", {"name": "第一讲.webm", "size": len(data)})
    assert started.status_code == 201
    upload_id = started.get_json()["id"]
    half = len(data) // 2
    assert _put(admin, upload_id, 0, data[:half]).get_json()["received"] == half
    _put(admin, upload_id, half, data[half : half + 1000])  # the connection drops here
    state = admin.get(f"/api/v1/admin/uploads/{upload_id}").get_json()
    assert state["received"] == half + 1000
    again = _put(admin, upload_id, 0, data)  # a client that forgot where it was
    assert (again.status_code, again.get_json()["received"]) == (409, half + 1000)
    early = admin.post_json(
        f"/api/v1/admin/uploads/{upload_id}/video",
        {"title": "第一讲", "programmes": ["accounting-4"]},
    )
    assert (early.status_code, early.get_json()["error"]) == (409, "upload_incomplete")
    rest = _put(admin, upload_id, state["received"], data[state["received"] :])
    assert rest.get_json()["received"] == len(data)
    made = admin.post_json(
        f"/api/v1/admin/uploads/{upload_id}/video",
        {"title": "第一讲", "programmes": ["accounting-4"]},
    )
    assert made.status_code == 201, made.get_json()
    assert abs(made.get_json()["duration_s"] - real_duration_s(LECTURE)) < 1
    assert admin.get(f"/api/v1/admin/uploads/{upload_id}").status_code == 404  # cleaned up
    stored = db_session.scalars(select(Video).where(Video.id == made.get_json()["id"])).one()
    assert stored.title == "第一讲"


def test_an_upload_that_is_not_a_video_is_refused_and_discarded(admin: Client) -> None:
    data = b"GIF89a" + b"\0" * 5000
    upload_id = admin.post_json("/api/v1/admin/uploads", {"name": "x.mp4", "size": len(data)})
    upload_id = upload_id.get_json()["id"]
    _put(admin, upload_id, 0, data)
    refused = admin.post_json(
        f"/api/v1/admin/uploads/{upload_id}/video", {"title": "x", "programmes": ["accounting-4"]}
    )
    assert (refused.status_code, refused.get_json()["error"]) == (422, "not_a_video")
    assert admin.get(f"/api/v1/admin/uploads/{upload_id}").status_code == 404


def test_sending_more_than_announced_is_refused_whole(admin: Client) -> None:
    upload_id = admin.post_json("/api/v1/admin/uploads", {"name": "x.webm", "size": 10})
    upload_id = upload_id.get_json()["id"]
    assert _put(admin, upload_id, 0, b"x" * 11).status_code == 413
    assert admin.get(f"/api/v1/admin/uploads/{upload_id}").get_json()["received"] == 0


def test_only_admins_upload(login, make: Factory) -> None:
    trainee = login(make.trainee())
    answer = trainee.post_json("/api/v1/admin/uploads", {"name": "x.webm", "size": 10})
    assert answer.status_code == 403
    assert trainee.get("/api/v1/admin/uploads/" + "0" * 32).status_code == 403


def test_a_video_larger_than_other_requests_may_be_is_accepted(app: Flask, admin: Client) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024  # every other request; the video has its own
    with INTRO.open("rb") as file:  # 160 KB
        response = admin.post(
            "/api/v1/admin/videos",
            data={"file": (file, "intro.webm"), "title": "导论", "programmes": ["accounting-4"]},
            headers={"X-CSRFToken": admin.csrf_token()},
        )
    assert response.status_code == 201, response.get_json()
