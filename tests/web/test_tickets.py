"""Admission tickets (准考证) and the identity photo they carry, as people use them."""

from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from learning.models import AuditEntry, TraineeProfile
from tests.factories import Factory


def _picture(size: tuple[int, int] = (600, 800), kind: str = "JPEG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 180, 160)).save(out, format=kind)
    return out.getvalue()


def _upload(client, data: bytes, name: str = "me.jpg"):
    return client.post_form(
        "/profile/photo",
        {"photo": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def _admitted(make: Factory, name: str = "王小明"):
    """A trainee with the hours and the fee, registered for the session of 2026-05-20."""
    trainee = make.trainee(display_name=name)
    enrolment = make.enrolment(trainee, "accounting-4")
    enrolment.online_s = 80 * 45 * 60
    make.payment(enrolment, amount_fen=10**7)
    exam = make.exam_session()
    registration = make.registration(enrolment, exam)
    make.commit()
    return enrolment, exam, registration


def test_a_trainee_gives_a_photo_and_prints_the_ticket_with_it(
    login, make: Factory, db_session: Session
) -> None:
    enrolment, exam, registration = _admitted(make)
    trainee = login(enrolment.trainee)
    course = trainee.get(f"/enrolments/{enrolment.id}").get_data(as_text=True)
    url = f"/enrolments/{enrolment.id}/registrations/{registration.id}/ticket"
    assert url in course
    page = trainee.get(url).get_data(as_text=True)
    assert "准考证" in page and "请在此处粘贴一寸照片" in page
    assert "碳排放核算员" in page and "考点" in page and "2026-05-20 " not in page

    saved = _upload(trainee, _picture(kind="PNG"), "证件照.png").get_data(as_text=True)
    assert "照片已保存" in saved
    profile = db_session.get(TraineeProfile, enrolment.trainee_id)
    db_session.refresh(profile)
    photo = trainee.get(f"/users/{enrolment.trainee_id}/photo.jpg")
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert Image.open(io.BytesIO(photo.data)).size == (300, 400)  # drawn again, 3:4
    assert "no-store" in photo.headers["Cache-Control"]
    page = trainee.get(url).get_data(as_text=True)
    assert f"/users/{enrolment.trainee_id}/photo.jpg" in page
    number = f"20260520{exam.id:04d}{registration.seat_no:04d}"
    assert number in page
    assert db_session.scalar(select(AuditEntry.action).where(AuditEntry.action == "profile.photo"))


def test_a_bad_photo_is_refused_in_words_and_the_old_one_kept(
    login, make: Factory, db_session: Session
) -> None:
    trainee_user = make.trainee()
    make.commit()
    trainee = login(trainee_user)
    assert "照片已保存" in _upload(trainee, _picture()).get_data(as_text=True)
    db_session.expire_all()
    kept = db_session.get(TraineeProfile, trainee_user.id).photo_path
    for data, name, words in (
        (b"%PDF-1.4 not a picture", "scan.pdf", "不是可以读取的图片"),
        (_picture((60, 80)), "tiny.jpg", "照片太小"),
        (_picture(kind="GIF"), "me.gif", "照片须为 JPEG 或 PNG"),
        (b"", "empty.jpg", "文件是空的"),
        (b"", "", "请选择照片"),
    ):
        answer = _upload(trainee, data, name)
        assert answer.status_code == 200 and words in answer.get_data(as_text=True), name
    db_session.expire_all()
    assert db_session.get(TraineeProfile, trainee_user.id).photo_path == kept


def test_only_the_trainee_the_office_and_their_instructors_see_the_photo(
    login, make: Factory
) -> None:
    enrolment, _exam, _registration = _admitted(make)
    _upload(login(enrolment.trainee), _picture())
    other = make.trainee()
    stranger = make.instructor()
    make.commit()
    url = f"/users/{enrolment.trainee_id}/photo.jpg"
    assert login(other).get(url).status_code == 404
    assert login(stranger).get(url).status_code == 404
    assert login(make.admin()).get(url).status_code == 200


def test_the_office_prints_every_admitted_candidates_ticket(
    login, make: Factory, db_session: Session
) -> None:
    enrolment, exam, registration = _admitted(make, "甲")
    short = make.enrolment(make.trainee(display_name="乙"), "accounting-4")
    make.registration(short, exam)
    make.commit()
    admin = login(make.admin())
    session_page = admin.get(f"/admin/exam-sessions/{exam.id}").get_data(as_text=True)
    assert f"/admin/exam-sessions/{exam.id}/tickets" in session_page
    page = admin.get(f"/admin/exam-sessions/{exam.id}/tickets").get_data(as_text=True)
    assert page.count('<article class="ticket">') == 1
    assert "暂无准考证" in page and "乙" in page
    other = make.trainee()
    make.commit()
    ticket = f"/enrolments/{enrolment.id}/registrations/{registration.id}/ticket"
    assert login(other).get(ticket).status_code == 404
