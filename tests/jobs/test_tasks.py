"""What each job does to the database, under a fake clock."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from learning.db import get_database
from learning.jobs import tasks
from learning.models import ExamSession, JobRun, Playback, ThrottleHit
from learning.services import recompute, uploads
from tests.api.player import Player
from tests.factories import Factory


def context(app: Flask, clock) -> tasks.JobContext:
    return tasks.JobContext(get_database(app), clock.now(), app.config["TIMEZONE"], 30)


def test_a_forgotten_playback_is_closed_at_its_grace_deadline(
    app: Flask, login, make: Factory, clock, db_session
) -> None:
    enrolment = make.enrolment(make.trainee())
    video = make.video("accounting-4", duration_s=3600)
    make.commit()
    player = Player(login(enrolment.trainee), clock, enrolment.id, video.id)
    player.open()
    player.play(60)  # then the laptop lid closes: no close beat
    clock.advance(minutes=5)
    assert tasks.close_expired_playbacks(context(app, clock)) == {"stale": 1, "closed": 0}
    clock.advance(minutes=30)
    assert tasks.close_expired_playbacks(context(app, clock)) == {"stale": 0, "closed": 1}
    playback = db_session.scalars(select(Playback)).one()
    assert (playback.status, playback.end_reason) == ("ended", "grace")
    now_ms = int(clock.now().timestamp() * 1000)
    assert recompute.compare(db_session, now_ms=now_ms) == []
    late = player.send("tick")
    assert late.status_code == 409 and late.get_json()["error"] == "ended"


def test_exam_sessions_close_then_are_held(app: Flask, make: Factory, clock, db_session):
    today = clock.now().date()
    make.exam_session(starts_on=today + timedelta(days=10), registration_closes_on=today)
    make.exam_session(
        starts_on=today - timedelta(days=1), registration_closes_on=today - timedelta(days=9)
    )
    make.commit()
    assert tasks.advance_exam_sessions(context(app, clock)) == {"closed": 1, "held": 1}
    clock.advance(days=1)
    assert tasks.advance_exam_sessions(context(app, clock)) == {"closed": 1, "held": 0}
    clock.advance(days=10)
    assert tasks.advance_exam_sessions(context(app, clock)) == {"closed": 0, "held": 1}
    statuses = db_session.scalars(select(ExamSession.status)).all()
    assert statuses == ["held", "held"]


def test_the_nightly_check_counts_differences_and_fixes_nothing(
    app: Flask, make: Factory, clock, db_session
) -> None:
    enrolment = make.enrolment(make.trainee())
    make.commit()
    assert tasks.verify_totals(context(app, clock)) == {"events": 0, "differences": 0}
    enrolment.online_s = 999  # a kept total nobody credited
    make.commit()
    assert tasks.verify_totals(context(app, clock))["differences"] == 1
    db_session.expire_all()
    assert db_session.get(type(enrolment), enrolment.id).online_s == 999


def test_job_runs_older_than_the_kept_days_are_forgotten(app: Flask, make: Factory, clock):
    old = JobRun(job="notifications", holder="h", started_at=clock.now() - timedelta(days=31))
    recent = JobRun(job="notifications", holder="h", started_at=clock.now() - timedelta(days=29))
    make.session.add_all([old, recent])
    make.commit()
    assert tasks.prune_job_runs(context(app, clock)) == {"removed": 1}
    assert make.session.scalars(select(JobRun.started_at)).all() == [recent.started_at]


def test_failed_attempts_older_than_a_day_are_forgotten(app: Flask, make: Factory, clock):
    now_ms = int(clock.now().timestamp() * 1000)
    day_ms = 24 * 3600 * 1000
    make.session.add_all(
        [
            ThrottleHit(kind="login_account", key="wang", at_ms=now_ms - day_ms - 1),
            ThrottleHit(kind="login_account", key="wang", at_ms=now_ms - day_ms + 1),
        ]
    )
    make.commit()
    assert tasks.prune_failed_attempts(context(app, clock)) == {"removed": 1}
    kept = make.session.scalars(select(ThrottleHit.at_ms)).all()
    assert kept == [now_ms - day_ms + 1]


def test_video_uploads_left_unfinished_for_two_days_are_removed(app: Flask, clock, tmp_path):
    folder = str(tmp_path)
    old = uploads.start(folder, name="a.webm", size=10, max_bytes=100, now=clock.now(), actor_id=1)
    clock.advance(days=1)
    recent = uploads.start(
        folder, name="b.webm", size=10, max_bytes=100, now=clock.now(), actor_id=1
    )
    clock.advance(days=1)
    job = tasks.JobContext(get_database(app), clock.now(), "Asia/Shanghai", 30, folder)
    assert tasks.prune_abandoned_uploads(job) == {"removed": 1, "held_proof_forms": 0}
    assert uploads.state(folder, recent.id).received == 0
    assert not list(tmp_path.glob(f"incoming/{old.id}.*"))
