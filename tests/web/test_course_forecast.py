"""The course page's finishing forecast: a date only from enough recent study, before the exam."""

from __future__ import annotations

from datetime import date, timedelta

from tests.factories import Factory

HOUR_S = 45 * 60


def studying(make: Factory, clock, seconds_per_day: list[int]):
    """A trainee of accounting-4 (80 standard hours), enrolled long ago, who studied these
    seconds on the last days, the last one yesterday."""
    trainee = make.trainee()
    enrolment = make.enrolment(trainee, "accounting-4")
    enrolment.created_at = clock.now() - timedelta(days=90)
    video = make.video("accounting-4", duration_s=2700)
    today = clock.now().date()
    for back, seconds in enumerate(reversed(seconds_per_day), start=1):
        make.study_day(enrolment, video, today - timedelta(days=back), seconds * 1000)
    enrolment.online_s = sum(seconds_per_day)
    make.commit()
    return enrolment


def projection(login, enrolment) -> str:
    html = login(enrolment.trainee).get(f"/enrolments/{enrolment.id}").get_data(as_text=True)
    start = html.index('<p class="projection">')
    return html[start : html.index("</p>", start)].removeprefix('<p class="projection">')


def test_the_issue_a_minute_of_study_promises_no_date(login, make: Factory, clock) -> None:
    enrolment = studying(make, clock, [60])
    text = projection(login, enrolment)
    assert text == "最近 14 天内至少有 3 天学习、累计 60 分钟后，这里会显示预计学完的日期。"


def test_steady_study_gives_a_date_before_the_exam(login, make: Factory, clock) -> None:
    enrolment = studying(make, clock, [4 * HOUR_S] * 14)  # 4 standard hours a day
    today = clock.now().date()
    exam = make.exam_session(starts_on=today + timedelta(days=60), registration_closes_on=today)
    make.registration(enrolment, exam)
    make.commit()
    # the window is the 14 days to today, so 13 study days count: 52 standard hours in 14 days;
    # the 24 missing take 6.5 days at that pace, shown as the 7th day after 2026-03-02
    assert today == date(2026, 3, 2)
    assert projection(login, enrolment) == (
        "按最近两周的学习进度，预计 2026-03-09 达到最低学时，早于 2026-05-01 的考试。"
    )


def test_a_pace_that_misses_the_exam_says_so_plainly(login, make: Factory, clock) -> None:
    enrolment = studying(make, clock, [HOUR_S // 4] * 14)  # a quarter of an hour a day
    exam = make.exam_session(
        starts_on=clock.now().date() + timedelta(days=60), registration_closes_on=clock.now().date()
    )
    make.registration(enrolment, exam)
    make.commit()
    text = projection(login, enrolment)
    assert text == f"按目前的进度，您无法在 {exam.starts_on.isoformat()} 的考试前学完。"


def test_without_an_exam_a_date_years_away_is_not_shown(login, make: Factory, clock) -> None:
    enrolment = studying(make, clock, [0, 1200, 0, 1200, 0, 1200])  # an hour in two weeks
    assert projection(login, enrolment) == "按目前的进度，一年内无法学完最低学时。"


def test_a_cancelled_session_does_not_count_as_the_exam(login, make: Factory, clock) -> None:
    enrolment = studying(make, clock, [4 * HOUR_S] * 14)
    exam = make.exam_session(
        starts_on=clock.now().date() + timedelta(days=3), registration_closes_on=clock.now().date()
    )
    make.registration(enrolment, exam)
    exam.status = "cancelled"
    make.commit()
    assert "考试前学完" not in projection(login, enrolment)
