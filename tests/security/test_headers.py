"""Every response carries the headers that keep pages to themselves."""

from __future__ import annotations

from flask import Flask

from tests.conftest import Client


def _policy(header: str) -> dict[str, list[str]]:
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in directives}


def test_pages_and_api_answers_carry_the_security_headers(client: Client) -> None:
    for response in (client.get("/login"), client.get("/api/v1/me")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "same-origin"
        policy = _policy(response.headers["Content-Security-Policy"])
        assert policy["script-src"] == ["'self'"]  # no inline script, no eval
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["object-src"] == ["'none'"]


def test_the_session_cookie_is_http_only_and_same_site(client: Client) -> None:
    cookie = client.get("/login").headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # development over plain HTTP


def test_production_sends_secure_cookies_and_strict_transport(app: Flask, monkeypatch) -> None:
    from learning import create_app

    monkeypatch.setenv("LEARNING_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.setenv("CERTIFICATE_KEY", "y" * 64)
    monkeypatch.setenv("PUBLIC_URL", "https://learning.example.org")
    production = create_app({"DATABASE_URL": app.config["DATABASE_URL"], "TESTING": True})
    response = production.test_client().get("/login", base_url="https://learning.example.org")
    assert "Secure" in response.headers["Set-Cookie"]
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_a_nul_character_is_refused_wherever_it_comes(client: Client) -> None:
    for url in ("/verify/ab%00cd", "/login?next=%00"):
        page = client.get(url)
        assert page.status_code == 400
        assert "NUL" in page.get_data(as_text=True)
    form = client.post("/login", data={"username": "a\x00b", "password": "x"})
    assert form.status_code == 400
    api = client.get("/api/v1/me?x=%00")
    assert (api.status_code, api.get_json()["error"]) == (400, "nul_character")
