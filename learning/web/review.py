"""The plausibility review for admins: the flagged enrolments with their evidence in words,
a flag's record side by side, and the decision (clear with a note, or void the credit with a
reason). The decisions are `learning.services.review`'s."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from learning.db import get_session
from learning.domain.plausibility import Finding
from learning.extensions import get_clock
from learning.models import Role
from learning.permissions import role_required
from learning.services import ServiceError, face_snapshots, records, review
from learning.texts.labels import format_duration
from learning.web.face_snapshots import OUTCOME_LABELS
from learning.web.forms import filled
from learning.web.refusals import shown

blueprint = Blueprint("review", __name__, url_prefix="/admin/review")

RECORD_DAYS = 30  # the trainee's study days shown beside a flag

SIGNAL_LABELS = {
    "fast_answers": _l("Presence checks answered faster than a person reads"),
    "regular_beats": _l("Heartbeats at machine-regular intervals"),
    "face_mismatch": _l("Face checks showing another face"),
    "shared_address": _l("Other accounts studying from the same address at the same time"),
    "night_study": _l("Study through the night on several days"),
}
STATUS_LABELS = {
    "open": _l("Waiting for review"),
    "cleared": _l("Cleared"),
    "voided": _l("Credit voided"),
}


class DecisionForm(FlaskForm):
    note = TextAreaField(_l("Note or reason"), validators=[DataRequired(), Length(max=500)])


@blueprint.before_request
@role_required(Role.ADMIN)
def _admins_only() -> None:
    """The review is for admins only."""


@blueprint.route("/")
def queue() -> ResponseReturnValue:
    session = get_session()
    return render_template(
        "admin/review_queue.html",
        open_entries=review.queue(session),
        decided=review.queue(session, status="cleared") + review.queue(session, status="voided"),
        evidence=evidence,
        signal_labels=SIGNAL_LABELS,
        status_labels=STATUS_LABELS,
        moment=moment,
    )


@blueprint.route("/<int:flag_id>")
def flag(flag_id: int) -> ResponseReturnValue:
    return _page(flag_id, DecisionForm())


def _page(flag_id: int, form: DecisionForm) -> str:
    session = get_session()
    try:
        entry = review.entry(session, flag_id)
    except ServiceError:
        abort(404)
    today = get_clock().now().date()
    days = records.study_record(
        session, entry.trainee.id, today - timedelta(days=RECORD_DAYS), today
    )
    snapshots, _total = face_snapshots.of_trainee(session, entry.trainee.id, limit=30)
    flagged = {pid for finding in entry.findings for pid in finding.playback_ids}
    return render_template(
        "admin/review_flag.html",
        entry=entry,
        form=form,
        days=list(reversed(days)),
        checks=review.checks_of(session, entry.trainee.id),
        snapshots=snapshots,
        flagged=flagged,
        evidence=evidence,
        signal_labels=SIGNAL_LABELS,
        status_labels=STATUS_LABELS,
        outcome_labels=OUTCOME_LABELS,
        record_days=RECORD_DAYS,
        moment=moment,
    )


@blueprint.post("/<int:flag_id>/clear")
def clear(flag_id: int) -> ResponseReturnValue:
    return _decide(flag_id, void=False)


@blueprint.post("/<int:flag_id>/void")
def void(flag_id: int) -> ResponseReturnValue:
    return _decide(flag_id, void=True)


def _decide(flag_id: int, *, void: bool) -> ResponseReturnValue:
    session = get_session()
    try:
        entry = review.entry(session, flag_id)
    except ServiceError:
        abort(404)
    form = DecisionForm()
    if not form.validate_on_submit():
        return _page(flag_id, form), 400
    now = get_clock().now()
    with shown(form.note):
        if void:
            result = review.void(
                session,
                flag=entry.flag,
                reason=filled(form.note.data),
                now=now,
                actor_id=current_user.id,
            )
            flash(_voided_message(result), "success")
        else:
            review.clear(
                session,
                flag=entry.flag,
                note=filled(form.note.data),
                now=now,
                actor_id=current_user.id,
            )
            flash(_("The flag was cleared."), "success")
        return redirect(url_for("review.queue"))
    return _page(flag_id, form), 400


def _voided_message(result: review.VoidResult) -> str:
    message = _(
        "The credit of %(count)s playbacks was voided: online time %(before)s → %(after)s.",
        count=result.voided,
        before=format_duration(result.online_s_before),
        after=format_duration(result.online_s_after),
    )
    if result.still_open:
        message += " " + _(
            "%(count)s playbacks were still playing and were left as they are.",
            count=result.still_open,
        )
    return message


def evidence(finding: Finding) -> str:
    """A finding's figures in one plain sentence."""
    f = finding.figures
    words = {
        "fast_answers": lambda: _(
            "%(fast)s of %(answered)s checks answered in under %(threshold)s s "
            "(fastest %(fastest)s s, median %(median)s s).",
            fast=f["fast"],
            answered=f["answered"],
            threshold=_seconds(f["threshold_ms"]),
            fastest=_seconds(f["fastest_ms"]),
            median=_seconds(f["median_ms"]),
        ),
        "regular_beats": lambda: _(
            "%(playbacks)s playbacks whose %(gaps)s gaps between heartbeats varied by at most "
            "%(spread)s ms (a real network varies by tens of ms).",
            playbacks=f["playbacks"],
            gaps=f["gaps"],
            spread=f["spread_ms"],
        ),
        "face_mismatch": lambda: _(
            "%(mismatches)s checks showed another face, %(several)s more than one face.",
            mismatches=f["mismatches"],
            several=f["several_faces"],
        ),
        "shared_address": lambda: _(
            "%(others)s other accounts studied from %(addresses)s at the same time "
            "(%(same)s times with the same browser too). An office behind one address is common.",
            others=f["other_accounts"],
            addresses=f["addresses"],
            same=f["same_device"],
        ),
        "night_study": lambda: _(
            "Credited study between %(start)s:00 and %(end)s:00 on %(nights)s nights "
            "(%(days)s), %(hours)s in all.",
            start=f["from_hour"],
            end=f["to_hour"],
            nights=f["nights"],
            days=f["days"],
            hours=format_duration(int(f["night_s"])),
        ),
    }
    return words[finding.signal]() if finding.signal in words else finding.signal


def moment(ms: int) -> datetime:
    """A server time in ms as a datetime, for the `datetime_local` filter."""
    return datetime.fromtimestamp(ms / 1000, UTC)


def _seconds(ms: object) -> str:
    return f"{int(str(ms)) / 1000:.1f}"
