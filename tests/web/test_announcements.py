"""Announcements: written by the office (or an instructor for a class), shown on the home page
and among the messages of exactly the trainees addressed, withdrawn again; bad input is said on
the form."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from learning.models import (
    Announcement,
    AuditEntry,
    Notification,
    TrainingClass,
    User,
)
from learning.services import catalogue
from tests.conftest import Client
from tests.factories import Factory


@dataclass
class School:
    admin: User
    teacher: User
    other_teacher: User
    spring: TrainingClass  # teacher's class, accounting-4
    autumn: TrainingClass  # other_teacher's class, accounting-4
    in_spring: User
    in_autumn: User
    without_class: User  # accounting-4, no class
    verifier: User  # verification-3, in no class
    gone: User  # in spring, account deactivated
    withdrawn: User  # in spring, enrolment withdrawn


@pytest.fixture
def school(make: Factory) -> School:
    teacher, other_teacher = make.instructor(), make.instructor()
    spring = make.training_class(teacher, name="2026春季核算员四级班")
    autumn = make.training_class(other_teacher, name="2026秋季核算员四级班")
    people = {name: make.trainee(name) for name in ("chen", "zhao", "sun", "zhou", "wuxia", "qian")}
    make.enrolment(people["chen"], "accounting-4", spring)
    make.enrolment(people["zhao"], "accounting-4", autumn)
    make.enrolment(people["sun"], "accounting-4")
    make.enrolment(people["zhou"], "verification-3")
    make.enrolment(people["wuxia"], "accounting-4", spring)
    people["wuxia"].active = False
    make.enrolment(people["qian"], "accounting-4", spring).status = "withdrawn"
    admin = make.admin()
    make.commit()
    return School(
        admin,
        teacher,
        other_teacher,
        spring,
        autumn,
        people["chen"],
        people["zhao"],
        people["sun"],
        people["zhou"],
        people["wuxia"],
        people["qian"],
    )


def publish(client: Client, audience: str, title: str, body: str = "请按时学习。") -> object:
    return client.post_form(
        "/announcements",
        {
            "audience": audience,
            "title": title,
            "body": body,
        },
    )


def notified(db_session: Session, title: str) -> set[int]:
    db_session.expire_all()
    return set(
        db_session.scalars(
            select(Notification.user_id)
            .join(Announcement, Announcement.id == Notification.announcement_id)
            .where(Announcement.title == title)
        )
    )


def test_an_announcement_to_a_class_reaches_exactly_its_trainees(
    school: School, login, db_session: Session
) -> None:
    office = login(school.admin)
    body = "第一天上午九点在三楼报告厅集合。\n请带身份证。"
    response = publish(office, f"class:{school.spring.id}", "现场辅导安排", body)
    assert response.status_code == 303
    assert "1 名学员的消息中已收到" in office.get("/announcements").get_data(as_text=True)
    assert notified(db_session, "现场辅导安排") == {school.in_spring.id}

    home = login(school.in_spring).get("/").get_data(as_text=True)
    assert "现场辅导安排" in home and body in home  # the line break kept, shown by the CSS
    messages = login(school.in_spring).get("/me/notifications").get_data(as_text=True)
    assert "公告：现场辅导安排" in messages and "请带身份证。" in messages
    assert 'class="badge">1<' in home
    for other in (school.in_autumn, school.without_class, school.verifier):
        client = login(other)
        assert "现场辅导安排" not in client.get("/").get_data(as_text=True)
        assert "现场辅导安排" not in client.get("/me/notifications").get_data(as_text=True)

    entry = db_session.scalars(
        select(AuditEntry).where(AuditEntry.action == "announcement.create")
    ).one()
    assert entry.actor_id == school.admin.id
    assert entry.details["to"] == school.spring.name and entry.details["notified"] == 1


def test_a_programme_or_everyone_reaches_the_active_trainees_enrolled(
    school: School, login, db_session: Session
) -> None:
    office = login(school.admin)
    programme = catalogue.programme_by_code(db_session, "accounting-4")
    assert publish(office, f"programme:{programme.id}", "核算员四级通知").status_code == 303
    assert publish(office, "all", "全体学员通知").status_code == 303
    accounting = {school.in_spring.id, school.in_autumn.id, school.without_class.id}
    assert notified(db_session, "核算员四级通知") == accounting
    assert notified(db_session, "全体学员通知") == accounting | {school.verifier.id}
    verifier_home = login(school.verifier).get("/").get_data(as_text=True)
    assert "全体学员通知" in verifier_home and "核算员四级通知" not in verifier_home
    # the newest first
    home = login(school.without_class).get("/").get_data(as_text=True)
    assert home.index("全体学员通知") < home.index("核算员四级通知")


def test_a_withdrawn_announcement_disappears(school: School, login, db_session: Session) -> None:
    office = login(school.admin)
    publish(office, f"class:{school.spring.id}", "临时调课")
    announcement = db_session.scalars(select(Announcement)).one()
    trainee = login(school.in_spring)
    assert "临时调课" in trainee.get("/").get_data(as_text=True)

    withdrawn = office.post_form(f"/announcements/{announcement.id}/withdraw")
    assert withdrawn.status_code == 303
    assert "临时调课" not in trainee.get("/").get_data(as_text=True)
    assert "临时调课" not in trainee.get("/me/notifications").get_data(as_text=True)
    assert 'class="badge"' not in trainee.get("/").get_data(as_text=True)
    assert notified(db_session, "临时调课") == set()
    listed = office.get("/announcements").get_data(as_text=True)
    assert "临时调课" in listed and "撤回" in listed  # kept, marked
    again = office.post_form(
        f"/announcements/{announcement.id}/withdraw",
        {},
        follow_redirects=True,
    )
    assert again.status_code == 200 and "该公告已撤回" in again.get_data(as_text=True)
    entries = db_session.scalars(
        select(AuditEntry).where(AuditEntry.subject == f"announcement:{announcement.id}")
    ).all()
    assert sorted(entry.action for entry in entries) == [
        "announcement.create",
        "announcement.withdraw",
    ]
    withdrawal = next(entry for entry in entries if entry.action == "announcement.withdraw")
    assert withdrawal.details["notifications_removed"] == 1


@pytest.mark.parametrize(
    ("audience", "title", "body", "message"),
    [
        ("all", "", "正文", "该字段是必填字段"),
        ("all", "   ", "正文", "该字段是必填字段"),
        ("all", "标题", "", "该字段是必填字段"),
        ("all", "长" * 101, "正文", "最多 100 个字符，现有 101 个"),
        ("all", "标题", "长" * 2001, "最多 2000 个字符，现有 2001 个"),
        ("class:999999", "标题", "正文", "不是有效的选择"),
        ("programme:abc", "标题", "正文", "不是有效的选择"),
        ("everyone", "标题", "正文", "不是有效的选择"),
        ("class:99999999999999999999", "标题", "正文", "不是有效的选择"),
    ],
)
def test_bad_input_is_said_on_the_form(
    school: School, login, db_session: Session, audience, title, body, message
) -> None:
    office = login(school.admin)
    response = publish(office, audience, title, body)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'class="error"' in page
    assert message in page
    assert db_session.scalars(select(Announcement)).all() == []


def test_a_form_without_its_token_is_refused_on_the_form(school: School, login) -> None:
    office = login(school.admin)
    response = office.post("/announcements", data={"audience": "all", "title": "t", "body": "b"})
    assert response.status_code in {200, 400}
    assert response.status_code != 500


def test_markup_is_shown_as_text(school: School, login) -> None:
    office = login(school.admin)
    publish(office, "all", "<b>粗体</b>", '<script>alert("x")</script>')
    home = login(school.in_spring).get("/").get_data(as_text=True)
    assert "&lt;b&gt;粗体&lt;/b&gt;" in home and "<script>alert" not in home
    messages = login(school.in_spring).get("/me/notifications").get_data(as_text=True)
    assert "&lt;script&gt;" in messages and "<script>alert" not in messages


def test_an_instructor_announces_to_their_own_classes_only(
    school: School, login, db_session: Session
) -> None:
    teacher = login(school.teacher)
    page = teacher.get("/announcements").get_data(as_text=True)
    assert school.spring.name in page and school.autumn.name not in page
    assert 'value="all"' not in page and "programme:" not in page
    assert publish(teacher, f"class:{school.spring.id}", "王老师的通知").status_code == 303
    assert notified(db_session, "王老师的通知") == {school.in_spring.id}
    for refused in (f"class:{school.autumn.id}", "all"):
        response = publish(teacher, refused, "越权通知")
        assert response.status_code == 200 and 'class="error"' in response.get_data(as_text=True)
    assert notified(db_session, "越权通知") == set()

    own = db_session.scalars(select(Announcement).where(Announcement.title == "王老师的通知")).one()
    office = login(school.admin)
    publish(office, f"class:{school.spring.id}", "教务处的通知")
    publish(office, f"class:{school.autumn.id}", "秋季班的通知")
    listed = teacher.get("/announcements").get_data(as_text=True)
    assert "教务处的通知" in listed and "秋季班的通知" not in listed
    office_one, autumn_one = (
        db_session.scalars(select(Announcement).where(Announcement.title == title)).one()
        for title in ("教务处的通知", "秋季班的通知")
    )
    token = teacher.csrf_token()
    url = "/announcements/{}/withdraw"
    assert teacher.post(url.format(office_one.id), data={"csrf_token": token}).status_code == 403
    assert teacher.post(url.format(autumn_one.id), data={"csrf_token": token}).status_code == 404
    assert teacher.post(url.format(own.id), data={"csrf_token": token}).status_code == 303
    assert login(school.other_teacher).get("/announcements").status_code == 200


def test_trainees_have_no_announcement_pages(school: School, login, db_session) -> None:
    trainee = login(school.in_spring)
    assert trainee.get("/announcements").status_code == 403
    assert publish(trainee, "all", "学员发的").status_code == 403
    assert db_session.scalars(select(Announcement)).all() == []


def test_line_breaks_count_once_as_the_browser_counts_them(
    school: School, login, db_session: Session
) -> None:
    office = login(school.admin)
    body = "第一行\r\n" * 500  # 2,000 characters with the breaks the browser counted, 2,500 sent
    assert publish(office, "all", "分行的公告", body).status_code == 303
    stored = db_session.scalars(select(Announcement.body)).one()
    assert "\r" not in stored and stored.count("\n") == 499


def test_the_list_says_how_many_have_read_it(school: School, login) -> None:
    office = login(school.admin)
    publish(office, f"class:{school.spring.id}", "已读统计")
    assert "0 / 1" in office.get("/announcements").get_data(as_text=True)
    trainee = login(school.in_spring)
    trainee.post_form("/me/notifications/read")
    assert "1 / 1" in office.get("/announcements").get_data(as_text=True)
