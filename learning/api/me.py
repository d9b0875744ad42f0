"""Who am I, and my enrolments."""

from __future__ import annotations

from flask.typing import ResponseReturnValue
from flask_login import current_user

from learning.api import api_blueprint, contract, schemas
from learning.db import get_session
from learning.models import Role
from learning.permissions import login_required, role_required
from learning.services import enrolments
from learning.services.enrolments import EnrolmentSummary


@api_blueprint.get("/me")
@login_required
@contract.route(200, schemas.Me)
def me() -> ResponseReturnValue:
    """Who is logged in"""
    return {
        "id": current_user.id,
        "username": current_user.username,
        "display_name": current_user.display_name,
        "role": current_user.role,
    }


@api_blueprint.get("/me/enrolments")
@role_required(Role.TRAINEE)
@contract.route(200, list[schemas.Enrolment])
def my_enrolments() -> ResponseReturnValue:
    """The trainee's enrolments"""
    summaries = enrolments.summaries_for_trainee(get_session(), current_user.id)
    return [enrolment_json(summary) for summary in summaries]


def enrolment_json(summary: EnrolmentSummary) -> dict[str, object]:
    return {
        "id": summary.id,
        "programme": {
            "code": summary.programme_code,
            "work_type": summary.work_type_code,
            "level": summary.level,
            "required_hours": summary.required_hours,
        },
        "online_hours": summary.online_hours,
        "offline_hours": summary.offline_hours,
        "credited_hours": summary.credited_hours,
        "exam_eligible": summary.exam_eligible,
        "blocking_reasons": summary.blocking_reasons,
    }
