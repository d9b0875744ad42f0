"""A trainee's consent to face checks and their reference face.

Without consent, or before a reference face is in force, a trainee studies under the typed code
check, and admins see why. A reference taken with the camera is in force at once; an uploaded
file waits for an admin to approve it beside the ID document. Withdrawing consent deletes the
reference (descriptor and picture); an admin may reset a reference, with a reason. Every step
is audited.
"""

from __future__ import annotations

import enum
import io
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PIL import Image, ImageOps
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from learning import faces
from learning.models import (
    Enrolment,
    EnrolmentStatus,
    FaceConsent,
    FaceProfile,
    Programme,
    ReferenceSource,
    User,
)
from learning.services import ServiceError, audit

SUBFOLDER = "faces"
MAX_BYTES = 5 * 1024 * 1024
KEPT_SIDE_PX = 640  # the reference picture is kept at most this large, for an admin to look at


def profile_of(session: Session, user_id: int) -> FaceProfile | None:
    return session.get(FaceProfile, user_id)


def checks_apply(session: Session, user_id: int, programme_id: int) -> bool:
    """Whether the trainee's study in the programme is under face checks: the programme
    requires them, the trainee consented and their reference face is in force."""
    programme = session.get(Programme, programme_id)
    if programme is None or not programme.face_checks:
        return False
    profile = profile_of(session, user_id)
    return profile is not None and profile.reference_in_force


class FaceState(enum.StrEnum):
    """Where a trainee stands with face checks, as the pages say it."""

    NOT_ASKED = "not_asked"  # no answer yet: the code check meanwhile
    REFUSED = "refused"  # refused or withdrawn: the code check
    NO_REFERENCE = "no_reference"  # consented, no reference face yet: the code check meanwhile
    AWAITING_APPROVAL = "awaiting_approval"  # an uploaded reference an admin has not approved
    IN_FORCE = "in_force"  # face checks apply


def state_of(profile: FaceProfile | None) -> FaceState:
    if profile is None or not profile.consent:
        return FaceState.NOT_ASKED
    if profile.consent != FaceConsent.GIVEN.value:
        return FaceState.REFUSED
    if profile.reference_in_force:
        return FaceState.IN_FORCE
    if profile.descriptor is not None:
        return FaceState.AWAITING_APPROVAL
    return FaceState.NO_REFERENCE


def asked_of(session: Session, user_id: int) -> bool:
    """Whether the trainee is asked about face checks: a current enrolment of theirs is in a
    programme with face checks, or they answered already (so that they can always withdraw)."""
    if profile_of(session, user_id) is not None:
        return True
    statement = (
        select(Enrolment.id)
        .join(Programme, Programme.id == Enrolment.programme_id)
        .where(
            Enrolment.trainee_id == user_id,
            Enrolment.status == EnrolmentStatus.ACTIVE.value,
            Programme.face_checks.is_(True),
        )
        .limit(1)
    )
    return session.execute(statement).first() is not None


@dataclass(frozen=True)
class CodeCheckTrainee:
    """A trainee of a face-check programme who studies under the code check, and why."""

    user_id: int
    username: str
    display_name: str
    state: FaceState
    since: datetime | None  # when they answered, or gave the reference now awaiting approval


def under_code_check(session: Session, programme_id: int) -> list[CodeCheckTrainee]:
    """The current trainees of a programme whose reference face is not in force, refusals
    first, then those awaiting approval, then the rest, by username."""
    statement = (
        select(User, FaceProfile)
        .join(Enrolment, Enrolment.trainee_id == User.id)
        .outerjoin(FaceProfile, FaceProfile.user_id == User.id)
        .where(
            Enrolment.programme_id == programme_id,
            Enrolment.status == EnrolmentStatus.ACTIVE.value,
        )
        .order_by(User.username)
    )
    found = []
    for user, profile in session.execute(statement).tuples():
        state = state_of(profile)
        if state is FaceState.IN_FORCE:
            continue
        since = None
        if profile is not None:
            since = profile.reference_set_at or profile.consent_at
        found.append(CodeCheckTrainee(user.id, user.username, user.display_name, state, since))
    return sorted(found, key=lambda row: _CODE_CHECK_ORDER.index(row.state))


_CODE_CHECK_ORDER = [
    FaceState.REFUSED,
    FaceState.AWAITING_APPROVAL,
    FaceState.NO_REFERENCE,
    FaceState.NOT_ASKED,
    FaceState.IN_FORCE,
]


def reference_picture(profile: FaceProfile | None, upload_folder: str | Path) -> bytes | None:
    """The kept reference picture, for the trainee and admins to look at."""
    if profile is None or not profile.reference_path:
        return None
    path = Path(upload_folder) / profile.reference_path
    return path.read_bytes() if path.is_file() else None


def record_consent(
    session: Session,
    user_id: int,
    *,
    given: bool,
    upload_folder: str | Path,
    now: datetime,
) -> FaceProfile:
    """The trainee's answer to the consent; refusing (or withdrawing) deletes any reference."""
    profile = _locked_profile(session, user_id, now)
    profile.consent = (FaceConsent.GIVEN if given else FaceConsent.REFUSED).value
    profile.consent_at = now
    if not given:
        _forget_reference(profile, upload_folder)
    audit.record(
        session,
        at=now,
        actor_id=user_id,
        action="face.consent" if given else "face.consent_refused",
        subject=f"user:{user_id}",
    )
    return profile


def _locked_profile(session: Session, user_id: int, now: datetime) -> FaceProfile:
    """The trainee's profile row, created if missing and locked for this transaction: two
    answers sent at once (a double click) queue on it instead of both inserting it."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(FaceProfile)
        .values(user_id=user_id, consent="", consent_at=now)
        .on_conflict_do_nothing(index_elements=["user_id"])
    )
    profile = session.get(FaceProfile, user_id, with_for_update=True, populate_existing=True)
    assert profile is not None
    return profile


def set_reference(
    session: Session,
    user_id: int,
    data: bytes,
    *,
    source: ReferenceSource,
    upload_folder: str | Path,
    now: datetime,
) -> FaceProfile:
    """Read the reference face from a picture with exactly one usable face; the codes of
    `faces.Finding.problem` (no_face, several_faces, face_too_small), `not_a_picture`,
    `face_consent_required` or `photo_too_large` otherwise."""
    profile = profile_of(session, user_id)
    if profile is None or profile.consent != FaceConsent.GIVEN.value:
        raise ServiceError("face_consent_required")
    if len(data) > MAX_BYTES:
        raise ServiceError("photo_too_large", most_mb=MAX_BYTES // (1024 * 1024))
    try:
        finding = faces.analyse(data)
    except faces.NotAPicture as error:
        raise ServiceError("not_a_picture") from error
    if finding.problem or finding.face is None:
        raise ServiceError(finding.problem or "no_face")
    descriptor = finding.face.descriptor
    if descriptor is None:  # never: a face is described unless analyse is told not to
        raise ValueError("the reference face was not described")
    _forget_reference(profile, upload_folder)
    relative = Path(SUBFOLDER) / f"{secrets.token_hex(16)}.jpg"
    target = Path(upload_folder) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(kept_picture(data))
    profile.descriptor = list(descriptor)
    profile.reference_path = relative.as_posix()
    profile.reference_source = source.value
    profile.reference_set_at = now
    audit.record(
        session,
        at=now,
        actor_id=user_id,
        action="face.reference",
        subject=f"user:{user_id}",
        details={"source": source.value},
    )
    return profile


def approve_reference(session: Session, user_id: int, *, now: datetime, actor_id: int) -> None:
    """An admin puts an uploaded reference in force, having compared it with the ID document."""
    profile = _with_reference(session, user_id)
    profile.reference_approved_at = now
    profile.reference_approved_by_id = actor_id
    audit.record(
        session,
        at=now,
        actor_id=actor_id,
        action="face.reference_approve",
        subject=f"user:{user_id}",
    )


def reset_reference(
    session: Session,
    user_id: int,
    *,
    reason: str,
    upload_folder: str | Path,
    now: datetime,
    actor_id: int,
) -> None:
    """An admin deletes a reference (a wrong person, a poor picture), with a reason; the
    trainee gives a new one."""
    if not reason.strip():
        raise ServiceError("reason_required")
    profile = _with_reference(session, user_id)
    _forget_reference(profile, upload_folder)
    audit.record(
        session,
        at=now,
        actor_id=actor_id,
        action="face.reference_reset",
        subject=f"user:{user_id}",
        reason=reason.strip(),
    )


def _with_reference(session: Session, user_id: int) -> FaceProfile:
    profile = profile_of(session, user_id)
    if profile is None or profile.descriptor is None:
        raise ServiceError("no_face_reference")
    return profile


def _forget_reference(profile: FaceProfile, upload_folder: str | Path) -> None:
    if profile.reference_path:
        (Path(upload_folder) / profile.reference_path).unlink(missing_ok=True)
    profile.descriptor = None
    profile.reference_path = None
    profile.reference_source = None
    profile.reference_set_at = None
    profile.reference_approved_at = None
    profile.reference_approved_by_id = None


def kept_picture(data: bytes) -> bytes:
    """The picture as kept for review: upright, at most `KEPT_SIDE_PX`, JPEG, no metadata."""
    with Image.open(io.BytesIO(data)) as image:
        picture = ImageOps.exif_transpose(image).convert("RGB")
    picture.thumbnail((KEPT_SIDE_PX, KEPT_SIDE_PX))
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=88)
    return out.getvalue()
