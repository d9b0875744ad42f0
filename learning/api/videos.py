"""Admins put videos into the library: in one request, or resumable in chunks (shared/api.md).

`POST /admin/videos` takes the whole file as multipart form data (scripts, small files).
Large files from the browser go through an upload: `POST /admin/uploads` announces name and
size, `PUT /admin/uploads/<id>?offset=N` sends the bytes from N on, `GET /admin/uploads/<id>`
says how many arrived (resume from there), `POST /admin/uploads/<id>/video` makes the video.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Annotated

from flask import current_app, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from learning.api import api_blueprint, contract, schemas
from learning.api.contract import UploadedFile
from learning.api.validation import ApiError
from learning.db import get_session
from learning.extensions import get_clock
from learning.models import Role, Video
from learning.permissions import role_required
from learning.services import ServiceError, catalogue, uploads, videos
from learning.texts.messages import describe

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
READ_BYTES = 1024 * 1024


class UploadIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
    size: Annotated[int, Field(strict=True, ge=1, le=2**50)]


class ChunkAt(BaseModel):
    model_config = ConfigDict(extra="forbid")

    offset: Annotated[int, Field(ge=0, le=2**50)]


class VideoIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title
    programmes: Annotated[list[Code], Field(min_length=1, max_length=50)]


class VideoForm(VideoIn):
    """The whole file in one multipart request, with the fields of a video (repeat
    `programmes` for each code)."""

    file: UploadedFile


def _max_bytes() -> int:
    return current_app.config["VIDEO_MAX_MB"] * 1024 * 1024


def _folder() -> str:
    return current_app.config["UPLOAD_FOLDER"]


def _refused(error: ServiceError) -> ApiError:
    status = {
        "unknown_upload": 404,
        "offset_mismatch": 409,
        "upload_incomplete": 409,
        "video_too_large": 413,
        "upload_overflow": 413,
    }.get(error.code, 422)
    return ApiError(status, error.code, describe(error), **error.params)


def _upload_json(upload: uploads.Upload) -> dict[str, object]:
    return {
        "id": upload.id,
        "name": upload.name,
        "size": upload.size,
        "received": upload.received,
        "chunk_bytes": current_app.config["UPLOAD_CHUNK_BYTES"],
    }


def _video_json(video: Video) -> dict[str, object]:
    return {
        "id": video.id,
        "title": video.title,
        "duration_s": video.duration_s,
        "programmes": catalogue.programme_codes_of(get_session(), video.id),
    }


@api_blueprint.post("/admin/uploads")
@role_required(Role.ADMIN)
@contract.route(201, schemas.UploadState)
def start_upload(json: UploadIn) -> ResponseReturnValue:
    """Announce a video file to upload in chunks"""
    try:
        upload = uploads.start(
            _folder(),
            name=json.name,
            size=json.size,
            max_bytes=_max_bytes(),
            now=get_clock().now(),
            actor_id=current_user.id,
        )
    except ServiceError as error:
        raise _refused(error) from error
    return _upload_json(upload), 201


@api_blueprint.get("/admin/uploads/<upload_id>")
@role_required(Role.ADMIN)
@contract.route(200, schemas.UploadState)
def upload_state(upload_id: str) -> ResponseReturnValue:
    """How many bytes of an upload arrived: resume from there"""
    try:
        return _upload_json(uploads.state(_folder(), upload_id))
    except ServiceError as error:
        raise _refused(error) from error


@api_blueprint.put("/admin/uploads/<upload_id>")
@role_required(Role.ADMIN)
@contract.route(
    200, schemas.UploadState, raw_body="application/octet-stream", refusals={409: schemas.Error}
)
def upload_chunk(upload_id: str, query: ChunkAt) -> ResponseReturnValue:
    """The upload's bytes from `offset` on"""
    chunks = iter(lambda: request.stream.read(READ_BYTES), b"")
    try:
        return _upload_json(
            uploads.append(_folder(), upload_id, offset=query.offset, chunks=chunks)
        )
    except ServiceError as error:
        raise _refused(error) from error


@api_blueprint.post("/admin/uploads/<upload_id>/video")
@role_required(Role.ADMIN)
@contract.route(201, schemas.LibraryVideo, refusals={409: schemas.Error})
def finish_upload(upload_id: str, json: VideoIn) -> ResponseReturnValue:
    """Make the complete upload a video of the library"""
    return _into_library(
        json, partial(uploads.finish, upload_folder=_folder(), upload_id=upload_id)
    )


@api_blueprint.post("/admin/videos")
@role_required(Role.ADMIN)
@contract.route(201, schemas.LibraryVideo)
def add_video(form: VideoForm) -> ResponseReturnValue:
    """Add a video file in one request (WebM or MP4; the duration is read from the file)"""
    # The page uses the resumable upload. The size limit of this one is VIDEO_MAX_MB, not
    # MAX_CONTENT_LENGTH (`security.LARGE_BODIES`).
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "upload"
        try:
            form.file.save(source)
        finally:
            form.file.close()
        if source.stat().st_size > _max_bytes():
            too_large = ServiceError("video_too_large", most_mb=_max_bytes() // (1024 * 1024))
            raise _refused(too_large)
        return _into_library(
            form, partial(videos.import_video_file, upload_folder=_folder(), source=source)
        )


def _into_library(wanted: VideoIn, add: Callable[..., Video]) -> ResponseReturnValue:
    """Put a video into the library with `add` (from an upload or from a file): 201 with the
    video, or the refusal with nothing written."""
    session = get_session()
    try:
        video = add(
            session,
            title=wanted.title,
            programme_codes=wanted.programmes,
            now=get_clock().now(),
            actor_id=current_user.id,
        )
    except ServiceError as error:
        raise _refused(error) from error
    return _video_json(video), 201
