"""A class's progress: statuses, the API, and the exports auditors receive."""

from __future__ import annotations

import io
from datetime import date, timedelta

from openpyxl import load_workbook

from learning.models import Coverage
from learning.services import reports
from learning.services.identity import check_digit
from tests.factories import Factory

HOUR_S = 45 * 60


def id_number(day: int) -> str:
    """A valid ID number of one born `day` days into 1949 (one account per ID number)."""
    first17 = f"110105{date(1949, 1, 1) + timedelta(days=day):%Y%m%d}002"
    return first17 + check_digit(first17)


def class_with_four(make: Factory, clock):
    """Four trainees: done, on track, behind, inactive (an exam session in 30 days)."""
    teacher = make.instructor()
    training_class = make.training_class(teacher, name="核算四级一班")
    today = clock.now().date()
    make.exam_session(
        starts_on=today + timedelta(days=30),
        registration_closes_on=today + timedelta(days=20),
        capacity=50,
    )
    video = make.video("accounting-4", duration_s=3600)
    plans = {  # name: (credited hours, hours per day in the last 28 days, days since study)
        "done": (80, 1, 1),
        "=cmd|' /C calc'!A0": (60, 1, 1),  # needs 20 h in 30 days, studies 1 h/day: on track
        "behind": (20, 0.5, 1),  # needs 60 h in 30 days at 0.5 h/day: behind
        "inactive": (40, 0, 9),
    }
    enrolments = {}
    for number, (name, (hours, per_day, idle)) in enumerate(plans.items()):
        trainee = make.trainee(display_name=name, profile=None)
        trainee.profile.id_number = id_number(number)
        enrolment = make.enrolment(trainee, "accounting-4", training_class)
        enrolment.created_at = clock.now() - timedelta(days=90)
        enrolment.online_s = hours * HOUR_S
        enrolment.last_studied_on = today - timedelta(days=idle)
        for back in range(28):
            if per_day:
                day = today - timedelta(days=back + idle)
                make.study_day(enrolment, video, day, int(per_day * HOUR_S * 1000))
        enrolments[name] = enrolment
    make.commit()
    return teacher, training_class, enrolments


def test_statuses_follow_pace_deadline_and_inactivity(make: Factory, clock, db_session) -> None:
    _teacher, training_class, _enrolments = class_with_four(make, clock)
    rows = reports.class_progress(db_session, training_class.id, clock.now().date())
    statuses = {row.summary.trainee_name: row.status for row in rows}
    assert statuses == {
        "done": "done",
        "=cmd|' /C calc'!A0": "on_track",
        "behind": "behind",
        "inactive": "inactive",
    }


def test_the_progress_api_follows_the_contract(login, make: Factory, clock) -> None:
    teacher, training_class, enrolments = class_with_four(make, clock)
    body = login(teacher).get(f"/api/v1/classes/{training_class.id}/progress").get_json()
    first = next(row for row in body if row["trainee"]["display_name"] == "done")
    assert first == {
        "enrolment_id": enrolments["done"].id,
        "trainee": {"id": enrolments["done"].trainee_id, "display_name": "done"},
        "programme_code": "accounting-4",
        "required_hours": 80,
        "credited_hours": 80.0,
        "online_hours": 80.0,
        "offline_hours": 0.0,
        "status": "done",
        "last_studied_on": (clock.now().date() - timedelta(days=1)).isoformat(),
        "exam_eligible": False,
    }


def test_the_workbook_opens_and_its_totals_match(login, make: Factory, clock, db_session):
    teacher, training_class, _ = class_with_four(make, clock)
    response = login(teacher).get(f"/classes/{training_class.id}/export.xlsx")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    trainees, per_day = book.worksheets
    rows = list(trainees.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 4
    assert sum(row[6] for row in rows) == 80 + 60 + 20 + 40  # credited hours column
    assert all(row[1].startswith("110***********002") for row in rows)  # ID numbers masked
    assert "'=cmd|' /C calc'!A0" in [row[0] for row in rows]  # never a formula
    days = list(per_day.iter_rows(min_row=2, values_only=True))
    assert round(sum(row[4] for row in days), 1) == round(28 * 1 + 28 * 1 + 28 * 0.5, 1)


def test_the_csv_has_the_same_rows_and_a_bom(login, make: Factory, clock) -> None:
    teacher, training_class, _ = class_with_four(make, clock)
    response = login(teacher).get(f"/classes/{training_class.id}/export.csv")
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff姓名,")
    assert len(text.strip().splitlines()) == 5


def test_another_instructor_cannot_export(login, make: Factory, clock) -> None:
    _teacher, training_class, _ = class_with_four(make, clock)
    stranger = login(make.instructor())
    assert stranger.get(f"/classes/{training_class.id}/export.xlsx").status_code == 404
    assert stranger.get(f"/api/v1/classes/{training_class.id}/progress").status_code == 404


def test_inactive_means_seven_days_without_study(make: Factory, clock, db_session) -> None:
    _teacher, training_class, enrolments = class_with_four(make, clock)
    enrolments["behind"].last_studied_on = clock.now().date() - timedelta(days=7)
    make.commit()
    rows = reports.class_progress(db_session, training_class.id, clock.now().date())
    assert {r.summary.trainee_name: r.status for r in rows}["behind"] == "inactive"


def test_a_newcomer_who_has_not_started_is_not_inactive(make: Factory, clock, db_session):
    training_class = make.training_class(make.instructor())
    make.enrolment(make.trainee(display_name="新来的"), "accounting-4", training_class)
    make.commit()
    today = clock.now().date()
    rows = reports.class_progress(db_session, training_class.id, today + timedelta(days=6))
    assert rows[0].status == "on_track"
    rows = reports.class_progress(db_session, training_class.id, today + timedelta(days=7))
    assert rows[0].status == "inactive"


def test_retention_is_the_share_of_the_class_that_covered_each_part(
    make: Factory, clock, db_session
) -> None:
    teacher = make.instructor()
    training_class = make.training_class(teacher)
    video = make.video("accounting-4", duration_s=100)
    first = make.enrolment(make.trainee(), "accounting-4", training_class)
    second = make.enrolment(make.trainee(), "accounting-4", training_class)
    third = make.enrolment(make.trainee(), "accounting-4", training_class)  # never watched
    make.session.add(
        Coverage(enrolment_id=first.id, video_id=video.id, intervals=[[0, 100_000]], covered_s=100)
    )
    make.session.add(
        Coverage(enrolment_id=second.id, video_id=video.id, intervals=[[0, 50_000]], covered_s=50)
    )
    make.commit()
    ids = [first.id, second.id, third.id]
    shares = reports.retention(db_session, ids, video.id, 100, segments=4)
    assert shares == [2 / 3, 2 / 3, 1 / 3, 1 / 3]


def test_the_class_dashboard_shows_its_charts_and_risks(login, make: Factory, clock) -> None:
    teacher, training_class, _ = class_with_four(make, clock)
    html = login(teacher).get(f"/classes/{training_class.id}?sort=hours").get_data(as_text=True)
    for name in ("distribution", "pace", "retention"):
        assert f'id="figure-{name}"' in html
    at_risk = html.split("需要关注的学员", 1)[1].split("</section>", 1)[0]
    assert "behind" in at_risk and "inactive" in at_risk and ">done<" not in at_risk
    roster = html.split("花名册", 1)[1].split("</table>", 1)[0]
    order = [
        roster.index(f">{name}<")
        for name in ("behind", "inactive", "=cmd|&#39; /C calc&#39;!A0", "done")
    ]
    assert order == sorted(order)  # sorted by credited hours: 20, 40, 60, 80


def test_a_programme_export_gathers_every_class(login, make: Factory, clock, db_session) -> None:
    _teacher, _training_class, enrolments = class_with_four(make, clock)
    outside = make.enrolment(make.trainee(display_name="无班级"), "accounting-4")
    outside.online_s = 10 * HOUR_S
    make.commit()
    admin = login(make.admin())
    programme_id = enrolments["done"].programme_id
    response = admin.get(f"/admin/programmes/{programme_id}/export.xlsx")
    rows = list(
        load_workbook(io.BytesIO(response.data))
        .worksheets[0]
        .iter_rows(min_row=2, values_only=True)
    )
    assert len(rows) == 5 and "无班级" in [row[0] for row in rows]
    assert sum(row[6] for row in rows) == 80 + 60 + 20 + 40 + 10
    text = admin.get(f"/admin/programmes/{programme_id}/export.csv").data.decode("utf-8")
    assert len(text.strip().splitlines()) == 6


def test_a_long_risk_list_shows_twelve_and_points_to_the_roster(login, make: Factory, clock):
    teacher = make.instructor()
    training_class = make.training_class(teacher)
    for number in range(14):
        make.enrolment(
            make.trainee(display_name=f"未开始{number:02d}"), "accounting-4", training_class
        )
    make.commit()
    clock.advance(days=8)
    html = login(teacher).get(f"/classes/{training_class.id}").get_data(as_text=True)
    at_risk = html.split("需要关注的学员", 1)[1].split("</section>", 1)[0]
    assert at_risk.count("<li>") == 12
    assert "另有 2 人" in at_risk
