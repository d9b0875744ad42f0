"""Playbacks, heartbeats and presence checks (shared/api.md, shared/accounting.md)."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from functools import partial
from typing import Annotated, Any, TypeVar

from flask import Response, current_app, g, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from learning import faces, identities, session_expiry
from learning.api import api_blueprint, contract, limits, schemas
from learning.api.contract import UploadedFile
from learning.api.password_change import refuse_if_required
from learning.api.validation import ApiError, Id, body, check_csrf, json_object, validate
from learning.check_image import draw_code
from learning.db import (
    get_database,
    get_session,
    release_transaction,
    writes_itself,
    writes_on_get,
    writing,
)
from learning.domain.accounting import Beat, EventName
from learning.domain.exam_practice import Kind, letters_of
from learning.extensions import csrf, get_accounting_settings, get_clock, now_ms
from learning.identities import Identity, current_identity
from learning.models import Question, Role
from learning.permissions import role_required
from learning.services import ServiceError, beats, check_questions, face_checks, review, study
from learning.services.throttle import CHECK_ANSWER, Limit

T = TypeVar("T")
Position = Annotated[float, Field(ge=0, le=10**7, allow_inf_nan=False)]


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
    event: EventName  # the events the rules know: a closed list in the schema
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
@contract.route(201, schemas.PlaybackOpened, rate_limited=True)
def open_playback(json: PlaybackOpen) -> ResponseReturnValue:
    """Open a playback of a video (supersedes the trainee's active one)"""
    limits.take("playback_open_limits", str(current_user.id))
    session = get_session()
    opened_at_ms = now_ms()
    try:
        opened = study.open_playback(
            session,
            trainee_id=current_user.id,
            enrolment_id=json.enrolment_id,
            video_id=json.video_id,
            settings=get_accounting_settings(),
            now_ms=opened_at_ms,
        )
    except ServiceError as error:
        raise ApiError(404, "not_found", _("No such video in your enrolment.")) from error
    review.record_origin(  # for the plausibility review; beats record no address
        session,
        playback_id=opened.playback_id,
        trainee_id=current_user.id,
        opened_at_ms=opened_at_ms,
        address=request.remote_addr,
        user_agent=request.headers.get("User-Agent"),
    )
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
@contract.route(
    200,
    schemas.BeatAnswer,
    refusals={409: schemas.BeatRefused},
    rate_limited=True,
    validated_in_view=True,
    json=Heartbeat,
)
@writes_itself
@identities.checked_in_own_read
def heartbeat(playback_id: str) -> ResponseReturnValue:
    """One heartbeat of a playback (also as text/plain with csrf_token inside, for sendBeacon)"""
    # A beat as JSON with the X-CSRFToken header, or as text/plain with "csrf_token" inside.
    # The hot path: the session names the sender; the beat's own read checks them (_admit).
    sender = identities.session_user_id()
    if sender is None:
        raise ApiError(401, *session_expiry.refusal())
    limits.take("beat_limits", playback_id)
    data = json_object()
    token = data.pop("csrf_token", None) if request.mimetype == "text/plain" else None
    check_csrf(token or request.headers.get("X-CSRFToken"))
    beat = validate(Heartbeat, data)
    try:
        answer = _record(sender, playback_id, beat)
    except ServiceError as error:
        raise _refusal(error) from error
    return _beat_answer(answer, schemas.BeatAnswer, schemas.BeatRefused)


def _record(sender: int, playback_id: str, beat: Heartbeat) -> beats.BeatAnswer:
    """Committed here, not with the request: a beat answered 409 is stored too. A beat that
    answers no check runs in a transaction of its own, outside the request's session; a
    check's answer in the session, begun anew as a writer. Either way the request's reading
    transaction, if any, ends first, and the sender is judged from the beat's first read."""
    release_transaction()
    admit = partial(_admit, sender)
    try:
        if beat.event != "attention_ok":
            return beats.record_plain_beat(
                get_database(current_app),
                trainee_id=sender,
                playback_id=playback_id,
                beat=beat.to_beat(),
                client_ts=beat.client_ts,
                now_ms=now_ms(),
                admit=admit,
            )
        session = get_session()
        with writing():
            answer = beats.record_beat(
                session,
                trainee_id=sender,
                playback_id=playback_id,
                beat=beat.to_beat(),
                client_ts=beat.client_ts,
                now_ms=now_ms(),
                answer_limit=_answer_limit(),
                admit=admit,
            )
            session.commit()
        return answer
    except _Refused as refused:
        release_transaction()
        refuse_if_required(refused.identity)
        _as_trainee(refused.identity)
        raise  # not reached: one of the two refuses


class _Refused(Exception):
    """A beat's sender refused by the beat's read. The answer is made once the beat's
    transaction has ended: its words, in the user's language, read the user."""

    def __init__(self, identity: Identity | None) -> None:
        super().__init__()
        self.identity = identity


def _admit(user_id: int, row: beats.Sender | None) -> None:
    """The sender of a beat, judged from the beat's own read as every other request is judged
    before its view (the session's limits, a password to change) and then as `trainee_id`;
    `_Refused` refuses the beat before anything is written. A beat decided from what the
    process remembers may be judged twice, the second time from the rows read: each judgement
    starts from the session as the request brought it (a first one may have moved its "last
    seen" on, or ended it, for a sender the rows no longer hold)."""
    _session_as_brought()
    found = None if row is None else identities.identity_of(user_id, **row._asdict())
    identity = identities.standing(found)
    session_expiry.judge(identity)
    identity = identities.standing(identity)  # None if the session just ended
    if identity is None or identity.must_change_password or identity.role != Role.TRAINEE:
        raise _Refused(identity)
    g.user_id = user_id  # for the request log


def _session_as_brought() -> None:
    brought = g.get("beat_session")
    if brought is None:
        g.beat_session = (dict(session), session.modified)
        return
    values, modified = brought
    session.clear()
    session.update(values)
    session.modified = modified
    g.pop("session_ended", None)
    g.pop("session_idle_minutes", None)


def _refusal(error: ServiceError) -> ApiError:
    if error.code == "too_many_attempts":
        return ApiError(
            429,
            "too_many_attempts",
            _(
                "Too many wrong answers. Please wait %(minutes)s minutes and try again.",
                minutes=-(-error.wait_s(60) // 60),
            ),
            retry_after_s=error.wait_s(60),
        )
    return _not_found()


def trainee_id() -> int:
    """The trainee sending this request, from the session and the user as read this request."""
    return _as_trainee(current_identity())


def _as_trainee(identity: Identity | None) -> int:
    """The id of a standing trainee's session, or 401 (with why the session ended), 403."""
    if identity is None:
        raise ApiError(401, *session_expiry.refusal())
    if identity.role != Role.TRAINEE:
        raise ApiError(403, "forbidden", _("You do not have access to this page."))
    g.user_id = identity.user_id  # for the request log
    return identity.user_id


def _answer_limit() -> Limit:
    config = current_app.config
    return Limit(CHECK_ANSWER, config["CHECK_WRONG_ANSWERS"], config["CHECK_ANSWER_WINDOW_S"])


def _beat_answer(
    answer: beats.BeatAnswer,
    ok: type[schemas.BeatAnswer],
    refused: type[schemas.BeatRefused],
    **more: Any,
) -> Response:
    """A beat's answer as `ok`, or as `refused` (409) for a playback that can no longer be
    played, with the `more` fields of an answer to a presence check."""
    fields = {
        "credited_s": answer.credited_s,
        "not_credited_s": answer.not_credited_s,
        "reason": answer.reason,
        "covered_s": answer.covered_s,
        "enrolment_online_hours": answer.enrolment_online_hours,
        "attention_check": _check_json(answer.playback_id, answer.attention_check),
        **more,
    }
    if answer.status == "ok":
        return contract.answer(ok, **fields)
    message = (
        _("This video is now playing in another window or device.")
        if answer.status == "superseded"
        else _("This playback has ended. Reload the page to go on.")
    )
    fields.update(error=answer.status, message=message, reason=answer.end_reason)
    return contract.answer(refused, 409, **fields)


def _check_json(playback_id: str, check: study.CheckView | None) -> dict[str, object] | None:
    """A code check carries its picture's address; a face check the action and where the
    frames go."""
    if check is None:
        return None
    found: dict[str, object] = {"id": check.id, "resume_at_s": check.resume_at_s}
    if check.kind == "face":
        answer_url = url_for("api.answer_face_check", playback_id=playback_id, check_id=check.id)
        return {**found, "kind": "face", "action": check.action, "answer_url": answer_url}
    image_url = url_for("api.check_image", playback_id=playback_id, check_id=check.id)
    question_url = url_for("api.check_question", playback_id=playback_id, check_id=check.id)
    if check.kind == "question":
        return {**found, "kind": "question", "question_url": question_url}
    if check.kind == "both":
        return {**found, "kind": "both", "image_url": image_url, "question_url": question_url}
    return {**found, "kind": "code", "image_url": image_url}


class QuestionAnswerBody(BaseModel):
    """The answer to a question a presence check asks: the attention_ok beat, the question
    answered and the letters of the options chosen."""

    model_config = ConfigDict(extra="forbid")

    beat: Heartbeat
    question_id: Id
    chosen: Annotated[str, Field(min_length=1, max_length=8)]


@api_blueprint.get("/playbacks/<playback_id>/checks/<check_id>/question")
@writes_on_get  # records the question asked
@role_required(Role.TRAINEE)
@contract.route(200, schemas.CheckQuestion)
def check_question(playback_id: str, check_id: str) -> ResponseReturnValue:
    """The question a presence check asks, never its answer (the same one until answered)"""
    question = _of_pending_check(
        check_questions.ask,
        playback_id,
        check_id,
        now=get_clock().now(),
        rng=random.SystemRandom(),
    )
    return _question_json(question)


def _of_pending_check(
    service: Callable[..., T], playback_id: str, check_id: str, **arguments: Any
) -> T:
    """What `service` answers of the caller's pending check, or 404 when there is none such
    (or it was answered)."""
    try:
        return service(
            get_session(),
            trainee_id=current_user.id,
            playback_id=playback_id,
            check_id=check_id,
            **arguments,
        )
    except ServiceError as error:
        raise ApiError(404, "not_found", _("No such check, or it was answered.")) from error


def _question_json(question: Question) -> dict[str, object]:
    kind = Kind(question.kind)
    texts = [_("True"), _("False")] if kind == Kind.TRUE_FALSE else question.options
    letters = letters_of(kind, len(question.options))
    return {
        "id": question.id,
        "kind": kind.value,
        "stem": question.stem,
        "options": [
            {"letter": letter, "text": text} for letter, text in zip(letters, texts, strict=True)
        ],
    }


@api_blueprint.post("/playbacks/<playback_id>/checks/<check_id>/question")
@csrf.exempt
@contract.route(
    200,
    schemas.QuestionCheckAnswer,
    refusals={409: schemas.QuestionCheckRefused},
    rate_limited=True,
    validated_in_view=True,
    json=QuestionAnswerBody,
)
def answer_check_question(playback_id: str, check_id: str) -> ResponseReturnValue:
    """The answer to a presence check's question, with the answer beat"""
    # Judged: the beat's answer, and for a question answered, whether it was right, the right
    # letters and the explanation.
    sender = trainee_id()
    check_csrf(request.headers.get("X-CSRFToken"))
    sent = body(QuestionAnswerBody)
    if sent.beat.event != "attention_ok" or sent.beat.attention_id != check_id:
        raise ApiError(422, "validation", "The beat must be the attention_ok of this check.")
    session = get_session()
    try:
        answer = check_questions.answer(
            session,
            trainee_id=sender,
            playback_id=playback_id,
            beat=sent.beat.to_beat(),
            client_ts=sent.beat.client_ts,
            question_id=sent.question_id,
            chosen=sent.chosen,
            answer_limit=_answer_limit(),
            now_ms=now_ms(),
            now=get_clock().now(),
        )
    except ServiceError as error:
        raise _refusal(error) from error
    session.commit()
    return _beat_answer(
        answer.beat,
        schemas.QuestionCheckAnswer,
        schemas.QuestionCheckRefused,
        question_outcome=answer.outcome,
        question=_judgement(answer),
    )


def _judgement(answer: check_questions.QuestionAnswer) -> dict[str, object] | None:
    if answer.question is None:
        return None
    return {
        "answer": answer.question.answer,
        "explanation": answer.question.explanation,
        "message": _("Right.") if answer.outcome == "right" else _("Not right."),
    }


class FaceAnswerForm(BaseModel):
    """A face check's answer, as multipart form data."""

    model_config = ConfigDict(extra="forbid")

    beat: Annotated[
        str, Field(description="The attention_ok beat of this check, as a JSON Heartbeat")
    ]
    frame: Annotated[list[UploadedFile], Field(min_length=1, max_length=face_checks.MAX_FRAMES)]


@api_blueprint.post("/playbacks/<playback_id>/checks/<check_id>/face")
@csrf.exempt
@contract.route(
    200,
    schemas.FaceCheckAnswer,
    refusals={409: schemas.FaceCheckRefused, 422: schemas.Error},
    rate_limited=True,
    validated_in_view=True,
    form=FaceAnswerForm,
)
def answer_face_check(playback_id: str, check_id: str) -> ResponseReturnValue:
    """A face check's answer: the answer beat and the camera's frames, in order"""
    # Multipart with `beat` (the attention_ok beat as JSON) and the camera's `frame` pictures
    # in order. The frames are read before the transaction begins.
    sender = trainee_id()
    limits.take("face_answer_limits", str(sender))
    check_csrf(request.headers.get("X-CSRFToken"))
    beat = _face_answer_beat(check_id)
    pictures = _frames()
    release_transaction()
    try:
        reading = faces.read_frames(pictures)
    except faces.NotAPicture as error:
        raise ApiError(422, "not_a_picture", _("A frame is not a JPEG or PNG picture.")) from error
    session = get_session()
    config = current_app.config
    try:
        answer = face_checks.answer(
            session,
            trainee_id=sender,
            playback_id=playback_id,
            beat=beat.to_beat(),
            client_ts=beat.client_ts,
            reading=reading,
            pictures=pictures,
            threshold=config["FACE_MATCH_THRESHOLD"],
            upload_folder=config["UPLOAD_FOLDER"],
            answer_limit=_answer_limit(),
            now_ms=now_ms(),
            now=get_clock().now(),
        )
    except ServiceError as error:
        raise _refusal(error) from error
    session.commit()
    return _beat_answer(
        answer.beat,
        schemas.FaceCheckAnswer,
        schemas.FaceCheckRefused,
        face_outcome=answer.outcome,
        face_message=_face_message(answer),
    )


def _face_message(answer: face_checks.FaceAnswer) -> str | None:
    """What the pictures showed, in words: so the trainee knows what to do differently."""
    messages = {
        "match": _("Thank you: it is you."),
        "mismatch": _("The face does not match your reference photo. Please try again."),
        "no_face": _("No face was found. Face the camera in good light and try again."),
        "several_faces": _("More than one face was in the pictures. Only you should be seen."),
        "face_too_small": _("Your face was too small in the pictures. Come closer and try again."),
        "no_reference": _("You have no reference photo in force. See your profile page."),
        "not_live": _("We did not see you blink. Please try again.")
        if answer.action == "blink"
        else _("We did not see your head turn and come back. Please try again."),
    }
    return messages.get(answer.outcome or "")


def _face_answer_beat(check_id: str) -> Heartbeat:
    try:
        data = json.loads(request.form.get("beat", ""))
    except ValueError as error:
        raise ApiError(400, "bad_json", "The beat field is not valid JSON.") from error
    if not isinstance(data, dict):
        raise ApiError(400, "not_an_object", "The beat field must be a JSON object.")
    beat = validate(Heartbeat, data)
    if beat.event != "attention_ok" or beat.attention_id != check_id:
        raise ApiError(422, "validation", "The beat must be the attention_ok of this check.")
    return beat


def _frames() -> list[bytes]:
    if (request.content_length or 0) > face_checks.MAX_BODY_BYTES:
        raise ApiError(413, "too_large", f"The body is over {face_checks.MAX_BODY_BYTES} bytes.")
    files = request.files.getlist("frame")
    if not files:
        raise ApiError(422, "no_frames", _("The camera sent no pictures. Please try again."))
    if len(files) > face_checks.MAX_FRAMES:
        raise ApiError(413, "too_large", f"At most {face_checks.MAX_FRAMES} frames.")
    pictures = [file.read(face_checks.MAX_FRAME_BYTES + 1) for file in files]
    if any(len(picture) > face_checks.MAX_FRAME_BYTES for picture in pictures):
        raise ApiError(413, "too_large", f"A frame is over {face_checks.MAX_FRAME_BYTES} bytes.")
    return pictures


@api_blueprint.get("/playbacks/<playback_id>/checks/<check_id>.png")
@writes_on_get  # records when the check was first shown
@role_required(Role.TRAINEE)
@contract.route(200, contract.PNG)
def check_image(playback_id: str, check_id: str) -> ResponseReturnValue:
    """A presence check's code, drawn"""
    code = _of_pending_check(study.show_pending_check, playback_id, check_id, now_ms=now_ms())
    response = Response(draw_code(code), mimetype="image/png")
    response.headers["Cache-Control"] = "no-store"
    return response
