"""Admin endpoints: exam sessions, unlocking exam eligibility, fees, the audit log."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from flask import current_app, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import select

from learning.api import api_blueprint, contract, schemas
from learning.api.exams import session_json
from learning.api.validation import ApiError
from learning.db import get_session
from learning.extensions import get_clock, today
from learning.models import AuditEntry, ExamRegistration, Role, User
from learning.models.base import MAX_ID
from learning.permissions import enrolment_or_404, role_required
from learning.services import ServiceError, enrolments, exam_sessions, exams, fees
from learning.texts.messages import describe

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class ExamSessionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    work_type: Annotated[str, Field(max_length=32)]
    level: Annotated[int, Field(strict=True, ge=1, le=5)]
    starts_on: date
    registration_closes_on: date
    capacity: Annotated[int, Field(strict=True, ge=1, le=exam_sessions.MAX_CAPACITY)]
    place: Text
    coaching_starts_on: date | None = None
    coaching_hours: Annotated[
        float, Field(ge=0, le=exam_sessions.MAX_COACHING_HOURS, allow_inf_nan=False)
    ]


class ReasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Text


class PaymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount_fen: Annotated[int, Field(strict=True, gt=0, le=fees.MAX_AMOUNT_FEN)]
    paid_on: date
    method: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
    receipt_no: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)
    ]
    kind: Literal["training", "assessment"]


def _refused(error: ServiceError) -> ApiError:
    return ApiError(422, error.code, describe(error))


@api_blueprint.post("/admin/exam-sessions")
@role_required(Role.ADMIN)
@contract.route(201, schemas.ExamSession)
def create_exam_session(json: ExamSessionIn) -> ResponseReturnValue:
    """Open an exam session"""
    session = get_session()
    try:
        exam_session = exam_sessions.create_session(
            session,
            work_type_code=json.work_type,
            level=json.level,
            schedule=exam_sessions.Schedule(
                starts_on=json.starts_on,
                registration_closes_on=json.registration_closes_on,
                place=json.place,
                capacity=json.capacity,
                coaching_starts_on=json.coaching_starts_on,
                coaching_hours=json.coaching_hours,
            ),
            now=get_clock().now(),
            actor_id=current_user.id,
        )
    except ServiceError as error:
        raise _refused(error) from error
    return session_json(exam_session), 201


@api_blueprint.route("/admin/enrolments/<int:enrolment_id>/unlock", methods=["POST", "DELETE"])
@role_required(Role.ADMIN)
@contract.route(200, schemas.Unlock)
def unlock_enrolment(enrolment_id: int, json: ReasonIn) -> ResponseReturnValue:
    """Unlock exam eligibility by hand (POST), or take the unlock back (DELETE), with a reason
    (audited)"""
    session = get_session()
    enrolment = enrolment_or_404(session, current_user, enrolment_id)
    enrolments.set_exam_unlock(
        session,
        enrolment,
        unlocked=request.method == "POST",
        reason=json.reason,
        now=get_clock().now(),
        actor_id=current_user.id,
    )
    return {"enrolment_id": enrolment.id, "exam_unlocked": enrolment.exam_unlocked}


@api_blueprint.post("/admin/enrolments/<int:enrolment_id>/payments")
@role_required(Role.ADMIN)
@contract.route(201, schemas.Payment)
def record_payment(enrolment_id: int, json: PaymentIn) -> ResponseReturnValue:
    """Record a fee paid"""
    session = get_session()
    enrolment = enrolment_or_404(session, current_user, enrolment_id)
    try:
        payment = fees.record_payment(
            session,
            enrolment=enrolment,
            amount_fen=json.amount_fen,
            paid_on=json.paid_on,
            method=json.method,
            receipt_no=json.receipt_no,
            kind=json.kind,
            today=today(),
            now=get_clock().now(),
            actor_id=current_user.id,
        )
    except ServiceError as error:
        raise _refused(error) from error
    return {
        "id": payment.id,
        "enrolment_id": enrolment.id,
        "amount_fen": payment.amount_fen,
        "paid_on": payment.paid_on.isoformat(),
        "method": payment.method,
        "receipt_no": payment.receipt_no,
        "kind": payment.kind,
    }, 201


class AuditQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enrolment_id: Annotated[int, Field(ge=1, le=MAX_ID)]  # a query string: "12" is fine


@api_blueprint.get("/admin/audit")
@role_required(Role.ADMIN)
@contract.route(200, list[schemas.AuditEntry], refusals={404: schemas.Error})
def audit_log(query: AuditQuery) -> ResponseReturnValue:
    """An enrolment's audit log"""
    enrolment_id = query.enrolment_id
    session = get_session()
    enrolment_or_404(session, current_user, enrolment_id)
    rows = session.execute(
        select(AuditEntry, User.username)
        .outerjoin(User, User.id == AuditEntry.actor_id)
        .where(AuditEntry.enrolment_id == enrolment_id)
        .order_by(AuditEntry.at, AuditEntry.id)
    )
    return [
        {
            "at": entry.at.isoformat(),
            "actor": username,
            "action": entry.action,
            "reason": entry.reason,
            "details": entry.details,
        }
        for entry, username in rows
    ]


class ResultsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    absent: bool = False
    scores: (
        dict[Literal["theory", "skill", "review"], Annotated[int, Field(strict=True, ge=0, le=100)]]
        | None
    ) = None
    certificate_no: Annotated[str, Field(max_length=22)] | None = None
    certificate_issued_on: date | None = None


@api_blueprint.post("/admin/exam-registrations/<int:registration_id>/results")
@role_required(Role.ADMIN)
@contract.route(200, schemas.ExamResults)
def record_results(registration_id: int, json: ResultsIn) -> ResponseReturnValue:
    """Record an exam registration's results"""
    session = get_session()
    registration = session.get(ExamRegistration, registration_id)
    if registration is None:
        raise ApiError(404, "not_found", _("No such exam registration."))
    if not json.absent and json.scores is None:
        raise ApiError(
            422,
            "validation",
            _("Give the scores, or absent: true."),
            fields=[{"field": "scores", "message": "required unless absent"}],
        )
    try:
        exams.record_results(
            session,
            registration,
            scores=None
            if json.absent
            else {part: score for part, score in (json.scores or {}).items()},
            certificate_no=json.certificate_no,
            certificate_issued_on=json.certificate_issued_on,
            today=today(),
            now=get_clock().now(),
            actor_id=current_user.id,
            pass_mark=current_app.config["EXAM_PASS_MARK"],
        )
    except ServiceError as error:
        raise _refused(error) from error
    return {
        "id": registration.id,
        "outcome": registration.outcome,
        "scores": registration.scores,
        "certificate_no": registration.certificate_no,
        "certificate_issued_on": (
            registration.certificate_issued_on.isoformat()
            if registration.certificate_issued_on
            else None
        ),
    }
