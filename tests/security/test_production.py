"""What production refuses: unsafe settings, requests for other hosts, test doors; and what every
installation does: no copies of answers kept, large bodies only from admins, links on paper built
from the configured address."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from learning import create_app
from learning.config import ConfigError, load_settings
from learning.models import User
from learning.web.links import absolute_url_for

SECRET = "s" * 40
CERTIFICATE_KEY = "c" * 40
PUBLIC_URL = "https://learning.example.org"
SAFE = {"SECRET_KEY": SECRET, "CERTIFICATE_KEY": CERTIFICATE_KEY, "PUBLIC_URL": PUBLIC_URL}


def _production(tmp_path: Path, **changes) -> dict:
    return load_settings(tmp_path, {"ENV": "production", **SAFE, **changes})


def test_a_safe_production_configuration_starts(tmp_path: Path) -> None:
    settings = _production(tmp_path, PUBLIC_URL="https://learning.example.org/")
    assert settings["PUBLIC_URL"] == PUBLIC_URL
    assert settings["TRUSTED_HOSTS"] == ["learning.example.org"]
    assert settings["CERTIFICATE_KEY"] == CERTIFICATE_KEY


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"SECRET_KEY": "short-but-random-1234"}, "SECRET_KEY is too short"),
        ({"SECRET_KEY": "a long random string"}, "SECRET_KEY is too short or a well-known"),
        ({"SECRET_KEY": None}, "SECRET_KEY is not set"),
        ({"CERTIFICATE_KEY": None}, "CERTIFICATE_KEY is not set"),
        ({"CERTIFICATE_KEY": "x" * 12}, "CERTIFICATE_KEY is too short"),
        ({"CERTIFICATE_KEY": SECRET}, "CERTIFICATE_KEY must differ from SECRET_KEY"),
        ({"BENCH_ENDPOINTS": True}, "BENCH_ENDPOINTS"),
        ({"PUBLIC_URL": None}, "PUBLIC_URL is not set"),
        ({"PUBLIC_URL": "learning.example.org"}, "must be an address"),
        ({"PUBLIC_URL": "https://learning.example.org/app"}, "no path"),
    ],
)
def test_production_refuses_unsafe_settings_and_says_which(
    tmp_path: Path, changes: dict, named: str
) -> None:
    with pytest.raises(ConfigError, match=named):
        _production(tmp_path, **changes)


def test_development_still_starts_without_any_of_them(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, {"BENCH_ENDPOINTS": True})
    assert settings["CERTIFICATE_KEY"] == settings["SECRET_KEY"] and not settings["PUBLIC_URL"]


def test_seed_demo_is_refused_in_production(app: Flask, db_session) -> None:
    app.config["ENV"] = "production"
    result = app.test_cli_runner().invoke(args=["seed-demo", "--trainees", "1"])
    assert result.exit_code == 1 and "refused in production" in result.output
    assert db_session.scalar(select(func.count(User.id))) == 0


@pytest.fixture
def production(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Flask:
    monkeypatch.setenv("LEARNING_ENV", "production")
    for name, value in SAFE.items():
        monkeypatch.setenv(name, value)
    return create_app({"DATABASE_URL": app.config["DATABASE_URL"], "TESTING": True})


def test_production_refuses_requests_for_other_hosts(production: Flask) -> None:
    client = production.test_client()
    assert client.get("/login", base_url=PUBLIC_URL).status_code == 200
    for host in ("https://attacker.example", "https://learning.example.org.attacker.example"):
        refused = client.get("/login", base_url=host)
        assert refused.status_code == 400 and "attacker" not in refused.get_data(as_text=True)


def test_links_on_paper_use_the_public_address_whatever_host_was_asked(
    app: Flask, login, make
) -> None:
    app.config["PUBLIC_URL"] = PUBLIC_URL
    admin = login(make.admin())
    text = admin.get("/admin/registration-qr").get_data(as_text=True)  # asked of localhost
    assert f"<code>{PUBLIC_URL}/register</code>" in text and "//localhost" not in text
    with app.test_request_context(base_url="http://internal-name:8000"):
        assert absolute_url_for("certificates.verify", code="AB12") == f"{PUBLIC_URL}/verify/AB12"


def test_answers_are_not_kept_in_caches(client, login, make) -> None:
    trainee = login(make.trainee())
    for response in (
        client.get("/login"),
        trainee.get("/"),
        trainee.get("/account/profile"),
        trainee.get("/api/v1/me"),
        trainee.get("/api/v1/no-such-thing"),
    ):
        assert response.headers["Cache-Control"] == "no-store", response.request.path
    static = client.get("/static/css/app.css")
    assert "no-store" not in static.headers.get("Cache-Control", "")
    static.close()


def _post_video(client, size: int) -> tuple[int, int]:
    """A video upload of about `size` bytes: (status, bytes of the body the server read)."""
    file = FileStorage(io.BytesIO(b"\0" * size), "lecture.webm", content_type="video/webm")
    boundary, body = encode_multipart({"title": "导论", "file": file})
    stream = io.BytesIO(body)
    response = client.post(
        "/api/v1/admin/videos",
        input_stream=stream,
        content_length=len(body),
        content_type=f"multipart/form-data; boundary={boundary}",
        headers={"X-CSRFToken": client.csrf_token()},
    )
    return response.status_code, stream.tell()  # how far the server read


def test_a_large_body_is_read_only_from_an_admin(app: Flask, client, login, make) -> None:
    app.config.update(MAX_CONTENT_LENGTH=1024 * 1024, VIDEO_MAX_MB=4)
    two_mb = 2 * 1024 * 1024
    assert _post_video(client, two_mb) == (413, 0)
    assert _post_video(login(make.trainee()), two_mb) == (413, 0)
    status, read = _post_video(login(make.admin()), two_mb)
    assert status == 422 and read > two_mb  # read whole, then refused as no video
