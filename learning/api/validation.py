"""Reading request bodies and query strings with pydantic, and the API's one error shape."""

from __future__ import annotations

import json
from typing import Annotated, Any, TypeVar

from flask import Flask, Response, request
from flask_babel import gettext as _
from pydantic import BaseModel, Field, ValidationError

from learning.errors import json_error
from learning.models.base import MAX_ID
from learning.signatures import check_csrf_token

Model = TypeVar("Model", bound=BaseModel)

MAX_JSON_BYTES = 16 * 1024

#: An id in a body or query: a JSON integer a key column can hold.
Id = Annotated[int, Field(strict=True, ge=1, le=MAX_ID)]


class ApiError(Exception):
    """An answer other than success: status, error code, human message and extra fields."""

    def __init__(self, status: int, error: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message
        self.extra = extra


def init_app(app: Flask) -> None:
    app.register_error_handler(ApiError, _answer)


def _answer(error: ApiError) -> Response:
    response = json_error(error.status, error.error, error.message, **error.extra)
    if "retry_after_s" in error.extra:
        response.headers["Retry-After"] = str(error.extra["retry_after_s"])
    return response


def json_object() -> dict[str, Any]:
    """The body as a JSON object: JSON, or the same JSON sent as text/plain (sendBeacon)."""
    if (request.content_length or 0) > MAX_JSON_BYTES:
        raise ApiError(413, "too_large", f"The body is over {MAX_JSON_BYTES} bytes.")
    raw = request.get_data(cache=True)
    if len(raw) > MAX_JSON_BYTES:
        raise ApiError(413, "too_large", f"The body is over {MAX_JSON_BYTES} bytes.")
    try:
        text = raw.decode("utf-8")
        data = json.loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:  # [[[[...: too deep
        raise ApiError(400, "bad_json", "The body is not valid UTF-8 JSON.") from error
    if "\x00" in text or "\\u0000" in text.lower():  # PostgreSQL cannot store NUL in text
        raise ApiError(400, "nul_character", "Text may not contain the character NUL (0x00).")
    if not isinstance(data, dict):
        raise ApiError(400, "not_an_object", "The body must be a JSON object.")
    return data


def validate(model: type[Model], data: Any) -> Model:
    """`data` checked against `model`, or a 422 naming every failing field."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        fields = [
            {
                "field": ".".join(str(part) for part in item["loc"]) or "(body)",
                "message": item["msg"],
            }
            for item in error.errors(include_url=False, include_context=False)
        ]
        raise ApiError(
            422, "validation", "Some fields are missing or invalid.", fields=fields
        ) from error


def body(model: type[Model]) -> Model:
    return validate(model, json_object())


def query(model: type[Model]) -> Model:
    return validate(model, request.args.to_dict())


def check_csrf(token: str | None) -> None:
    """The CSRF token a page sends with a state-changing call (header or body), or 400."""
    if not check_csrf_token(token):
        raise ApiError(400, "csrf", _("The security token is missing or expired."))
