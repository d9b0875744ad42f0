"""A mock exam's answers, saved one at a time as the trainee gives them (the paper's page)."""

from __future__ import annotations

from flask import url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field

from learning.api import api_blueprint, contract, schemas
from learning.api.validation import ApiError
from learning.db import get_session
from learning.domain.exam_practice import seconds_left
from learning.extensions import get_clock
from learning.models import MockExam, Role
from learning.permissions import enrolment_or_404, role_required
from learning.services import ServiceError, mock_exams


class AnswerIn(BaseModel):
    """The letters chosen, e.g. "AC"; "" takes the answer back."""

    model_config = ConfigDict(extra="forbid")

    chosen: str = Field(max_length=8)


@api_blueprint.put("/mock-exams/<int:exam_id>/answers/<int:position>")
@role_required(Role.TRAINEE)
@contract.route(
    200,
    schemas.MockExamAnswer,
    refusals={409: schemas.MockExamClosed, 422: schemas.ValidationFailed},
)
def save_mock_exam_answer(exam_id: int, position: int, json: AnswerIn) -> ResponseReturnValue:
    """Save the answer to one question of an open mock exam (the last one counts)"""
    session = get_session()
    exam = session.get(MockExam, exam_id)
    if exam is None:
        raise ApiError(404, "not_found", _("No such mock exam."))
    enrolment = enrolment_or_404(session, current_user, exam.enrolment_id)
    now = get_clock().now()
    exam = mock_exams.paper_of(session, enrolment, exam_id, now=now)
    try:
        item = mock_exams.save_answer(session, exam, position, json.chosen, now=now)
    except ServiceError as error:
        raise _refusal(error, exam) from error
    return {
        "position": item.position,
        "chosen": item.chosen,
        "seconds_left": seconds_left(now, exam.deadline_at),
    }


def _refusal(error: ServiceError, exam: MockExam) -> ApiError:
    if error.code == "mock_exam_closed":
        get_session().commit()  # a paper the clock has just handed in stays handed in
        review = url_for("mock_exams.review", enrolment_id=exam.enrolment_id, exam_id=exam.id)
        return ApiError(
            409,
            "mock_exam_closed",
            _("The paper is handed in: answers no longer count."),
            review_url=review,
        )
    if error.code == "unknown_position":
        return ApiError(404, "not_found", _("The paper has no such question."))
    return ApiError(
        422,
        "answer_invalid",
        _("This is not an answer to this question."),
        fields=[{"field": "chosen", "message": _("This is not an answer to this question.")}],
    )
