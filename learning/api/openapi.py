"""`GET /api/v1/openapi.json`: the OpenAPI 3.1 document of the JSON API.

It is built from the same pydantic models the views validate requests with, the response
models of `schemas.py`, and the app's own URL rules, so it cannot name a path the app does not
serve. `OPERATIONS` lists what each endpoint takes and answers; a test fails when an API route
is missing from it, and the suite fuzzes the served app against it (schemathesis).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from flask.typing import ResponseReturnValue
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from learning.api import (
    admin,
    api_blueprint,
    exams,
    mock_exams,
    records,
    schemas,
    study,
    trainees,
    videos,
)

PNG = "image/png"


@dataclass(frozen=True)
class Operation:
    """One endpoint and method: what it takes, what it answers on success, how it refuses."""

    endpoint: str
    method: str
    summary: str
    ok: tuple[int, type[BaseModel] | list[type[BaseModel]] | str]  # a model, [model], or PNG
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    refusals: tuple[tuple[int, type[BaseModel]], ...] = ()
    rate_limited: bool = False
    raw_body: dict[str, Any] | None = None  # a body that is not JSON: its OpenAPI content

    @property
    def takes_body(self) -> bool:
        return self.body is not None or self.raw_body is not None


E = schemas.Error
BINARY = {"type": "string", "format": "binary"}
VIDEO_FORM = {
    "multipart/form-data": {
        "schema": {
            "type": "object",
            "required": ["file", "title", "programmes"],
            "properties": {
                "file": BINARY,
                "title": {"type": "string", "minLength": 1, "maxLength": 200},
                "programmes": {"type": "array", "items": {"type": "string"}, "minItems": 1},
            },
        }
    }
}
FACE_ANSWER_FORM = {
    "multipart/form-data": {
        "schema": {
            "type": "object",
            "required": ["beat", "frame"],
            "properties": {
                "beat": {
                    "type": "string",
                    "description": "The attention_ok beat of this check, as a JSON Heartbeat",
                },
                "frame": {"type": "array", "items": BINARY, "minItems": 1, "maxItems": 40},
            },
        }
    }
}
ROSTER_FORM = {
    "multipart/form-data": {
        "schema": {"type": "object", "required": ["file"], "properties": {"file": BINARY}}
    }
}
OPERATIONS = (
    Operation("api.me", "get", "Who is logged in", (200, schemas.Me)),
    Operation("api.my_enrolments", "get", "The trainee's enrolments", (200, [schemas.Enrolment])),
    Operation(
        "api.enrolment_videos",
        "get",
        "An enrolment's videos with their coverage",
        (200, [schemas.VideoProgress]),
    ),
    Operation(
        "api.my_study_record",
        "get",
        "The trainee's study record, per day",
        (200, [schemas.StudyDay]),
        query=records.DateRange,
    ),
    Operation(
        "api.class_progress",
        "get",
        "A class's progress, one row per enrolment",
        (200, [schemas.ClassProgressRow]),
    ),
    Operation(
        "api.open_playback",
        "post",
        "Open a playback of a video (supersedes the trainee's active one)",
        (201, schemas.PlaybackOpened),
        body=study.PlaybackOpen,
        rate_limited=True,
    ),
    Operation(
        "api.heartbeat",
        "post",
        "One heartbeat of a playback (also as text/plain with csrf_token inside, for sendBeacon)",
        (200, schemas.BeatAnswer),
        body=study.Heartbeat,
        refusals=((409, schemas.BeatRefused),),
        rate_limited=True,
    ),
    Operation("api.check_image", "get", "A presence check's code, drawn", (200, PNG)),
    Operation(
        "api.check_question",
        "get",
        "The question a presence check asks (the same one until it is answered)",
        (200, schemas.CheckQuestion),
    ),
    Operation(
        "api.answer_check_question",
        "post",
        "The answer to a presence check's question, with the answer beat",
        (200, schemas.QuestionCheckAnswer),
        body=study.QuestionAnswerBody,
        refusals=((409, schemas.QuestionCheckRefused),),
        rate_limited=True,
    ),
    Operation(
        "api.answer_face_check",
        "post",
        "A face check's answer: the answer beat and the camera's frames, in order",
        (200, schemas.FaceCheckAnswer),
        raw_body=FACE_ANSWER_FORM,
        refusals=((409, schemas.FaceCheckRefused), (422, E)),
        rate_limited=True,
    ),
    Operation(
        "api.save_mock_exam_answer",
        "put",
        "Save the answer to one question of an open mock exam (the last one counts)",
        (200, schemas.MockExamAnswer),
        body=mock_exams.AnswerIn,
        refusals=((409, schemas.MockExamClosed), (422, schemas.ValidationFailed)),
    ),
    Operation(
        "api.exam_sessions", "get", "Exam sessions open to the caller", (200, [schemas.ExamSession])
    ),
    Operation(
        "api.register_for_exam",
        "post",
        "Register an enrolment for an exam session",
        (201, schemas.ExamRegistration),
        body=exams.RegistrationIn,
        refusals=((409, schemas.NotEligible),),
    ),
    Operation(
        "api.create_exam_session",
        "post",
        "Open an exam session",
        (201, schemas.ExamSession),
        body=admin.ExamSessionIn,
    ),
    Operation(
        "api.unlock_enrolment",
        "post",
        "Unlock exam eligibility by hand, with a reason (audited)",
        (200, schemas.Unlock),
        body=admin.ReasonIn,
    ),
    Operation(
        "api.unlock_enrolment",
        "delete",
        "Take a hand unlock back, with a reason (audited)",
        (200, schemas.Unlock),
        body=admin.ReasonIn,
    ),
    Operation(
        "api.record_payment",
        "post",
        "Record a fee paid",
        (201, schemas.Payment),
        body=admin.PaymentIn,
    ),
    Operation(
        "api.record_results",
        "post",
        "Record an exam registration's results",
        (200, schemas.ExamResults),
        body=admin.ResultsIn,
    ),
    Operation(
        "api.audit_log",
        "get",
        "An enrolment's audit log",
        (200, [schemas.AuditEntry]),
        query=admin.AuditQuery,
        refusals=((404, E),),
    ),
    Operation(
        "api.add_video",
        "post",
        "Add a video file in one request (WebM or MP4; the duration is read from the file)",
        (201, schemas.LibraryVideo),
        raw_body=VIDEO_FORM,
    ),
    Operation(
        "api.import_trainees",
        "post",
        "Trainees from an Excel roster; a dry run, or any bad row, writes nothing",
        (200, schemas.ImportReport),
        query=trainees.ImportQuery,
        raw_body=ROSTER_FORM,
    ),
    Operation(
        "api.start_upload",
        "post",
        "Announce a video file to upload in chunks",
        (201, schemas.UploadState),
        body=videos.UploadIn,
    ),
    Operation(
        "api.upload_state",
        "get",
        "How many bytes of an upload arrived: resume from there",
        (200, schemas.UploadState),
    ),
    Operation(
        "api.upload_chunk",
        "put",
        "The upload's bytes from `offset` on",
        (200, schemas.UploadState),
        query=videos.ChunkAt,
        raw_body={"application/octet-stream": {"schema": BINARY}},
        refusals=((409, E),),
    ),
    Operation(
        "api.finish_upload",
        "post",
        "Make the complete upload a video of the library",
        (201, schemas.LibraryVideo),
        body=videos.VideoIn,
        refusals=((409, E),),
    ),
)

#: Endpoints of the blueprint that are not part of the documented API.
UNDOCUMENTED = {"api.openapi_document"}


@api_blueprint.get("/openapi.json")
def openapi_document() -> ResponseReturnValue:
    cache = current_app.extensions.setdefault("openapi_document", {})
    if "document" not in cache:
        cache["document"] = build_document(current_app)
    return cache["document"]


def build_document(app: Flask) -> dict[str, Any]:
    """The whole document, for the app's URL rules."""
    components = _component_schemas()
    paths: dict[str, dict[str, Any]] = {}
    for operation in OPERATIONS:
        rule = _rule(app, operation.endpoint)
        path, parameters = _path_and_parameters(rule.rule)
        entry = paths.setdefault(path, {})
        entry[operation.method] = _operation(operation, parameters)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "碳排放管理员培训学时记录 API",
            "version": "1",
            "description": (
                "The JSON API of the study-hour tracker (shared/api.md). It uses the session "
                "cookie of a login through /login; state-changing requests need the CSRF token "
                'of the pages\' <meta name="csrf-token"> in the X-CSRFToken header.'
            ),
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
                "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRFToken"},
            },
        },
    }


def _component_schemas() -> dict[str, Any]:
    models = {
        model
        for operation in OPERATIONS
        for model in _models_of(operation)
        if isinstance(model, type) and issubclass(model, BaseModel)
    }
    ordered = sorted(models, key=lambda model: model.__name__)
    _keys, document = models_json_schema(
        [(model, _mode(model)) for model in ordered],
        ref_template="#/components/schemas/{model}",
    )
    return document.get("$defs", {})


def _models_of(operation: Operation) -> list[Any]:
    ok = operation.ok[1]
    found = [ok[0] if isinstance(ok, list) else ok, operation.body, operation.query]
    found += [model for _status, model in operation.refusals]
    found += [schemas.Error, schemas.ValidationFailed]
    return [model for model in found if model is not None]


def _mode(model: type[BaseModel]) -> str:
    return "serialization" if issubclass(model, schemas.Answer) else "validation"


def _rule(app: Flask, endpoint: str):
    (rule,) = app.url_map.iter_rules(endpoint)
    return rule


_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")


def _path_and_parameters(rule: str) -> tuple[str, list[dict[str, Any]]]:
    """`/enrolments/<int:enrolment_id>` -> `/enrolments/{enrolment_id}` and its parameter."""
    parameters = []
    for converter, name in _CONVERTER.findall(rule):
        schema = {"type": "integer", "minimum": 0} if converter == "int" else {"type": "string"}
        parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
    return _CONVERTER.sub(r"{\2}", rule), parameters


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _operation(operation: Operation, path_parameters: list[dict[str, Any]]) -> dict[str, Any]:
    status, answer = operation.ok
    if answer == PNG:
        success = {"description": "The image", "content": {PNG: {"schema": {}}}}
    elif isinstance(answer, list):
        success = _json({"type": "array", "items": _ref(answer[0])}, "A list")
    else:
        success = _json(_ref(answer), "Done")  # type: ignore[arg-type]
    responses: dict[str, Any] = {str(status): success}
    refusals = _refusals(operation, bool(path_parameters))
    for code, (model, description) in sorted(refusals.items()):
        responses[str(code)] = _json(_ref(model), description)
    result: dict[str, Any] = {
        "operationId": f"{operation.method}_{operation.endpoint.removeprefix('api.')}",
        "summary": operation.summary,
        "security": [{"session": [], "csrf": []}] if operation.takes_body else [{"session": []}],
        "parameters": path_parameters + _query_parameters(operation.query),
        "responses": responses,
    }
    if operation.body is not None:
        result["requestBody"] = {"required": True, **_json(_ref(operation.body), "The body")}
    elif operation.raw_body is not None:
        result["requestBody"] = {"required": True, "content": operation.raw_body}
    return result


def _refusals(
    operation: Operation, has_path_parameters: bool
) -> dict[int, tuple[type[BaseModel], str]]:
    found: dict[int, tuple[type[BaseModel], str]] = {
        401: (E, "Not logged in (login_required), or the session ended (session_expired)"),
        403: (
            E,
            "The caller's role may not use this (forbidden), or the caller must change their "
            "password first (password_change_required, with change_url)",
        ),
    }
    if has_path_parameters or operation.takes_body:
        found[404] = (E, "No such object, or not the caller's")
    if operation.takes_body:
        found[400] = (E, "A missing or bad CSRF token, or a body that is not a JSON object")
        found[413] = (E, "A body over the size limit")
    if operation.takes_body or operation.query is not None:
        found[422] = (schemas.ValidationFailed, "Fields missing or invalid")
    if operation.rate_limited:
        found[429] = (E, "A rate limit was hit; see Retry-After")
    for code, model in operation.refusals:
        found[code] = (model, "Refused; see error")
    return found


def _query_parameters(model: type[BaseModel] | None) -> list[dict[str, Any]]:
    if model is None:
        return []
    schema = model.model_json_schema(by_alias=True)
    required = set(schema.get("required", ()))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": field_schema}
        for name, field_schema in schema["properties"].items()
    ]
