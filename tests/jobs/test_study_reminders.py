"""The reminder to study (催学): sent by the notifications job to the trainees idle while their
exam approaches, once a period, never to one who studied lately or has the hours; their
instructor sees who was reminded when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from learning.db import get_database
from learning.jobs import tasks
from learning.models import (
    Enrolment,
    Notification,
    StudyReminder,
    TrainingClass,
    User,
)
from learning.services import offline, study_reminders
from tests.factories import Factory

TODAY = date(2026, 3, 2)  # the fake clock's day in Asia/Shanghai


def run_job(app: Flask, clock) -> dict[str, int]:
    context = tasks.JobContext(get_database(app), clock.now(), app.config["TIMEZONE"], 30)
    return tasks.send_due_notifications(context)


def reminded(db_session: Session) -> list[tuple[int, date]]:
    db_session.expire_all()
    return list(db_session.execute(select(StudyReminder.enrolment_id, StudyReminder.sent_on)))


def reminded_on(db_session: Session, day: date) -> set[int]:
    return {enrolment_id for enrolment_id, sent_on in reminded(db_session) if sent_on == day}


@dataclass
class Cohort:
    teacher: User
    training_class: TrainingClass
    idle: Enrolment  # last studied 10 days ago, exam in 30 days: reminded
    registered: Enrolment  # idle, registered for a closed session in 20 days: reminded
    recent: Enrolment  # studied 2 days ago
    done: Enrolment  # idle but has the hours
    newcomer: Enrolment  # enrolled today, never studied
    coached: Enrolment  # online long ago, coaching attended 3 days ago
    far: Enrolment  # idle, its programme's exam 90 days away
    no_exam: Enrolment  # idle, no session of its programme
    deactivated: Enrolment  # idle, account deactivated
    cancelled: Enrolment  # idle, registered only for a cancelled session, programme has none


@pytest.fixture
def cohort(make: Factory, clock) -> Cohort:
    assert clock.now().date() == TODAY
    teacher = make.instructor()
    training_class = make.training_class(teacher, name="2026春季核算员四级班")

    def enrol(code: str = "accounting-4", *, last: int | None = 10) -> Enrolment:
        enrolment = make.enrolment(make.trainee(), code, training_class)
        if last is not None:
            enrolment.last_studied_on = TODAY - timedelta(days=last)
        return enrolment

    make.exam_session(
        "accounting-4",
        starts_on=TODAY + timedelta(days=30),
        registration_closes_on=TODAY + timedelta(days=20),
    )
    make.exam_session(
        "accounting-3",
        starts_on=TODAY + timedelta(days=90),
        registration_closes_on=TODAY + timedelta(days=80),
    )
    idle = enrol()
    recent = enrol(last=2)
    done = enrol()
    done.online_s = 80 * 45 * 60
    newcomer = enrol(last=None)
    coached = enrol(last=40)
    offline.add_offline_time(
        make.session,
        enrolment=coached,
        seconds=4 * 3600,
        day=TODAY - timedelta(days=3),
        reason="现场辅导",
        today=TODAY,
        now=clock.now(),
        actor_id=None,
    )
    far = enrol("accounting-3")
    no_exam = enrol("verification-3")
    deactivated = enrol()
    deactivated.trainee.active = False

    registered = enrol("monitoring-4")
    session = make.exam_session(
        "monitoring-4",
        starts_on=TODAY + timedelta(days=20),
        registration_closes_on=TODAY - timedelta(days=1),
    )
    session.status = "closed"
    cancelled = enrol("trading-4")
    called_off = make.exam_session(
        "trading-4",
        starts_on=TODAY + timedelta(days=10),
        registration_closes_on=TODAY - timedelta(days=1),
    )
    called_off.status = "cancelled"
    make.registration(registered, session)
    make.registration(cancelled, called_off)
    make.commit()
    return Cohort(
        teacher,
        training_class,
        idle,
        registered,
        recent,
        done,
        newcomer,
        coached,
        far,
        no_exam,
        deactivated,
        cancelled,
    )


def test_the_idle_whose_exam_approaches_are_reminded_once_a_period(
    app: Flask, make: Factory, clock, cohort: Cohort, db_session: Session
) -> None:
    figures = run_job(app, clock)
    assert figures["reminded"] == 2
    assert set(reminded(db_session)) == {(cohort.idle.id, TODAY), (cohort.registered.id, TODAY)}
    assert run_job(app, clock)["reminded"] == 0  # running again sends nothing more
    clock.advance(hours=6)
    assert run_job(app, clock)["reminded"] == 0

    notes = db_session.scalars(
        select(Notification).where(Notification.kind == "study_reminder")
    ).all()
    assert {note.user_id for note in notes} == {
        cohort.idle.trainee_id,
        cohort.registered.trainee_id,
    }
    idle_note = next(note for note in notes if note.user_id == cohort.idle.trainee_id)
    assert idle_note.params == {
        "programme": "accounting-4",
        "days": 10,
        "exam_day": (TODAY + timedelta(days=30)).isoformat(),
        "hours": 80.0,
    }
    registered_note = next(n for n in notes if n.user_id == cohort.registered.trainee_id)
    assert registered_note.params["exam_day"] == (TODAY + timedelta(days=20)).isoformat()

    # six days on: the two reminded are within their period; the one who had studied two
    # days before the first run and the one coached three days before it are idle by now
    clock.advance(days=6)
    assert run_job(app, clock)["reminded"] == 2
    assert reminded_on(db_session, TODAY + timedelta(days=6)) == {
        cohort.recent.id,
        cohort.coached.id,
    }
    # the idle one studies that day; a period after the first reminder the registered one,
    # still idle, is reminded again, and the newcomer has been enrolled a period without
    # starting; those reminded yesterday wait
    db_session.get(Enrolment, cohort.idle.id).last_studied_on = TODAY + timedelta(days=6)
    db_session.commit()
    clock.advance(days=1)
    assert run_job(app, clock)["reminded"] == 2
    assert reminded_on(db_session, TODAY + timedelta(days=7)) == {
        cohort.registered.id,
        cohort.newcomer.id,
    }
    assert run_job(app, clock)["reminded"] == 0


def test_never_one_who_studied_lately_has_the_hours_or_no_exam_near(
    app: Flask, clock, cohort: Cohort, db_session: Session
) -> None:
    run_job(app, clock)
    spared = {
        cohort.recent.id,
        cohort.done.id,
        cohort.newcomer.id,
        cohort.coached.id,
        cohort.far.id,
        cohort.no_exam.id,
        cohort.deactivated.id,
        cohort.cancelled.id,
    }
    assert spared.isdisjoint({enrolment_id for enrolment_id, _day in reminded(db_session)})
    # the one with the hours was told the minimum is reached, not nagged
    kinds = db_session.scalars(
        select(Notification.kind).where(Notification.user_id == cohort.done.trainee_id)
    ).all()
    assert kinds == ["hours_reached"]


def test_the_exam_held_or_the_setting_changed(
    app: Flask, clock, cohort: Cohort, db_session: Session
) -> None:
    """Once the exam day has come there is nothing to remind of; a longer idle period waits."""
    longer = tasks.JobContext(
        get_database(app), clock.now(), app.config["TIMEZONE"], reminder_idle_days=14
    )
    assert tasks.send_due_notifications(longer)["reminded"] == 0
    nearer = tasks.JobContext(
        get_database(app), clock.now(), app.config["TIMEZONE"], reminder_exam_days=25
    )
    assert tasks.send_due_notifications(nearer)["reminded"] == 1  # the registered one
    clock.advance(days=31)
    # both exam days have come; the far exam is 59 days away now
    assert run_job(app, clock)["reminded"] == 1
    assert reminded_on(db_session, TODAY + timedelta(days=31)) == {cohort.far.id}
    assert app.config["STUDY_REMINDER_IDLE_DAYS"] == 7


def test_the_instructor_sees_who_was_reminded(
    app: Flask, login, clock, cohort: Cohort, db_session: Session
) -> None:
    teacher = login(cohort.teacher)
    page = teacher.get(f"/classes/{cohort.training_class.id}").get_data(as_text=True)
    assert "最近催学" in page and "已于 2026-03-02 催学" not in page
    run_job(app, clock)
    page = teacher.get(f"/classes/{cohort.training_class.id}").get_data(as_text=True)
    assert page.count("已于 2026-03-02 催学") == 2  # in the list of trainees at risk
    roster = page[page.index('id="roster"') :]
    assert roster.count('<td class="nowrap">2026-03-02</td>') == 2


def test_the_trainee_reads_the_reminder(
    app: Flask, login, clock, cohort: Cohort, db_session: Session
) -> None:
    run_job(app, clock)
    messages = login(cohort.idle.trainee).get("/me/notifications").get_data(as_text=True)
    assert (
        "您已有 10 天没有学习 碳排放核算员 · 四级/中级工，考试日期为 2026-04-01，还差 80.0 标准学时"
        in messages
    )


@pytest.mark.parametrize(("closes_in_days", "reminded_"), [(1, True), (0, True), (-1, False)])
def test_an_exam_still_taking_registrations_on_its_closing_day_calls_for_study(
    make: Factory, db_session: Session, closes_in_days: int, reminded_: bool
) -> None:
    """Registration is open up to and including its closing day: an idle trainee whose only
    exam closes registration today is reminded; from the next day on, not registered, they
    have no exam to study for (the nightly job may not have closed the session yet)."""
    enrolment = make.enrolment(make.trainee(), "accounting-4")
    enrolment.last_studied_on = TODAY - timedelta(days=10)
    make.exam_session(
        starts_on=TODAY + timedelta(days=30),
        registration_closes_on=TODAY + timedelta(days=closes_in_days),
    )
    make.session.flush()
    found = study_reminders.due(db_session, today=TODAY, idle_days=7, exam_within_days=60)
    assert [due.enrolment_id for due in found] == ([enrolment.id] if reminded_ else [])
