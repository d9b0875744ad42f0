"""A trainee's own details: the ID-card number masked, the contact details theirs to change."""

from __future__ import annotations

from sqlalchemy import select

from learning.models import AuditEntry, User
from tests.factories import Factory

ID_NUMBER = "110105194912310021"


def test_a_trainee_sees_the_id_masked_and_changes_their_phone(
    login, make: Factory, db_session
) -> None:
    trainee = make.trainee()
    trainee.profile.id_number = ID_NUMBER
    client = login(trainee)
    page = client.get("/account/profile").get_data(as_text=True)
    assert ID_NUMBER not in page and "110***********0021" in page
    form = {
        "phone": "13912345678",
        "email": "wang@example.cn",
        "employer": "广州某能源公司",
    }
    assert client.post_form("/account/profile", form).status_code == 303
    db_session.expire_all()
    profile = db_session.get(User, trainee.id).profile
    assert (profile.phone, profile.email) == ("13912345678", "wang@example.cn")
    entry = db_session.scalars(select(AuditEntry).where(AuditEntry.action == "profile.contact"))
    assert entry.one().details == {"fields": ["phone", "email", "employer"]}


def test_a_bad_phone_is_explained_and_nothing_changes(login, make: Factory, db_session) -> None:
    trainee = make.trainee()
    trainee.profile.phone = "13800000000"
    client = login(trainee)
    form = {"phone": "23912345678", "email": "x@example.cn"}
    response = client.post_form("/account/profile", form)
    assert response.status_code == 200
    assert "手机号" in response.get_data(as_text=True)
    db_session.expire_all()
    profile = db_session.get(User, trainee.id).profile
    assert (profile.phone, profile.email) == ("13800000000", None)


def test_staff_without_a_profile_see_their_account(login, make: Factory) -> None:
    page = login(make.instructor()).get("/account/profile").get_data(as_text=True)
    assert "修改密码" in page and "联系方式" not in page
