"""Exam sessions and registration (shared/api.md)."""

from __future__ import annotations

from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from pydantic import BaseModel, ConfigDict

from learning.api import api_blueprint, contract, schemas
from learning.api.validation import ApiError, Id
from learning.db import get_session
from learning.extensions import get_clock, today
from learning.models import ExamSession, Role
from learning.permissions import enrolment_or_404, login_required, role_required
from learning.services import ServiceError, exams
from learning.texts.labels import blocking_reason_text


class RegistrationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enrolment_id: Id
    exam_session_id: Id


def session_json(exam_session: ExamSession) -> dict[str, object]:
    return {
        "id": exam_session.id,
        "work_type": exam_session.work_type_code,
        "level": exam_session.level,
        "starts_on": exam_session.starts_on.isoformat(),
        "registration_closes_on": exam_session.registration_closes_on.isoformat(),
        "capacity": exam_session.capacity,
        "seats_left": exam_session.seats_left,
        "coaching_hours": exam_session.coaching_hours,
        "coaching_starts_on": (
            exam_session.coaching_starts_on.isoformat() if exam_session.coaching_starts_on else None
        ),
        "place": exam_session.place,
        "parts": exam_session.parts,
        "status": exam_session.status,
    }


@api_blueprint.get("/exam-sessions")
@login_required
@contract.route(200, list[schemas.ExamSession])
def exam_sessions() -> ResponseReturnValue:
    """Exam sessions open to the caller"""
    trainee_id = current_user.id if current_user.role == Role.TRAINEE else None
    found = exams.sessions_open_to(get_session(), trainee_id=trainee_id, today=today())
    return [session_json(exam_session) for exam_session in found]


@api_blueprint.post("/exam-registrations")
@role_required(Role.TRAINEE)
@contract.route(201, schemas.ExamRegistration, refusals={409: schemas.NotEligible})
def register_for_exam(json: RegistrationIn) -> ResponseReturnValue:
    """Register an enrolment for an exam session"""
    session = get_session()
    enrolment = enrolment_or_404(session, current_user, json.enrolment_id)
    try:
        registration = exams.register(
            session,
            enrolment=enrolment,
            exam_session_id=json.exam_session_id,
            today=today(),
            now=get_clock().now(),
            actor_id=current_user.id,
        )
    except exams.NotEligible as refused:
        raise not_eligible(refused) from refused
    except ServiceError as error:
        if error.code == "already_registered":
            raise ApiError(
                409, "already_registered", _("You are already registered for this session.")
            ) from error
        if error.code == "already_passed":
            raise ApiError(
                409, "already_passed", _("You passed the exam of this programme already.")
            ) from error
        raise ApiError(404, "not_found", _("No such exam session.")) from error
    return {
        "id": registration.id,
        "enrolment_id": registration.enrolment_id,
        "exam_session_id": registration.exam_session_id,
        "retake": registration.retake,
    }, 201


def not_eligible(refused: exams.NotEligible) -> ApiError:
    """409 with every reason, in codes and in words ("还差 12.5 标准学时")."""
    words = [blocking_reason_text(code, refused.hours_missing) for code in refused.reasons]
    extra: dict[str, object] = {"blocking_reasons": refused.reasons}
    if "hours" in refused.reasons:
        extra["hours_missing"] = refused.hours_missing
    return ApiError(409, "not_eligible", "；".join(words), **extra)
