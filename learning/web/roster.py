"""Running a roster import for the page and the API alike: the request's session and user.

The page checks a file first and imports it when the admin confirms; meanwhile the file waits
under `<upload folder>/imports/<token>.xlsx` for an hour. The payments and question-bank pages
go the same way: `check_upload`, then `confirm_upload`."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

from flask import current_app, flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from learning.db import get_session
from learning.extensions import get_clock
from learning.services import ServiceError, trainee_import
from learning.texts.messages import describe, problem_text


def run_import(data: bytes, *, dry_run: bool) -> trainee_import.Outcome:
    """A roster imported in the request's session by its user (`trainee_import.run`)."""
    return trainee_import.run(
        get_session(),
        data,
        dry_run=dry_run,
        now=get_clock().now(),
        actor_id=current_user.id,
        hash_method=current_app.config["PASSWORD_HASH_METHOD"],
        standard_hour_minutes=current_app.config["STANDARD_HOUR_MINUTES"],
    )


KEPT_S = 3600
_TOKEN = re.compile(r"^[0-9a-f]{32}$")


def _kept(token: str) -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"]) / "imports" / f"{token}.xlsx"


def keep(data: bytes) -> str:
    """Keep a checked roster for its confirmation; returns the token that names it."""
    token = secrets.token_hex(16)
    path = _kept(token)
    path.parent.mkdir(parents=True, exist_ok=True)
    for old in path.parent.glob("*.xlsx"):  # earlier checks nobody confirmed
        if time.time() - old.stat().st_mtime > KEPT_S:
            old.unlink(missing_ok=True)
    path.write_bytes(data)
    return token


def take(token: str) -> bytes | None:
    """The roster kept under `token`, once; None if there is none or it is too old."""
    if not _TOKEN.match(token):
        return None
    path = _kept(token)
    try:
        data = path.read_bytes()
        fresh = time.time() - path.stat().st_mtime <= KEPT_S
    except FileNotFoundError:
        return None
    path.unlink(missing_ok=True)
    return data if fresh else None


@dataclass(frozen=True)
class Checked:
    """An uploaded workbook after its check: the dry run's outcome, the token it is kept under
    for the confirmation (when it passed), or why it could not be checked, in words."""

    outcome: Any = None
    token: str | None = None
    refusal: str | None = None

    def render(self, template: str) -> str:
        """The page of the check (a template extending sheet_import.html)."""
        return render_template(
            template,
            outcome=self.outcome,
            token=self.token,
            refusal=self.refusal,
            problem_text=problem_text,
        )


def check_upload(
    run: Callable[..., Any], *, worth_keeping: Callable[[Any], bool] = lambda _outcome: True
) -> Checked:
    """The check step of a check-then-import page (roster, payments, question bank): the
    posted file run dry (`run(data, dry_run=True)`), and kept when it has no problem."""
    if request.method != "POST":
        return Checked()
    file = request.files.get("file")
    if file is None or not file.filename:
        return Checked(refusal=describe(ServiceError("file_required")))
    data = file.read()
    file.close()
    try:
        outcome = run(data, dry_run=True)
    except ServiceError as error:
        return Checked(refusal=describe(error))
    passed = not outcome.problems and worth_keeping(outcome)
    return Checked(outcome, keep(data) if passed else None)


class _Outcome(Protocol):
    @property
    def problems(self) -> Sequence[object]: ...


_OutcomeT = TypeVar("_OutcomeT", bound=_Outcome)


def confirm_upload(
    token: str,
    run: Callable[..., _OutcomeT],
    *,
    page: str,
    changed: str,
    done: Callable[[_OutcomeT], str],
    then: str | None = None,
) -> Response:
    """The confirmation step of a check-then-import page: the file kept under `token` run for
    real (`run(data, dry_run=False)`) and its message `done(outcome)` flashed, then to `then`
    (else back to the `page`). Back to the page, saying why, when the check is too old or was
    used, when the run is refused, or when the file no longer passes (`changed`: what changed
    since the check made it fail)."""
    data = take(token)
    if data is None:
        flash(
            _("That check is too old or was used already. Please upload the file again."), "error"
        )
        return redirect(page, code=303)
    try:
        outcome = run(data, dry_run=False)
    except ServiceError as error:
        flash(describe(error), "error")
        return redirect(page, code=303)
    if outcome.problems:
        flash(changed, "error")
        return redirect(page, code=303)
    flash(done(outcome), "success")
    return redirect(then or page, code=303)
