"""What was studied: videos with coverage, and the study record per day."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from flask.typing import ResponseReturnValue
from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field, model_validator

from learning.api import api_blueprint, contract, schemas
from learning.db import get_session
from learning.models import Role
from learning.permissions import enrolment_or_404, login_required, role_required
from learning.services import records


class DateRange(BaseModel):
    """`?from=YYYY-MM-DD&to=YYYY-MM-DD`, both optional, inclusive."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    date_from: Annotated[date | None, Field(alias="from")] = None
    date_to: Annotated[date | None, Field(alias="to")] = None

    @model_validator(mode="after")
    def _ordered(self) -> DateRange:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("'from' must not be after 'to'")
        return self


@api_blueprint.get("/enrolments/<int:enrolment_id>/videos")
@login_required
@contract.route(200, list[schemas.VideoProgress])
def enrolment_videos(enrolment_id: int) -> ResponseReturnValue:
    """An enrolment's videos with their coverage"""
    session = get_session()
    enrolment = enrolment_or_404(session, current_user, enrolment_id)
    return [
        {
            "id": video.id,
            "title": video.title,
            "duration_s": video.duration_s,
            "covered_s": video.covered_s,
            "completed": video.completed,
        }
        for video in records.video_progress(session, enrolment)
    ]


@api_blueprint.get("/me/study-record")
@role_required(Role.TRAINEE)
@contract.route(200, list[schemas.StudyDay])
def my_study_record(query: DateRange) -> ResponseReturnValue:
    """The trainee's study record, per day"""
    days = records.study_record(get_session(), current_user.id, query.date_from, query.date_to)
    return [
        {
            "date": day.date.isoformat(),
            "credited_s": day.credited_s,
            "online_s": day.online_s,
            "offline_s": day.offline_s,
            "not_credited_s": day.not_credited_s,
            "videos": [
                {"video_id": video.video_id, "title": video.title, "credited_s": video.credited_s}
                for video in day.videos
            ],
            "offline": [
                {"kind": item.kind, "seconds": item.seconds, "reason": item.reason}
                for item in day.offline
            ],
        }
        for day in days
    ]
