"""`POST /admin/trainees/import?dry_run=1|0`: trainees from an Excel roster (shared/api.md)."""

from __future__ import annotations

from typing import Literal

from flask import current_app
from flask.typing import ResponseReturnValue
from flask_login import current_user
from pydantic import BaseModel, ConfigDict

from learning.api import api_blueprint, contract, schemas
from learning.api.contract import UploadedFile
from learning.api.validation import ApiError
from learning.db import get_session
from learning.extensions import get_clock
from learning.models import Role
from learning.permissions import role_required
from learning.services import ServiceError, trainee_import
from learning.texts.messages import describe, problem_text


class ImportQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dry_run: Literal["0", "1"] = "1"


class RosterForm(BaseModel):
    """The roster: an xlsx with the columns of the template."""

    model_config = ConfigDict(extra="forbid")

    file: UploadedFile


@api_blueprint.post("/admin/trainees/import")
@role_required(Role.ADMIN)
@contract.route(200, schemas.ImportReport)
def import_trainees(query: ImportQuery, form: RosterForm) -> ResponseReturnValue:
    """Trainees from an Excel roster; a dry run, or any bad row, writes nothing"""
    dry_run = query.dry_run == "1"
    file = form.file
    try:
        outcome = trainee_import.run(
            get_session(),
            file.read(),
            dry_run=dry_run,
            now=get_clock().now(),
            actor_id=current_user.id,
            hash_method=current_app.config["PASSWORD_HASH_METHOD"],
            standard_hour_minutes=current_app.config["STANDARD_HOUR_MINUTES"],
        )
    except ServiceError as error:
        raise ApiError(422, error.code, describe(error)) from error
    finally:
        file.close()
    return {
        "created": outcome.created,
        "updated": outcome.updated,
        "errors": [
            {"row": p.row, "column": p.column, "message": problem_text(p)} for p in outcome.problems
        ],
    }
