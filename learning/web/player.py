"""Watching: the player page, and the video files served with range requests (seekable)."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from learning.db import get_session
from learning.models import Role, Video
from learning.permissions import enrolment_or_404, login_required, may_watch, role_required
from learning.services import enrolments, records, videos
from learning.web.files import send_stored_file

blueprint = Blueprint("player", __name__)


@blueprint.route("/enrolments/<int:enrolment_id>/videos/<int:video_id>")
@role_required(Role.TRAINEE)
def play(enrolment_id: int, video_id: int) -> ResponseReturnValue:
    session = get_session()
    enrolment = enrolment_or_404(session, current_user, enrolment_id)
    progress = records.video_progress(session, enrolment)
    index = next((i for i, video in enumerate(progress) if video.id == video_id), None)
    if index is None:
        abort(404)
    video = session.get(Video, video_id) or abort(404)
    return render_template(
        "player/player.html",
        start_s=_start_s(progress[index].duration_s),
        enrolment=enrolments.summary(session, enrolment),
        video=progress[index],
        source=video.url or url_for("player.video_file", video_id=video_id),
        mime_type=video.mime_type or "",
        poster=url_for("player.video_poster", video_id=video_id) if video.file_path else None,
        previous=progress[index - 1] if index > 0 else None,
        following=progress[index + 1] if index + 1 < len(progress) else None,
        # where the player sends a trainee whose session ended, and back here after the login
        login_url=url_for("auth.login", next=request.full_path.rstrip("?")),
    )


def _start_s(duration_s: int) -> int | None:
    """The second asked for by `?t=` (the 继续学习 button's first uncovered second); None when
    absent or not within the video, and the player resumes where the last playback stopped."""
    start_s = request.args.get("t", type=int)
    return start_s if start_s is not None and 0 <= start_s < duration_s else None


@blueprint.route("/videos/<int:video_id>/file")
@login_required
def video_file(video_id: int) -> ResponseReturnValue:
    """The stored file, with HTTP range requests so the player can seek."""
    session = get_session()
    video = session.get(Video, video_id)
    if (
        video is None
        or video.file_path is None
        or not may_watch(get_session(), current_user, video.id)
    ):
        abort(404)
    path = Path(current_app.config["UPLOAD_FOLDER"]) / video.file_path
    if not path.is_file():
        abort(404)
    response = send_stored_file(path, mimetype=video.mime_type, conditional=True, max_age=3600)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@blueprint.route("/videos/<int:video_id>/poster.png")
@login_required
def video_poster(video_id: int) -> ResponseReturnValue:
    """The picture the player shows before the video starts, taken from the file."""
    video = get_session().get(Video, video_id)
    if (
        video is None
        or video.file_path is None
        or not may_watch(get_session(), current_user, video.id)
    ):
        abort(404)
    path = Path(current_app.config["UPLOAD_FOLDER"]) / videos.poster_path(video.file_path)
    if not path.is_file():
        abort(404)  # a file put in before posters were taken
    response = send_stored_file(path, mimetype="image/png", conditional=True, max_age=86400)
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response
