"""What each role sees at home, in Chinese and in English."""

from __future__ import annotations

from tests.conftest import Client
from tests.factories import Factory


def test_trainee_home_shows_enrolments_with_hours_and_blockers(login, make: Factory) -> None:
    trainee = make.trainee()
    make.enrolment(trainee, "verification-3")
    page = login(trainee).get("/").get_data(as_text=True)
    assert "碳排放核查员" in page
    assert "三级/高级工" in page
    assert "/ 80 标准学时" in page
    assert "还差 80.0 标准学时" in page
    assert "培训费尚未缴纳" in page


def test_paid_and_approved_enrolment_is_only_blocked_by_hours(login, make: Factory, clock) -> None:
    trainee = make.trainee()
    enrolment = make.enrolment(trainee, "trading-2")
    make.payment(enrolment, amount_fen=250_000, paid_on=clock.now().date(), method="bank")
    page = login(trainee).get("/").get_data(as_text=True)
    assert "还差 100.0 标准学时" in page
    assert "培训费尚未缴纳" not in page
    assert "报考资格尚未审核通过" not in page


def test_trainee_without_enrolment_is_told_what_happens_next(login, make: Factory) -> None:
    page = login(make.trainee()).get("/").get_data(as_text=True)
    assert "您还没有报名培训项目" in page


def test_instructor_home_lists_only_their_classes(login, make: Factory) -> None:
    teacher, other = make.instructor(), make.instructor()
    make.training_class(teacher, name="核算员四级一班")
    make.training_class(other, name="核查员三级二班")
    page = login(teacher).get("/").get_data(as_text=True)
    assert "核算员四级一班" in page
    assert "核查员三级二班" not in page


def test_admin_home_lists_every_programme_of_the_catalogue(login, make: Factory) -> None:
    page = login(make.admin()).get("/", follow_redirects=True).get_data(as_text=True)
    for code in [
        "monitoring-4",
        "accounting-1",
        "verification-2",
        "trading-3",
        "aviation-4",
        "consulting-3",
    ]:
        assert code in page
    assert "consulting-4" not in page


def test_course_page_lists_videos_in_programme_order(login, make: Factory, clock) -> None:
    from learning.services import catalogue

    trainee = make.trainee()
    enrolment = make.enrolment(trainee, "accounting-4")
    for title in ["第一讲 概述", "第二讲 核算"]:
        catalogue.add_video(
            make.session,
            title=title,
            duration_s=600,
            url="https://v/x.mp4",
            programme_codes=["accounting-4"],
            now=clock.now(),
        )
    page = login(trainee).get(f"/enrolments/{enrolment.id}").get_data(as_text=True)
    assert page.index("第一讲 概述") < page.index("第二讲 核算")
    assert "10:00" in page


def test_english_is_chosen_per_user_and_remembered(login, make: Factory) -> None:
    trainee = make.trainee()
    make.enrolment(trainee, "verification-3")
    client = login(trainee)
    assert "我的课程" in client.get("/").get_data(as_text=True)
    response = client.post_form("/language", {"language": "en", "next": "/"})
    assert response.status_code == 303
    page = client.get("/").get_data(as_text=True)
    assert "My courses" in page
    assert "Carbon emission verifier" in page
    assert "Level 3 / Senior" in page
    assert "80.0 standard hours still missing" in page
    assert '<html lang="en">' in page
    # the choice is the user's: a new session in another browser keeps it
    again = login(trainee)
    assert "My courses" in again.get("/").get_data(as_text=True)


def test_anonymous_pages_follow_the_browser_language(client: Client) -> None:
    english = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert "Log in" in english.get_data(as_text=True)
    chinese = client.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert "登录" in chinese.get_data(as_text=True)
    other = client.get("/login", headers={"Accept-Language": "fr-FR"})
    assert '<html lang="zh-CN">' in other.get_data(as_text=True)


def test_logged_in_users_get_chinese_whatever_their_browser_says(login, make: Factory) -> None:
    client = login(make.trainee())
    page = client.get("/", headers={"Accept-Language": "en-US"}).get_data(as_text=True)
    assert "我的课程" in page


def test_unknown_language_is_ignored(login, make: Factory) -> None:
    client = login(make.trainee())
    client.post_form("/language", {"language": "xx"})
    assert "我的课程" in client.get("/").get_data(as_text=True)


def test_error_pages_are_friendly_and_translated(login, make: Factory) -> None:
    client = login(make.trainee())
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "页面不存在" in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
