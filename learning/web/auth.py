"""Logging in and out, changing one's password, choosing the language."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from learning import session_expiry
from learning.db import get_session
from learning.extensions import LANGUAGE_COOKIE, auth_version, get_clock, now_ms
from learning.models import User
from learning.permissions import login_required
from learning.services import ServiceError, accounts
from learning.services.throttle import LOGIN, LOGIN_DEVICE, PASSWORD_CHECK, Limit, Slowdown
from learning.texts.messages import describe
from learning.web import devices, face_reference
from learning.web.forms import (
    ContactForm,
    LanguageForm,
    LoginForm,
    PasswordChangeForm,
    add_error,
    filled,
)
from learning.web.refusals import shown

blueprint = Blueprint("auth", __name__)

# Pages a user who must change their password may still open.
_OPEN_WHILE_PASSWORD_EXPIRED = {
    "auth.change_password",
    "auth.logout",
    "auth.set_language",
    "static",
}


def init_app(app: Flask) -> None:
    app.before_request(_require_password_change)


def _require_password_change() -> ResponseReturnValue | None:
    if (
        not request.path.startswith("/api/")  # first: the API never loads the user for this
        and request.endpoint not in _OPEN_WHILE_PASSWORD_EXPIRED
        and current_user.is_authenticated
        and current_user.must_change_password
    ):
        return redirect(url_for("auth.change_password"))
    return None


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site: never an open redirect."""
    if not target or len(target) > 2000:
        return None
    # A line break would split the Location header (500); a backslash or a tab is read by
    # browsers as "//", another host.
    if "\\" in target or any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        db_session = get_session()
        try:
            signed_in = accounts.sign_in(
                db_session,
                filled(form.username.data),
                filled(form.password.data),
                address=request.remote_addr or "unknown",
                device=devices.known_device(request, filled(form.username.data).strip().lower()),
                limits=_login_limits(),
                now_ms=now_ms(),
                hash_method=current_app.config["PASSWORD_HASH_METHOD"],
            )
        except ServiceError as error:
            add_error(form.username, describe(error))
            return _refused(render_template("auth/login.html", form=form), error)
        db_session.commit()  # the failure counts, or the success clears the count
        if signed_in is None:
            add_error(form.password, _("Wrong username or password."))
        elif not signed_in.user.active:
            add_error(
                form.username, _("This account is deactivated. Please contact the training office.")
            )
        else:
            return _logged_in(signed_in, form.next.data)
    return render_template("auth/login.html", form=form)


def _logged_in(signed_in: accounts.SignedIn, next_page: str | None) -> ResponseReturnValue:
    user = signed_in.user
    session.clear()  # a fresh session on every login
    login_user(user)
    session["auth_version"] = auth_version(user)
    session_expiry.start()
    _adopt_language_chosen_before_login(user)
    if signed_in.failures_since_last_login:
        flash(
            _(
                "Failed attempts to log in to your account since your last login: %(count)s. "
                "If they were not all yours, change your password.",
                count=signed_in.failures_since_last_login,
            ),
            "error",
        )
    response = make_response(redirect(_safe_next(next_page) or url_for("home.index"), code=303))
    devices.remember(request, response, user.username.lower())
    return response


def _refused(page: str, error: ServiceError) -> ResponseReturnValue:
    """429 with the seconds to wait, which a script may read and a person reads on the page."""
    response = make_response(page, 429)
    response.headers["Retry-After"] = str(error.params.get("seconds", 60))
    return response


def _login_limits() -> accounts.LoginLimits:
    config = current_app.config
    window_s = config["LOGIN_FAILURE_WINDOW_S"]
    return accounts.LoginLimits(
        per_pair=Limit(LOGIN, config["LOGIN_FAILURES_PER_PAIR"], window_s),
        per_account=Limit(LOGIN, config["LOGIN_FAILURES_PER_ACCOUNT"], window_s),
        accounts_per_address=Limit(LOGIN, config["LOGIN_ACCOUNTS_PER_ADDRESS"], window_s),
        known_device=Slowdown(
            LOGIN_DEVICE,
            free=config["LOGIN_DEVICE_FREE_FAILURES"],
            first_s=config["LOGIN_DEVICE_DELAY_S"],
            most_s=config["LOGIN_DEVICE_MAX_DELAY_S"],
            window_s=config["LOGIN_DEVICE_WINDOW_S"],
        ),
    )


def _adopt_language_chosen_before_login(user: User) -> None:
    """Someone who picked a language on the login page keeps it once logged in."""
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if user.locale is None and chosen in current_app.config["LANGUAGES"]:
        user.locale = chosen


@blueprint.route("/logout", methods=["POST"])
def logout() -> ResponseReturnValue:
    if current_user.is_authenticated:
        accounts.end_sessions(get_session(), current_user)
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"), code=303)


@blueprint.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> ResponseReturnValue:
    form = PasswordChangeForm()
    if form.validate_on_submit():
        db_session = get_session()
        try:
            right = accounts.check_current_password(
                db_session,
                current_user,
                filled(form.current_password.data),
                limit=Limit(
                    PASSWORD_CHECK,
                    current_app.config["PASSWORD_CHECK_FAILURES"],
                    current_app.config["LOGIN_FAILURE_WINDOW_S"],
                ),
                now_ms=now_ms(),
            )
        except ServiceError as error:
            add_error(form.current_password, describe(error))
            return _refused(render_template("auth/change_password.html", form=form), error)
        if not right:
            add_error(form.current_password, _("The current password is wrong."))
        else:
            try:
                accounts.set_password(
                    db_session,
                    current_user,
                    filled(form.new_password.data),
                    now=get_clock().now(),
                    hash_method=current_app.config["PASSWORD_HASH_METHOD"],
                    actor_id=current_user.id,
                )
            except ServiceError as error:
                add_error(form.new_password, describe(error))
            else:
                session["auth_version"] = auth_version(current_user)
                flash(_("Your password has been changed."), "success")
                return redirect(url_for("home.index"), code=303)
    return render_template("auth/change_password.html", form=form)


@blueprint.route("/account/profile", methods=["GET", "POST"])
@login_required
def profile() -> ResponseReturnValue:
    """One's own details, the ID-card number masked; a trainee changes their contact details."""
    user = current_user._get_current_object()
    form = ContactForm(obj=user.profile)
    if user.profile is not None and form.validate_on_submit():
        db_session = get_session()
        with shown(form.phone):
            changed = accounts.update_contact(
                db_session,
                user,
                phone=(form.phone.data or "").strip(),
                email=(form.email.data or "").strip(),
                employer=(form.employer.data or "").strip(),
                now=get_clock().now(),
            )
            flash(_("Saved.") if changed else _("Nothing changed."), "success")
            return redirect(url_for("auth.profile"), code=303)
    return render_template(
        "auth/profile.html",
        form=form,
        profile=user.profile,
        id_number=accounts.mask_id_number(user.profile.id_number if user.profile else None),
        **face_reference.profile_section(user.id),
    )


@blueprint.route("/language", methods=["POST"])
def set_language() -> ResponseReturnValue:
    form = LanguageForm()
    language = form.language.data if form.validate_on_submit() else None
    back = _safe_next(request.form.get("next")) or url_for("home.index")
    response = make_response(redirect(back, code=303))
    if language is not None and language in current_app.config["LANGUAGES"]:
        response.set_cookie(
            LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600, samesite="Lax", httponly=True
        )
        if current_user.is_authenticated:
            current_user.locale = language
    return response
