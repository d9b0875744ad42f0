"""Dashboards narrowed by programme, class and period: the numbers behind each figure."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest

from learning.models import (
    Application,
    ExamRegistration,
    OfflineCredit,
)
from tests.factories import Factory

HOUR_S = 45 * 60
MARCH = date(2026, 3, 2)  # the fake clock's today


def figures(html: str) -> dict[str, dict]:
    return {
        name: json.loads(body)
        for name, body in re.findall(
            r'<script type="application/json" id="figure-(\w+)">(.*?)</script>', html, re.S
        )
    }


def figure_value(html: str, label: str) -> str:
    """The <dd> of the figure whose <dt> is `label`."""
    match = re.search(rf"<dt>{re.escape(label)}</dt><dd>(.*?)</dd>", html, re.S)
    assert match, f"no figure {label}"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def pay(make: Factory, enrolment, amount_yuan: int, paid_on: date) -> None:
    make.payment(enrolment, amount_fen=amount_yuan * 100, paid_on=paid_on, method="bank")


@pytest.fixture
def body(make: Factory, clock):
    """Two classes of two programmes, enrolled in January and in March, with fees, an exam
    held in February with one certificate, and applications of both months."""
    teacher = make.instructor("teacher_a")
    other = make.instructor("teacher_b")
    class_a = make.training_class(teacher, name="核算四级一班")
    class_b = make.training_class(other, name="核查三级一班")
    clock.set(clock.now() - timedelta(days=50))  # 2026-01-11
    january = make.enrolment(make.trainee(display_name="一月"), "accounting-4", class_a)
    january.online_s = 80 * HOUR_S
    pay(make, january, 1800, date(2026, 1, 12))
    held = make.exam_session(
        starts_on=date(2026, 2, 10), registration_closes_on=date(2026, 2, 1), capacity=5
    )
    make.session.add(
        ExamRegistration(
            enrolment_id=january.id,
            exam_session_id=held.id,
            created_at=clock.now(),
            outcome="passed",
            certificate_no="S" + "1" * 21,
            certificate_issued_on=date(2026, 2, 20),
        )
    )
    make.session.add(
        Application(
            applicant_id=january.trainee_id,
            programme_id=january.programme_id,
            status="approved",
            evidence={},
            submitted_at=clock.now(),
            enrolment_id=january.id,
        )
    )
    clock.set(clock.now() + timedelta(days=50))  # back to 2026-03-02
    march = make.enrolment(make.trainee(display_name="三月"), "accounting-4", class_a)
    march.online_s = 10 * HOUR_S
    pay(make, march, 2200, MARCH)
    verifier = make.enrolment(make.trainee(display_name="核查"), "verification-3", class_b)
    pay(make, verifier, 3000, MARCH)
    make.session.add(
        Application(
            applicant_id=make.trainee().id,
            programme_id=verifier.programme_id,
            status="submitted",
            evidence={},
            submitted_at=clock.now(),
        )
    )
    make.commit()
    return {"teacher": teacher, "class_a": class_a, "class_b": class_b, "january": january}


def test_the_admin_overview_counts_everything_without_filters(login, make, body) -> None:
    html = login(make.admin()).get("/admin").get_data(as_text=True)
    assert figure_value(html, "报名人数") == "3"
    assert figure_value(html, "已达最低学时") == "1"
    assert figure_value(html, "已收费用") == "¥7,000"
    assert figure_value(html, "已发证书") == "1"
    reached, studying = figures(html)["programmes"]["data"]
    assert reached["y"] == ["碳排放核算员 四级", "碳排放核查员 三级"]
    assert reached["x"] == [1, 0] and studying["x"] == [1, 1]


def test_a_programme_narrows_every_figure(login, make, body) -> None:
    html = login(make.admin()).get("/admin?programme=verification-3").get_data(as_text=True)
    assert figure_value(html, "报名人数") == "1"
    assert figure_value(html, "已收费用") == "¥3,000"
    assert figure_value(html, "已发证书") == "0"
    assert figure_value(html, "待审核报名") == "1"
    assert "本期间没有考试场次" in html
    classes = html.split("<h2>班级</h2>", 1)[1]
    assert "核查三级一班" in classes and "核算四级一班" not in classes


def test_a_class_narrows_to_its_enrolments_and_their_exams(login, make, body) -> None:
    class_id = body["class_a"].id
    html = login(make.admin()).get(f"/admin?training_class={class_id}").get_data(as_text=True)
    assert figure_value(html, "报名人数") == "2"
    assert figure_value(html, "已收费用") == "¥4,000"
    assert figure_value(html, "通过率") == "100%"
    assert figure_value(html, "待审核报名") == "0"  # one under review, of no class yet
    sessions = figures(html)["sessions"]["data"]
    assert sessions[1]["y"] == [1]  # registered


def test_a_period_counts_what_happened_in_it(login, make, body) -> None:
    client = login(make.admin())
    html = client.get("/admin?date_from=2026-01-01&date_to=2026-02-28").get_data(as_text=True)
    assert figure_value(html, "报名人数") == "1"  # the enrolment begun in January
    assert figure_value(html, "已收费用") == "¥1,800"
    assert figure_value(html, "已发证书") == "1"
    assert figure_value(html, "已通过") == "1"  # applications approved in the period
    fees = figures(html)["fees"]["data"][0]
    assert fees["x"] == ["2026-01", "2026-02"] and fees["y"] == [1800.0, 0.0]
    html = client.get("/admin?date_from=2026-03-01").get_data(as_text=True)
    assert figure_value(html, "已发证书") == "0"
    assert figure_value(html, "已收费用") == "¥5,200"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("date_from=2026-13-40", "不是有效的日期"),
        ("date_from=2026-03-01&date_to=2026-01-01", "结束日期早于开始日期"),
        ("programme=nonsense", "不是有效的选择"),
        ("training_class=99999", "不是有效的选择"),
        ("training_class=x%01y", "不是有效的选择"),  # NUL itself: test_headers.py
    ],
)
def test_a_bad_filter_is_explained_and_narrows_nothing(login, make, body, query, message):
    response = login(make.admin()).get(f"/admin?{query}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html
    assert figure_value(html, "报名人数") == "3"


def test_nothing_matching_says_what_to_do(login, make, body) -> None:
    html = login(make.admin()).get("/admin?date_from=2027-01-01").get_data(as_text=True)
    assert "没有符合筛选条件的报名" in html
    assert "本期间没有收费记录" in html
    assert 'id="figure-programmes"' not in html


def add_study(make: Factory, enrolment, day: date, hours: float) -> None:
    video = make.video("accounting-4")
    make.study_day(enrolment, video, day, int(hours * HOUR_S * 1000))


def test_the_class_period_shows_hours_credited_in_it(login, make, body, clock) -> None:
    january = body["january"]
    add_study(make, january, date(2026, 1, 20), 2)
    add_study(make, january, date(2026, 2, 15), 3)
    make.session.add(
        OfflineCredit(
            enrolment_id=january.id,
            day=date(2026, 2, 16),
            seconds=HOUR_S,
            kind="coaching",
            reason="现场辅导",
            recorded_at=clock.now(),
        )
    )
    make.commit()
    client = login(body["teacher"])
    url = f"/classes/{body['class_a'].id}?date_from=2026-02-01&date_to=2026-02-28&sort=period"
    html = client.get(url).get_data(as_text=True)
    assert figure_value(html, "本期间已计学习时长") == "4.0"  # standard hours
    assert figure_value(html, "本期间学习人数") == "1"
    roster = html.split("花名册", 1)[1].split("</table>", 1)[0]
    assert roster.index(">三月<") < roster.index(">一月<")  # sorted by the period: 0, then 3 h
    pace = figures(html)["pace"]["layout"]["xaxis"]
    assert pace["range"] == ["2026-02-01", "2026-02-28"]


def test_an_instructor_switches_only_between_their_classes(login, make, body) -> None:
    teacher, class_a, class_b = body["teacher"], body["class_a"], body["class_b"]
    second = make.training_class(teacher, name="核算四级二班")
    client = login(teacher)
    response = client.get(f"/classes/{class_a.id}?training_class={second.id}&date_from=2026-01-01")
    assert response.status_code == 302
    assert response.location.endswith(f"/classes/{second.id}?date_from=2026-01-01")
    response = client.get(f"/classes/{class_a.id}?training_class={class_b.id}")
    assert response.status_code == 200 and "不是有效的选择" in response.get_data(as_text=True)


def test_a_programme_the_class_does_not_hold_is_refused(login, make, body) -> None:
    html = (
        login(body["teacher"])
        .get(f"/classes/{body['class_a'].id}?programme=verification-3")
        .get_data(as_text=True)
    )
    assert "不是有效的选择" in html
    assert figure_value(html, "学员") == "2"


def test_an_unfiltered_page_shows_no_filter_error(login, make, body) -> None:
    html = login(make.admin()).get("/admin").get_data(as_text=True)
    assert "不是有效的选择" not in html and "清除筛选" not in html


def test_many_exam_sessions_are_charted_per_month(login, make, body) -> None:
    for week in range(13):
        starts_on = date(2026, 4, 6) + timedelta(weeks=week)
        make.exam_session(starts_on=starts_on, registration_closes_on=starts_on, capacity=10)
    make.commit()
    html = login(make.admin()).get("/admin?date_from=2026-04-01").get_data(as_text=True)
    capacity = figures(html)["sessions"]["data"][0]
    assert capacity["x"] == ["2026-04", "2026-05", "2026-06"]
    assert capacity["y"] == [40, 40, 50]  # Mondays: four in April and May, five in June


@pytest.mark.parametrize("who", ["teacher", "admin"])
def test_choosing_a_class_drops_a_programme_it_does_not_hold(login, make, body, who) -> None:
    teacher, class_a = body["teacher"], body["class_a"]
    verifiers = make.training_class(teacher, name="核查三级二班")
    make.enrolment(make.trainee(display_name="核查二"), "verification-3", verifiers)
    accountants = make.training_class(teacher, name="核算四级二班")
    make.enrolment(make.trainee(display_name="核算二"), "accounting-4", accountants)
    client = login(teacher if who == "teacher" else make.admin())
    page = f"/classes/{class_a.id}?programme=accounting-4&date_from=2026-01-01"
    switched = client.get(f"{page}&training_class={verifiers.id}")
    assert switched.status_code == 302
    assert switched.location.endswith(f"/classes/{verifiers.id}?date_from=2026-01-01")
    html = client.get(switched.location).get_data(as_text=True)
    assert "不是有效的选择" not in html
    assert "核查三级二班 没有该培训项目的学员" in html
    assert figure_value(html, "学员") == "1"
    kept = client.get(f"{page}&training_class={accountants.id}")
    assert "programme=accounting-4" in kept.location  # a programme the class holds stays
    html = client.get(kept.location).get_data(as_text=True)
    assert "不是有效的选择" not in html and "没有该培训项目的学员" not in html


@pytest.mark.parametrize("extra", ["_scheme=ftp", "_anchor=top", "class_id=7"])
def test_choosing_a_class_keeps_any_other_argument_as_an_argument(login, make, body, extra):
    """The query is carried to the class chosen as a query: a name that is one of url_for's
    own options or the page's class_id built another link, or none (answered 500)."""
    teacher, class_a = body["teacher"], body["class_a"]
    second = make.training_class(teacher, name="核算四级二班")
    client = login(teacher)
    response = client.get(f"/classes/{class_a.id}?training_class={second.id}&{extra}")
    assert response.status_code == 302
    assert response.location.endswith(f"/classes/{second.id}?{extra}")
