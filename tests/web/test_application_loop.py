"""The applicant's loop: told of each decision, a returned application corrected and sent
again, applying again after a rejection, proofs kept across a form error, one account per
ID-card number, and the warning when the evidence meets no condition."""

from __future__ import annotations

import io
import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from learning.models import Application, AuditEntry, Notification, User
from tests.conftest import Client
from tests.factories import Factory
from tests.web.test_registration import PDF, PNG, VALID_ID, form, upload


def _decide(admin: Client, application_id: int, **fields: str):
    return admin.post_form(
        f"/admin/applications/{application_id}",
        {
            "condition": "L4-a",
            "training_class": "0",
            **fields,
        },
    )


def test_returned_corrected_and_approved(
    client: Client, login, make: Factory, db_session: Session
) -> None:
    upload(client, [(PNG, "身份证.png")], years_of_work="2")
    application = db_session.scalar(select(Application))
    admin = login(make.admin())
    refused = _decide(admin, application.id, return_="y", note="")
    assert "请写明申请人需要修改或补充的内容" in refused.get_data(as_text=True)
    returned = _decide(admin, application.id, return_="y", note="请补充毕业证书。")
    assert returned.status_code == 303

    messages = client.get("/me/notifications").get_data(as_text=True)
    assert "已退回修改" in messages and "请补充毕业证书。" in messages
    home = client.get("/").get_data(as_text=True)
    assert "请补充毕业证书。" in home and f"/me/applications/{application.id}/edit" in home

    edit = client.get(f"/me/applications/{application.id}/edit").get_data(as_text=True)
    assert 'value="2.0"' in edit or 'value="2"' in edit  # the declared evidence, to correct
    data = form(client, years_of_work="2", education_kind="junior_college")
    data = {k: v for k, v in data.items() if k in _EVIDENCE_FIELDS}
    data["education_graduated_on"] = "2015-07-01"
    data["documents"] = [(io.BytesIO(PDF), "毕业证.pdf")]
    sent = client.post(
        f"/me/applications/{application.id}/edit", data=data, content_type="multipart/form-data"
    )
    assert sent.status_code == 303, sent.get_data(as_text=True)[-1500:]
    db_session.expire_all()
    application = db_session.get(Application, application.id)
    assert application.status == "submitted"
    assert [d.original_name for d in application.documents] == ["身份证.png", "毕业证.pdf"]
    assert application.evidence["education"][0]["kind"] == "junior_college"
    assert db_session.scalar(select(AuditEntry).where(AuditEntry.action == "application.resubmit"))
    queue = admin.get("/admin/applications").get_data(as_text=True)
    assert f"/admin/applications/{application.id}" in queue
    review = admin.get(f"/admin/applications/{application.id}").get_data(as_text=True)
    assert "请补充毕业证书。" in review  # what was asked stays beside the review

    assert _decide(admin, application.id, condition="L4-c", training_class="0", approve="y")
    home = client.get("/").get_data(as_text=True)
    assert "已按报考条件 L4-c 审核通过" in home
    kinds = db_session.scalars(select(Notification.kind).order_by(Notification.id)).all()
    assert kinds == ["application_returned", "application_approved"]


_EVIDENCE_FIELDS = {
    "years_of_work",
    "education_kind",
    "education_major",
    "certificate_occupation",
    "certificate_level",
    "title_level",
    "declaration",
    "csrf_token",
}


def test_a_rejected_applicant_is_told_and_applies_again(
    client: Client, login, make: Factory, db_session: Session
) -> None:
    upload(client, [(PNG, "id.png")])
    first = db_session.scalar(select(Application))
    admin = login(make.admin())
    _decide(admin, first.id, reject="y", reason="工作年限证明不足")
    assert "工作年限证明不足" in client.get("/me/notifications").get_data(as_text=True)
    home = client.get("/").get_data(as_text=True)
    assert "工作年限证明不足" in home and "/me/applications/new" in home

    data = {k: v for k, v in form(client, years_of_work="7").items() if k in _EVIDENCE_FIELDS}
    data["programme"] = "accounting-4"
    data["documents"] = [(io.BytesIO(PNG), "社保记录.png")]
    again = client.post("/me/applications/new", data=data, content_type="multipart/form-data")
    assert again.status_code == 303, again.get_data(as_text=True)[-1500:]
    second = db_session.scalars(select(Application).order_by(Application.id.desc())).first()
    assert second.id != first.id and second.status == "submitted"
    assert [d.original_name for d in second.documents] == ["社保记录.png"]
    data["documents"] = []
    third = client.post("/me/applications/new", data=data, content_type="multipart/form-data")
    assert "请先完成该报名" in third.get_data(as_text=True)  # one open application at a time


def test_chosen_files_are_kept_after_a_form_error(client: Client, db_session: Session, app) -> None:
    response = upload(client, [(PNG, "身份证.png"), (PDF, "学历.pdf")], phone="2380013800x")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "已选择：身份证.png" in page and "已选择：学历.pdf" in page
    assert "请重新输入密码" in page  # the password is never sent back: said plainly
    phone, error = page.index('name="phone"'), page.index("手机号码为以 1 开头的 11 位数字")
    assert phone < error and 'class="field' not in page[phone:error]  # beside its field

    held = re.findall(r'name="remove_proof" value="([0-9a-f]+)"', page)
    assert len(held) == 2
    data = form(client)
    data["remove_proof"] = held[1]
    data["documents"] = []
    sent = client.post("/register", data=data, content_type="multipart/form-data")
    assert sent.status_code == 303, sent.get_data(as_text=True)[-1500:]
    application = db_session.scalar(select(Application))
    assert [d.original_name for d in application.documents] == ["身份证.png"]


def test_a_second_account_with_the_same_id_number_is_refused(
    client: Client, app, db_session: Session
) -> None:
    assert upload(client, [], username="first01").status_code == 303
    other: Client = app.test_client()  # type: ignore[assignment]
    response = upload(other, [], username="second02", id_number=VALID_ID.lower())
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "该身份证号码已有账号" in page and 'href="/login"' in page
    assert "first01" not in page and "王芳" not in page.split("<form", 1)[0]
    assert db_session.scalar(select(func.count(User.id))) == 1


def test_evidence_meeting_no_condition_is_warned_before_submitting(client: Client) -> None:
    url = "/register/evaluation?programme=accounting-4"
    none_met = client.get(f"{url}&years_of_work=1").get_data(as_text=True)
    assert "不符合本等级的任何一项报考条件" in none_met and "L4-a 不符合" in none_met
    met = client.get(f"{url}&years_of_work=6").get_data(as_text=True)
    assert "L4-a 符合" in met and "不符合本等级的任何一项报考条件" not in met
    page = upload(client, [], years_of_work="1", phone="1").get_data(as_text=True)
    assert "不符合本等级的任何一项报考条件" in page  # drawn on the page sent back too
