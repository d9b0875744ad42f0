"""Words shown for codes (levels, roles, blockers), in the user's language; Jinja helpers."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from learning.db import get_session
from learning.domain import forecast
from learning.domain.rounding import clock
from learning.models import Role, TraineeCategory
from learning.services import catalogue

ROLE_LABELS = {
    Role.TRAINEE.value: _l("Trainee"),
    Role.INSTRUCTOR.value: _l("Instructor"),
    Role.ADMIN.value: _l("Administrator"),
}

PRESENCE_CHECK_LABELS = {  # AccountingSettings.presence_check
    "code": _l("The code in a picture"),
    "question": _l("A question of the question bank"),
    "both": _l("The code and a question"),
}

CATEGORY_LABELS = {
    TraineeCategory.KEY_EMITTING_UNIT: _l("Staff of a key emitting unit in allowance trading"),
    TraineeCategory.TEACHING_RESEARCH: _l("Environment or circular-economy teaching and research"),
    TraineeCategory.CONSULTING_FIRM: _l("Energy-saving, low-carbon or environmental consulting"),
    TraineeCategory.FINANCIAL_INSTITUTION: _l("Financial institution following emission reduction"),
    TraineeCategory.CARBON_PROFESSIONAL: _l(
        "Carbon professional: verification, accounting, trading, monitoring"
    ),
    TraineeCategory.INDIVIDUAL: _l("Individual aiming to work in the dual-carbon field"),
}

FEE_KIND_LABELS = {
    "training": _l("Training package (training, practice, coaching and one assessment)"),
    "assessment": _l("Assessment only (retake)"),
}


OCCUPATION_LABELS = {"same": _l("This occupation"), "related": _l("A related occupation")}
TITLE_LEVEL_LABELS = {
    "junior": _l("Junior title (初级)"),
    "intermediate": _l("Intermediate title (中级)"),
    "senior": _l("Senior title (高级)"),
}
MAJOR_LABELS = {"this": _l("This major"), "related": _l("A related major"), "other": _l("Other")}

EDUCATION_KIND_LABELS = {  # learning.domain.eligibility.EDUCATION_KINDS, in their order
    "technical_school": _l("Technical school"),
    "secondary_vocational": _l("Secondary vocational school"),
    "higher_vocational": _l("Higher vocational school"),
    "junior_college": _l("Junior college"),
    "bachelor_or_above": _l("Bachelor's degree or above"),
    "advanced_worker_class": _l("Advanced-worker class of a technical school"),
    "technician_college": _l("Technician college"),
    "advanced_technical_school": _l("Advanced technical school"),
    "preparatory_technician_class": _l("Preparatory-technician or technician class"),
}

LEVEL_SHORT_LABELS = {
    5: _l("Level 5"),
    4: _l("Level 4"),
    3: _l("Level 3"),
    2: _l("Level 2"),
    1: _l("Level 1"),
}
LEVEL_LABELS = {
    5: _l("Level 5 / Junior"),
    4: _l("Level 4 / Intermediate"),
    3: _l("Level 3 / Senior"),
    2: _l("Level 2 / Technician"),
    1: _l("Level 1 / Senior technician"),
}

QUESTION_KIND_LABELS = {  # learning.domain.exam_practice.Kind
    "true_false": _l("True or false"),
    "single": _l("Single choice"),
    "multiple": _l("Multiple choice"),
}
DIFFICULTY_LABELS = {1: _l("Easy"), 2: _l("Medium"), 3: _l("Hard")}

ENROLMENT_STATUS_LABELS = {
    "active": _l("Studying"),
    "completed": _l("Completed"),
    "withdrawn": _l("Withdrawn"),
}


FACE_STATE_LABELS = {  # learning.services.face_profiles.FaceState
    "not_asked": _l("Not answered yet"),
    "refused": _l("Consent refused"),
    "no_reference": _l("No reference face"),
    "awaiting_approval": _l("Waiting for approval"),
    "in_force": _l("In force"),
}

NOT_CREDITED_LABELS = {
    "ended": _l("arrived after the playback had ended"),
    "superseded": _l("the video was playing in another window"),
    "seek": _l("skipped ahead, not counted"),
    "paused": _l("paused, not counted"),
    "hidden": _l("the tab was hidden, not counted"),
    "beyond_duration": _l("past the end of the video"),
    "rate_limited": _l("played faster than real time; the excess is not counted"),
    "attention_pending": _l("waiting for the presence check, not counted"),
    "rewatch": _l("watched before, counted once"),
    "daily_cap": _l("over the daily study limit"),
    "voided": _l("withdrawn after a review of the study (the reason is below)"),
}

STATUS_LABELS = {
    "done": _l("Done"),
    "on_track": _l("On track"),
    "behind": _l("Behind"),
    "inactive": _l("Inactive"),
}

JOB_LABELS = {
    "close_playbacks": _l("Close playbacks past their grace period"),
    "exam_sessions": _l("Move exam sessions on by date"),
    "notifications": _l("Send due messages"),
    "verify_totals": _l("Check kept totals against the raw beats (nightly)"),
    "verify_totals_fully": _l("Check kept totals against all the raw beats (weekly)"),
    "prune_runs": _l("Forget job runs older than a month (nightly)"),
    "prune_attempts": _l("Forget failed log-ins and check answers older than a day (nightly)"),
    "prune_uploads": _l("Remove video uploads left unfinished for two days (nightly)"),
    "review_flags": _l("Flag study that looks as if nobody watched, for review (nightly)"),
    "face_snapshots": _l("Delete face-check pictures past the retention period (nightly)"),
    "mock_exams": _l("Hand in mock exams whose time is up"),
    "application_files": _l(
        "Delete the proofs of rejected or abandoned applications past the retention period "
        "(nightly)"
    ),
}

JOB_FIGURE_LABELS = {
    "stale": _l("stale"),
    "closed": _l("closed"),
    "held": _l("held"),
    "sent": _l("sent"),
    "reminded": _l("reminded to study"),
    "events": _l("events replayed"),
    "differences": _l("differences"),
    "suspicious": _l("enrolments with signs"),
    "flagged": _l("newly flagged"),
    "removed": _l("removed"),
    "deleted": _l("deleted"),
    "handed_in": _l("handed in"),
    "applications": _l("applications"),
}

SESSION_STATUS_LABELS = {
    "open": _l("Registration open"),
    "closed": _l("Registration closed"),
    "held": _l("Held"),
    "cancelled": _l("Cancelled"),
}

APPLICATION_STATUS_LABELS = {
    "submitted": _l("Under review"),
    "approved": _l("Approved"),
    "rejected": _l("Not approved"),
    "returned": _l("Returned for changes"),
}

EXAM_PART_LABELS = {
    "theory": _l("Theory exam"),
    "skill": _l("Skill assessment"),
    "review": _l("Comprehensive review"),
}

EXAM_OUTCOME_LABELS = {
    "passed": _l("Passed"),
    "failed": _l("Not passed"),
    "absent": _l("Absent"),
}

OFFLINE_KIND_LABELS = {
    "coaching": _l("On-site coaching"),
    "other": _l("Other offline study"),
}


def blocking_reason_text(code: str, hours_missing: float = 0.0) -> str:
    """A blocker of exam registration in plain words, e.g. 还差 12.5 标准学时."""
    if code == "hours":
        return _("%(hours).1f standard hours still missing", hours=hours_missing)
    texts = {
        "eligibility_not_approved": _("Eligibility not yet approved"),
        "fee_unpaid": _("Training fee not yet paid"),
        "mock_exam_score": _("No mock exam yet with the score the training body requires"),
        "session_full": _("The exam session is full"),
        "registration_closed": _("Registration for the exam session is closed"),
        "level_mismatch": _("The exam session is for another work type or level"),
    }
    return texts.get(code, code)


def mock_gate_text(score: int, best: int | None) -> str:
    """What a programme's mock-exam gate asks of registering, and where the trainee stands."""
    if best is None:
        return _(
            "Registering for the exam needs a mock exam handed in with at least %(score)s "
            "points; no mock exam has been handed in yet.",
            score=score,
        )
    return _(
        "Registering for the exam needs a mock exam handed in with at least %(score)s "
        "points; the best so far is %(best)s.",
        score=score,
        best=best,
    )


def eligibility_reason_text(code: str, params: dict) -> str:
    """Why declared evidence does not meet a condition, in plain words."""
    if code == "years_short":
        return _(
            "%(needed)s years of work needed, %(declared)s declared",
            needed=params["needed"],
            declared=params["declared"],
        )
    if code == "certificate_missing":
        return _("no level-%(level)s (or higher) certificate", level=params["min_level"])
    if code in {"certificate_years_short", "certificate_held_short", "title_years_short"}:
        return _(
            "%(needed)s years needed after it, %(counted)s counted",
            needed=params["needed"],
            counted=params["counted"],
        )
    if code == "title_missing":
        return _("no matching professional title")
    if code == "education_missing":
        return _("no diploma of the kind this condition names")
    return code


def education_kind_label(kind: str) -> str:
    return str(EDUCATION_KIND_LABELS.get(kind, kind))


def notification_text(kind: str, params: dict) -> str:
    """A notification in the reader's language."""
    texts = {
        "application_approved": _(
            "Your application for %(programme)s was approved "
            "(condition %(condition)s). You can start studying.",
            programme=programme_name_of(params.get("programme")),
            condition=params.get("condition"),
        ),
        "application_rejected": _(
            "Your application for %(programme)s was not approved: %(reason)s",
            programme=programme_name_of(params.get("programme")),
            reason=params.get("reason"),
        ),
        "application_returned": _(
            "Your application for %(programme)s was returned for changes: %(note)s Correct it "
            "and submit it again from My applications.",
            programme=programme_name_of(params.get("programme")),
            note=params.get("note"),
        ),
        "exam_registered": _(
            "You are registered for the exam on %(day)s at %(place)s.",
            day=params.get("day"),
            place=params.get("place"),
        ),
        "hours_reached": _(
            "You have reached the minimum hours of %(programme)s.",
            programme=programme_name_of(params.get("programme")),
        ),
        "exam_session_changed": _(
            "Your exam session of %(programme)s changed: now on %(day)s %(time)s at %(place)s.",
            programme=programme_name_of(params.get("programme")),
            day=params.get("day"),
            time=params.get("time", ""),
            place=params.get("place"),
        ),
        "exam_session_cancelled": _(
            "Your exam session of %(programme)s on %(day)s was cancelled: %(reason)s. "
            "You can register for another session from your course page.",
            programme=programme_name_of(params.get("programme")),
            day=params.get("day"),
            reason=params.get("reason"),
        ),
        "coaching_soon": _(
            "On-site coaching on %(day)s: %(topic)s. Please come in person: attendance counts "
            "towards your hours.",
            day=params.get("day"),
            topic=params.get("topic"),
        ),
        "announcement": _("Announcement: %(title)s", title=params.get("title")),
        "login_attacked": _(
            "Someone tried %(failures)s wrong passwords on your account within %(minutes)s "
            "minutes. Logins from new devices wait a while; your usual devices still get in. If "
            "this was not you, change your password and tell the training office.",
            failures=params.get("failures"),
            minutes=params.get("minutes"),
        ),
        "study_reminder": _(
            "You have not studied %(programme)s for %(days)s days, and your exam is on %(day)s "
            "with %(hours)s standard hours still missing. A little every day is enough: open "
            "your course and keep going.",
            programme=programme_name_of(params.get("programme")),
            days=params.get("days"),
            day=params.get("exam_day"),
            hours=format_hours(params.get("hours") or 0),
        ),
    }
    return texts.get(kind, kind)


def localized(chinese: str, english: str) -> str:
    """Pick the stored Chinese or English name of catalogue data."""
    locale = get_locale()
    return english if locale is not None and locale.language == "en" else chinese


def programme_label(
    work_type_zh: str, work_type_en: str, level: int, *, short: bool = False
) -> str:
    """A programme as people name it: its work type and level, "碳排放核算员 · 四级/中级工",
    or "碳排放核算员 四级" where room is short (chart axes on a phone)."""
    if short:
        return f"{localized(work_type_zh, work_type_en)} {LEVEL_SHORT_LABELS[level]}"
    return f"{localized(work_type_zh, work_type_en)} · {LEVEL_LABELS[level]}"


def programme_name_of(code: str | None, *, short: bool = False) -> str:
    """The programme a code stands for, as people name it (a code kept in a notification, an
    audit entry or a message); the code itself when no programme has it."""
    if not code:
        return ""
    if "programme_names" not in g:
        g.programme_names = catalogue.programme_names(get_session())
    named = g.programme_names.get(code)
    if named is None:
        return code
    work_type_zh, work_type_en, level = named
    return programme_label(work_type_zh, work_type_en, level, short=short)


def listed(items: Iterable[object]) -> str:
    """Items one after the other as the reader's language lists them: 甲、乙 or A, B."""
    return _(", ").join(str(item) for item in items)


def format_hours(value: float) -> str:
    return f"{value:.1f}"


def format_duration(seconds: int) -> str:
    """Seconds as h:mm:ss or m:ss."""
    hours, rest = divmod(max(0, int(seconds)), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def format_duration_words(seconds: int) -> str:
    """Seconds with their units, for the study record: 40 秒, 3 分 20 秒, 1 小时 5 秒."""
    hours, minutes, secs = clock(int(seconds))
    parts = [
        _("%(count)d h", count=hours) if hours else "",
        _("%(count)d min", count=minutes) if minutes else "",
        _("%(count)d s", count=secs) if secs or not (hours or minutes) else "",
    ]
    return " ".join(part for part in parts if part)


def format_datetime_local(moment: datetime) -> str:
    """A stored UTC time in the configured TIMEZONE, to the minute."""
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        LEVEL_LABELS=LEVEL_LABELS,
        ROLE_LABELS=ROLE_LABELS,
        CATEGORY_LABELS=CATEGORY_LABELS,
        ENROLMENT_STATUS_LABELS=ENROLMENT_STATUS_LABELS,
        QUESTION_KIND_LABELS=QUESTION_KIND_LABELS,
        DIFFICULTY_LABELS=DIFFICULTY_LABELS,
        FACE_STATE_LABELS=FACE_STATE_LABELS,
        NOT_CREDITED_LABELS=NOT_CREDITED_LABELS,
        OFFLINE_KIND_LABELS=OFFLINE_KIND_LABELS,
        EXAM_PART_LABELS=EXAM_PART_LABELS,
        FORECAST_RULE=forecast.RULE,
        EXAM_OUTCOME_LABELS=EXAM_OUTCOME_LABELS,
        APPLICATION_STATUS_LABELS=APPLICATION_STATUS_LABELS,
        SESSION_STATUS_LABELS=SESSION_STATUS_LABELS,
        STATUS_LABELS=STATUS_LABELS,
        JOB_LABELS=JOB_LABELS,
        JOB_FIGURE_LABELS=JOB_FIGURE_LABELS,
        OCCUPATION_LABELS=OCCUPATION_LABELS,
        MAJOR_LABELS=MAJOR_LABELS,
        TITLE_LEVEL_LABELS=TITLE_LEVEL_LABELS,
        education_kind_label=education_kind_label,
        FEE_KIND_LABELS=FEE_KIND_LABELS,
        blocking_reason_text=blocking_reason_text,
        mock_gate_text=mock_gate_text,
        eligibility_reason_text=eligibility_reason_text,
        notification_text=notification_text,
        localized=localized,
        programme_label=programme_label,
        programme_name_of=programme_name_of,
        current_locale=lambda: str(get_locale() or "zh"),
    )
    app.jinja_env.filters["hours"] = format_hours
    app.jinja_env.filters["listed"] = listed
    app.jinja_env.filters["duration"] = format_duration
    app.jinja_env.filters["duration_words"] = format_duration_words
    app.jinja_env.filters["datetime_local"] = format_datetime_local
