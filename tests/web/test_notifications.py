"""What trainees are told: decisions, registrations, the minimum reached, coaching ahead."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from learning.models import Notification
from learning.services import notifications, offline
from tests.api.player import Player
from tests.factories import Factory


def send_due(make: Factory, clock) -> int:
    """What the scheduler's notifications job does."""
    sent = notifications.send_due(make.session, today=clock.now().date(), now=clock.now())
    make.commit()
    return sent


def test_reaching_the_minimum_online_is_told_once(
    app: Flask, login, make: Factory, clock, db_session: Session
) -> None:
    trainee = make.trainee()
    enrolment = make.enrolment(trainee, "accounting-4")
    enrolment.online_s = 80 * 45 * 60 - 20  # 20 s short
    video = make.video("accounting-4")
    make.commit()
    client = login(trainee)
    page = Player(client, clock, enrolment.id, video.id)
    page.open()
    page.play(60)
    send_due(make, clock)
    send_due(make, clock)  # told once, however often the scheduler looks
    kinds = db_session.scalars(select(Notification.kind)).all()
    assert kinds == ["hours_reached"]
    html = client.get("/").get_data(as_text=True)
    assert 'class="badge">1<' in html
    messages = client.get("/me/notifications").get_data(as_text=True)
    assert "碳排放核算员" in messages and "最低学时" in messages
    assert "accounting-4" not in messages  # the programme by its name, never its code
    client.post_form("/me/notifications/read")
    assert 'class="badge"' not in client.get("/").get_data(as_text=True)


def test_coaching_attendance_that_completes_the_hours_is_told(
    make: Factory, clock, db_session: Session
) -> None:
    teacher = make.instructor()
    training_class = make.training_class(teacher)
    enrolment = make.enrolment(make.trainee(), "accounting-4", training_class)
    enrolment.online_s = 80 * 45 * 60 - 3600
    day = offline.create_coaching_day(
        make.session,
        training_class=training_class,
        day=clock.now().date(),
        topic="答疑",
        credit_s=8 * 3600,
        now=clock.now(),
        actor_id=teacher.id,
    )
    offline.record_attendance(
        make.session,
        coaching_day=day,
        present_enrolment_ids={enrolment.id},
        today=clock.now().date(),
        now=clock.now(),
        actor_id=teacher.id,
    )
    make.commit()
    send_due(make, clock)
    kinds = db_session.scalars(select(Notification.kind)).all()
    assert sorted(kinds) == ["coaching_soon", "hours_reached"]


def test_coaching_in_the_coming_week_is_a_reminder(login, make: Factory, clock) -> None:
    teacher = make.instructor()
    training_class = make.training_class(teacher)
    trainee = make.trainee()
    make.enrolment(trainee, "accounting-4", training_class)
    offline.create_coaching_day(
        make.session,
        training_class=training_class,
        day=(clock.now() + timedelta(days=5)).date(),
        topic="第一天：讲解重点考核内容",
        credit_s=8 * 3600,
        now=clock.now(),
        actor_id=teacher.id,
    )
    html = login(trainee).get("/me/notifications").get_data(as_text=True)
    assert "第一天：讲解重点考核内容" in html
    assert send_due(make, clock) == 1 and send_due(make, clock) == 0
    stored = make.session.scalars(select(Notification)).one()
    assert stored.kind == "coaching_soon" and stored.params["topic"] == "第一天：讲解重点考核内容"


def test_coaching_beyond_the_week_or_for_the_inactive_waits(make: Factory, clock) -> None:
    training_class = make.training_class(make.instructor())
    gone = make.trainee()
    gone.active = False
    make.enrolment(gone, "accounting-4", training_class)
    make.enrolment(make.trainee(), "accounting-4", training_class)
    offline.create_coaching_day(
        make.session,
        training_class=training_class,
        day=(clock.now() + timedelta(days=8)).date(),
        topic="下周",
        credit_s=8 * 3600,
        now=clock.now(),
        actor_id=None,
    )
    assert send_due(make, clock) == 0
    clock.advance(days=1)
    assert send_due(make, clock) == 1  # the active trainee only
