"""The edges of exam registration: which assessment fee pays for a retake, and the day
registration closes (shared/domain.md: the training package pays for one sitting, a retake
(补考) pays the assessment fee only; a session takes registrations up to and including its
`registration_closes_on`, in the training body's time zone)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from learning.clock import FakeClock
from learning.models import Enrolment, ExamSession
from learning.services import exam_sessions, exams
from tests.factories import Factory

HOUR_S = 45 * 60
FIRST = date(2026, 5, 20)  # the first sitting's exam day
SECOND = date(2026, 7, 20)
THIRD = date(2026, 9, 20)
SHANGHAI = ZoneInfo("Asia/Shanghai")  # the training body's TIMEZONE


def ready(make: Factory) -> Enrolment:
    """An approved enrolment with its hours and its training fee paid on 2026-03-01."""
    enrolment = make.enrolment(make.trainee(), "accounting-4")
    enrolment.online_s = 80 * HOUR_S
    make.payment(enrolment)
    make.session.flush()
    return enrolment


def sitting(make: Factory, starts_on: date) -> ExamSession:
    return make.exam_session(starts_on=starts_on, registration_closes_on=starts_on)


def assessment_fee(make: Factory, enrolment: Enrolment, paid_on: date) -> None:
    make.payment(enrolment, kind="assessment").paid_on = paid_on
    make.session.flush()


def reasons(db_session: Session, enrolment: Enrolment, exam_session: ExamSession) -> list[str]:
    return exams.blockers(db_session, enrolment, exam_session, date(2026, 3, 2)).reasons


# --- the retake's fee ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("paid_on", "pays_for_the_retake"),
    [
        (date(2026, 3, 1), False),  # with the training fee, before the first sitting
        (date(2026, 5, 19), False),  # the day before the first sitting
        (FIRST, True),  # the day of the sitting: the date cannot say before or after
        (date(2026, 5, 21), True),
    ],
)
def test_a_retake_needs_an_assessment_fee_paid_from_the_failed_sitting_on(
    make: Factory, db_session: Session, paid_on: date, pays_for_the_retake: bool
) -> None:
    enrolment = ready(make)
    make.registration(enrolment, sitting(make, FIRST))
    retake = sitting(make, SECOND)
    assessment_fee(make, enrolment, paid_on)
    expected = [] if pays_for_the_retake else ["fee_unpaid"]
    assert reasons(db_session, enrolment, retake) == expected


def test_a_second_retake_needs_a_fee_paid_after_the_first_retake(
    make: Factory, db_session: Session
) -> None:
    """The fee paid between the first sitting and the first retake paid for that retake; the
    second retake needs one of its own, counted from the latest sitting."""
    enrolment = ready(make)
    make.registration(enrolment, sitting(make, FIRST))
    make.registration(enrolment, sitting(make, SECOND))
    third = sitting(make, THIRD)
    assessment_fee(make, enrolment, date(2026, 6, 1))
    assert reasons(db_session, enrolment, third) == ["fee_unpaid"]
    assessment_fee(make, enrolment, date(2026, 7, 25))
    assert reasons(db_session, enrolment, third) == []


def test_the_first_sitting_is_paid_by_the_training_fee(make: Factory, db_session: Session) -> None:
    """Registered and paid for the first sitting: nothing keeps the candidate from sitting it;
    their own sitting is not an earlier one that would ask for an assessment fee."""
    enrolment = ready(make)
    registration = make.registration(enrolment, sitting(make, FIRST))
    assert exams.sitting_blockers(db_session, registration) == []


# --- the day registration closes ----------------------------------------------------------------


def shanghai(month: int, day: int, hour: int, minute: int) -> datetime:
    """A moment of 2026 in Shanghai, in UTC as the fake clock keeps it."""
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


@pytest.mark.parametrize(
    ("moment", "open_"),
    [
        (shanghai(4, 30, 12, 0), True),  # the day before
        (shanghai(5, 1, 0, 30), True),  # the closing day's first half hour
        (shanghai(5, 1, 23, 30), True),  # its last half hour
        (shanghai(5, 2, 0, 30), False),  # the day after, 00:30 in Shanghai
    ],
)
def test_registration_is_open_up_to_and_including_its_closing_day(
    make: Factory, login, clock: FakeClock, moment: datetime, open_: bool
) -> None:
    enrolment = ready(make)
    exam = make.exam_session(starts_on=FIRST, registration_closes_on=date(2026, 5, 1))
    make.commit()
    clock.set(moment)
    client = login(enrolment.trainee)
    listed = [s["id"] for s in client.get("/api/v1/exam-sessions").get_json()]
    assert listed == ([exam.id] if open_ else [])
    response = client.post_json(
        "/api/v1/exam-registrations", {"enrolment_id": enrolment.id, "exam_session_id": exam.id}
    )
    if open_:
        assert response.status_code == 201, response.get_json()
    else:
        assert response.status_code == 409
        assert response.get_json()["blocking_reasons"] == ["registration_closed"]


@pytest.mark.parametrize(
    ("today", "status", "closed"),
    [
        (date(2026, 4, 30), "open", 0),
        (date(2026, 5, 1), "open", 0),
        (date(2026, 5, 2), "closed", 1),
    ],
)
def test_the_nightly_job_closes_registration_the_day_after_its_closing_day(
    make: Factory, db_session: Session, today: date, status: str, closed: int
) -> None:
    exam = make.exam_session(starts_on=FIRST, registration_closes_on=date(2026, 5, 1))
    assert exam_sessions.status_on(exam, today) == status
    assert exam_sessions.advance_states(db_session, today) == (closed, 0)
    db_session.refresh(exam)
    assert exam.status == status


@pytest.mark.parametrize(
    ("closes_on", "status"),
    [(date(2026, 5, 1), "open"), (date(2026, 5, 2), "open"), (date(2026, 4, 30), "closed")],
)
def test_an_edit_reopens_registration_when_its_close_moves_to_today_or_later(
    make: Factory, db_session: Session, clock: FakeClock, closes_on: date, status: str
) -> None:
    """A session whose registration closed on 2026-04-30, edited on 2026-05-01."""
    exam = make.exam_session(starts_on=FIRST, registration_closes_on=date(2026, 4, 30))
    exam.status = "closed"
    edited = replace(
        exam_sessions.schedule_of(exam), registration_closes_on=closes_on, place="新考点"
    )
    exam_sessions.update_session(
        db_session,
        exam,
        edited,
        today=date(2026, 5, 1),
        now=clock.now(),
        actor_id=make.admin().id,
    )
    assert exam.status == status
