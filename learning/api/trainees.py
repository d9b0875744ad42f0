"""`POST /admin/trainees/import?dry_run=1|0`: trainees from an Excel roster (shared/api.md)."""

from __future__ import annotations

from typing import Literal

from flask import request
from flask.typing import ResponseReturnValue
from pydantic import BaseModel, ConfigDict

from learning.api import api_blueprint
from learning.api.validation import ApiError, query
from learning.models import Role
from learning.permissions import role_required
from learning.services import ServiceError
from learning.web.messages import describe
from learning.web.roster import problem_text, run_import


class ImportQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dry_run: Literal["0", "1"] = "1"


@api_blueprint.post("/admin/trainees/import")
@role_required(Role.ADMIN)
def import_trainees() -> ResponseReturnValue:
    dry_run = query(ImportQuery).dry_run == "1"
    file = request.files.get("file")
    if file is None or not file.filename:
        raise ApiError(422, "validation", describe(ServiceError("file_required")))
    try:
        outcome = run_import(file.read(), dry_run=dry_run)
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
