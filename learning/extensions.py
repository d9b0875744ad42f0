"""Wires the extensions onto the application: database, clock, login, CSRF, languages."""

from __future__ import annotations

from flask import Flask, current_app, request, session
from flask_babel import Babel
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFProtect

from learning import db
from learning.clock import Clock
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
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"
    login_manager.user_loader(_load_user)


def get_clock() -> Clock:
    return current_app.extensions["clock"]


def select_locale() -> str:
    """The user's chosen language, else Chinese; anonymous: cookie, then browser, then Chinese."""
    languages = current_app.config["LANGUAGES"]
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated:
        return current_user.locale if current_user.locale in languages else default
    cookie = request.cookies.get(LANGUAGE_COOKIE)
    if cookie in languages:
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
    """Changes when the password changes, so the user's other sessions end with it."""
    return user.password_hash[-16:]
