"""The scheduler process: renews the lease, and runs each job when it is due while it holds it.

Every process runs the same timetable; a process that does not hold the lease skips its turns
(and keeps trying to take the lease), so with any number of processes each run of a job happens
once, in the process that leads. Each run is recorded in `job_runs`, a failure included.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import uuid
from datetime import datetime
from types import FrameType
from zoneinfo import ZoneInfo

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask
from sqlalchemy import update

from learning.db import get_database
from learning.jobs import lease
from learning.jobs.tasks import Job, JobContext, review_thresholds, schedule
from learning.models import JobRun

log = logging.getLogger(__name__)


def default_holder() -> str:
    """Who this process is, in the lease and the job runs: host, process id, a random tail."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class SchedulerProcess:
    def __init__(self, app: Flask, holder: str | None = None) -> None:
        self.app = app
        self.database = get_database(app)
        self.holder = holder or default_holder()
        self.lease_s: float = app.config["SCHEDULER_LEASE_S"]
        self.zone = ZoneInfo(app.config["TIMEZONE"])
        self.leading = False

    def now(self) -> datetime:
        return self.app.extensions["clock"].now()

    def renew(self) -> bool:
        """Take or renew the lease; log when this process starts or stops leading."""
        with self.database.transaction() as session:
            held = lease.hold(session, self.holder, now=self.now(), ttl_s=self.lease_s)
        if held != self.leading:
            log.info("%s %s the scheduler lease", self.holder, "took" if held else "lost")
        self.leading = held
        return held

    def run(self, job: Job) -> int | None:
        """Run one job if this process leads; the id of its recorded run, or None."""
        if not self.renew():
            return None
        started = self.now()
        with self.database.transaction() as session:
            record = JobRun(job=job.name, holder=self.holder, started_at=started, figures={})
            session.add(record)
            session.flush()
            run_id = record.id
        outcome, figures, error = "ok", {}, None
        try:
            context = JobContext(
                self.database,
                started,
                self.app.config["TIMEZONE"],
                self.app.config["JOB_RUNS_KEPT_DAYS"],
                self.app.config["UPLOAD_FOLDER"],
                reminder_idle_days=self.app.config["STUDY_REMINDER_IDLE_DAYS"],
                reminder_exam_days=self.app.config["STUDY_REMINDER_EXAM_DAYS"],
                face_snapshot_retention_days=self.app.config["FACE_SNAPSHOT_RETENTION_DAYS"],
                application_files_retention_days=self.app.config[
                    "APPLICATION_FILES_RETENTION_DAYS"
                ],
                application_abandoned_days=self.app.config["APPLICATION_ABANDONED_DAYS"],
                review=review_thresholds(self.app.config),
                review_window_days=self.app.config["REVIEW_WINDOW_DAYS"],
            )
            figures = job.run(context)
        except Exception as failure:  # a failed run is recorded; the scheduler goes on
            log.exception("job %s failed", job.name)
            outcome, error = "failed", f"{type(failure).__name__}: {failure}"[:2000]
        with self.database.transaction() as session:
            session.execute(
                update(JobRun)
                .where(JobRun.id == run_id)
                .values(finished_at=self.now(), outcome=outcome, figures=figures, error=error)
            )
        return run_id

    def serve(self) -> None:
        """Run until SIGTERM or SIGINT, then give the lease up."""
        scheduler = BlockingScheduler(timezone=self.zone)
        scheduler.add_job(
            self.renew,
            IntervalTrigger(seconds=max(1.0, self.lease_s / 3)),
            id="lease",
            next_run_time=datetime.now(self.zone),
        )
        for job in schedule(self.app.config):
            scheduler.add_job(
                self.run,
                self._trigger(job),
                args=[job],
                id=job.name,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=None,
            )

        def stop(_signal: int, _frame: FrameType | None) -> None:
            # Ctrl-C on `make run` reaches the scheduler twice (the terminal's SIGINT to the
            # process group, then make's trap): the second finds it stopping already.
            if scheduler.running:
                scheduler.shutdown(wait=True)  # let a running job finish first

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        log.info("scheduler %s started", self.holder)
        try:
            scheduler.start()
        finally:
            with self.database.transaction() as session:
                lease.release(session, self.holder)
            log.info("scheduler %s stopped", self.holder)

    def _trigger(self, job: Job) -> IntervalTrigger | CronTrigger:
        if job.at is not None:
            hour, minute = job.at.split(":")
            return CronTrigger(
                day_of_week=job.weekday, hour=int(hour), minute=int(minute), timezone=self.zone
            )
        return IntervalTrigger(seconds=job.every_s or 60, timezone=self.zone)
