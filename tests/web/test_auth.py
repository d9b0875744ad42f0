"""Logging in and out, password changes, CSRF."""

from __future__ import annotations

import pytest
from flask import Flask

from learning.models import Role
from learning.services.accounts import ProfileData
from tests.conftest import Client
from tests.factories import PASSWORD, Factory


def test_login_page_shows_the_form_in_chinese_by_default(client: Client) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert 'name="csrf_token"' in page
    assert "登录" in page
    assert '<meta name="csrf-token"' in page


def test_login_with_good_credentials_goes_to_the_role_home(client: Client, make: Factory) -> None:
    make.trainee("wang")
    make.commit()
    response = client.log_in("wang")
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert client.get("/").status_code == 200


def test_login_is_case_insensitive_on_the_username(client: Client, make: Factory) -> None:
    make.trainee("Wang")
    make.commit()
    assert client.log_in("wANG").status_code == 303


def test_wrong_password_shows_the_form_again_with_a_message(client: Client, make: Factory) -> None:
    make.trainee("wang")
    make.commit()
    response = client.log_in("wang", "wrong-password1")
    assert response.status_code == 200
    assert "用户名或密码错误" in response.get_data(as_text=True)


def test_unknown_user_gets_the_same_message(client: Client) -> None:
    response = client.log_in("nobody", PASSWORD)
    assert response.status_code == 200
    assert "用户名或密码错误" in response.get_data(as_text=True)


def test_empty_fields_are_reported_on_the_form(client: Client) -> None:
    response = client.post_form("/login", {"username": "", "password": ""})
    assert response.status_code == 200
    assert response.get_data(as_text=True).count('class="error"') == 2


def test_deactivated_account_is_refused_with_its_own_message(client: Client, make: Factory) -> None:
    user = make.trainee("gone")
    user.active = False
    make.commit()
    response = client.log_in("gone")
    assert response.status_code == 200
    assert "该账号已停用" in response.get_data(as_text=True)


def test_login_without_csrf_token_is_refused(client: Client, make: Factory) -> None:
    make.trainee("wang")
    make.commit()
    response = client.post("/login", data={"username": "wang", "password": PASSWORD})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "表单已过期" in page
    assert 'href="/login"' in page
    assert client.get("/").status_code == 302  # still logged out


def test_logout_needs_post_with_csrf(login, make: Factory) -> None:
    client = login(make.trainee())
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200
    assert client.get("/logout").status_code == 405
    response = client.post_form("/logout")
    assert response.status_code == 303
    assert client.get("/").status_code == 302


def test_next_parameter_only_redirects_within_the_site(client: Client, make: Factory) -> None:
    make.trainee("wang")
    make.commit()
    token = client.csrf_token()
    data = {"username": "wang", "password": PASSWORD, "csrf_token": token}
    response = client.post("/login", data={**data, "next": "https://evil.example/x"})
    assert response.headers["Location"] == "/"


def test_next_parameter_returns_to_the_page_asked_for(client: Client, make: Factory) -> None:
    make.trainee("wang")
    make.commit()
    assert client.get("/me/nowhere").status_code == 404
    response = client.get("/")
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]
    token = client.csrf_token()
    data = {"username": "wang", "password": PASSWORD, "csrf_token": token, "next": "/"}
    assert client.post("/login", data=data).headers["Location"] == "/"


def test_session_cookie_is_http_only_and_same_site(client: Client, make: Factory) -> None:
    make.trainee("wang")
    make.commit()
    response = client.log_in("wang")
    cookie = next(v for v in response.headers.getlist("Set-Cookie") if v.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_changing_the_password_ends_other_sessions(app: Flask, login, make: Factory) -> None:
    user = make.trainee("wang")
    first = login(user)
    second = login(user)
    response = first.post_form(
        "/account/password",
        {
            "current_password": PASSWORD,
            "new_password": "new autumn bicycle",
            "confirm": "new autumn bicycle",
        },
    )
    assert response.status_code == 303
    assert first.get("/").status_code == 200
    assert second.get("/").status_code == 302


def _change_password(client: Client, new: str):
    return client.post_form(
        "/account/password",
        {
            "current_password": PASSWORD,
            "new_password": new,
            "confirm": new,
        },
    )


@pytest.mark.parametrize("weak", ["password1", "qwertyuiop", "abc12345"])
def test_a_common_password_is_refused_with_what_to_do_instead(login, make: Factory, weak) -> None:
    client = login(make.trainee())
    page = _change_password(client, weak).get_data(as_text=True)
    assert "此密码常见或容易被猜到" in page and "几个互不相关的词" in page


@pytest.mark.parametrize(
    ("new", "said"),
    [
        ("lantern 13812345678 orbit", "手机号"),
        ("lantern 440106199003071231 orbit", "身份证号"),
        ("orbit 19900307 lantern", "身份证号中的出生日期"),
        ("zhang.wei lantern orbit", "用户名"),
        ("张伟 lantern orbit", "账号本人的姓名"),
    ],
)
def test_a_password_built_from_ones_own_details_is_refused_naming_which(
    login, make: Factory, new: str, said: str
) -> None:
    profile = ProfileData(real_name="张伟", phone="13812345678", id_number="440106199003071231")
    client = login(make.trainee("zhang.wei", profile=profile))
    response = _change_password(client, new)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"密码中含有{said}，他人可能知道或查到" in page
    assert "13812345678" not in page and "440106199003071231" not in page


def test_a_long_passphrase_without_digits_is_accepted(client: Client, login, make: Factory) -> None:
    response = _change_password(login(make.trainee("lin")), "quiet harbour morning walk")
    assert response.status_code == 303
    assert client.log_in("lin", "quiet harbour morning walk").status_code == 303


def test_the_change_form_says_what_makes_a_good_password(login, make: Factory) -> None:
    page = login(make.trainee()).get("/account/password").get_data(as_text=True)
    assert "至少 8 个字符；几个互不相关的词即是安全的密码" in page
    assert "字母和数字" not in page


def test_a_user_told_to_change_the_password_must_do_it_first(login, make: Factory) -> None:
    user = make.user(Role.INSTRUCTOR)
    user.must_change_password = True
    client = login(user)
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/account/password")
