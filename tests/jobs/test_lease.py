"""The scheduler lease and a job run, under a fake clock."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from learning.jobs import lease
from learning.jobs.runner import SchedulerProcess
from learning.jobs.tasks import Job
from learning.models import JobRun


def test_one_holder_at_a_time_until_it_stops_renewing(db_session, clock) -> None:
    now = clock.now()
    assert lease.status(db_session, now=now) == "absent"
    assert lease.hold(db_session, "a", now=now, ttl_s=60)
    assert not lease.hold(db_session, "b", now=now + timedelta(seconds=59), ttl_s=60)
    assert lease.hold(db_session, "a", now=now + timedelta(seconds=30), ttl_s=60)  # renewed
    assert not lease.hold(db_session, "b", now=now + timedelta(seconds=89), ttl_s=60)
    assert lease.status(db_session, now=now + timedelta(seconds=89)) == "ok"
    assert lease.status(db_session, now=now + timedelta(seconds=91)) == "stale"
    assert lease.hold(db_session, "b", now=now + timedelta(seconds=91), ttl_s=60)  # took over
    assert not lease.hold(db_session, "a", now=now + timedelta(seconds=92), ttl_s=60)
    assert lease.current(db_session).holder == "b"


def test_a_released_lease_is_free_at_once(db_session, clock) -> None:
    now = clock.now()
    assert lease.hold(db_session, "a", now=now, ttl_s=60)
    lease.release(db_session, "a")
    assert lease.status(db_session, now=now) == "absent"
    assert lease.hold(db_session, "b", now=now, ttl_s=60)


def test_a_run_is_recorded_with_its_figures_or_its_failure(app: Flask, db_session) -> None:
    process = SchedulerProcess(app, holder="leader")

    def broken(_context):
        raise RuntimeError("disk full")

    assert process.run(Job("counting", lambda _context: {"counted": 3}, every_s=1))
    assert process.run(Job("broken", broken, every_s=1))
    runs = {run.job: run for run in db_session.scalars(select(JobRun))}
    assert runs["counting"].outcome == "ok" and runs["counting"].figures == {"counted": 3}
    assert runs["broken"].outcome == "failed" and runs["broken"].error == "RuntimeError: disk full"
    assert all(run.finished_at is not None and run.holder == "leader" for run in runs.values())


def test_a_process_without_the_lease_runs_nothing(app: Flask, db_session, clock) -> None:
    assert lease.hold(db_session, "other", now=clock.now(), ttl_s=60)
    db_session.commit()
    ran = []
    standby = SchedulerProcess(app, holder="standby")
    assert standby.run(Job("counting", lambda _context: ran.append(1) or {}, every_s=1)) is None
    assert ran == [] and db_session.scalars(select(JobRun)).all() == []
