"""Wires the extensions onto the application: database, clock, login, CSRF, languages."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from flask import Flask, current_app, request, session
from flask_babel import Babel
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFProtect

from learning import db
from learning.clock import Clock
from learning.config import ConfigError
from learning.domain.accounting import AccountingSettings
from learning.identities import auth_version_of
from learning.models import User

login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()

LANGUAGE_COOKIE = "lang"


def init_app(app: Flask) -> None:
    database = db.Database(
        app.config["DATABASE_URL"], sqlite_busy_timeout_ms=app.config["SQLITE_BUSY_TIMEOUT_MS"]
    )
    db.init_app(app, database)
    app.extensions["clock"] = Clock()
    app.extensions["accounting_settings"] = accounting_settings(app.config)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"
    login_manager.user_loader(_load_user)


def get_clock() -> Clock:
    return current_app.extensions["clock"]


def today() -> date:
    """Today in the configured TIMEZONE (dates of the product are days of that zone)."""
    return get_clock().now().astimezone(ZoneInfo(current_app.config["TIMEZONE"])).date()


def now_ms() -> int:
    """The server clock in integer milliseconds since the epoch, as the accounting rules use."""
    return int(get_clock().now().timestamp() * 1000)


def get_accounting_settings() -> AccountingSettings:
    return current_app.extensions["accounting_settings"]


def accounting_settings(config: dict) -> AccountingSettings:
    """The rules' settings from the app's; an invalid one stops the start with a clear message."""
    try:
        return AccountingSettings(
            max_rate=float(config["MAX_RATE"]),
            slack_s=config["SLACK_S"],
            resume_grace_s=config["RESUME_GRACE_S"],
            heartbeat_interval_s=config["HEARTBEAT_INTERVAL_S"],
            attention_min_minutes=config["ATTENTION_MIN_MINUTES"],
            attention_max_minutes=config["ATTENTION_MAX_MINUTES"],
            attention_timeout_minutes=config["ATTENTION_TIMEOUT_MINUTES"],
            stale_after_s=config["STALE_AFTER_S"],
            late_beat_grace_s=config["LATE_BEAT_GRACE_S"],
            daily_cap_s=config["DAILY_CAP_S"],
            timezone=config["TIMEZONE"],
        )
    except ValueError as error:
        raise ConfigError(f"Invalid accounting setting: {error}") from error


def select_locale() -> str:
    """The user's chosen language, else Chinese; anonymous: cookie, then browser, then Chinese."""
    languages = current_app.config["LANGUAGES"]
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated:
        return current_user.locale if current_user.locale in languages else default
    cookie = request.cookies.get(LANGUAGE_COOKIE)
    if cookie is not None and cookie in languages:
        return cookie
    return request.accept_languages.best_match(languages) or default


def _load_user(user_id: str) -> User | None:
    if not user_id.isdigit():
        return None
    user = db.get_session().get(User, int(user_id))
    if user is None or not user.active:
        return None
    if session.get("auth_version") != auth_version(user):
        return None
    return user


def auth_version(user: User) -> str:
    """Changes when the password changes or the user logs out: the sessions end with it."""
    return auth_version_of(user.password_hash, user.session_epoch)
