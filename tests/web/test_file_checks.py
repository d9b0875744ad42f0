"""A file that fails its check is refused in words, in the reader's language: a video upload, an
applicant's proof, an Excel roster. Never a bare code, never English on a Chinese page."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from openpyxl import Workbook

from tests.conftest import Client
from tests.factories import Factory
from tests.web.test_registration import form
from tests.web.test_registration import upload as apply_with

MKV = b"\x1a\x45\xdf\xa3\x8b\x42\x82\x88matroska" + b"\0" * 64
LATIN = re.compile(r"[A-Za-z]{4,}")  # a word of English (WebM, MP4, Excel, xlsx are names)
NAMES = {"WebM", "Matroska", "MKV", "Excel", "xlsx", "HEVC"}


def english(client: Client) -> Client:
    answer = client.post_form("/language", {"language": "en"})
    assert answer.status_code == 303
    return client


def no_english_words(message: str) -> bool:
    return not [word for word in LATIN.findall(message) if word not in NAMES]


def upload_video(client: Client, data: bytes, name: str = "第一讲.webm"):
    """The video library's upload as its script sends it: announce, send the bytes, finish."""
    started = client.post_json("/api/v1/admin/uploads", {"name": name, "size": len(data)})
    assert started.status_code == 201, started.get_json()
    upload_id = started.get_json()["id"]
    sent = client.put(
        f"/api/v1/admin/uploads/{upload_id}?offset=0",
        data=data,
        headers={"X-CSRFToken": client.csrf_token(), "Content-Type": "application/octet-stream"},
    )
    assert sent.status_code == 200, sent.get_json()
    return client.post_json(
        f"/api/v1/admin/uploads/{upload_id}/video",
        {"title": "第一讲", "programmes": ["accounting-4"]},
    )


@pytest.mark.parametrize(
    ("data", "chinese", "words"),
    [
        (
            b"this is a lecture, honestly",
            "它不是 WebM 或 MP4 视频。",
            "it is not a WebM or MP4 video.",
        ),
        (MKV, "这是 Matroska（MKV）视频，浏览器无法播放。", "it is a Matroska (MKV) video"),
    ],
)
def test_a_file_that_is_not_a_video_is_refused_in_words(
    login, make: Factory, data: bytes, chinese: str, words: str
) -> None:
    admin = login(make.admin())
    refused = upload_video(admin, data)
    assert refused.status_code == 422
    message = refused.get_json()["message"]
    assert message.startswith("该文件不是浏览器可以播放的视频：") and chinese in message
    assert no_english_words(message), message
    refused = upload_video(english(admin), data)
    assert refused.get_json()["message"].startswith("This file is not a video browsers can play: ")
    assert words in refused.get_json()["message"]


def test_an_upload_too_large_for_a_request_is_told_in_words(login, make: Factory, app) -> None:
    admin = login(make.admin())
    app.config["MAX_CONTENT_LENGTH"] = 1024
    started = admin.post_json("/api/v1/admin/uploads", {"name": "大.webm", "size": 4096})
    upload_id = started.get_json()["id"]
    sent = admin.put(
        f"/api/v1/admin/uploads/{upload_id}?offset=0",
        data=b"x" * 4096,
        headers={"X-CSRFToken": admin.csrf_token(), "Content-Type": "application/octet-stream"},
    )
    assert sent.status_code == 413
    assert sent.get_json()["message"] == "提交的内容过大。"


def test_the_upload_page_has_words_for_a_failure_without_an_answer(login, make: Factory) -> None:
    page = login(make.admin()).get("/admin/videos").get_data(as_text=True)
    assert 'data-msg-failed="上传没有成功，请重试。"' in page
    assert 'data-msg-too-large="提交的内容过大。"' in page


def test_a_proof_that_is_no_document_is_refused_in_words(client: Client) -> None:
    page = apply_with(client, [(b"just some text", "身份证.pdf")]).get_data(as_text=True)
    assert "身份证.pdf 不是 PDF、JPEG 或 PNG 文件。" in page
    data = form(client)
    data["documents"] = [(io.BytesIO(b"just some text"), "id.pdf")]
    english_page = client.post(
        "/register",
        data=data,
        content_type="multipart/form-data",
        headers={"Accept-Language": "en-GB,en;q=0.9"},
    ).get_data(as_text=True)
    assert "id.pdf is not a PDF, JPEG or PNG file." in english_page


def _roster_page(client: Client, data: bytes, name: str = "名单.xlsx") -> str:
    return client.post_form(
        "/admin/trainees/import",
        {"file": (io.BytesIO(data), name)},
    ).get_data(as_text=True)


def _workbook(headers: list[str]) -> bytes:
    book = Workbook()
    book.active.append(headers)
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def _damaged_workbook() -> bytes:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types")
    return data.getvalue()


@pytest.mark.parametrize(
    ("data", "chinese", "words"),
    [
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512,
            "这是 Excel 97-2003（.xls）文件",
            ".xls",
        ),
        (b"name,phone\n", "它不是 Excel 工作簿（.xlsx）。", "it is not an Excel workbook"),
        (_damaged_workbook(), "它不是 Excel 工作簿（.xlsx）。", "it is not an Excel workbook"),
        (_workbook(["用户名", "姓名"]), "缺少以下列：身份证号、手机号、培训项目代码。", "missing"),
    ],
)
def test_a_file_that_is_not_a_roster_is_refused_in_words(
    login, make: Factory, data: bytes, chinese: str, words: str
) -> None:
    admin = login(make.admin())
    page = _roster_page(admin, data)
    assert "这不是按模板填写的名单：" in page and chinese in page
    message = page.split('role="alert">', 1)[1].split("</p>", 1)[0]
    assert no_english_words(message), message
    page = _roster_page(english(admin), data)
    assert "This is not a roster made from the template: " in page and words in page
