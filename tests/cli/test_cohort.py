"""The cohort seeder writes kept totals that agree with each other and read as a real body."""

from __future__ import annotations

import random
from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from learning.demo import cohort as demo_cohort
from learning.domain.results import CERTIFICATE_NUMBER
from learning.models import (
    Coverage,
    Enrolment,
    ExamRegistration,
    ExamSession,
    Payment,
    StudyDay,
    User,
)
from learning.services.enrolments import required_seconds
from tests.factories import Factory

VIDEO_S = 70 * 3600  # more than the 60 clock hours of the minimum


def seed(make: Factory, size: int) -> demo_cohort.CohortFigures:
    for _ in range(35):
        make.video("accounting-4", "verification-3", duration_s=VIDEO_S // 35)
    figures = demo_cohort.seed_cohort(
        make.session,
        size=size,
        days=365,
        now=make.clock.now(),
        standard_hour_minutes=45,
        password_hash="pbkdf2:sha256:1$salt$00",
        rng=random.Random(1),
    )
    make.commit()
    return figures


def test_totals_agree_with_day_sums_and_coverage(make: Factory, db_session: Session) -> None:
    figures = seed(make, 120)
    assert (figures.trainees, figures.classes) == (120, 3)
    day_sums = dict(
        db_session.execute(
            select(StudyDay.enrolment_id, func.sum(StudyDay.credited_ms)).group_by(
                StudyDay.enrolment_id
            )
        ).all()
    )
    covered = dict(
        db_session.execute(
            select(Coverage.enrolment_id, func.sum(Coverage.covered_s)).group_by(
                Coverage.enrolment_id
            )
        ).all()
    )
    enrolments = db_session.scalars(select(Enrolment)).all()
    assert len(enrolments) == 120
    for enrolment in enrolments:
        assert enrolment.online_s == day_sums.get(enrolment.id, 0) // 1000
        assert enrolment.online_s == covered.get(enrolment.id, 0)
        assert enrolment.online_s <= VIDEO_S  # never more than the programme's videos
    assert Counter(e.class_id for e in enrolments).most_common(1)[0][1] == 50
    studied = [e.online_s for e in enrolments]
    assert min(studied) < max(studied)  # a spread of progress, not one shape
    assert 0.8 < db_session.scalar(select(func.count(Payment.id))) / 120 <= 1


def test_only_trainees_who_reached_the_minimum_sit_exams(make: Factory, db_session) -> None:
    figures = seed(make, 100)
    registrations = db_session.scalars(select(ExamRegistration)).all()
    assert len(registrations) == figures.registrations > 0
    for registration in registrations:
        enrolment = db_session.get(Enrolment, registration.enrolment_id)
        assert enrolment.credited_s >= required_seconds(enrolment)
        if registration.certificate_no:
            assert registration.outcome == "passed"
            assert CERTIFICATE_NUMBER.match(registration.certificate_no)
    for exam_session in db_session.scalars(select(ExamSession)):
        taken = db_session.scalar(
            select(func.count(ExamRegistration.id)).where(
                ExamRegistration.exam_session_id == exam_session.id
            )
        )
        assert exam_session.seats_taken == taken <= exam_session.capacity


def test_the_cohort_can_log_in(make: Factory, login, db_session) -> None:
    seed(make, 60)
    user = db_session.scalar(select(User).where(User.username == "cohort00001"))
    assert user.role == "trainee" and user.profile.id_number
    teacher = db_session.scalar(select(User).where(User.username == "cohort-teacher001"))
    assert teacher.role == "instructor"
