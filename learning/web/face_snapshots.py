"""Face-check pictures, for admins only: a trainee's checks with their pictures, each picture
served uncached and its every view audited (`learning.services.face_snapshots`)."""

from __future__ import annotations

import io

from flask import Blueprint, abort, current_app, render_template, request, send_file
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from learning.db import get_session, writes_on_get
from learning.extensions import get_clock
from learning.models import Role, User
from learning.permissions import role_required
from learning.services import face_snapshots

blueprint = Blueprint("face_snapshots", __name__, url_prefix="/admin")

PER_PAGE = 30
MAX_PAGE = 100_000

#: What the server found in the pictures (accounting.FACE_OUTCOMES), in plain words.
OUTCOME_LABELS = {
    "match": _l("Same person"),
    "mismatch": _l("Not the same person"),
    "no_face": _l("No face found"),
    "several_faces": _l("More than one face"),
    "face_too_small": _l("Face too small"),
    "not_live": _l("The action asked for was not seen"),
    "not_a_picture": _l("No usable picture"),
    "no_reference": _l("No reference face to compare with"),
}

#: The liveness action a check asked for (faces.LIVENESS_ACTIONS).
ACTION_LABELS = {
    "blink": _l("Blink"),
    "turn": _l("Turn the head and back"),
}


@blueprint.before_request
@role_required(Role.ADMIN)
def _admins_only() -> None:
    """Facial data is for admins only."""


@blueprint.route("/users/<int:user_id>/face-snapshots")
def trainee(user_id: int) -> ResponseReturnValue:
    session = get_session()
    user = session.get(User, user_id) or abort(404)
    page = min(max(1, request.args.get("page", 1, type=int) or 1), MAX_PAGE)
    rows, total = face_snapshots.of_trainee(
        session, user.id, limit=PER_PAGE, offset=(page - 1) * PER_PAGE
    )
    return render_template(
        "admin/face_snapshots.html",
        user=user,
        rows=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        outcome_labels=OUTCOME_LABELS,
        action_labels=ACTION_LABELS,
        threshold=current_app.config["FACE_MATCH_THRESHOLD"],
        retention_days=current_app.config["FACE_SNAPSHOT_RETENTION_DAYS"],
    )


@blueprint.route("/face-snapshots/<int:snapshot_id>.jpg")
@writes_on_get  # the view is audited: a writer from the start, as thumbnails load side by side
def image(snapshot_id: int) -> ResponseReturnValue:
    file = face_snapshots.open_for_viewing(
        get_session(),
        snapshot_id,
        viewer_id=current_user.id,
        now=get_clock().now(),
        upload_folder=current_app.config["UPLOAD_FOLDER"],
    )
    if file is None:
        abort(404)
    picture = file.read_bytes()  # small; read whole, so a file handle never outlives the request
    response = send_file(io.BytesIO(picture), mimetype="image/jpeg")
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
