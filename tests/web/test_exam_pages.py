"""Exam sessions, registration, unlocking and fees through the pages, as people use them."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from learning.models import AuditEntry, ExamRegistration, ExamSession, Payment, SubsidyRate
from tests.factories import Factory


def open_session(client, **changes) -> None:
    data = {
        "programme": "accounting-4",
        "starts_on": "2026-05-20",
        "registration_closes_on": "2026-05-01",
        "place": "广州市天河区考点",
        "capacity": "30",
        "coaching_starts_on": "2026-05-12",
        "coaching_hours": "21.3",
        **changes,
    }
    return client.post_form("/admin/exam-sessions", data)


def test_admin_opens_a_session_from_the_form(login, make: Factory, db_session: Session) -> None:
    client = login(make.admin())
    assert open_session(client).status_code == 303
    page = client.get("/admin/exam-sessions").get_data(as_text=True)
    assert "广州市天河区考点" in page and "理论知识考试" in page
    bad = open_session(client, registration_closes_on="2026-06-01")
    assert bad.status_code == 200 and "报名截止日期不能晚于考试日期" in bad.get_data(as_text=True)
    assert len(db_session.scalars(select(ExamSession)).all()) == 1


def test_the_whole_path_through_the_pages(login, make: Factory, db_session: Session) -> None:
    admin = login(make.admin())
    open_session(admin)
    enrolment = make.enrolment(make.trainee(), "accounting-4")
    enrolment.online_s = 50 * 45 * 60  # 50 of 80 hours; with 21.3 of coaching, 8.7 short
    make.commit()
    trainee = login(enrolment.trainee)
    course = trainee.get(f"/enrolments/{enrolment.id}").get_data(as_text=True)
    assert "广州市天河区考点" in course
    session_id = db_session.scalar(select(ExamSession.id))
    refused = trainee.post_form(
        f"/enrolments/{enrolment.id}/exam-registrations",
        {"exam_session_id": session_id},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "报名本次考试还差 8.7 标准学时" in refused and "培训费尚未缴纳" in refused
    paid = admin.post_form(
        f"/enrolments/{enrolment.id}/payments",
        {
            "kind": "training",
            "amount_yuan": "2200",
            "paid_on": "2026-03-01",
            "method": "银行转账",
            "receipt_no": "GD-2026-001",
        },
    )
    assert paid.status_code == 303
    assert db_session.scalar(select(Payment.amount_fen)) == 220000
    unlocked = admin.post_form(
        f"/enrolments/{enrolment.id}/unlock",
        {"reason": "企业内训学时已核实", "unlock": "y"},
    )
    assert unlocked.status_code == 303
    done = trainee.post_form(
        f"/enrolments/{enrolment.id}/exam-registrations",
        {"exam_session_id": session_id},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "考试报名成功" in done
    assert db_session.scalar(select(ExamRegistration.enrolment_id)) == enrolment.id
    admin_view = admin.get(f"/enrolments/{enrolment.id}").get_data(as_text=True)
    assert "解锁考试报名：原因 企业内训学时已核实" in admin_view
    assert "登记缴费：培训费 ¥2,200.00（收据 GD-2026-001）" in admin_view
    assert "报名考试" in admin_view and "exam.register" not in admin_view
    assert "审计日志" not in trainee.get(f"/enrolments/{enrolment.id}").get_data(as_text=True)


def test_unlock_needs_a_reason(login, make: Factory, db_session: Session) -> None:
    enrolment = make.enrolment(make.trainee(), "accounting-4")
    admin = login(make.admin())
    response = admin.post_form(
        f"/enrolments/{enrolment.id}/unlock",
        {"reason": "", "unlock": "y"},
    )
    assert response.status_code == 200
    assert (
        db_session.scalar(select(AuditEntry).where(AuditEntry.action.like("eligibility.%"))) is None
    )


def test_a_payment_form_with_mistakes_keeps_what_was_typed(login, make: Factory) -> None:
    enrolment = make.enrolment(make.trainee(), "accounting-4")
    admin = login(make.admin())
    response = admin.post_form(
        f"/enrolments/{enrolment.id}/payments",
        {
            "kind": "training",
            "amount_yuan": "-3",
            "paid_on": "2026-03-01",
            "method": "现金",
            "receipt_no": "KEEP-ME",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'value="KEEP-ME"' in page


def test_admin_changes_the_subsidies(login, make: Factory, db_session: Session) -> None:
    admin = login(make.admin())
    page = admin.get("/admin/exam-sessions").get_data(as_text=True)
    main = page.split("<main", 1)[1]
    assert 'name="level_3" type="number" min="0" step="1" value="2000"' in main
    assert "补贴" not in page.split("</title>", 1)[0]
    assert page.count('action="/admin/subsidies"') == 1
    form = {
        "level_4": "1600",
        "level_3": "2000",
        "level_2": "2500",
        "level_1": "3000",
    }
    assert admin.post_form("/admin/subsidies", form).status_code == 303
    assert db_session.get(SubsidyRate, 4).amount_fen == 160_000
    bad = admin.post_form("/admin/subsidies", {**form, "level_4": "lots"}, follow_redirects=True)
    assert "Subsidies are amounts in yuan" in bad.get_data(
        as_text=True
    ) or "补贴金额" in bad.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(SubsidyRate, 4).amount_fen == 160_000


def _registered(make: Factory, clock) -> tuple:
    """A trainee registered for an exam session on 2026-05-20 (no coaching)."""
    enrolment = make.enrolment(make.trainee(), "accounting-4")
    exam = make.exam_session(coaching_hours=0)
    registration = make.registration(enrolment, exam)
    make.commit()
    return enrolment, registration


def test_the_pass_mark_is_a_setting(app, login, make: Factory, clock, db_session) -> None:
    enrolment, registration = _registered(make, clock)
    app.config["EXAM_PASS_MARK"] = 70
    admin = login(make.admin())
    url = f"/enrolments/{enrolment.id}/registrations/{registration.id}/results"
    early = admin.post_form(
        url,
        {"theory": "65", "skill": "80"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "成绩须在考试当天（2026-05-20）或之后登记" in early  # the service's own reason
    clock.set(datetime(2026, 5, 20, 8, tzinfo=UTC))
    admin.post_form(url, {"theory": "65", "skill": "80"})
    db_session.expire_all()
    assert db_session.get(ExamRegistration, registration.id).outcome == "failed"


def test_a_refused_certificate_says_why_not_the_score_message(
    login, make: Factory, clock, db_session
) -> None:
    """The form used to catch a ValueError before the service's reason and always say the
    scores or dates were malformed."""
    enrolment, registration = _registered(make, clock)
    clock.set(datetime(2026, 6, 1, 8, tzinfo=UTC))
    admin = login(make.admin())
    page = admin.post_form(
        f"/enrolments/{enrolment.id}/registrations/{registration.id}/results",
        {
            "theory": "50",
            "skill": "90",
            "certificate_no": "S204400000001260400012",
            "certificate_issued_on": "2026-06-01",
        },
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "只有认定合格才能登记证书" in page
    assert "成绩为 0" not in page and "YYYY-MM-DD" not in page
    db_session.expire_all()
    assert db_session.get(ExamRegistration, registration.id).outcome is None
    typo = admin.post_form(
        f"/enrolments/{enrolment.id}/registrations/{registration.id}/results",
        {"theory": "5o", "skill": "90"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "YYYY-MM-DD" in typo


def test_the_candidates_list_says_who_may_sit(login, make: Factory, db_session, clock) -> None:
    exam = make.exam_session(coaching_hours=21.3)
    ready = make.enrolment(make.trainee(display_name="满学时"), "accounting-4")
    ready.online_s = 80 * 45 * 60
    short = make.enrolment(make.trainee(display_name="差学时"), "accounting-4")
    short.online_s = 60 * 45 * 60
    unpaid = make.enrolment(make.trainee(display_name="未缴费"), "accounting-4")
    unpaid.online_s = 80 * 45 * 60
    for enrolment in (ready, short, unpaid):
        make.registration(enrolment, exam)
    for enrolment in (ready, short):
        make.payment(enrolment)
    make.commit()
    html = login(make.admin()).get(f"/admin/exam-sessions/{exam.id}").get_data(as_text=True)
    rows = html.split("<tbody>", 1)[1]
    assert rows.index("满学时") < rows.index("差学时")
    ready_row, short_row, unpaid_row = rows.split("</tr>")[:3]
    # the admission rule: planned coaching is not credit, and the fee must be paid
    assert "是" in ready_row
    assert "还差 20.0 标准学时" in short_row  # 80 - 60: the 21.3 planned are not credit
    assert "培训费尚未缴纳" in unpaid_row and "是" not in unpaid_row
