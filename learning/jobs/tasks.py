"""The jobs: each takes the context of its run and returns what it did, in numbers.

Each keeps its write transactions short (on SQLite a write transaction holds up every beat);
the nightly check reads in a transaction of its own and writes only its report.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from learning.config import Defaults
from learning.database import Database
from learning.domain.plausibility import Thresholds
from learning.services import (
    application_files,
    exam_sessions,
    face_snapshots,
    held_proofs,
    job_runs,
    mock_exams,
    notifications,
    recompute,
    review,
    study,
    study_reminders,
    throttle,
    uploads,
)

log = logging.getLogger(__name__)

Figures = dict[str, int]


@dataclass(frozen=True)
class JobContext:
    database: Database
    now: datetime
    timezone: str
    kept_days: int = 30
    upload_folder: str = ""
    reminder_idle_days: int = Defaults.STUDY_REMINDER_IDLE_DAYS
    reminder_exam_days: int = Defaults.STUDY_REMINDER_EXAM_DAYS
    face_snapshot_retention_days: int = Defaults.FACE_SNAPSHOT_RETENTION_DAYS
    application_files_retention_days: int = Defaults.APPLICATION_FILES_RETENTION_DAYS
    application_abandoned_days: int = Defaults.APPLICATION_ABANDONED_DAYS
    review: Thresholds = field(default_factory=Thresholds)
    review_window_days: int = Defaults.REVIEW_WINDOW_DAYS

    @property
    def today(self) -> date:
        return self.now.astimezone(ZoneInfo(self.timezone)).date()

    @property
    def now_ms(self) -> int:
        return int(self.now.timestamp() * 1000)


def close_expired_playbacks(context: JobContext) -> Figures:
    """Rule 9: playbacks past their grace deadline are ended (stale ones are counted). One
    short transaction per trainee, so no trainee's beats wait for the others'."""
    with context.database.session_factory() as session:
        trainee_ids = study.trainees_with_active_playbacks(session)
    stale = closed = 0
    for trainee_id in trainee_ids:
        with context.database.transaction() as session:
            trainee_stale, trainee_closed = study.close_expired_playbacks(
                session, trainee_id, context.now_ms
            )
        stale += trainee_stale
        closed += trainee_closed
    return {"stale": stale, "closed": closed}


def advance_exam_sessions(context: JobContext) -> Figures:
    """Exam sessions move from open to closed to held as their dates pass."""
    with context.database.transaction() as session:
        closed, held = exam_sessions.advance_states(session, context.today)
    return {"closed": closed, "held": held}


def send_due_notifications(context: JobContext) -> Figures:
    """The minimum hours reached, and coaching in the coming week: each told once. Trainees
    idle while their exam approaches are reminded to study, once a period
    (`learning.services.study_reminders`)."""
    with context.database.transaction() as session:
        sent = notifications.send_due(session, today=context.today, now=context.now)
        reminded = study_reminders.send(
            session,
            today=context.today,
            now=context.now,
            idle_days=context.reminder_idle_days,
            exam_within_days=context.reminder_exam_days,
        )
    return {"sent": sent, "reminded": reminded}


def verify_totals(context: JobContext) -> Figures:
    """Nightly: the trainees who studied since their last verified replay snapshot (and those
    never verified) are replayed from it, through the new events only, and compared with the
    kept totals those events can have changed (the weekly check compares every one).
    Differences are reported (the admin overview shows the latest check) and never fixed here:
    `flask recompute` does that when a person has looked."""
    report = recompute.check_since_verified(context.database, now_ms=context.now_ms)
    return _reported(report)


def verify_all_totals(context: JobContext) -> Figures:
    """Weekly: every raw beat of every trainee replayed and compared with the kept totals, and
    each stored replay snapshot with the replay's state at its event (so an edited snapshot
    or an edited old beat, which the nightly check starts after, is found)."""
    return _reported(recompute.check(context.database, now_ms=context.now_ms))


def _reported(report: recompute.Report) -> Figures:
    for difference in report.differences[:20]:
        log.warning("kept total differs from the replay: %s", difference)
    return {"events": report.events, "differences": len(report.differences)}


def prune_job_runs(context: JobContext) -> Figures:
    """Job runs are kept for `JOB_RUNS_KEPT_DAYS` (about 4,500 a day otherwise pile up)."""
    with context.database.transaction() as session:
        removed = job_runs.prune(session, before=context.now - timedelta(days=context.kept_days))
    return {"removed": removed}


def prune_failed_attempts(context: JobContext) -> Figures:
    """Failed log-ins and check answers count for minutes; a day later they are dropped."""
    with context.database.transaction() as session:
        removed = throttle.prune(session, before_ms=context.now_ms - 24 * 3600 * 1000)
    return {"removed": removed}


def prune_abandoned_uploads(context: JobContext) -> Figures:
    """Video uploads left unfinished for two days are removed with their bytes, and proofs
    held for an application form left a day without being sent."""
    return {
        "removed": uploads.prune(context.upload_folder, now=context.now),
        "held_proof_forms": held_proofs.prune(context.upload_folder, now=context.now),
    }


def delete_expired_face_snapshots(context: JobContext) -> Figures:
    """Face-check pictures past `FACE_SNAPSHOT_RETENTION_DAYS` are deleted (PIPL: facial data
    is kept no longer than needed); their rows stay, marked deleted, and the audit log says so."""
    with context.database.transaction() as session:
        deleted = face_snapshots.delete_expired(
            session,
            upload_folder=context.upload_folder,
            now=context.now,
            retention_days=context.face_snapshot_retention_days,
        )
    return {"deleted": deleted}


def delete_expired_application_files(context: JobContext) -> Figures:
    """Proofs of applications rejected `APPLICATION_FILES_RETENTION_DAYS` ago, or returned and
    left unchanged for `APPLICATION_ABANDONED_DAYS`, are deleted (no personal data kept longer
    than the application needs it); their rows stay, marked deleted, and the audit log says so."""
    with context.database.transaction() as session:
        files, touched = application_files.delete_expired(
            session,
            upload_folder=context.upload_folder,
            now=context.now,
            retention_days=context.application_files_retention_days,
            abandoned_days=context.application_abandoned_days,
        )
    return {"deleted": files, "applications": touched}


def flag_implausible_study(context: JobContext) -> Figures:
    """The plausibility review: enrolments whose recent study shows signs that nobody watched
    are flagged, with the evidence, for an admin (`learning.domain.plausibility`). Reads in a
    transaction of its own; writes only the flags."""
    with context.database.session_factory() as session:
        found = review.find(
            session,
            now_ms=context.now_ms,
            thresholds=context.review,
            window_days=context.review_window_days,
        )
    with context.database.transaction() as session:
        opened = review.raise_flags(session, found, now=context.now)
    return {"suspicious": len(found), "flagged": opened}


def hand_in_overdue_mock_exams(context: JobContext) -> Figures:
    """Mock exams whose time is up are handed in at their deadline, so that a trainee who
    closed the page finds the paper scored (the page does the same when it is opened first)."""
    with context.database.transaction() as session:
        handed_in = mock_exams.hand_in_overdue(session, now=context.now)
    return {"handed_in": handed_in}


def review_thresholds(config: dict) -> Thresholds:
    """The review's thresholds from the settings."""
    return Thresholds(
        fast_answer_ms=config["REVIEW_FAST_ANSWER_MS"],
        fast_answers_min=config["REVIEW_FAST_ANSWERS"],
        beat_spread_ms=config["REVIEW_BEAT_SPREAD_MS"],
        beat_gaps_min=config["REVIEW_BEAT_GAPS"],
        face_mismatches_min=config["REVIEW_FACE_MISMATCHES"],
        night_from_hour=config["REVIEW_NIGHT_FROM_HOUR"],
        night_to_hour=config["REVIEW_NIGHT_TO_HOUR"],
        night_min_s=config["REVIEW_NIGHT_MIN_S"],
        night_days_min=config["REVIEW_NIGHT_DAYS"],
    )


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[JobContext], Figures]
    every_s: int | None = None  # an interval, or
    at: str | None = None  # a daily time "HH:MM" in the training body's time zone
    weekday: str | None = None  # with `at`: only on this day of the week ("sun"), not daily


def schedule(config: dict) -> list[Job]:
    """The jobs and when they run, from the settings."""
    return [
        Job("close_playbacks", close_expired_playbacks, every_s=config["JOB_PLAYBACKS_EVERY_S"]),
        Job("exam_sessions", advance_exam_sessions, every_s=config["JOB_EXAM_SESSIONS_EVERY_S"]),
        Job("notifications", send_due_notifications, every_s=config["JOB_NOTIFICATIONS_EVERY_S"]),
        Job("mock_exams", hand_in_overdue_mock_exams, every_s=config["JOB_MOCK_EXAMS_EVERY_S"]),
        Job("verify_totals", verify_totals, at=config["JOB_VERIFY_AT"]),
        Job(
            "verify_totals_fully",
            verify_all_totals,
            at=config["JOB_VERIFY_AT"],
            weekday=config.get("JOB_FULL_CHECK_DAY", Defaults.JOB_FULL_CHECK_DAY),
        ),
        Job("prune_runs", prune_job_runs, at=config["JOB_VERIFY_AT"]),
        Job("prune_attempts", prune_failed_attempts, at=config["JOB_VERIFY_AT"]),
        Job("prune_uploads", prune_abandoned_uploads, at=config["JOB_VERIFY_AT"]),
        Job("face_snapshots", delete_expired_face_snapshots, at=config["JOB_VERIFY_AT"]),
        Job("application_files", delete_expired_application_files, at=config["JOB_VERIFY_AT"]),
        Job("review_flags", flag_implausible_study, at=config["JOB_VERIFY_AT"]),
    ]
