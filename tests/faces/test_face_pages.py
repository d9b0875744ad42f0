"""Face checks as people use the pages: the admin switches them on for a programme, the trainee
consents (or not) and gives a reference face on the profile page, the admin approves or resets
it on the user's page."""

from __future__ import annotations

import io
import os
import re
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from learning.models import AuditEntry, FaceProfile, Programme, User
from tests.faces.portraits import astronaut, cat, hopper, jpeg
from tests.factories import Factory
from tests.web.forms import forms_of, submit

PROFILE = "/account/profile"
CONSENT = "/account/face/consent"
REFERENCE = "/account/face/reference"


@pytest.fixture
def trainee(make: Factory) -> User:
    """A trainee of a programme with face checks."""
    trainee = make.trainee()
    enrolment = make.enrolment(trainee, "accounting-4", make.training_class(make.instructor()))
    enrolment.programme.face_checks = True
    make.commit()
    return trainee


def _profile_of(db_session: Session, user: User) -> FaceProfile | None:
    db_session.expire_all()
    return db_session.get(FaceProfile, user.id)


def _answer(client: Any, answer: str) -> Any:
    page = client.get(PROFILE).get_data(as_text=True)
    (form,) = [form for form in forms_of(page, CONSENT) if form["values"]["answer"] == answer]
    return submit(client, form, PROFILE)


def _send_picture(client: Any, data: bytes, source: str = "camera") -> str:
    """The picture sent as face_reference.js (or the upload form) sends it; the page after."""
    form = {
        "source": source,
        "picture": (io.BytesIO(data), "a.jpg"),
    }
    response = client.post_form(REFERENCE, form, content_type="multipart/form-data")
    assert response.status_code == 303 and response.headers["Location"].endswith("#face")
    return client.get(PROFILE).get_data(as_text=True)


def _actions(db_session: Session, user: User) -> list[str]:
    statement = select(AuditEntry.action).where(AuditEntry.subject == f"user:{user.id}")
    return [action for action in db_session.scalars(statement) if action.startswith("face.")]


def test_the_profile_asks_for_consent_in_plain_words_only_where_checks_apply(
    login, make: Factory, trainee: User
) -> None:
    page = login(trainee).get(PROFILE)
    html = page.get_data(as_text=True)
    assert "人脸核验" in html and "365" in html
    assert len(forms_of(html, CONSENT)) == 2
    assert "camera=(self)" in page.headers["Permissions-Policy"]
    other = make.trainee()
    make.enrolment(other, "trading-3", make.training_class(make.instructor()))
    make.commit()
    html = login(other).get(PROFILE).get_data(as_text=True)
    assert not forms_of(html, CONSENT)
    assert "camera=()" in login(other).get("/").headers["Permissions-Policy"]


def test_refusing_is_recorded_and_the_trainee_may_consent_later(
    login, trainee: User, db_session: Session
) -> None:
    client = login(trainee)
    assert _answer(client, "refuse").status_code == 303
    assert _profile_of(db_session, trainee).consent == "refused"
    html = client.get(PROFILE).get_data(as_text=True)
    assert "已拒绝" in html or "拒绝" in html
    assert _answer(client, "give").status_code == 303
    assert _profile_of(db_session, trainee).consent == "given"
    assert _actions(db_session, trainee) == ["face.consent_refused", "face.consent"]


def test_a_camera_picture_of_a_face_is_in_force_and_withdrawing_deletes_it(
    login, trainee: User, db_session: Session, app
) -> None:
    client = login(trainee)
    _answer(client, "give")
    html = _send_picture(client, jpeg(astronaut()))
    profile = _profile_of(db_session, trainee)
    assert profile.reference_in_force and profile.reference_source == "camera"
    assert f"/users/{trainee.id}/face.jpg" in html
    picture = client.get(f"/users/{trainee.id}/face.jpg")
    assert picture.status_code == 200 and picture.mimetype == "image/jpeg"
    assert picture.headers["Cache-Control"] == "private, no-store"
    kept = app.config["UPLOAD_FOLDER"] + "/" + profile.reference_path
    assert _answer(client, "refuse").status_code == 303
    profile = _profile_of(db_session, trainee)
    assert profile.consent == "refused" and profile.descriptor is None
    assert not os.path.exists(kept)
    assert client.get(f"/users/{trainee.id}/face.jpg").status_code == 404


def test_a_picture_without_a_face_is_refused_with_a_message(
    login, trainee: User, db_session: Session
) -> None:
    client = login(trainee)
    _answer(client, "give")
    html = _send_picture(client, jpeg(cat()))
    assert "未检测到人脸" in html
    assert re.search(r'class="flash flash-error"', html)
    assert _profile_of(db_session, trainee).descriptor is None
    html = _send_picture(client, b"%PDF-1.4 not a picture")
    assert re.search(r'class="flash flash-error"', html)


def test_a_picture_before_consent_is_refused(login, trainee: User, db_session: Session) -> None:
    html = _send_picture(login(trainee), jpeg(astronaut()))
    assert re.search(r'class="flash flash-error"', html)
    assert _profile_of(db_session, trainee) is None


def test_an_upload_waits_for_the_admin_who_approves_it(
    login, make: Factory, trainee: User, db_session: Session
) -> None:
    client = login(trainee)
    _answer(client, "give")
    _send_picture(client, jpeg(hopper()), source="upload")
    profile = _profile_of(db_session, trainee)
    assert profile.descriptor is not None and not profile.reference_in_force
    admin = login(make.admin())
    page = admin.get(f"/admin/users/{trainee.id}").get_data(as_text=True)
    assert f"/users/{trainee.id}/face.jpg" in page
    programme = db_session.scalars(select(Programme).where(Programme.face_checks)).first()
    listing = admin.get(f"/admin/programmes/{programme.id}").get_data(as_text=True)
    assert trainee.username in listing
    (approve,) = forms_of(page, f"/admin/users/{trainee.id}/face/approve")
    response = submit(admin, approve)
    assert response.status_code == 303
    assert _profile_of(db_session, trainee).reference_in_force
    assert _actions(db_session, trainee)[-1] == "face.reference_approve"
    listing = admin.get(f"/admin/programmes/{programme.id}").get_data(as_text=True)
    assert trainee.username not in listing


def test_a_reset_needs_a_reason(login, make: Factory, trainee: User, db_session: Session) -> None:
    client = login(trainee)
    _answer(client, "give")
    _send_picture(client, jpeg(astronaut()))
    admin = login(make.admin())
    page = admin.get(f"/admin/users/{trainee.id}").get_data(as_text=True)
    (reset,) = forms_of(page, f"/admin/users/{trainee.id}/face/reset")
    submit(admin, reset, reason="  ")
    html = admin.get(f"/admin/users/{trainee.id}").get_data(as_text=True)
    assert re.search(r'class="flash flash-error"', html)
    assert _profile_of(db_session, trainee).reference_in_force
    assert submit(admin, reset, reason="不是本人").status_code == 303
    assert _profile_of(db_session, trainee).descriptor is None
    entry = db_session.scalars(
        select(AuditEntry).where(AuditEntry.action == "face.reference_reset")
    ).one()
    assert entry.reason == "不是本人"


def test_only_the_trainee_and_admins_see_a_reference_face(
    login, make: Factory, trainee: User
) -> None:
    client = login(trainee)
    _answer(client, "give")
    _send_picture(client, jpeg(astronaut()))
    url = f"/users/{trainee.id}/face.jpg"
    other = make.trainee()
    teacher = make.instructor()
    assert login(other).get(url).status_code == 404
    assert login(teacher).get(url).status_code == 404
    assert login(make.admin()).get(url).status_code == 200
    assert login(other).post(CONSENT, data={"answer": "give"}).status_code == 400  # no CSRF
    approve = f"/admin/users/{trainee.id}/face/approve"
    assert login(other).post(approve, data={"csrf_token": client.csrf_token()}).status_code in (
        400,
        403,
    )


def test_the_programme_switch_saves_and_is_audited(
    login, make: Factory, db_session: Session
) -> None:
    admin = login(make.admin())
    programme = db_session.scalars(select(Programme).where(Programme.code == "accounting-4")).one()
    url = f"/admin/programmes/{programme.id}"
    (form,) = forms_of(admin.get(url).get_data(as_text=True), "", "post")
    form["values"]["face_checks"] = "y"
    assert submit(admin, form, url).status_code == 303
    db_session.expire_all()
    assert db_session.get(Programme, programme.id).face_checks
    entry = db_session.scalars(
        select(AuditEntry).where(AuditEntry.action == "programme.update")
    ).one()
    assert entry.details == {"face_checks": [False, True]}
    html = admin.get(url).get_data(as_text=True)
    assert "code-check" in html
    (form,) = forms_of(html, "", "post")
    form["values"].pop("face_checks")
    assert submit(admin, form, url).status_code == 303
    db_session.expire_all()
    assert not db_session.get(Programme, programme.id).face_checks


def test_pictures_sent_too_fast_are_refused_with_a_message(
    app, login, trainee: User, db_session: Session
) -> None:
    client = login(trainee)
    _answer(client, "give")
    for _ in range(app.config["FACE_ANSWER_BURST"]):
        assert "太快" not in _send_picture(client, b"not a picture")
    assert "请稍候一分钟" in _send_picture(client, jpeg(astronaut()))
    assert not _profile_of(db_session, trainee).reference_in_force
