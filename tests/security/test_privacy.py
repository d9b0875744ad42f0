"""ID-card and phone numbers are masked everywhere but the admin review of an application and
the exports an admin asks for unmasked; every such view is in the audit log."""

from __future__ import annotations

import io

import openpyxl
import pytest
from flask import Flask
from sqlalchemy import select

from learning.domain.eligibility import Evidence
from learning.models import AuditEntry
from learning.services import accounts, applications
from tests.factories import Factory

ID_NUMBER = "110105194912310021"  # the trainee's
APPLICANT_ID_NUMBER = "110105194912310038"  # one person, one account: the applicant's own
PHONE = "13812345678"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


@pytest.fixture
def world(app: Flask, make: Factory):
    instructor, admin = make.instructor(), make.admin()
    training_class = make.training_class(instructor)
    trainee = make.trainee()
    trainee.profile.id_number, trainee.profile.phone = ID_NUMBER, PHONE
    enrolment = make.enrolment(trainee, "accounting-4", training_class)
    application = applications.submit(
        make.session,
        username="applicant1",
        password="orchard kite pebble",
        profile=accounts.ProfileData(
            real_name="申请人", id_number=APPLICANT_ID_NUMBER, phone=PHONE
        ),
        programme=enrolment.programme,
        evidence=Evidence(years_of_work=6),
        uploads=[applications.Upload("id.png", PNG)],
        upload_folder=app.config["UPLOAD_FOLDER"],
        now=make.clock.now(),
        hash_method="pbkdf2:sha256:1000",
    )
    make.commit()
    return {
        "trainee": trainee,
        "instructor": instructor,
        "admin": admin,
        "class": training_class,
        "enrolment": enrolment,
        "application": application,
    }


def _views(db_session) -> list[AuditEntry]:
    db_session.expire_all()
    return list(
        db_session.scalars(select(AuditEntry).where(AuditEntry.action == "personal_data_viewed"))
    )


def _text(response) -> str:
    if response.mimetype.endswith("sheet"):
        book = openpyxl.load_workbook(io.BytesIO(response.data))
        return " ".join(
            str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row
        )
    return response.get_data(as_text=True)


def test_pages_and_exports_show_the_numbers_masked(world, login, db_session) -> None:
    admin = login(world["admin"])
    instructor = login(world["instructor"])
    trainee = login(world["trainee"])
    class_id, enrolment_id = world["class"].id, world["enrolment"].id
    seen = [
        admin.get(f"/classes/{class_id}"),
        admin.get(f"/classes/{class_id}/export.xlsx"),
        admin.get(f"/classes/{class_id}/export.csv"),
        admin.get(f"/admin/programmes/{world['enrolment'].programme_id}/export.csv"),
        admin.get(f"/admin/users/{world['trainee'].id}"),
        admin.get("/admin/users"),
        admin.get(f"/enrolments/{enrolment_id}"),
        instructor.get(f"/classes/{class_id}/export.csv?unmasked=1"),  # not an admin: masked
        instructor.get(f"/classes/{class_id}/export.xlsx"),
        trainee.get(f"/enrolments/{enrolment_id}/certificate"),
    ]
    for response in seen:
        assert response.status_code == 200, response.request.path
        text = _text(response)
        assert ID_NUMBER not in text and APPLICANT_ID_NUMBER not in text, response.request.path
        assert PHONE not in text, response.request.path
    assert "5678" in _text(seen[2])  # the masked form is there: the last digits
    assert _views(db_session) == []


def test_the_admin_review_shows_them_whole_and_logs_each_view(world, login, db_session) -> None:
    admin = login(world["admin"])
    application = world["application"]
    page = admin.get(f"/admin/applications/{application.id}").get_data(as_text=True)
    assert APPLICANT_ID_NUMBER in page and PHONE in page
    document = application.documents[0]
    with admin.get(f"/applications/{application.id}/documents/{document.id}") as response:
        assert response.data == PNG
    (review, download) = _views(db_session)
    assert (review.actor_id, review.details["where"]) == (world["admin"].id, "application_review")
    assert review.details["users"] == [application.applicant_id]
    assert download.details["where"] == "application_document"


def test_an_applicant_reading_their_own_documents_is_not_logged(world, app, db_session) -> None:
    from tests.conftest import Client

    app.test_client_class = Client
    applicant = app.test_client()
    assert applicant.log_in("applicant1", "orchard kite pebble").status_code == 303
    application = world["application"]
    document = application.documents[0]
    url = f"/applications/{application.id}/documents/{document.id}"
    with applicant.get(url) as response:
        assert response.status_code == 200
    assert _views(db_session) == []


def test_an_admin_export_unmasked_is_whole_and_logged(world, login, db_session) -> None:
    admin = login(world["admin"])
    class_id = world["class"].id
    response = admin.get(f"/classes/{class_id}/export.xlsx?unmasked=1")
    assert ID_NUMBER in _text(response) and PHONE in _text(response)
    programme_id = world["enrolment"].programme_id
    whole = admin.get(f"/admin/programmes/{programme_id}/export.csv?unmasked=1")
    assert ID_NUMBER in _text(whole)
    (by_class, by_programme) = _views(db_session)
    assert by_class.details == {
        "where": "class_export.xlsx",
        "users": [world["trainee"].id],
        "class_id": class_id,
    }
    assert by_programme.details["where"] == "programme_export.csv"
