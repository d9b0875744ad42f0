"""`GET /api/v1/openapi.json`: the OpenAPI 3.1 document of the JSON API.

spectree generates it from the contracts bound at the routes (`contract.py`) and the app's
URL rules, so it names no path the app does not serve and no route that is not bound. What
spectree cannot say is added here, for every route alike: a PNG answer's content type, a body
that is neither JSON nor a form (a chunk of an upload), that a route with path parameters may
answer 404 and that their integers are not negative, and that every 429 carries Retry-After.
A test fails when an API route is missing from the document, and the suite fuzzes the served
app against it.
"""

from __future__ import annotations

import copy
from typing import Any

from flask import Flask, current_app
from flask.typing import ResponseReturnValue

from learning.api import api_blueprint
from learning.api.contract import PNG, Contract, spec

#: Endpoints of the blueprint that are not part of the documented API.
UNDOCUMENTED = {"api.openapi_document"}
BINARY = {"type": "string", "format": "binary"}
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before sending again",
        "schema": {"type": "integer", "minimum": 1},
    }
}


@api_blueprint.get("/openapi.json")
def openapi_document() -> ResponseReturnValue:
    cache = current_app.extensions.setdefault("openapi_document", {})
    if "document" not in cache:
        cache["document"] = build_document(current_app)
    return cache["document"]


def build_document(app: Flask) -> dict[str, Any]:
    """The whole document, for the app's URL rules."""
    with app.app_context():
        document = copy.deepcopy(spec.spec)  # spectree's is built once and kept
    for path, method, contract in _contracts(app):
        operation = document["paths"][path][method]
        responses = operation["responses"]
        if contract.png:
            (ok,) = (code for code in responses if code.startswith("2"))
            responses[ok]["content"] = {PNG: {"schema": BINARY}}
        if contract.raw_body is not None:
            content = {contract.raw_body: {"schema": BINARY}}
            operation["requestBody"] = {"required": True, "content": content}
        path_parameters = [p for p in operation["parameters"] if p["in"] == "path"]
        for parameter in path_parameters:
            if parameter["schema"]["type"] == "integer":
                parameter["schema"]["minimum"] = 0  # Flask's int converter takes no sign
        if path_parameters:
            responses.setdefault("404", copy.deepcopy(responses["401"]))
            responses["404"]["description"] = "No such object, or not the caller's"
        if "429" in responses:
            responses["429"]["headers"] = RETRY_AFTER
    return document


def _contracts(app: Flask) -> list[tuple[str, str, Contract]]:
    """(path, method, contract) of every bound route of the API."""
    found = []
    for rule in app.url_map.iter_rules():
        contract = getattr(app.view_functions[rule.endpoint], "contract", None)
        if contract is None:
            continue
        path, _parameters = spec.backend.parse_path(rule, None)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((path, method.lower(), contract))
    return found
