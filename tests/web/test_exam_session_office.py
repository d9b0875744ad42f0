"""An exam session run from its page: edited, cancelled with a reason, every candidate told."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from learning.models import AuditEntry, ExamSession, Notification
from learning.services import exam_sessions, exams
from tests.factories import Factory


def _edit(admin, exam: ExamSession, **changes: str):
    data = {
        "starts_on": "2026-05-20",
        "starts_at": "09:00",
        "registration_closes_on": "2026-05-01",
        "place": "考点",
        "capacity": "5",
        "coaching_starts_on": "",
        "coaching_hours": "0",
        "csrf_token": admin.csrf_token(),
        **changes,
    }
    return admin.post(f"/admin/exam-sessions/{exam.id}/edit", data=data)


def test_an_edit_of_day_and_place_tells_every_candidate(
    login, make: Factory, db_session: Session
) -> None:
    exam = make.exam_session()
    one, two = (make.enrolment(make.trainee(), "accounting-4") for _ in range(2))
    make.registration(one, exam)
    make.registration(two, exam)
    make.commit()
    admin = login(make.admin())
    page = admin.get(f"/admin/exam-sessions/{exam.id}").get_data(as_text=True)
    assert "编辑考试批次" in page and "取消考试批次" in page

    saved = _edit(admin, exam, starts_on="2026-05-27", starts_at="14:30", place="广州市黄埔区考点")
    assert saved.status_code == 303
    db_session.expire_all()
    changed = db_session.get(ExamSession, exam.id)
    assert (changed.starts_on.isoformat(), changed.place) == ("2026-05-27", "广州市黄埔区考点")
    told = db_session.scalars(
        select(Notification).where(Notification.kind == "exam_session_changed")
    )
    assert sorted(n.user_id for n in told) == sorted([one.trainee_id, two.trainee_id])
    audit = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "exam_session.update"))
    assert audit.details["before"]["starts_on"] == "2026-05-20"
    assert audit.details["after"]["starts_at"] == "14:30"
    message = login(one.trainee).get("/me/notifications").get_data(as_text=True)
    assert "2026-05-27 14:30" in message and "广州市黄埔区考点" in message

    # seats only: nobody is told again
    assert (
        _edit(
            admin,
            exam,
            starts_on="2026-05-27",
            starts_at="14:30",
            place="广州市黄埔区考点",
            capacity="8",
        ).status_code
        == 303
    )
    assert len(db_session.scalars(select(Notification)).all()) == 2


def test_an_edit_is_refused_with_its_reason_and_keeps_what_was_typed(
    login, make: Factory, db_session: Session
) -> None:
    exam = make.exam_session(capacity=5)
    for _ in range(3):
        make.registration(make.enrolment(make.trainee(), "accounting-4"), exam)
    make.commit()
    admin = login(make.admin())
    fewer = _edit(admin, exam, capacity="2", place="新考点")
    assert fewer.status_code == 422
    html = fewer.get_data(as_text=True)
    assert "已有 3 个座位被占用" in html and 'value="新考点"' in html
    past = _edit(admin, exam, starts_on="2026-02-01", registration_closes_on="2026-01-20")
    assert "考试日期不能早于今天" in past.get_data(as_text=True)
    db_session.expire_all()
    assert (
        db_session.get(ExamSession, exam.id).capacity,
        db_session.get(ExamSession, exam.id).place,
    ) == (5, "考点")


def test_cancelling_asks_for_a_reason_and_a_yes_then_tells_each_candidate(
    login, make: Factory, db_session: Session, clock
) -> None:
    exam = make.exam_session()
    enrolment = make.enrolment(make.trainee(), "accounting-4")
    make.registration(enrolment, exam)
    make.commit()
    admin = login(make.admin())
    url = f"/admin/exam-sessions/{exam.id}/cancel"
    no_yes = admin.post(url, data={"reason": "考场检修", "csrf_token": admin.csrf_token()})
    assert no_yes.status_code == 422
    no_reason = admin.post(
        url, data={"reason": " ", "confirm": "y", "csrf_token": admin.csrf_token()}
    )
    assert no_reason.status_code == 422
    db_session.expire_all()
    assert db_session.get(ExamSession, exam.id).status == "open"

    done = admin.post(
        url,
        data={"reason": "考场检修", "confirm": "y", "csrf_token": admin.csrf_token()},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "已通知 1 名考生" in done and "考场检修" in done
    assert "编辑考试批次" not in done  # nothing more to do with it
    message = login(enrolment.trainee).get("/me/notifications").get_data(as_text=True)
    assert "考场检修" in message and "2026-05-20" in message
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "exam_session.cancel"))
    assert entry.reason == "考场检修"
    again = admin.post(
        url,
        data={"reason": "再取消", "confirm": "y", "csrf_token": admin.csrf_token()},
        follow_redirects=True,
    )
    assert "该考试批次已取消" in again.get_data(as_text=True)
    # the scheduler never turns a cancelled session into a held one
    clock.set(datetime(2026, 6, 1, 8, tzinfo=UTC))
    db_session.expire_all()
    exam_sessions.advance_states(db_session, clock.now().date())
    assert db_session.get(ExamSession, exam.id).status == "cancelled"


def test_a_cancelled_sitting_is_no_earlier_sitting(make: Factory, db_session: Session) -> None:
    """A candidate of a cancelled session registers for the next as a first sitting: the
    training package still covers it, no assessment fee is due."""
    cancelled = make.exam_session()
    later = make.exam_session(
        starts_on=datetime(2026, 6, 20).date(), registration_closes_on=datetime(2026, 6, 1).date()
    )
    enrolment = make.enrolment(make.trainee(), "accounting-4")
    enrolment.online_s = 80 * 45 * 60
    make.payment(enrolment, amount_fen=10**7)
    make.registration(enrolment, cancelled)
    exam_sessions.cancel_session(
        db_session, cancelled, reason="改期", now=make.clock.now(), actor_id=1
    )
    found = exams.blockers(db_session, enrolment, later, today=make.clock.now().date())
    assert found.reasons == []
