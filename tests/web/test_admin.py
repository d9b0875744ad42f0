"""Admins manage users and programmes from the browser."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from learning.models import AuditEntry, Programme, Role, User
from learning.services.accounts import ProfileData
from tests.factories import Factory

VALID_ID = "11010519491231002X"


def _create(client, **fields):
    data = {
        "username": "newbie",
        "display_name": "新学员",
        "role": "trainee",
        "password": "linen forest echo",
        "phone": "13800000000",
        "id_number": VALID_ID,
        "employer": "广州发电有限公司",
        "category": "1",
    }
    data.update(fields)
    return client.post_form("/admin/users/new", data)


def test_admin_creates_a_trainee_with_profile(login, make: Factory, db_session: Session) -> None:
    client = login(make.admin())
    response = _create(client)
    assert response.status_code == 303
    user = db_session.scalar(select(User).where(User.username == "newbie"))
    assert user.role == Role.TRAINEE
    assert user.must_change_password
    assert user.profile.id_number == VALID_ID
    assert user.profile.category == 1
    actions = db_session.scalars(select(AuditEntry.action)).all()
    assert "user.create" in actions


def test_bad_id_number_is_explained_on_the_form(login, make: Factory, db_session: Session) -> None:
    client = login(make.admin())
    response = _create(client, id_number="110105194912310021")
    assert response.status_code == 200
    assert "身份证号码无效" in response.get_data(as_text=True)
    assert db_session.scalar(select(User).where(User.username == "newbie")) is None


def test_taken_username_is_explained_on_the_form(login, make: Factory) -> None:
    make.trainee("newbie")
    client = login(make.admin())
    response = _create(client)
    assert response.status_code == 200
    assert "已被使用" in response.get_data(as_text=True)


def test_a_known_id_number_is_explained_beside_its_field(login, make: Factory) -> None:
    client = login(make.admin())
    assert _create(client, username="first").status_code == 303
    page = _create(client, username="second").get_data(as_text=True)
    said = page.index("每人只能注册一个账号")
    assert page.index('name="id_number"') < said < page.index('name="employer"')


@pytest.mark.parametrize(
    ("password", "said"),
    [
        ("password1", "此密码常见或容易被猜到"),
        ("harbour 13800000000 kite", "密码中含有手机号"),
        ("kite 19491231 harbour", "密码中含有身份证号中的出生日期"),
        ("newbie harbour kite", "密码中含有用户名"),
    ],
)
def test_an_initial_password_is_held_to_the_rules_beside_its_field(
    login, make: Factory, db_session: Session, password: str, said: str
) -> None:
    client = login(make.admin())
    page = _create(client, password=password).get_data(as_text=True)
    assert page.index('name="password"') < page.index(said) < page.index('name="phone"')
    assert db_session.scalar(select(User).where(User.username == "newbie")) is None


def test_an_initial_passphrase_without_digits_is_accepted(login, make: Factory) -> None:
    client = login(make.admin())
    assert "几个互不相关的词" in client.get("/admin/users/new").get_data(as_text=True)
    assert _create(client, password="harbour kite meadow").status_code == 303


def test_unknown_role_is_refused_on_the_form(login, make: Factory, db_session: Session) -> None:
    client = login(make.admin())
    response = _create(client, role="superuser")
    assert response.status_code == 200
    assert db_session.scalar(select(User).where(User.username == "newbie")) is None


def test_admin_deactivates_a_user_who_then_cannot_log_in(
    login, make: Factory, db_session: Session
) -> None:
    trainee = make.trainee("leaving")
    client = login(make.admin())
    response = client.post_form(
        f"/admin/users/{trainee.id}",
        {"display_name": "Leaving", "role": "trainee"},
    )
    assert response.status_code == 303
    db_session.refresh(trainee)
    assert not trainee.active
    assert trainee.deactivated_at is not None
    response = client.application.test_client().log_in("leaving")
    assert "该账号已停用" in response.get_data(as_text=True)


def test_admin_cannot_deactivate_themselves(login, make: Factory) -> None:
    admin = make.admin()
    client = login(admin)
    response = client.post_form(
        f"/admin/users/{admin.id}",
        {"display_name": "Me", "role": "admin"},
    )
    assert response.status_code == 200
    assert "不能停用自己的账号" in response.get_data(as_text=True)


def test_admin_resets_a_password_and_the_user_must_change_it(
    login, make: Factory, db_session: Session
) -> None:
    trainee = make.trainee("forgetful")
    client = login(make.admin())
    client.post_form(
        f"/admin/users/{trainee.id}",
        {
            "display_name": "Forgetful",
            "role": "trainee",
            "active": "y",
            "new_password": "frosty window ladder",
        },
    )
    db_session.refresh(trainee)
    assert trainee.must_change_password
    user_client = client.application.test_client()
    assert user_client.log_in("forgetful", "frosty window ladder").status_code == 303
    assert user_client.get("/").headers["Location"].endswith("/account/password")


def _reset(client, user: User, password: str):
    return client.post_form(
        f"/admin/users/{user.id}",
        {
            "display_name": user.display_name,
            "role": user.role,
            "active": "y",
            "new_password": password,
        },
    )


@pytest.mark.parametrize(
    ("password", "said"),
    [
        ("qwertyuiop", "此密码常见或容易被猜到"),
        ("kite 13912345678 meadow", "密码中含有手机号"),
        ("forgetful harbour kite", "密码中含有用户名"),
        ("王小明 harbour kite", "密码中含有账号本人的姓名"),
    ],
)
def test_a_reset_password_is_held_to_the_rules_beside_its_field(
    login, make: Factory, db_session: Session, password: str, said: str
) -> None:
    profile = ProfileData(real_name="王小明", phone="13912345678")
    trainee = make.trainee("forgetful", display_name="王小明", profile=profile)
    old_hash = trainee.password_hash
    client = login(make.admin())
    response = _reset(client, trainee, password)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.index('name="new_password"') < page.index(said)
    assert "13912345678" not in page
    db_session.refresh(trainee)
    assert trainee.password_hash == old_hash and not trainee.must_change_password


def test_user_list_filters_by_role_and_name(login, make: Factory) -> None:
    make.trainee("zhangsan")
    make.instructor("lisi")
    client = login(make.admin())
    page = client.get("/admin/users?role=instructor").get_data(as_text=True)
    assert "lisi" in page and "zhangsan" not in page
    page = client.get("/admin/users?q=zhang").get_data(as_text=True)
    assert "zhangsan" in page and "lisi" not in page


def test_user_list_pages_keep_the_filter(login, make: Factory, monkeypatch) -> None:
    monkeypatch.setattr("learning.web.admin.USERS_PER_PAGE", 2)
    for name in ("zhang1", "zhang2", "zhang3"):
        make.trainee(name)
    client = login(make.admin())
    first = client.get("/admin/users?role=trainee&q=zhang").get_data(as_text=True)
    assert "1 / 2" in first
    link = re.search(r'href="(/admin/users\?[^"]*page=2[^"]*)"', first).group(1)
    assert "role=trainee" in link and "q=zhang" in link
    second = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert "2 / 2" in second and "page=1" in second


def test_admin_edits_required_hours_and_it_is_audited(
    login, make: Factory, db_session: Session
) -> None:
    programme = db_session.scalar(select(Programme).where(Programme.code == "trading-3"))
    client = login(make.admin())
    response = client.post_form(
        f"/admin/programmes/{programme.id}",
        {"required_hours": "90", "active": "y"},
    )
    assert response.status_code == 303
    db_session.refresh(programme)
    assert programme.required_hours == 90
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "programme.update"))
    assert entry.details == {"required_hours": [80, 90]}


def test_required_hours_out_of_range_is_refused(login, make: Factory, db_session: Session) -> None:
    programme = db_session.scalar(select(Programme).where(Programme.code == "trading-3"))
    client = login(make.admin())
    for bad in ["0", "-5", "abc", "100000", ""]:
        response = client.post_form(
            f"/admin/programmes/{programme.id}",
            {"required_hours": bad, "active": "y"},
        )
        assert response.status_code == 200, bad
        assert 'class="error"' in response.get_data(as_text=True)
    db_session.refresh(programme)
    assert programme.required_hours == 80


def test_unknown_user_and_programme_are_404(login, make: Factory) -> None:
    client = login(make.admin())
    assert client.get("/admin/users/999999").status_code == 404
    assert client.get("/admin/programmes/999999").status_code == 404


def test_admin_adds_a_work_type_and_opens_it_at_a_level(
    login, make: Factory, db_session: Session
) -> None:
    client = login(make.admin())
    response = client.post_form(
        "/admin/work-types/new",
        {
            "code": "forestry",
            "name_zh": "林业碳汇计量员",
            "name_en": "Forestry carbon sink",
        },
    )
    assert response.status_code == 303
    page = client.get("/admin/programmes/new").get_data(as_text=True)
    assert "林业碳汇计量员" in page
    response = client.post_form(
        "/admin/programmes/new",
        {
            "work_type": "forestry",
            "level": "2",
            "required_hours": "",
        },
    )
    assert response.status_code == 303
    programme = db_session.scalar(select(Programme).where(Programme.code == "forestry-2"))
    assert programme.required_hours == 100


def test_an_existing_programme_cannot_be_created_twice(login, make: Factory) -> None:
    client = login(make.admin())
    response = client.post_form(
        "/admin/programmes/new",
        {"work_type": "accounting", "level": "4"},
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "培训项目 碳排放核算员 · 四级/中级工 已存在。" in page
    assert "accounting-4" not in page


def test_consulting_can_be_opened_at_level_4_by_an_admin(
    login, make: Factory, db_session: Session
) -> None:
    client = login(make.admin())
    client.post_form(
        "/admin/programmes/new",
        {
            "work_type": "consulting",
            "level": "4",
            "required_hours": "60",
        },
    )
    programme = db_session.scalar(select(Programme).where(Programme.code == "consulting-4"))
    assert programme.required_hours == 60


def test_bad_work_type_codes_are_refused(login, make: Factory) -> None:
    client = login(make.admin())
    for code in ["Accounting", "会计", "a b", "accounting"]:
        response = client.post_form(
            "/admin/work-types/new",
            {"code": code, "name_zh": "x", "name_en": "x"},
        )
        assert response.status_code == 200, code
        assert 'class="error"' in response.get_data(as_text=True)


def test_admin_sets_the_fees_of_a_programme(login, make: Factory, db_session: Session) -> None:
    programme = db_session.scalar(select(Programme).where(Programme.code == "trading-3"))
    client = login(make.admin())
    response = client.post_form(
        f"/admin/programmes/{programme.id}",
        {
            "required_hours": "80",
            "active": "y",
            "training_fee": "2400",
            "assessment_fee": "600.50",
        },
    )
    assert response.status_code == 303
    db_session.refresh(programme)
    assert (programme.training_fee_fen, programme.assessment_fee_fen) == (240_000, 60_050)
    page = client.get(f"/admin/programmes/{programme.id}").get_data(as_text=True)
    assert 'value="2400.00"' in page


def test_the_dashboard_charts_count_what_the_database_holds(
    login, make: Factory, db_session: Session, clock
) -> None:
    done = make.enrolment(make.trainee(), "trading-4")
    done.online_s = 80 * 45 * 60
    make.enrolment(make.trainee(), "trading-4")
    make.payment(done, amount_fen=240_000, paid_on=clock.now().date(), method="bank")
    client = login(make.admin())
    html = client.get("/admin").get_data(as_text=True)
    figures = {
        name: json.loads(body)
        for name, body in re.findall(
            r'<script type="application/json" id="figure-(\w+)">(.*?)</script>', html, re.S
        )
    }
    reached, studying = figures["programmes"]["data"]
    assert reached["y"] == ["碳排放交易员 四级"]
    assert reached["x"] == [1] and studying["x"] == [1]
    fees = figures["fees"]["data"][0]
    assert len(fees["x"]) == 12 and fees["y"][-1] == 2400.0


def test_admin_makes_presence_checks_ask_questions_and_it_is_audited(
    login, make: Factory, db_session: Session
) -> None:
    programme = db_session.scalar(select(Programme).where(Programme.code == "trading-3"))
    client = login(make.admin())
    page = client.get(f"/admin/programmes/{programme.id}").get_data(as_text=True)
    assert 'name="presence_check"' in page and "题库中的一道题" in page
    form = {"required_hours": "80", "active": "y", "presence_check": "question"}
    response = client.post_form(f"/admin/programmes/{programme.id}", form)
    assert response.status_code == 303
    db_session.refresh(programme)
    assert programme.presence_check == "question"
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "programme.update"))
    assert entry.details == {"presence_check": ["code", "question"]}
    assert "在岗检测方式：题库中的一道题" in client.get("/admin/audit").get_data(as_text=True)
    bad = {**form, "presence_check": "riddle"}
    refused = client.post_form(f"/admin/programmes/{programme.id}", bad)
    assert refused.status_code == 200 and 'class="error"' in refused.get_data(as_text=True)
