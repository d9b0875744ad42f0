"""Playbacks, heartbeats and presence checks (shared/api.md, shared/accounting.md)."""

from __future__ import annotations

from typing import Annotated, Literal

from flask import Response, current_app, g, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from learning.accounting import EVENTS, Beat
from learning.api import api_blueprint, limits
from learning.api.validation import ApiError, Id, body, check_csrf, json_object, validate
from learning.check_image import draw_code
from learning.db import get_session, writes_on_get
from learning.extensions import csrf, get_accounting_settings, now_ms
from learning.identities import current_identity
from learning.models import Role
from learning.permissions import role_required
from learning.services import ServiceError, beats, study
from learning.services.throttle import CHECK_ANSWER, Limit

Position = Annotated[float, Field(ge=0, le=10**7, allow_inf_nan=False)]
# The events the rules know, as a closed list in the schema (and in the OpenAPI document).
Event = Literal[tuple(sorted(EVENTS))]  # type: ignore[valid-type]


class PlaybackOpen(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enrolment_id: Id
    video_id: Id


class Heartbeat(BaseModel):
    """One beat from the player. Numbers must be finite; positions non-negative; rate positive."""

    model_config = ConfigDict(extra="forbid")

    seq: Annotated[int, Field(strict=True, ge=1, le=10**9)]
    position_s: Position
    rate: Annotated[float, Field(gt=0, le=16, allow_inf_nan=False)]
    paused: StrictBool
    visible: StrictBool
    event: Event
    from_s: Position | None = None
    attention_id: Annotated[str, Field(max_length=64)] | None = None
    attention_code: Annotated[str, Field(max_length=16)] | None = None
    client_ts: Annotated[str, Field(max_length=64)] | None = None

    @model_validator(mode="after")
    def _seek_has_origin(self) -> Heartbeat:
        if self.event == "seeked" and self.from_s is None:
            raise ValueError("a seeked beat needs from_s, the position before the seek")
        return self

    def to_beat(self) -> Beat:
        seeked = self.event == "seeked"
        answering = self.event == "attention_ok"
        return Beat(
            seq=self.seq,
            position_ms=round(self.position_s * 1000),
            rate_milli=round(self.rate * 1000),
            paused=self.paused,
            visible=self.visible,
            event=self.event,
            from_ms=round(self.from_s * 1000) if seeked and self.from_s is not None else None,
            attention_id=self.attention_id if answering else None,
            attention_code=self.attention_code if answering else None,
        )


def _not_found() -> ApiError:
    return ApiError(404, "not_found", _("No such playback, or not yours."))


@api_blueprint.post("/playbacks")
@role_required(Role.TRAINEE)
def open_playback() -> ResponseReturnValue:
    limits.take("playback_open_limits", str(current_user.id))
    wanted = body(PlaybackOpen)
    session = get_session()
    try:
        opened = study.open_playback(
            session,
            trainee_id=current_user.id,
            enrolment_id=wanted.enrolment_id,
            video_id=wanted.video_id,
            settings=get_accounting_settings(),
            now_ms=now_ms(),
        )
    except ServiceError as error:
        raise ApiError(404, "not_found", _("No such video in your enrolment.")) from error
    return {
        "playback_id": opened.playback_id,
        "heartbeat_interval_s": opened.heartbeat_interval_s,
        "resume_position_s": opened.resume_position_s,
        "first_uncovered_s": opened.first_uncovered_s,
        "max_rate": opened.max_rate,
        "attention_check": _check_json(opened.playback_id, opened.attention_check),
    }, 201


@api_blueprint.post("/playbacks/<playback_id>/heartbeats")
@csrf.exempt
def heartbeat(playback_id: str) -> ResponseReturnValue:
    """A beat as JSON with the X-CSRFToken header, or as text/plain with "csrf_token" inside.
    The hot path: the trainee comes from the session and a per-process cache (identities)."""
    sender = trainee_id()
    limits.take("beat_limits", playback_id)
    data = json_object()
    token = data.pop("csrf_token", None) if request.mimetype == "text/plain" else None
    check_csrf(token or request.headers.get("X-CSRFToken"))
    beat = validate(Heartbeat, data)
    session = get_session()
    try:
        answer = beats.record_beat(
            session,
            trainee_id=sender,
            playback_id=playback_id,
            beat=beat.to_beat(),
            client_ts=beat.client_ts,
            now_ms=now_ms(),
            answer_limit=_answer_limit(),
        )
    except ServiceError as error:
        if error.code == "too_many_attempts":
            raise ApiError(
                429,
                "too_many_attempts",
                _(
                    "Too many wrong answers. Please wait %(minutes)s minutes and try again.",
                    minutes=-(-int(error.params["seconds"]) // 60),
                ),
                retry_after_s=error.params["seconds"],
            ) from error
        raise _not_found() from error
    session.commit()  # here, not with the request: a beat answered 409 is stored too
    return _beat_json(answer)


def trainee_id() -> int:
    """The trainee sending this request, from the session and the per-process cache."""
    identity = current_identity()
    if identity is None:
        raise ApiError(401, "login_required", _("Please log in."))
    if identity.role != Role.TRAINEE:
        raise ApiError(403, "forbidden", _("You do not have access to this page."))
    g.user_id = identity.user_id  # for the request log
    return identity.user_id


def _answer_limit() -> Limit:
    config = current_app.config
    return Limit(CHECK_ANSWER, config["CHECK_WRONG_ANSWERS"], config["CHECK_ANSWER_WINDOW_S"])


def _beat_json(answer: beats.BeatAnswer) -> ResponseReturnValue:
    result = {
        "credited_s": answer.credited_s,
        "not_credited_s": answer.not_credited_s,
        "reason": answer.reason,
        "covered_s": answer.covered_s,
        "enrolment_online_hours": answer.enrolment_online_hours,
        "attention_check": _check_json(answer.playback_id, answer.attention_check),
    }
    if answer.status == "ok":
        return result
    message = (
        _("This video is now playing in another window or device.")
        if answer.status == "superseded"
        else _("This playback has ended. Reload the page to go on.")
    )
    return {**result, "error": answer.status, "message": message, "reason": answer.end_reason}, 409


def _check_json(playback_id: str, check: study.CheckView | None) -> dict[str, object] | None:
    if check is None:
        return None
    image_url = url_for("api.check_image", playback_id=playback_id, check_id=check.id)
    return {"id": check.id, "resume_at_s": check.resume_at_s, "image_url": image_url}


@api_blueprint.get("/playbacks/<playback_id>/checks/<check_id>.png")
@writes_on_get  # records when the check was first shown
@role_required(Role.TRAINEE)
def check_image(playback_id: str, check_id: str) -> ResponseReturnValue:
    session = get_session()
    try:
        code = study.show_pending_check(
            session,
            trainee_id=current_user.id,
            playback_id=playback_id,
            check_id=check_id,
            now_ms=now_ms(),
        )
    except ServiceError as error:
        raise ApiError(404, "not_found", _("No such check, or it was answered.")) from error
    response = Response(draw_code(code), mimetype="image/png")
    response.headers["Cache-Control"] = "no-store"
    return response
