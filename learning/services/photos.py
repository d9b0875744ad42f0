"""A trainee's identity photo (证件照), printed on the admission ticket.

The photo is decoded and drawn again as a 3:4 JPEG of `SIZE` (upright as the camera meant it,
without its metadata), so what is stored and shown is always a small, plain picture, whatever
was uploaded. Files live under `<upload folder>/photos/`, outside `static/`.
"""

from __future__ import annotations

import io
import secrets
import warnings
from datetime import datetime
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy.orm import Session

from learning.models import TraineeProfile
from learning.services import ServiceError, audit

SUBFOLDER = "photos"
MAX_BYTES = 5 * 1024 * 1024
MIN_SIDE = 120  # pixels: smaller is no face anyone can recognise on paper
MAX_PIXELS = 40_000_000  # a decompression bomb is refused, not decoded
SIZE = (300, 400)  # width x height, the 3:4 of a one-inch photo


def set_photo(
    session: Session,
    profile: TraineeProfile,
    data: bytes,
    *,
    upload_folder: str | Path,
    now: datetime,
    actor_id: int,
) -> None:
    """Keep `data` (a JPEG or PNG) as the trainee's photo, replacing any earlier one."""
    picture = _normalised(data)
    relative = Path(SUBFOLDER) / f"{secrets.token_hex(16)}.jpg"
    target = Path(upload_folder) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(picture)
    previous = profile.photo_path
    profile.photo_path = relative.as_posix()
    if previous:
        (Path(upload_folder) / previous).unlink(missing_ok=True)
    audit.record(
        session,
        at=now,
        actor_id=actor_id,
        action="profile.photo",
        subject=f"user:{profile.user_id}",
        details={"replaced": previous is not None},
    )


def photo_bytes(profile: TraineeProfile | None, upload_folder: str | Path) -> bytes | None:
    if profile is None or not profile.photo_path:
        return None
    try:
        return (Path(upload_folder) / profile.photo_path).read_bytes()
    except FileNotFoundError:
        return None


def _normalised(data: bytes) -> bytes:
    if not data:
        raise ServiceError("upload_empty")
    if len(data) > MAX_BYTES:
        raise ServiceError("photo_too_large", most_mb=MAX_BYTES // (1024 * 1024))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in ("JPEG", "PNG"):
                raise ServiceError("photo_type")
            if image.width * image.height > MAX_PIXELS:
                raise ServiceError("photo_unreadable")
            image.load()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as error:
        raise ServiceError("photo_unreadable") from error
    except Image.DecompressionBombWarning as error:
        raise ServiceError("photo_unreadable") from error
    if min(image.size) < MIN_SIDE:
        raise ServiceError("photo_too_small", least=MIN_SIDE)
    upright = ImageOps.exif_transpose(image).convert("RGB")
    framed = ImageOps.fit(upright, SIZE, method=Image.Resampling.LANCZOS, centering=(0.5, 0.4))
    out = io.BytesIO()
    framed.save(out, format="JPEG", quality=88)
    return out.getvalue()
