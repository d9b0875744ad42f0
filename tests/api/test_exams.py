"""Exam sessions, registration gating, unlock and revoke, fees (shared/api.md)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from learning.models import AuditEntry, Enrolment, ExamRegistration, ExamSession, Payment
from learning.services import exams
from tests.factories import Factory

SESSION = {
    "work_type": "accounting",
    "level": 4,
    "starts_on": "2026-05-20",
    "registration_closes_on": "2026-05-01",
    "capacity": 2,
    "place": "广州市天河区 考点",
    "coaching_starts_on": "2026-05-12",
    "coaching_hours": 21.3,
}
HOUR_S = 45 * 60


@pytest.fixture
def admin(login, make: Factory):
    return login(make.admin())


def open_session(admin, **changes) -> dict:
    response = admin.post_json("/api/v1/admin/exam-sessions", {**SESSION, **changes})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def ready_trainee(
    make: Factory, clock, *, programme="accounting-4", hours=80, paid=True, approved=True
) -> Enrolment:
    enrolment = make.enrolment(make.trainee(), programme, approved=approved)
    enrolment.online_s = hours * HOUR_S
    if paid:
        make.payment(enrolment, amount_fen=220_000, method="bank")  # paid on 2026-03-01
    make.commit()
    return enrolment


def register(login, enrolment: Enrolment, session_id: int):
    client = login(enrolment.trainee)
    return client.post_json(
        "/api/v1/exam-registrations", {"enrolment_id": enrolment.id, "exam_session_id": session_id}
    )


def test_admin_opens_a_session_with_the_parts_of_its_level(admin) -> None:
    four = open_session(admin)
    assert four["parts"] == ["theory", "skill"] and four["seats_left"] == 2
    assert four["coaching_hours"] == 21.3
    two = open_session(admin, level=2)
    assert two["parts"] == ["theory", "skill", "review"]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"registration_closes_on": "2026-06-01"}, "closes_after_start"),
        ({"coaching_starts_on": "2026-05-25"}, "coaching_after_start"),
        ({"work_type": "consulting"}, "unknown_programme"),
    ],
)
def test_a_session_that_makes_no_sense_is_refused(admin, change, code) -> None:
    response = admin.post_json("/api/v1/admin/exam-sessions", {**SESSION, **change})
    assert response.status_code == 422 and response.get_json()["error"] == code


@pytest.mark.parametrize(
    "change",
    [
        {"capacity": 0},
        {"capacity": "10"},
        {"level": 7},
        {"starts_on": "soon"},
        {"coaching_hours": -1},
        {"place": "   "},
        {"surprise": 1},
    ],
)
def test_bad_session_fields_are_422(admin, change) -> None:
    response = admin.post_json("/api/v1/admin/exam-sessions", {**SESSION, **change})
    assert response.status_code == 422 and response.get_json()["fields"]


def test_a_ready_trainee_registers_and_takes_a_seat(admin, login, make, clock, db_session):
    exam = open_session(admin)
    enrolment = ready_trainee(make, clock)
    sessions = login(enrolment.trainee).get("/api/v1/exam-sessions").get_json()
    assert [s["id"] for s in sessions] == [exam["id"]]
    response = register(login, enrolment, exam["id"])
    assert response.status_code == 201, response.get_json()
    db_session.expire_all()
    assert db_session.get(ExamSession, exam["id"]).seats_left == 1
    again = register(login, enrolment, exam["id"])
    assert again.status_code == 409 and again.get_json()["error"] == "already_registered"


def test_who_passed_cannot_register_again(admin, login, make, clock, db_session) -> None:
    first = open_session(admin)
    enrolment = ready_trainee(make, clock)
    assert register(login, enrolment, first["id"]).status_code == 201
    registration = db_session.scalar(
        select(ExamRegistration).where(ExamRegistration.enrolment_id == enrolment.id)
    )
    registration.outcome = "passed"
    db_session.commit()
    later = open_session(admin, starts_on="2026-07-20", registration_closes_on="2026-07-01")
    refused = register(login, enrolment, later["id"])
    assert refused.status_code == 409 and refused.get_json()["error"] == "already_passed"
    page = login(enrolment.trainee).get(f"/enrolments/{enrolment.id}").get_data(as_text=True)
    assert "2026-07-20" not in page


def test_missing_hours_are_counted_net_of_the_coaching_the_session_gives(
    admin, login, make, clock
) -> None:
    exam = open_session(admin)  # 21.3 standard hours of coaching
    enrolment = ready_trainee(make, clock, hours=46)  # 80 - 21.3 = 58.7 needed: 12.7 short
    response = register(login, enrolment, exam["id"])
    body = response.get_json()
    assert response.status_code == 409
    assert body["error"] == "not_eligible"
    assert body["blocking_reasons"] == ["hours"]
    assert body["hours_missing"] == 12.7
    assert "还差 12.7 标准学时" in body["message"]


def test_coaching_hours_count_once(admin, login, make, clock, db_session) -> None:
    """16 of the session's 21.3 coaching hours attended and credited: only the 5.3 still to
    come count towards registering, and to sit the exam only what was credited counts."""
    from learning.models import OfflineCredit
    from learning.services import exams, offline

    exam = open_session(admin)  # coaching from 2026-05-12, exam 2026-05-20, 21.3 hours
    enrolment = ready_trainee(make, clock, hours=46)
    for day in (12, 13):
        make.session.add(
            OfflineCredit(
                enrolment_id=enrolment.id,
                kind="coaching",
                day=date(2026, 5, day),
                seconds=8 * HOUR_S,
                reason="现场辅导",
                recorded_at=clock.now(),
            )
        )
    make.session.flush()
    offline.refresh_offline_seconds(make.session, enrolment.id)
    make.commit()  # credited 46 + 16 = 62; 80 - 62 - 5.3 to come = 12.7 short, as before
    body = register(login, enrolment, exam["id"]).get_json()
    assert body["blocking_reasons"] == ["hours"]
    assert body["hours_missing"] == 12.7
    enrolment.online_s = (80 - 16) * HOUR_S - 5 * HOUR_S  # 59 + 16 = 75, + 5.3 to come
    make.commit()
    assert register(login, enrolment, exam["id"]).status_code == 201
    registration = db_session.scalar(
        select(ExamRegistration).where(ExamRegistration.enrolment_id == enrolment.id)
    )
    assert exams.sitting_blockers(db_session, registration) == ["hours"]  # 75 of 80 credited


def test_every_reason_that_applies_is_listed(admin, login, make, clock) -> None:
    exam = open_session(
        admin,
        work_type="trading",
        level=3,
        registration_closes_on="2026-03-01",
        starts_on="2026-03-10",
        coaching_starts_on=None,
    )
    clock.set(clock.now().replace(month=3, day=5))
    enrolment = ready_trainee(make, clock, hours=0, paid=False, approved=False)
    body = register(login, enrolment, exam["id"]).get_json()
    assert body["blocking_reasons"] == [
        "hours",
        "eligibility_not_approved",
        "fee_unpaid",
        "registration_closed",
        "level_mismatch",
    ]


def test_a_full_session_is_refused(admin, login, make, clock) -> None:
    exam = open_session(admin, capacity=1)
    first, second = ready_trainee(make, clock), ready_trainee(make, clock)
    assert register(login, first, exam["id"]).status_code == 201
    body = register(login, second, exam["id"]).get_json()
    assert body["blocking_reasons"] == ["session_full"]


def test_unlock_lifts_the_hours_only_and_is_audited(admin, login, make, clock, db_session):
    exam = open_session(admin)
    enrolment = ready_trainee(make, clock, hours=10, paid=False)
    url = f"/api/v1/admin/enrolments/{enrolment.id}/unlock"
    assert admin.post_json(url, {"reason": ""}).status_code == 422
    assert admin.post_json(url, {}).status_code == 422
    response = admin.post_json(url, {"reason": "已在其他机构完成同等学时，见证明材料"})
    assert response.status_code == 200 and response.get_json()["exam_unlocked"] is True
    assert register(login, enrolment, exam["id"]).get_json()["blocking_reasons"] == ["fee_unpaid"]
    revoke = admin.delete(
        url, json={"reason": "证明材料不符"}, headers={"X-CSRFToken": admin.csrf_token()}
    )
    assert revoke.status_code == 200 and revoke.get_json()["exam_unlocked"] is False
    log = admin.get(f"/api/v1/admin/audit?enrolment_id={enrolment.id}").get_json()
    unlocks = [e for e in log if e["action"].startswith("eligibility.")]
    assert [e["action"] for e in unlocks] == ["eligibility.unlock", "eligibility.revoke"]
    assert unlocks[0]["reason"] == "已在其他机构完成同等学时，见证明材料"
    assert unlocks[0]["details"]["before"] == {"exam_unlocked": False}
    assert unlocks[0]["details"]["after"] == {"exam_unlocked": True}
    assert all(e["actor"] for e in unlocks)
    assert admin.get("/api/v1/admin/audit").status_code == 422


def test_payments_are_recorded_after_approval_only(admin, make, clock, db_session) -> None:
    approved = ready_trainee(make, clock, paid=False)
    pending = ready_trainee(make, clock, paid=False, approved=False)
    payment = {
        "amount_fen": 220000,
        "paid_on": "2026-03-01",
        "method": "银行转账",
        "receipt_no": "2026-0001",
        "kind": "training",
    }
    ok = admin.post_json(f"/api/v1/admin/enrolments/{approved.id}/payments", payment)
    assert ok.status_code == 201 and ok.get_json()["amount_fen"] == 220000
    refused = admin.post_json(
        f"/api/v1/admin/enrolments/{pending.id}/payments", {**payment, "receipt_no": "2026-0002"}
    )
    assert refused.get_json()["error"] == "fee_before_approval"
    duplicate = admin.post_json(f"/api/v1/admin/enrolments/{approved.id}/payments", payment)
    assert duplicate.get_json()["error"] == "receipt_exists"
    future = admin.post_json(
        f"/api/v1/admin/enrolments/{approved.id}/payments",
        {**payment, "receipt_no": "X", "paid_on": "2030-01-01"},
    )
    assert future.get_json()["error"] == "paid_in_future"
    for bad in [
        {"amount_fen": 0},
        {"amount_fen": -5},
        {"amount_fen": 1.5},
        {"kind": "gift"},
        {"paid_on": "yesterday"},
    ]:
        response = admin.post_json(
            f"/api/v1/admin/enrolments/{approved.id}/payments",
            {**payment, "receipt_no": "Y", **bad},
        )
        assert response.status_code == 422, bad
    assert len(db_session.scalars(select(Payment)).all()) == 1
    assert db_session.scalar(select(AuditEntry).where(AuditEntry.action == "fee.record"))


def test_a_retake_needs_the_assessment_fee_only(admin, login, make, clock, db_session) -> None:
    first = open_session(admin)
    enrolment = ready_trainee(make, clock)
    assert register(login, enrolment, first["id"]).status_code == 201
    retake = open_session(
        admin, starts_on="2026-08-20", registration_closes_on="2026-08-01", coaching_starts_on=None
    )
    clock.set(clock.now().replace(month=6, day=5))  # the first sitting is past
    body = register(login, enrolment, retake["id"]).get_json()
    assert body["blocking_reasons"] == ["fee_unpaid"]
    response = admin.post_json(
        f"/api/v1/admin/enrolments/{enrolment.id}/payments",
        {
            "amount_fen": 50000,
            "paid_on": "2026-06-01",
            "method": "微信",
            "receipt_no": "B-1",
            "kind": "assessment",
        },
    )
    assert response.status_code == 201
    second = register(login, enrolment, retake["id"])
    assert second.status_code == 201 and second.get_json()["retake"] is True


def test_staff_see_every_open_session_and_trainees_only_theirs(admin, login, make, clock):
    open_session(admin)
    open_session(admin, work_type="trading", level=3)
    trainee_view = login(ready_trainee(make, clock).trainee).get("/api/v1/exam-sessions")
    assert [s["work_type"] for s in trainee_view.get_json()] == ["accounting"]
    assert len(admin.get("/api/v1/exam-sessions").get_json()) == 2


def test_the_service_lists_reasons_without_a_request(make: Factory, clock, db_session: Session):
    enrolment = ready_trainee(make, clock, hours=79)
    exam_session = make.exam_session()
    found = exams.blockers(
        db_session, db_session.get(Enrolment, enrolment.id), exam_session, date(2026, 4, 1)
    )
    assert found.reasons == ["hours"] and found.hours_missing == 1.0


def _sat(admin, login, make, clock, level: int = 4):
    exam = open_session(admin, level=level, coaching_starts_on=None, coaching_hours=0)
    programme = "accounting-4" if level == 4 else "accounting-2"
    enrolment = ready_trainee(make, clock, programme=programme, hours=100)
    registration = register(login, enrolment, exam["id"]).get_json()
    clock.set(datetime(2026, 7, 1, 1, tzinfo=UTC))  # the exam (2026-05-20) has been held
    return enrolment, registration["id"]


def test_results_with_a_certificate_and_the_subsidy(admin, login, make, clock, db_session):
    enrolment, registration_id = _sat(admin, login, make, clock)
    url = f"/api/v1/admin/exam-registrations/{registration_id}/results"
    body = {
        "scores": {"theory": 78, "skill": 65},
        "certificate_no": "S2044000000012604000123",
        "certificate_issued_on": "2026-06-30",
    }
    assert admin.post_json(url, {**body, "certificate_no": "X123"}).status_code == 422
    refused = admin.post_json(url, {**body, "certificate_no": "Y12345678901234567890"})
    assert (
        refused.status_code == 422 and refused.get_json()["error"] == "certificate_number_invalid"
    )
    early = admin.post_json(
        url,
        {**body, "certificate_no": "S204400000001260400012", "certificate_issued_on": "2026-01-01"},
    )
    assert early.get_json()["error"] == "certificate_date_invalid"
    response = admin.post_json(url, {**body, "certificate_no": "s204400000001260400012"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["outcome"] == "passed"
    assert response.get_json()["certificate_no"] == "S204400000001260400012"
    page = login(enrolment.trainee).get(f"/enrolments/{enrolment.id}").get_data(as_text=True)
    assert "¥1500" in page and "2027-06-30" in page  # 12 calendar months, exactly
    dashboard = admin.get("/admin").get_data(as_text=True)
    assert "¥1,500" in dashboard
    log = admin.get(f"/api/v1/admin/audit?enrolment_id={enrolment.id}").get_json()
    results = next(e for e in log if e["action"] == "exam.results")
    assert results["details"]["before"]["outcome"] is None
    assert results["details"]["after"]["outcome"] == "passed"


def test_each_part_passes_on_its_own(admin, login, make, clock) -> None:
    _enrolment, registration_id = _sat(admin, login, make, clock, level=2)
    url = f"/api/v1/admin/exam-registrations/{registration_id}/results"
    missing = admin.post_json(url, {"scores": {"theory": 90, "skill": 90}})
    assert missing.get_json()["error"] == "scores_for_every_part"
    failed = admin.post_json(url, {"scores": {"theory": 95, "skill": 92, "review": 59}})
    assert failed.get_json()["outcome"] == "failed"
    no_certificate = admin.post_json(
        url,
        {
            "scores": {"theory": 95, "skill": 92, "review": 59},
            "certificate_no": "S204400000001260400012",
            "certificate_issued_on": "2026-06-30",
        },
    )
    assert no_certificate.get_json()["error"] == "certificate_without_pass"
    absent = admin.post_json(url, {"absent": True})
    assert absent.get_json()["outcome"] == "absent"
    assert admin.post_json(url, {}).status_code == 422
    assert (
        admin.post_json(url, {"scores": {"theory": 101, "skill": 1, "review": 1}}).status_code
        == 422
    )


def test_a_set_fee_must_be_paid_in_full(admin, login, make, clock, db_session) -> None:
    exam = open_session(admin, coaching_starts_on=None, coaching_hours=0)
    enrolment = ready_trainee(make, clock, hours=80, paid=False)
    programme = make.session.get(Enrolment, enrolment.id).programme
    programme.training_fee_fen = 240_000
    make.commit()
    payment = {
        "amount_fen": 100_000,
        "paid_on": "2026-03-01",
        "method": "现金",
        "receipt_no": "P-1",
        "kind": "training",
    }
    admin.post_json(f"/api/v1/admin/enrolments/{enrolment.id}/payments", payment)
    assert register(login, enrolment, exam["id"]).get_json()["blocking_reasons"] == ["fee_unpaid"]
    admin.post_json(
        f"/api/v1/admin/enrolments/{enrolment.id}/payments",
        {**payment, "amount_fen": 140_000, "receipt_no": "P-2"},
    )
    assert register(login, enrolment, exam["id"]).status_code == 201


def test_results_are_recorded_only_where_they_can_be_true(admin, login, make, clock) -> None:
    """Not before the exam day; a certificate dated neither before the exam nor in the future;
    and only for a registration of that candidate (another's is 404 on the course page)."""
    exam = open_session(admin, coaching_starts_on=None, coaching_hours=0)
    enrolment = ready_trainee(make, clock, hours=100)
    registration_id = register(login, enrolment, exam["id"]).get_json()["id"]
    url = f"/api/v1/admin/exam-registrations/{registration_id}/results"
    early = admin.post_json(url, {"scores": {"theory": 80, "skill": 80}})
    assert early.status_code == 422 and early.get_json()["error"] == "results_before_exam"
    clock.set(datetime(2026, 5, 20, 1, tzinfo=UTC))  # the exam day itself
    future = admin.post_json(
        url,
        {
            "scores": {"theory": 80, "skill": 80},
            "certificate_no": "S204400000001260400012",
            "certificate_issued_on": "2026-05-21",
        },
    )
    assert future.get_json()["error"] == "certificate_date_invalid"
    assert admin.post_json(url, {"scores": {"theory": 80, "skill": 80}}).status_code == 200
    other = ready_trainee(make, clock, hours=100)
    wrong_pair = admin.post_form(
        f"/enrolments/{other.id}/registrations/{registration_id}/results",
        {"theory": "90", "skill": "90"},
    )
    assert wrong_pair.status_code == 404
