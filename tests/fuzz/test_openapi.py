"""The JSON API fuzzed against its own OpenAPI document (schemathesis), on a served app.

Every documented operation gets generated requests, valid and invalid, sent by a trainee, an
instructor, an admin and an anonymous client. No answer may be a 5xx, and every answer must
be documented: its status, its content type and its body's schema.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

import pytest
import requests
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from learning.api.openapi import UNDOCUMENTED, build_document
from learning.demo.seed import DEMO_PASSWORD
from tests.conftest import examples, make_test_app
from tests.live import LiveServer, serve_demo

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
USERS = {"trainee": "trainee01", "instructor": "teacher1", "admin": "admin"}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serve_demo(
        tmp_path_factory.mktemp("fuzz"), history_days=2, BEAT_BURST=10_000, BEATS_PER_S=1000.0
    ) as server:
        yield server


def _csrf(page: str) -> str:
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)


def _session(url: str, username: str | None) -> requests.Session:
    """A client logged in through the form, sending the CSRF token as the pages do."""
    client = requests.Session()
    token = _csrf(client.get(f"{url}/login").text)
    if username is not None:
        form = {"username": username, "password": DEMO_PASSWORD, "csrf_token": token}
        landed = client.post(f"{url}/login", data=form).url
        assert not landed.endswith("/login"), f"{username} could not log in"
        token = _csrf(client.get(f"{url}/account/password").text)
    client.headers["X-CSRFToken"] = token
    return client


@pytest.fixture(scope="module")
def clients(served: LiveServer) -> dict[str, requests.Session]:
    found = {role: _session(served.url, username) for role, username in USERS.items()}
    return {**found, "anonymous": _session(served.url, None)}


# The document as the app serves it (it needs the URL rules, not a database).
schema = schemathesis.openapi.from_dict(build_document(make_test_app("sqlite://")))
# One test an operation, its id the operation's label. Not `schema.parametrize()`: the tests it
# makes share one node id, and xdist's --dist loadfile (`make test`) keeps one test a node id,
# so it ran one operation of 26.
OPERATIONS = {result.ok().label: result.ok() for result in schema.get_all_operations()}


@cache
def _requests(label: str) -> st.SearchStrategy[Case]:
    """The operation's requests, valid and invalid (as schemathesis generates by default)."""
    operation: APIOperation = OPERATIONS[label]
    return st.one_of(*(operation.as_strategy(generation_mode=mode) for mode in GenerationMode))


@pytest.mark.parametrize("label", sorted(OPERATIONS))
@settings(
    max_examples=examples(25),
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
@given(data=st.data())
def test_every_answer_is_documented_and_none_is_a_server_error(
    label: str, data: st.DataObject, served, clients
) -> None:
    case = data.draw(_requests(label))
    for client in clients.values():
        case.call_and_validate(base_url=served.url, session=client, checks=CHECKS)


def test_every_api_route_is_in_the_document(app: Flask) -> None:
    """A route whose view is not bound to its contract (`contract.route`) is not in it."""
    document = build_document(app)
    documented = {
        (path, method.upper())
        for path, operations in document["paths"].items()
        for method in operations
    }
    served = {
        (re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule), method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.") and rule.endpoint not in UNDOCUMENTED
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert served == documented


def test_the_document_is_served_to_anyone(client) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    heartbeat = document["paths"]["/api/v1/playbacks/{playback_id}/heartbeats"]["post"]
    assert set(heartbeat["responses"]) >= {"200", "400", "401", "404", "409", "422", "429"}
    body = document["components"]["schemas"]["Heartbeat"]
    assert body["additionalProperties"] is False
