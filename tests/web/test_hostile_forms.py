"""Every form of every page, filled in by a clumsy user and by an attacker.

The pages of the access matrix's world are opened by each role that may open them; every
`<form method="post">` on them is sent back with each field set to a hostile value (empty,
huge, negative, NaN, Infinity, far-future dates, control characters, bytes that are not UTF-8,
the field twice). No answer may be a server error or show a trace, and a form that is shown
again with errors must have written nothing.
"""

from __future__ import annotations

import io
from html.parser import HTMLParser
from urllib.parse import quote, urlencode

import pytest
from flask import Flask
from sqlalchemy import func, select

from learning.models import Application, Base
from tests.conftest import Client
from tests.factories import PASSWORD
from tests.web.conftest import World
from tests.web.test_access_matrix import ROUTES

pytestmark = pytest.mark.long  # handed out early (tests/conftest.py)

HOSTILE = {
    "empty": "",
    "huge": "九" * 20_000,
    "negative": "-1",
    "nan": "NaN",
    "infinity": "Infinity",
    "overflow": "1e309",
    "big integer": "99999999999999999999999",
    "far future": "9999-12-31",
    "impossible date": "2026-02-30",
    "control characters": "a\x00b\x1b[31m",
    "markup": "<script>alert(1)</script>",
    "formula": '=HYPERLINK("http://x")',
}
ROLES = ("admin", "instructor", "trainee", "anonymous")
# Written on purpose by a refused form: a reading of an application is logged, a failed login
# counts against the account.
KEPT_ON_REFUSAL = {"audit_log", "throttle_hits"}
NOT_FORMS = {"/logout", "/language"}  # a button each, no fields to attack


class _Forms(HTMLParser):
    """The POST forms of a page: action and the names of their fields (with a first option)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []
        self._current: dict[str, str] | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "form" and found.get("method", "get").lower() == "post":
            self._current = {}
            self.forms.append((found.get("action", ""), self._current))
        elif self._current is not None and tag in {"input", "textarea", "select"}:
            name = found.get("name")
            if name and found.get("type") not in {"submit", "file"}:
                self._current.setdefault(name, found.get("value", ""))
                self._select = name if tag == "select" else None
        elif tag == "option" and self._select and self._current is not None:
            self._current[self._select] = self._current[self._select] or found.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


def _pages(world: World) -> list[tuple[str, str]]:
    """(role, path) of every page some role may open."""
    found = []
    for method, url_for_world, expected, *_json in ROUTES.values():
        path = url_for_world(world)
        if method != "GET" or path.startswith("/api/") or "export" in path:
            continue
        for role in ROLES:
            if expected[role] == 200:
                found.append((role, path))
                break
    return found


def _row_counts(session) -> dict[str, int]:
    """The rows of each table (but those kept on a refusal), in one query: it runs a thousand
    times."""
    session.expire_all()
    tables = [t for t in Base.metadata.sorted_tables if t.name not in KEPT_ON_REFUSAL]
    counts = session.execute(
        select(*(select(func.count()).select_from(t).scalar_subquery() for t in tables))
    ).one()
    return dict(zip((table.name for table in tables), counts, strict=True))


def _body(fields: dict[str, str], attacked: str, value: str | bytes) -> bytes:
    pairs = [(name, value if name == attacked else current) for name, current in fields.items()]
    if isinstance(value, bytes):  # not UTF-8: encoded by hand
        encoded = urlencode([(n, v) for n, v in pairs if n != attacked])
        return f"{encoded}&{quote(attacked)}={quote(value)}".encode()
    return urlencode(pairs).encode()


def test_no_form_answers_hostile_input_with_an_error_or_a_half_write(
    world: World, app: Flask, login, db_session
) -> None:
    clients = {role: login(world.users[role]) for role in ROLES if role != "anonymous"}
    app.test_client_class = Client
    clients["anonymous"] = app.test_client()
    attacked = 0
    for role, path in _pages(world):
        client = clients[role]
        with client.get(path) as page:
            if page.mimetype != "text/html":
                continue  # an image, a video, a document
            parser = _Forms()
            parser.feed(page.get_data(as_text=True))
        before = _row_counts(db_session)  # the counts just before each post, as it is sent
        for action, fields in parser.forms:
            target = action or path
            if target in NOT_FORMS or "csrf_token" not in fields:
                continue
            for name in fields.keys() - {"csrf_token"}:
                values: list[str | bytes] = [*HOSTILE.values(), b"\xff\xfe\xc3("]
                for value in values:
                    response = client.post(
                        target,
                        data=_body(fields, name, value),
                        content_type="application/x-www-form-urlencoded",
                    )
                    text = response.get_data(as_text=True)
                    where = f"{role} {target} {name}={value!r:.40}"
                    assert response.status_code < 500, where
                    assert "Traceback" not in text, where
                    after = _row_counts(db_session)
                    if response.status_code in (200, 400, 422):  # the form again, with errors
                        assert after == before, f"half-written: {where}"
                    before = after
                    attacked += 1
    assert attacked > 800, attacked  # the pages really carry forms (1,937 on 2026-12-08)


@pytest.mark.parametrize("path", ["/login", "/register"])
def test_a_field_sent_twice_is_read_once(app: Flask, client, path: str) -> None:
    token = client.csrf_token()
    body = f"csrf_token={token}&username=a&username=b&password=x&password=y"
    response = client.post(path, data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200


def test_a_body_over_the_request_limit_is_refused_before_it_is_read(client) -> None:
    too_big = b"x" * (48 * 1024 * 1024 + 1)
    page = client.post("/login", data=too_big, content_type="application/x-www-form-urlencoded")
    assert page.status_code == 413
    assert "提交的内容过大" in page.get_data(as_text=True)
    api = client.post("/api/v1/playbacks", data=too_big, content_type="application/json")
    assert api.status_code == 413
    assert api.get_json()["error"] == "request_entity_too_large"


OTHER_DIGITS = ["１２３", "١٢٣", "١٢٣-AAAAAAAAAA", "²-AAAAAAAAAA", "１-ＡＡＡＡＡＡＡＡＡＡ"]


@pytest.mark.parametrize("code", [*OTHER_DIGITS, "9" * 39 + "-A", "ﬀ"])
def test_a_verification_code_in_other_digits_is_simply_not_genuine(client, code: str) -> None:
    page = client.get(f"/verify/{quote(code)}")
    assert page.status_code == 404, code
    assert "Traceback" not in page.get_data(as_text=True)


def test_a_genuine_code_typed_in_full_width_characters_checks_out(
    app: Flask, client, world: World
) -> None:
    from learning.services import certificates

    enrolment_id = world.enrolment.id
    code = certificates.code_for(enrolment_id, app.config["CERTIFICATE_KEY"])
    wide = "".join(chr(ord(c) + 0xFEE0) for c in code)  # an IME in full-width mode
    genuine = client.get(f"/verify/{quote(code)}").status_code
    assert genuine == 200 and client.get(f"/verify/{quote(wide)}").status_code == genuine


@pytest.mark.parametrize(
    "target",
    ["/\r\nSet-Cookie: x=1", "/a\nb", "/a\rb", "/\\evil.example", "/\t/evil.example"],
)
def test_a_login_next_with_line_breaks_or_control_characters_goes_home(
    client, make, target: str
) -> None:
    make.trainee("wang")
    make.commit()
    data = {"username": "wang", "password": PASSWORD, "csrf_token": client.csrf_token()}
    response = client.post("/login", data={**data, "next": target})
    assert response.status_code == 303, target
    assert response.headers["Location"] == "/", target


@pytest.mark.parametrize("name", ["证书\r\n.png", "a\rb\nc.png", "x\u2028y\x00z.png", "\r\n"])
def test_a_proof_whose_name_holds_a_line_break_is_kept_and_served_under_a_safe_name(
    client, app: Flask, db_session, login, make, name: str
) -> None:
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    from tests.web.test_registration import PNG, form

    # A browser escapes a line break in a file name; a crafted request sends it in the RFC 2231
    # form (filename*=UTF-8''a%0D%0Ab.png), which the form parser decodes into the name.
    proof = FileStorage(io.BytesIO(PNG), "PLACEHOLDER.png", content_type="image/png")
    fields = {**form(client), "documents": proof}
    boundary, body = encode_multipart(fields)
    body = body.replace(b'filename="PLACEHOLDER.png"', f"filename*=UTF-8''{quote(name)}".encode())
    response = client.post(
        "/register", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 303, response.get_data(as_text=True)[-2000:]
    application = db_session.scalar(select(Application))
    document = application.documents[0]
    assert not any(c in document.original_name for c in "\r\n\x00\u2028"), document.original_name
    admin = login(make.admin())
    url = f"/applications/{application.id}/documents/{document.id}"
    document.original_name = name.replace("\x00", "")  # as stored before names were cleaned
    db_session.commit()
    for who in (client, admin):
        with who.get(url) as served:
            assert served.status_code == 200 and served.data == PNG
            disposition = served.headers["Content-Disposition"]
            assert disposition.startswith("attachment;") and "\n" not in disposition
