"""Settings: defaults in code, then a config file, then environment variables, then test overrides.

Every setting is an upper-case attribute of `Defaults`. A config file (a Python file of
upper-case assignments, see `config/example.py`) is read from `$LEARNING_CONFIG`, or from
`config/local.py` when that exists. Environment variables of the same names come last and are
converted to the type of the default.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SESSION_LIMITS = (
    "SESSION_IDLE_MINUTES_STAFF",
    "SESSION_IDLE_MINUTES_TRAINEE",
    "SESSION_LIFETIME_HOURS",
)


class ConfigError(RuntimeError):
    """A setting is missing or invalid; the message says which and what to do."""


class Defaults:
    """The settings and their defaults. Comments give the unit."""

    ENV = "development"  # development | production
    SECRET_KEY: str | None = None
    # signs certificate codes; default: SECRET_KEY, but in production a key of its own, so that
    # rotating the session key does not void the certificates already printed
    CERTIFICATE_KEY: str | None = None
    # the address trainees use, e.g. https://learning.example.org: absolute links (the QR codes
    # on certificates and posters) are built from it, and in production requests naming another
    # host are refused (400). Default in development: the host the request named
    PUBLIC_URL: str | None = None
    DATABASE_URL: str | None = None  # default: SQLite file in the instance folder
    SQLITE_BUSY_TIMEOUT_MS = 5000
    UPLOAD_FOLDER: str | None = None  # default: <instance>/uploads
    PASSWORD_HASH_METHOD = "scrypt"  # werkzeug.security method string
    MAX_CONTENT_LENGTH = 48 * 1024 * 1024  # bytes per request: 8 documents of 5 MB and the form
    VIDEO_MAX_MB = 2048  # the largest video file an admin may upload (sent in chunks)
    UPLOAD_CHUNK_BYTES = 8 * 1024 * 1024  # what the upload page sends in one request

    # Languages
    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh", "en")

    # Study-time accounting (shared accounting.md)
    STANDARD_HOUR_MINUTES = 45
    MAX_RATE = 1.0
    SLACK_S = 5
    RESUME_GRACE_S = 10  # allowance a paused, hidden or checked playback may regain (rule 3)
    HEARTBEAT_INTERVAL_S = 15
    ATTENTION_MIN_MINUTES = 10.0
    ATTENTION_MAX_MINUTES = 20.0
    ATTENTION_TIMEOUT_MINUTES = 5.0
    STALE_AFTER_S: int | None = None  # default: 3 x HEARTBEAT_INTERVAL_S + 15
    LATE_BEAT_GRACE_S = 30 * 60
    DAILY_CAP_S = 21_600
    TIMEZONE = "Asia/Shanghai"

    # On-site coaching: seconds credited for one attended full day
    COACHING_DAY_S = 8 * 3600

    TRAINING_BODY_NAME = "广东省清洁生产协会"
    EXAM_PASS_MARK = 60  # each part of the assessment is passed at this score on its own

    REQUEST_LOG = True  # a JSON line per request on the learning.requests logger
    BENCH_ENDPOINTS = False  # reference endpoints for bench/heartbeats.py; never in production

    # Applications (报名) and their proofs
    APPLICATION_MAX_BYTES = 30 * 1024 * 1024  # bytes: all the proofs of one application together
    # days the proofs of a rejected application are kept after the decision, then deleted by the
    # nightly job (an approved application keeps them: they are the training body's evidence)
    APPLICATION_FILES_RETENTION_DAYS = 180
    # days an application returned for changes may wait for the applicant; left unchanged this
    # long it counts as abandoned, and the nightly job deletes its proofs
    APPLICATION_ABANDONED_DAYS = 90

    # Background jobs (the scheduler process); seconds unless said
    SCHEDULER_LEASE_S = 60  # a scheduler that stops renewing is replaced after this
    JOB_PLAYBACKS_EVERY_S = 60
    JOB_EXAM_SESSIONS_EVERY_S = 600
    JOB_NOTIFICATIONS_EVERY_S = 60
    JOB_MOCK_EXAMS_EVERY_S = 60  # papers past their deadline handed in (pages do it first)
    JOB_VERIFY_AT = "02:30"  # nightly, in TIMEZONE (pruning old job runs too)
    # the weekday (mon..sun) whose JOB_VERIFY_AT also replays all history: the nightly check
    # replays only the day's beats, from each trainee's verified snapshot
    JOB_FULL_CHECK_DAY = "sun"
    JOB_RUNS_KEPT_DAYS = 30

    # Reminders to study (催学), sent by the notifications job
    STUDY_REMINDER_IDLE_DAYS = 7  # days without study before a reminder, and between two
    STUDY_REMINDER_EXAM_DAYS = 60  # only while the trainee's exam is at most this many days away

    # Face checks (learning/faces.py, learning/services/face_checks.py)
    FACE_MATCH_THRESHOLD = 0.5  # largest descriptor distance still the same person
    # days a face-check picture is kept before the nightly job deletes it (PIPL: no longer than
    # needed). The training body's archive rules decide, as for its class archives (AQ 8011-2023)
    FACE_SNAPSHOT_RETENTION_DAYS = 365

    # The plausibility review (learning/domain/plausibility.py says why each threshold is where
    # it is); the nightly job flags enrolments whose study of the last REVIEW_WINDOW_DAYS shows:
    REVIEW_WINDOW_DAYS = 7
    REVIEW_FAST_ANSWER_MS = 1500  # a presence check answered faster than a person reads, ...
    REVIEW_FAST_ANSWERS = 3  # ... this many times
    REVIEW_BEAT_SPREAD_MS = 2  # ticks whose gaps vary (median absolute deviation) at most this
    REVIEW_BEAT_GAPS = 40  # over at least this many gaps of one playback
    REVIEW_FACE_MISMATCHES = 2  # face checks showing another face, or several
    REVIEW_NIGHT_FROM_HOUR = 0  # credited time between these hours (the playback's time zone)
    REVIEW_NIGHT_TO_HOUR = 5
    REVIEW_NIGHT_MIN_S = 600  # of at least this much a night
    REVIEW_NIGHT_DAYS = 3  # on this many nights of the window

    # Limits on abuse (learning/services/throttle.py, learning/api/limits.py)
    # Wrong passwords (accounts.sign_in says why each count is where it is). Logins from a
    # device without the account's device cookie are counted, within the window, ...
    LOGIN_FAILURE_WINDOW_S = 15 * 60
    LOGIN_FAILURES_PER_PAIR = 5  # ... per account and address, then that pair waits a while
    LOGIN_FAILURES_PER_ACCOUNT = 50  # ... per account from all addresses: under attack, the
    # holder is told and only their known devices get in for a while
    LOGIN_ACCOUNTS_PER_ADDRESS = 50  # ... distinct accounts failed from one address (spraying)
    # A known device (it logged into the account before) is slowed, never locked out: after
    LOGIN_DEVICE_FREE_FAILURES = 5  # this many wrong passwords within LOGIN_DEVICE_WINDOW_S,
    LOGIN_DEVICE_DELAY_S = 30  # it waits this long after the next, doubled at each further one,
    LOGIN_DEVICE_MAX_DELAY_S = 5 * 60  # at most this long
    LOGIN_DEVICE_WINDOW_S = 24 * 3600  # at most 24 h: the nightly job forgets older failures
    LOGIN_DEVICE_COOKIE_DAYS = 365  # how long a browser stays a known device after a login
    PASSWORD_CHECK_FAILURES = 5  # wrong current passwords on the change form per user, within
    # LOGIN_FAILURE_WINDOW_S, then the form refuses a while
    CHECK_WRONG_ANSWERS = 5  # wrong presence-check answers per trainee within the window
    CHECK_ANSWER_WINDOW_S = 10 * 60
    BEAT_BURST = 30  # beats a playback may send at once, refilled at BEATS_PER_S
    BEATS_PER_S = 1.0
    PLAYBACK_OPEN_BURST = 30  # playbacks a trainee may open at once, refilled per minute
    PLAYBACK_OPENS_PER_MINUTE = 6.0
    FACE_ANSWER_BURST = 6  # face-check answers a trainee may send at once (each costs ~1 s CPU)
    FACE_ANSWERS_PER_MINUTE = 4.0
    # Where the three limits above are counted: "" in each process's memory (with N processes a
    # client may get N times the rate), or a Redis URL (redis://127.0.0.1:6379/0) to count them
    # once for all processes and hosts that name it (learning/api/limits.py)
    RATE_LIMIT_STORAGE_URL = ""
    RATE_LIMIT_KEY_PREFIX = "learning"  # the start of every key kept there (one per installation)
    # Anonymous registration (learning/services/applications.py): what one network address may
    # send, counted in the database; the nightly job forgets counts a day old, so no window is
    # longer than a day
    APPLICATIONS_PER_ADDRESS = 20  # applications created from one address within a day
    PROOF_UPLOADS_PER_ADDRESS = 40  # proof files sent from one address within an hour
    PROXY_HOPS = 0  # reverse proxies in front that set X-Forwarded-For and X-Forwarded-Proto

    # Sessions end (learning/session_expiry.py): after this long without a request, staff
    # (instructors, admins) and trainees (whose player's heartbeats count), and at the latest
    # this many hours after the login, however active
    SESSION_IDLE_MINUTES_STAFF = 30
    SESSION_IDLE_MINUTES_TRAINEE = 120
    SESSION_LIFETIME_HOURS = 12

    # Cookies
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False  # forced on in production
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT: int | None = None  # the token lives as long as the session


def setting_names() -> list[str]:
    return [name for name in vars(Defaults) if name.isupper()]


def load_settings(
    instance_path: Path, overrides: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Return the merged settings for one application instance."""
    settings = {name: getattr(Defaults, name) for name in setting_names()}
    settings.update(_read_config_file())
    settings.update(_read_environment(settings))
    settings.update(overrides or {})
    _fill_derived(settings, instance_path)
    return settings


def _read_config_file() -> dict[str, Any]:
    path_text = os.environ.get("LEARNING_CONFIG")
    path = Path(path_text) if path_text else PROJECT_ROOT / "config" / "local.py"
    if not path.exists():
        if path_text:
            raise ConfigError(f"LEARNING_CONFIG points at {path}, which does not exist.")
        return {}
    namespace: dict[str, Any] = {"__file__": str(path)}
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)
    return {key: value for key, value in namespace.items() if key.isupper()}


def _read_environment(current: Mapping[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name in setting_names():
        raw = os.environ.get(name)
        if raw is None or raw == "":
            continue
        found[name] = _convert(name, raw, getattr(Defaults, name))
    if "LEARNING_ENV" in os.environ:
        found["ENV"] = os.environ["LEARNING_ENV"]
    return found


def _convert(name: str, raw: str, default: Any) -> Any:
    try:
        if isinstance(default, bool):
            return raw.strip().lower() in {"1", "true", "yes", "on"}
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
        if isinstance(default, tuple):
            return tuple(part.strip() for part in raw.split(",") if part.strip())
    except ValueError as error:
        raise ConfigError(f"Environment variable {name}={raw!r} is not a valid number.") from error
    return raw


def _fill_derived(settings: dict[str, Any], instance_path: Path) -> None:
    if settings["ENV"] not in {"development", "production"}:
        raise ConfigError("ENV (LEARNING_ENV) must be 'development' or 'production'.")
    if not settings["DATABASE_URL"]:
        settings["DATABASE_URL"] = f"sqlite:///{instance_path / 'learning.sqlite'}"
    if not settings["UPLOAD_FOLDER"]:
        settings["UPLOAD_FOLDER"] = str(instance_path / "uploads")
    settings["BABEL_DEFAULT_TIMEZONE"] = settings["TIMEZONE"]
    if settings["STALE_AFTER_S"] is None:
        settings["STALE_AFTER_S"] = 3 * int(settings["HEARTBEAT_INTERVAL_S"]) + 15
    for name in SESSION_LIMITS:
        if not settings[name] > 0:
            raise ConfigError(f"{name} must be a positive number.")
    if not re.fullmatch(r"([01]?\d|2[0-3]):[0-5]\d", str(settings["JOB_VERIFY_AT"])):
        raise ConfigError("JOB_VERIFY_AT must be a time of day as HH:MM, e.g. 02:30.")
    if settings["JOB_FULL_CHECK_DAY"] not in WEEKDAYS:
        raise ConfigError(f"JOB_FULL_CHECK_DAY must be one of {', '.join(WEEKDAYS)}.")
    settings["PUBLIC_URL"] = _public_url(settings["PUBLIC_URL"])
    if settings["ENV"] == "production":
        _refuse_unsafe_production_settings(settings)
        settings["SESSION_COOKIE_SECURE"] = True
        settings["REMEMBER_COOKIE_SECURE"] = True
        settings["TRUSTED_HOSTS"] = [urlsplit(settings["PUBLIC_URL"]).netloc]
    elif not settings["SECRET_KEY"]:
        settings["SECRET_KEY"] = _development_secret(instance_path)
    settings["CERTIFICATE_KEY"] = settings["CERTIFICATE_KEY"] or settings["SECRET_KEY"]


#: Keys that were ever written in an example or a tutorial: known to everyone.
_KNOWN_KEYS = {"a long random string", "change-me", "changeme", "secret", "dev", "development"}
_MIN_KEY_LENGTH = 32
_NEW_KEY = "`python -c 'import secrets; print(secrets.token_hex(32))'`"


def _refuse_unsafe_production_settings(settings: Mapping[str, Any]) -> None:
    """Production starts only with keys nobody else knows, an address, and no test doors."""
    for name in ("SECRET_KEY", "CERTIFICATE_KEY"):
        key = settings[name]
        if not key:
            raise ConfigError(
                f"{name} is not set. In production the application refuses to start without "
                f"one: set the {name} environment variable (e.g. the output of {_NEW_KEY})."
            )
        if len(key) < _MIN_KEY_LENGTH or key.strip().lower() in _KNOWN_KEYS:
            raise ConfigError(
                f"{name} is too short or a well-known example: in production it must be at "
                f"least {_MIN_KEY_LENGTH} random characters (e.g. the output of {_NEW_KEY})."
            )
    if settings["CERTIFICATE_KEY"] == settings["SECRET_KEY"]:
        raise ConfigError(
            "CERTIFICATE_KEY must differ from SECRET_KEY in production: certificate codes are "
            "printed on paper and must survive a rotation of the session key."
        )
    if settings["BENCH_ENDPOINTS"]:
        raise ConfigError(
            "BENCH_ENDPOINTS opens unauthenticated test endpoints: off in production."
        )
    if not settings["PUBLIC_URL"]:
        raise ConfigError(
            "PUBLIC_URL is not set: in production the application builds its links (QR codes) "
            "from it and refuses requests for other hosts, e.g. https://learning.example.org"
        )


def _public_url(value: str | None) -> str | None:
    """The public address as scheme://host[:port], without a trailing slash."""
    if not value:
        return None
    parts = urlsplit(value.strip())
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.path not in {"", "/"}:
        raise ConfigError(
            f"PUBLIC_URL={value!r} must be an address such as https://learning.example.org "
            "(a scheme and a host, no path)."
        )
    if parts.query or parts.fragment or "@" in parts.netloc:
        raise ConfigError(f"PUBLIC_URL={value!r} may not hold a query, a fragment or a user.")
    return f"{parts.scheme}://{parts.netloc}"


def _development_secret(instance_path: Path) -> str:
    """Generate a secret once and keep it in the instance folder, so sessions survive restarts."""
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key, encoding="utf-8")
    path.chmod(0o600)
    return key
