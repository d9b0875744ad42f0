"""Public registration (报名), the applicant's view, and the admin's review."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from learning.models import Application, AuditEntry, Enrolment, User
from learning.services import applications
from tests.conftest import Client
from tests.factories import Factory

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 200
PDF = b"%PDF-1.7\n" + b"x" * 200
VALID_ID = "11010519491231002X"


def form(client: Client, **changes) -> dict:
    data = {
        "username": "wangfang",
        "password": "orchard kite pebble",
        "confirm": "orchard kite pebble",
        "real_name": "王芳",
        "id_number": VALID_ID,
        "phone": "13800138000",
        "employer": "广州发电有限公司",
        "category": "1",
        "programme": "accounting-4",
        "years_of_work": "6",
        "education_kind": "",
        "education_major": "this",
        "certificate_occupation": "same",
        "certificate_level": "5",
        "title_level": "junior",
        "declaration": "y",
        "csrf_token": client.csrf_token(),
    }
    data.update(changes)
    return data


def upload(client: Client, files: list[tuple[bytes, str]], **changes):
    data = form(client, **changes)
    data["documents"] = [(io.BytesIO(content), name) for content, name in files]
    return client.post("/register", data=data, content_type="multipart/form-data")


def test_anyone_can_open_the_form(client: Client) -> None:
    page = client.get("/register").get_data(as_text=True)
    assert "报名培训" in page and 'enctype="multipart/form-data"' in page
    assert "碳排放核算员" in page


def test_a_person_applies_and_sees_what_their_evidence_meets(
    client: Client, db_session: Session, app: Flask
) -> None:
    response = upload(client, [(PNG, "身份证.png"), (PDF, "毕业证.pdf")])
    assert response.status_code == 303, response.get_data(as_text=True)[-2000:]
    application = db_session.scalar(select(Application))
    assert application.status == "submitted"
    assert application.evidence["years_of_work"] == 6.0
    assert [d.mime_type for d in application.documents] == ["image/png", "application/pdf"]
    stored = Path(app.config["UPLOAD_FOLDER"]) / application.documents[0].stored_path
    assert stored.read_bytes() == PNG and "static" not in str(stored)
    page = client.get("/me/applications").get_data(as_text=True)
    assert "审核中" in page
    assert "L4-a 符合" in page  # 5 years of work: met with 6
    assert "L4-b 不符合" in page
    own = client.get(f"/applications/{application.id}/documents/{application.documents[0].id}")
    assert own.status_code == 200 and own.data == PNG
    own.close()


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([(b"MZ\x90\x00 not a pdf", "证书.pdf")], "不是 PDF、JPEG 或 PNG 文件"),
        ([(PNG + b"x" * 4096, "big.png")], "big.png 超过"),  # limit lowered below
        ([(PNG, "x.png")] * 9, "最多上传 8 个文件"),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_kept(
    client: Client, db_session: Session, files, message, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 4 KB stands in for 5 MB: a multipart body that large makes the test client spool it to
    # a temporary file it never closes, which would fail the suite's warning filter.
    monkeypatch.setattr(applications, "MAX_DOCUMENT_BYTES", 4096)
    response = upload(client, files)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db_session.scalar(select(User).where(User.username == "wangfang")) is None


def test_a_path_in_the_file_name_is_never_used(client: Client, db_session, app: Flask) -> None:
    response = upload(client, [(PNG, "../../../etc/passwd.png")])
    assert response.status_code == 303
    document = db_session.scalar(select(Application)).documents[0]
    assert document.original_name == "passwd.png"
    assert ".." not in document.stored_path and document.stored_path.startswith("documents/")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"id_number": "110105194912310021"}, "身份证号码无效"),
        ({"phone": "2380013800x"}, "手机号码为以 1 开头的 11 位数字"),
        ({"confirm": "other1234"}, "两次输入的密码不一致"),
        ({"declaration": ""}, 'class="error"'),
        ({"has_certificate": "y"}, "请填写证书发证日期"),
        ({"education_kind": "junior_college"}, "请填写毕业日期，或勾选应届毕业生"),
        ({"years_of_work": "-1"}, 'class="error"'),
    ],
)
def test_mistakes_are_explained_on_the_form(client: Client, db_session, change, message) -> None:
    response = upload(client, [], **change)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db_session.scalar(select(Application)) is None


@pytest.mark.parametrize(
    ("password", "said"),
    [
        ("password1", "此密码常见或容易被猜到"),
        ("qwertyuiop", "此密码常见或容易被猜到"),
        ("kite 13800138000 orbit", "密码中含有手机号"),
        ("kite 31002X orbit", "密码中含有身份证号"),
        ("19491231 kite orbit", "密码中含有身份证号中的出生日期"),
        ("wangfang kite orbit", "密码中含有用户名"),
        ("王芳 kite orbit", "密码中含有账号本人的姓名"),
    ],
)
def test_a_weak_or_personal_password_is_refused_beside_its_field(
    client: Client, db_session, password: str, said: str
) -> None:
    response = upload(client, [(PNG, "id.png")], password=password, confirm=password)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.index('name="password"') < page.index(said) < page.index('name="confirm"')
    assert db_session.scalar(select(User).where(User.username == "wangfang")) is None


def test_the_form_says_what_makes_a_good_password_and_takes_a_passphrase(
    client: Client, db_session
) -> None:
    page = client.get("/register").get_data(as_text=True)
    assert "至少 8 个字符；几个互不相关的词即是安全的密码" in page
    response = upload(
        client, [(PNG, "id.png")], password="lazy river picnic", confirm="lazy river picnic"
    )
    assert response.status_code == 303
    assert db_session.scalar(select(User).where(User.username == "wangfang")) is not None


def test_admin_approves_under_a_condition_which_creates_the_enrolment(
    client: Client, login, make: Factory, db_session: Session
) -> None:
    upload(client, [(PNG, "id.png")])
    application = db_session.scalar(select(Application))
    teacher = make.instructor()
    training_class = make.training_class(teacher, name="核算四级一班")
    admin = login(make.admin())
    review = admin.get(f"/admin/applications/{application.id}").get_data(as_text=True)
    assert VALID_ID in review  # the review page is where the number is shown whole
    assert "L4-a" in review and 'src="/applications/' in review
    response = admin.post_form(
        f"/admin/applications/{application.id}",
        {
            "condition": "L4-a",
            "training_class": str(training_class.id),
            "approve": "y",
        },
    )
    assert response.status_code == 303
    db_session.expire_all()
    application = db_session.get(Application, application.id)
    enrolment = db_session.get(Enrolment, application.enrolment_id)
    assert application.status == "approved" and enrolment.eligibility_condition == "L4-a"
    assert enrolment.class_id == training_class.id
    assert db_session.scalar(select(AuditEntry).where(AuditEntry.action == "application.approve"))
    assert "已按报考条件 L4-a 审核通过" in client.get("/me/applications").get_data(as_text=True)


def test_admin_rejects_with_a_reason_the_applicant_sees(
    client: Client, login, make: Factory, db_session: Session
) -> None:
    upload(client, [(PNG, "id.png")])
    application = db_session.scalar(select(Application))
    admin = login(make.admin())
    url = f"/admin/applications/{application.id}"
    no_reason = admin.post_form(
        url,
        {
            "condition": "L4-a",
            "training_class": "0",
            "reject": "y",
            "reason": "",
        },
    )
    assert no_reason.status_code == 200 and "请填写原因" in no_reason.get_data(as_text=True)
    admin.post_form(
        url,
        {
            "condition": "L4-a",
            "training_class": "0",
            "reject": "y",
            "reason": "工作年限证明不足",
        },
    )
    page = client.get("/me/applications").get_data(as_text=True)
    assert "未通过" in page and "工作年限证明不足" in page
    again = admin.post_form(
        url,
        {
            "condition": "L4-a",
            "training_class": "0",
            "approve": "y",
        },
    )
    assert "该报名已审核" in again.get_data(as_text=True)


def test_the_qr_code_points_at_the_registration_page(login, make: Factory) -> None:
    admin = login(make.admin())
    png = admin.get("/admin/registration-qr.png")
    svg = admin.get("/admin/registration-qr.svg")
    assert png.mimetype == "image/png" and png.data.startswith(b"\x89PNG")
    assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    assert "http://localhost/register" in admin.get("/admin/registration-qr").get_data(as_text=True)
