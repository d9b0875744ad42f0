"""Consent to face checks and the reference face, as the services keep them."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from learning import faces
from learning.models import AuditEntry, ReferenceSource
from learning.services import ServiceError, face_profiles
from tests.faces.portraits import astronaut, cat, hopper, jpeg
from tests.factories import Factory


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "uploads"


def test_a_reference_needs_consent_and_one_usable_face(
    make: Factory, db_session: Session, folder: Path
) -> None:
    trainee = make.trainee()
    now = make.clock.now()
    with pytest.raises(ServiceError) as refused:
        face_profiles.set_reference(
            db_session,
            trainee.id,
            jpeg(astronaut()),
            source=ReferenceSource.CAMERA,
            upload_folder=folder,
            now=now,
        )
    assert refused.value.code == "face_consent_required"
    face_profiles.record_consent(db_session, trainee.id, given=True, upload_folder=folder, now=now)
    for data, code in ((jpeg(cat()), "no_face"), (b"%PDF-1.4", "not_a_picture")):
        with pytest.raises(ServiceError) as refused:
            face_profiles.set_reference(
                db_session,
                trainee.id,
                data,
                source=ReferenceSource.CAMERA,
                upload_folder=folder,
                now=now,
            )
        assert refused.value.code == code
    profile = face_profiles.set_reference(
        db_session,
        trainee.id,
        jpeg(astronaut()),
        source=ReferenceSource.CAMERA,
        upload_folder=folder,
        now=now,
    )
    assert profile.reference_in_force and len(profile.descriptor) == 128
    kept = folder / profile.reference_path
    assert kept.exists()
    other = faces.analyse(jpeg(hopper())).face
    assert faces.distance(profile.descriptor, other.descriptor) > 0.6


def test_an_uploaded_reference_waits_for_an_admin_and_a_reset_deletes_it(
    make: Factory, db_session: Session, folder: Path
) -> None:
    trainee, admin = make.trainee(), make.admin()
    now = make.clock.now()
    face_profiles.record_consent(db_session, trainee.id, given=True, upload_folder=folder, now=now)
    profile = face_profiles.set_reference(
        db_session,
        trainee.id,
        jpeg(astronaut()),
        source=ReferenceSource.UPLOAD,
        upload_folder=folder,
        now=now,
    )
    assert not profile.reference_in_force
    face_profiles.approve_reference(db_session, trainee.id, now=now, actor_id=admin.id)
    assert profile.reference_in_force
    picture = folder / profile.reference_path
    with pytest.raises(ServiceError):
        face_profiles.reset_reference(
            db_session, trainee.id, reason=" ", upload_folder=folder, now=now, actor_id=admin.id
        )
    face_profiles.reset_reference(
        db_session,
        trainee.id,
        reason="照片与身份证不符",
        upload_folder=folder,
        now=now,
        actor_id=admin.id,
    )
    assert not profile.reference_in_force and profile.descriptor is None
    assert not picture.exists()
    actions = db_session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-4:] == [
        "face.consent",
        "face.reference",
        "face.reference_approve",
        "face.reference_reset",
    ]


def test_withdrawing_consent_deletes_the_reference(
    make: Factory, db_session: Session, folder: Path
) -> None:
    trainee = make.trainee()
    now = make.clock.now()
    face_profiles.record_consent(db_session, trainee.id, given=True, upload_folder=folder, now=now)
    profile = face_profiles.set_reference(
        db_session,
        trainee.id,
        jpeg(astronaut()),
        source=ReferenceSource.CAMERA,
        upload_folder=folder,
        now=now,
    )
    picture = folder / profile.reference_path
    face_profiles.record_consent(db_session, trainee.id, given=False, upload_folder=folder, now=now)
    assert profile.consent == "refused" and profile.descriptor is None
    assert not picture.exists() and not profile.reference_in_force
