"""A class's progress for its instructors and admins (shared/api.md)."""

from __future__ import annotations

from flask.typing import ResponseReturnValue
from flask_login import current_user

from learning.api import api_blueprint, contract, schemas
from learning.db import get_session
from learning.extensions import today
from learning.models import Role
from learning.permissions import class_or_404, role_required
from learning.services import reports


@api_blueprint.get("/classes/<int:class_id>/progress")
@role_required(Role.INSTRUCTOR, Role.ADMIN)
@contract.route(200, list[schemas.ClassProgressRow])
def class_progress(class_id: int) -> ResponseReturnValue:
    """A class's progress, one row per enrolment"""
    session = get_session()
    class_or_404(session, current_user, class_id)
    return [
        {
            "enrolment_id": row.summary.id,
            "trainee": {"id": row.summary.trainee_id, "display_name": row.summary.trainee_name},
            "programme_code": row.summary.programme_code,
            "required_hours": row.summary.required_hours,
            "credited_hours": row.summary.credited_hours,
            "online_hours": row.summary.online_hours,
            "offline_hours": row.summary.offline_hours,
            "status": row.status,
            "last_studied_on": (
                row.summary.last_studied_on.isoformat() if row.summary.last_studied_on else None
            ),
            "exam_eligible": row.summary.exam_eligible,
        }
        for row in reports.class_progress(session, class_id, today())
    ]
