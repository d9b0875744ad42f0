"""Audit entries in words: what happened, in one sentence in the reader's language, by whom and
when, and what it concerns; never an action code or the JSON of its details.

`lines(session, entries)` looks up at once everything the entries name by id or code (people,
classes, programmes, sessions, videos) and gives one `AuditLine` per entry. Each kind of action
has its words here (`ACTION_LABELS`, and a function for its details); an action this module
does not know yet is still told in words: its object and verb when it reads
`<object>.<verb>` ("exam_session.postpone": "Exam session: other change"), its reason, and the
fields it changed that have a name here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from learning.models import AuditEntry
from learning.services import audit
from learning.services.audit import Names, subject_of
from learning.texts.labels import (
    EXAM_OUTCOME_LABELS,
    LEVEL_LABELS,
    PRESENCE_CHECK_LABELS,
    ROLE_LABELS,
    format_datetime_local,
    format_duration,
    localized,
    programme_name_of,
)

ACTION_LABELS = {
    "eligibility.unlock": _l("Exam registration unlocked"),
    "eligibility.revoke": _l("Exam registration unlock taken back"),
    "exam.register": _l("Registered for an exam session"),
    "exam.results": _l("Results recorded"),
    "exam.results_import": _l("Results imported from a sheet"),
    "exam_session.create": _l("Exam session opened"),
    "exam_session.update": _l("Exam session changed"),
    "exam_session.cancel": _l("Exam session cancelled"),
    "fee.record": _l("Payment recorded"),
    "fee.import": _l("Payments imported from a sheet"),
    "enrolment.create": _l("Enrolled"),
    "enrolment.move_class": _l("Moved to another class"),
    "application.submit": _l("Application submitted"),
    "application.approve": _l("Application approved"),
    "application.reject": _l("Application not approved"),
    "application.return": _l("Application returned for changes"),
    "application.resubmit": _l("Application corrected and submitted again"),
    "application.files_delete": _l(
        "Proofs of an application deleted at the end of the retention period"
    ),
    "offline.add": _l("Offline study time added"),
    "offline.revoke": _l("Offline study time taken back"),
    "coaching_day.create": _l("On-site coaching day added"),
    "coaching_day.attendance": _l("Coaching attendance recorded"),
    "class.create": _l("Class created"),
    "class.update": _l("Class changed"),
    "user.create": _l("User created"),
    "user.update": _l("User changed"),
    "user.password": _l("Password set"),
    "user.unlock_login": _l("Login locks lifted"),
    "profile.contact": _l("Contact details changed"),
    "profile.photo": _l("Identity photo uploaded"),
    "programme.create": _l("Programme opened"),
    "programme.update": _l("Programme changed"),
    "programme.add_video": _l("Video added to a programme"),
    "programme.move_video": _l("Video moved in a programme"),
    "programme.chapters": _l("Chapters of a programme set"),
    "programme.mock_exam": _l("Mock exam of a programme set"),
    "question.add": _l("Question added to the bank"),
    "question.update": _l("Question changed"),
    "question.retire": _l("Question retired"),
    "question.restore": _l("Question in use again"),
    "question.import": _l("Questions imported from a sheet"),
    "work_type.create": _l("Work type added"),
    "video.add": _l("Video added to the library"),
    "video.retire": _l("Video retired"),
    "video.restore": _l("Video restored"),
    "subsidy.update": _l("Subsidy changed"),
    "announcement.create": _l("Announcement published"),
    "announcement.withdraw": _l("Announcement withdrawn"),
    "personal_data_viewed": _l("ID-card and phone numbers seen in full"),
    "review.clear": _l("Study review: flag cleared"),
    "review.void": _l("Study review: credit voided"),
    "face.consent": _l("Consent to face checks given"),
    "face.consent_refused": _l("Consent to face checks refused or withdrawn (reference deleted)"),
    "face.reference": _l("Reference face given"),
    "face.reference_approve": _l("Uploaded reference face approved"),
    "face.reference_reset": _l("Reference face reset"),
    "face.snapshots_delete": _l("Face-check pictures deleted at the end of the retention period"),
    "face.snapshot_view": _l("Face-check picture viewed"),
}

# The parts of an action code not listed above, for an action added since.
_OBJECTS = {
    "eligibility": _l("Exam registration"),
    "exam": _l("Exam"),
    "exam_session": _l("Exam session"),
    "fee": _l("Payment"),
    "enrolment": _l("Enrolment"),
    "application": _l("Application"),
    "offline": _l("Offline study time"),
    "coaching_day": _l("On-site coaching day"),
    "class": _l("Class"),
    "user": _l("User"),
    "profile": _l("Contact details"),
    "programme": _l("Programme"),
    "work_type": _l("Work type"),
    "video": _l("Video"),
    "subsidy": _l("Subsidy"),
    "announcement": _l("Announcement"),
    "question": _l("Question"),
}
_VERBS = {
    "create": _l("created"),
    "add": _l("added"),
    "update": _l("changed"),
    "edit": _l("changed"),
    "cancel": _l("cancelled"),
    "delete": _l("deleted"),
    "remove": _l("removed"),
    "withdraw": _l("withdrawn"),
    "revoke": _l("taken back"),
    "import": _l("imported from a sheet"),
    "approve": _l("approved"),
    "reject": _l("not approved"),
}

# Fields of before/after details, by name (a field without a name here is not listed).
FIELD_LABELS = {
    "starts_on": _l("exam day"),
    "starts_at": _l("starting time"),
    "registration_closes_on": _l("registration closes on"),
    "place": _l("place"),
    "capacity": _l("seats"),
    "coaching_starts_on": _l("coaching starts on"),
    "coaching_hours": _l("coaching hours"),
    "status": _l("status"),
    "name": _l("name"),
    "title": _l("title"),
    "display_name": _l("name"),
    "required_hours": _l("required hours"),
    "training_fee_fen": _l("training fee"),
    "assessment_fee_fen": _l("assessment fee"),
    "amount_fen": _l("amount"),
    "exam_unlocked": _l("exam registration unlocked"),
    "day": _l("day"),
    "receipt_no": _l("receipt"),
    "true_false_count": _l("true-or-false questions"),
    "true_false_points": _l("points of a true-or-false question"),
    "single_count": _l("single-choice questions"),
    "single_points": _l("points of a single-choice question"),
    "multiple_count": _l("multiple-choice questions"),
    "multiple_points": _l("points of a multiple-choice question"),
    "duration_minutes": _l("minutes"),
    "pass_mark": _l("pass mark"),
    "exam_gate_score": _l("mock score needed to register"),
}
_QUESTION_PARTS = {
    "kind": _l("kind"),
    "stem": _l("text"),
    "options": _l("options"),
    "answer": _l("answer"),
    "explanation": _l("explanation"),
    "chapter": _l("chapter"),
    "knowledge_point": _l("knowledge point"),
    "difficulty": _l("difficulty"),
    "programmes": _l("programmes"),
}

_PART_SCORES = {
    "theory": _l("theory %(score)s"),
    "skill": _l("skill %(score)s"),
    "review": _l("review %(score)s"),
}
MAX_NAMED = 3  # a video in more programmes than this says how many, not which
_FEES = {"training": _l("training fee"), "assessment": _l("assessment fee")}
_CONTACT_FIELDS = {"phone": _l("mobile phone"), "email": _l("e-mail"), "employer": _l("employer")}
_VIEWED_WHERE = {
    "application_review": _l("reviewing an application"),
    "application_document": _l("opening an applicant's proof"),
    "class_export": _l("exporting a class roster"),
    "programme_export": _l("exporting a programme roster"),
}


@dataclass(frozen=True)
class AuditLine:
    """One entry as a person reads it."""

    id: int
    at: datetime
    actor: str  # a display name, or words for the system
    kind: str  # the kind of action, in words
    text: str  # the whole sentence: kind, details, reason
    concerns: str | None  # whom or what it is about, in words
    link: str | None  # the page of that, when there is one


def lines(session: Session, entries: list[AuditEntry]) -> list[AuditLine]:
    names = audit.names_for(session, entries)
    return [line(entry, names) for entry in entries]


def line(entry: AuditEntry, names: Names) -> AuditLine:
    concerns, link = _concerns(entry, names)
    return AuditLine(
        id=entry.id,
        at=entry.at,
        actor=_actor(entry, names),
        kind=action_label(entry.action),
        text=sentence(entry, names),
        concerns=concerns,
        link=link,
    )


def action_label(action: str) -> str:
    """The kind of action in words, also for an action added after this module was written."""
    if action in ACTION_LABELS:
        return str(ACTION_LABELS[action])
    thing, _dot, verb = action.partition(".")
    if thing not in _OBJECTS:
        return _("Other change")
    if verb in _VERBS:
        return _("%(thing)s %(done)s", thing=_OBJECTS[thing], done=_VERBS[verb])
    return _("%(thing)s: other change", thing=_OBJECTS[thing])


def action_choices() -> list[tuple[str, str]]:
    """The kinds of action a person can filter by: (code, words), by the words."""
    return sorted(((code, str(label)) for code, label in ACTION_LABELS.items()), key=_by_words)


def _by_words(choice: tuple[str, str]) -> tuple[str, str]:
    return choice[1], choice[0]


def sentence(entry: AuditEntry, names: Names) -> str:
    """The entry in one sentence: "Payment recorded: training fee ¥1,200.00 (receipt R-1)"."""
    details = entry.details if isinstance(entry.details, dict) else {}
    try:
        parts = _DETAILS.get(entry.action, _other)(entry, details, names)
    except (KeyError, TypeError, ValueError, AttributeError):  # details of another shape
        parts = _other(entry, details, names)
    reason = (entry.reason or "").strip() or _text(details.get("reason"))
    if reason:
        parts.append(_("reason %(reason)s", reason=reason))
    parts = [part for part in parts if part]
    if not parts:
        return action_label(entry.action)
    return _("%(what)s: %(detail)s", what=action_label(entry.action), detail=_parts(parts))


# --- words for pieces ------------------------------------------------------------------------


def _chinese() -> bool:
    locale = get_locale()
    return locale is None or locale.language != "en"


def _items(items: list[str]) -> str:
    """A list inside a part: 理论 78 分、技能 85 分 / theory 78, skill 85."""
    return ("、" if _chinese() else ", ").join(items)


def _parts(parts: list[str]) -> str:
    """The parts of a sentence: …，合格，证书编号 … / …; passed; certificate …"""
    return ("，" if _chinese() else "; ").join(parts)


def money(fen: Any) -> str:
    """Fen as yuan: 120000 -> ¥1,200.00."""
    return f"¥{int(fen) / 100:,.2f}"


def _clock_hours(seconds: Any) -> str:
    hours = int(seconds) / 3600
    return f"{hours:.2f}".rstrip("0").rstrip(".")


def _text(value: Any) -> str:
    if value is None or isinstance(value, dict | list):
        return ""
    return str(value).strip()


def _value(key: str, value: Any) -> str:
    """A field's value in words: money for fen, yes/no, a dash for none."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if key.endswith("_fen") and isinstance(value, int):
        return money(value)
    if isinstance(value, list):
        return _items([_text(item) for item in value])
    if isinstance(value, dict):
        return "…"
    return str(value)


def _class_name(class_id: Any, names: Names) -> str:
    if class_id is None:
        return _("no class")
    return names.classes.get(class_id) or _("a class since removed")


def _session_words(session_id: int | None, names: Names) -> str:
    if session_id is None or session_id not in names.exam_sessions:
        return ""
    day, code = names.exam_sessions[session_id]
    return _("%(programme)s on %(day)s", programme=programme_name_of(code), day=day.isoformat())


def _subject_id(entry: AuditEntry) -> int | None:
    _kind, key = subject_of(entry)
    return int(key) if key.isdigit() else None


def _changes(before: Any, after: Any) -> list[str]:
    """ "seats: 30 → 40" for each named field that changed."""
    if not isinstance(before, dict) or not isinstance(after, dict):
        return []
    found = []
    for key in [*before, *[k for k in after if k not in before]]:
        if key in FIELD_LABELS and before.get(key) != after.get(key):
            found.append(
                _(
                    "%(field)s: %(before)s → %(after)s",
                    field=FIELD_LABELS[key],
                    before=_value(key, before.get(key)),
                    after=_value(key, after.get(key)),
                )
            )
    return found


def _pairs(details: dict) -> list[str]:
    """{"field": [before, after]} as changes."""
    pairs = {key: value for key, value in details.items() if isinstance(value, list | tuple)}
    before = {key: value[0] for key, value in pairs.items() if len(value) == 2}
    after = {key: value[1] for key, value in pairs.items() if len(value) == 2}
    return _changes(before, after)


def _scores(result: dict) -> str:
    scores = result.get("scores") or {}
    words = [
        str(_PART_SCORES[part]) % {"score": score} if part in _PART_SCORES else f"{part} {score}"
        for part, score in scores.items()
    ]
    return _items(words)


def _outcome(result: dict) -> list[str]:
    """Scores, outcome and certificate of a result: 理论 78 分、技能 85 分，合格，证书编号 …"""
    outcome = result.get("outcome")
    parts = []
    if outcome != "absent":
        parts.append(_scores(result))
    if outcome in EXAM_OUTCOME_LABELS:
        parts.append(str(EXAM_OUTCOME_LABELS[outcome]))
    if result.get("certificate_no"):
        parts.append(_("certificate number %(number)s", number=result["certificate_no"]))
    return parts


# --- the details of each kind of action ------------------------------------------------------

Details = Callable[[AuditEntry, dict, Names], list[str]]


def _results(entry: AuditEntry, details: dict, names: Names) -> list[str]:
    after = details.get("after")
    parts = _outcome(after if isinstance(after, dict) else details)
    before = details.get("before")
    if isinstance(before, dict) and before.get("outcome"):
        parts.append(_("before: %(result)s", result=" ".join(_outcome(before))))
    return parts


def _results_import(entry: AuditEntry, details: dict, names: Names) -> list[str]:
    if isinstance(details.get("after"), dict):
        return _results(entry, details, names)
    parts = [_session_words(_subject_id(entry), names)]
    count = details.get("count", details.get("rows", details.get("recorded")))
    if isinstance(count, int):
        parts.append(_("%(count)s candidates", count=count))
    return parts


def _register(entry: AuditEntry, details: dict, names: Names) -> list[str]:
    parts = [_session_words(_subject_id(entry), names)]
    if details.get("retake"):
        parts.append(_("a retake"))
    return parts


def _session_created(entry: AuditEntry, details: dict, names: Names) -> list[str]:
    parts = [programme_name_of(details.get("programme"))]
    if details.get("starts_on"):
        parts.append(_("exam day %(day)s", day=details["starts_on"]))
    if isinstance(details.get("capacity"), int):
        parts.append(_("%(count)s seats", count=details["capacity"]))
    return parts


def _session_changed(entry: AuditEntry, details: dict, names: Names) -> list[str]:
    return [
        _session_words(_subject_id(entry), names),
        *_changes(details.get("before"), details.get("after")),
    ]


def _session_cancelled(entry: AuditEntry, details: dict, names: Names) -> list[str]:
    parts = [_session_words(_subject_id(entry), names)]
    if not parts[0] and details.get("day"):
        parts = [_("exam day %(day)s", day=details["day"])]
    if isinstance(details.get("seats_taken"), int) and details["seats_taken"]:
        parts.append(_("%(count)s candidates had registered", count=details["seats_taken"]))
    return parts


def _payment(entry: AuditEntry, details: dict, names: Names) -> list[str]:
    if "amount_fen" not in details:
        return _other(entry, details, names)
    kind = details.get("kind")
    amount = money(details["amount_fen"])
    if kind in _FEES:
        amount = _("%(fee)s %(amount)s", fee=_FEES[kind], amount=amount)
    if details.get("receipt_no"):
        amount = _("%(amount)s (receipt %(receipt)s)", amount=amount, receipt=details["receipt_no"])
    parts = [amount]
    if details.get("paid_on"):
        parts.append(_("paid on %(day)s", day=details["paid_on"]))
    if details.get("method"):
        parts.append(_text(details["method"]))
    return parts


def _payments_import(entry: AuditEntry, details: dict, names: Names) -> list[str]:
    if "amount_fen" in details:
        return _payment(entry, details, names)
    parts = []
    count = details.get("count", details.get("rows", details.get("recorded")))
    if isinstance(count, int):
        parts.append(_("%(count)s payments", count=count))
    total = details.get("total_fen")
    if isinstance(total, int):
        parts.append(_("%(amount)s in all", amount=money(total)))
    return parts


def _enrolled(entry: AuditEntry, details: dict, names: Names) -> list[str]:
    parts = [programme_name_of(details.get("programme"))]
    if details.get("class_id") is not None:
        parts.append(_("class %(name)s", name=_class_name(details["class_id"], names)))
    condition = details.get("eligibility_condition")
    if condition == "offline":
        parts.append(_("eligibility checked off-line"))
    elif condition:
        parts.append(_("eligibility condition %(code)s", code=condition))
    return parts


def _moved(entry: AuditEntry, details: dict, names: Names) -> list[str]:
    return [
        _(
            "from %(before)s to %(after)s",
            before=_class_name(details.get("from_class"), names),
            after=_class_name(details.get("to_class"), names),
        )
    ]


def _application(entry: AuditEntry, details: dict, names: Names) -> list[str]:
    parts = []
    if details.get("programme"):
        parts.append(programme_name_of(details["programme"]))
    if details.get("condition"):
        parts.append(_("eligibility condition %(code)s", code=details["condition"]))
    if isinstance(details.get("added_documents"), int) and details["added_documents"]:
        parts.append(_("%(count)s proofs added", count=details["added_documents"]))
    return parts


def _application_files_deleted(entry: AuditEntry, details: dict, names: Names) -> list[str]:
    parts = []
    if isinstance(details.get("count"), int):
        parts.append(_("%(count)s proofs", count=details["count"]))
    days = details.get("after_days")
    if isinstance(days, int):
        if details.get("because") == "rejected":
            parts.append(_("%(days)s days after it was not approved", days=days))
        else:
            parts.append(_("returned and left unchanged for %(days)s days", days=days))
    return parts


def _offline(entry: AuditEntry, details: dict, names: Names) -> list[str]:
    hours = _("%(hours)s clock hours", hours=_clock_hours(details.get("seconds", 0)))
    if details.get("day"):
        return [_("%(hours)s on %(day)s", hours=hours, day=details["day"])]
    return [hours]


def _coaching_day(entry: AuditEntry, details: dict, names: Names) -> list[str]:
    class_id = _subject_id(entry)  # the class the day is for
    parts = [_class_name(class_id, names)] if class_id in names.classes else []
    if details.get("day"):
        parts.append(details["day"])
    if details.get("topic"):
        parts.append(_text(details["topic"]))
    if isinstance(details.get("credit_s"), int):
        parts.append(
            _(
                "%(hours)s clock hours for each attendee",
                hours=_clock_hours(details["credit_s"]),
            )
        )
    return parts


def _attendance(entry: AuditEntry, details: dict, names: Names) -> list[str]:
    parts = []
    day = names.coaching_days.get(_subject_id(entry) or 0)
    if day is not None:
        parts.append(_class_name(day[2], names))
        parts.append(f"{day[0].isoformat()} {day[1]}")
    if isinstance(details.get("present"), list):
        parts.append(_("%(count)s present", count=len(details["present"])))
    return parts


def _instructors(usernames: Any, names: Names) -> str:
    if not isinstance(usernames, list) or not usernames:
        return _("none")
    return _items([names.usernames.get(str(name), str(name)) for name in usernames])


def _class_created(entry: AuditEntry, details: dict, names: Names) -> list[str]:
    return [
        _text(details.get("name")),
        _("instructors %(names)s", names=_instructors(details.get("instructors"), names)),
    ]


def _class_changed(entry: AuditEntry, details: dict, names: Names) -> list[str]:
    before, after = details.get("before") or {}, details.get("after") or {}
    parts = [_text(after.get("name"))]
    if before.get("name") != after.get("name"):
        parts.append(_("renamed from %(name)s", name=_text(before.get("name"))))
    if before.get("instructors") != after.get("instructors"):
        parts.append(
            _("instructors %(names)s", names=_instructors(after.get("instructors"), names))
        )
    return parts


def _subject_user(entry: AuditEntry, names: Names) -> str:
    user_id = _subject_id(entry)
    return names.users.get(user_id, "") if user_id is not None else ""


def _user_created(entry: AuditEntry, details: dict, names: Names) -> list[str]:
    role = details.get("role")
    who = _subject_user(entry, names) or _text(details.get("username"))
    if role in ROLE_LABELS:
        who = _("%(name)s (%(role)s)", name=who, role=ROLE_LABELS[role])
    return [who]


def _user_changed(entry: AuditEntry, details: dict, names: Names) -> list[str]:
    parts = [_subject_user(entry, names)]
    if isinstance(details.get("display_name"), list):
        parts += _pairs({"display_name": details["display_name"]})
    role = details.get("role")
    if isinstance(role, list) and len(role) == 2:
        parts.append(
            _(
                "%(field)s: %(before)s → %(after)s",
                field=_("role"),
                before=ROLE_LABELS.get(role[0], role[0]),
                after=ROLE_LABELS.get(role[1], role[1]),
            )
        )
    active = details.get("active")
    if isinstance(active, list) and len(active) == 2:
        parts.append(_("activated again") if active[1] else _("deactivated"))
    return parts


def _unlocked(entry: AuditEntry, details: dict, names: Names) -> list[str]:
    parts = [_subject_user(entry, names)]
    if isinstance(details.get("failures"), int):
        parts.append(_("failed attempts forgotten: %(count)s", count=details["failures"]))
    return parts


def _password(entry: AuditEntry, details: dict, names: Names) -> list[str]:
    parts = [_subject_user(entry, names)]
    if details.get("must_change"):
        parts.append(_("to be changed at the next log-in"))
    return parts


def _contact(entry: AuditEntry, details: dict, names: Names) -> list[str]:
    fields = details.get("fields") or []
    return [_items([str(_CONTACT_FIELDS.get(name, name)) for name in fields])]


def _photo(entry: AuditEntry, details: dict, names: Names) -> list[str]:
    parts = [_subject_user(entry, names)]
    if details.get("replaced"):
        parts.append(_("in place of the earlier one"))
    return parts


def _snapshots_deleted(entry: AuditEntry, details: dict, names: Names) -> list[str]:
    parts = [_subject_user(entry, names)]
    if isinstance(details.get("count"), int):
        parts.append(_("%(count)s pictures", count=details["count"]))
    if isinstance(details.get("retention_days"), int):
        parts.append(_("kept %(days)s days", days=details["retention_days"]))
    return parts


def _snapshot_viewed(entry: AuditEntry, details: dict, names: Names) -> list[str]:
    parts = [_subject_user(entry, names)]
    if details.get("taken_at"):
        taken = format_datetime_local(datetime.fromisoformat(details["taken_at"]))
        parts.append(_("the picture of the check at %(time)s", time=taken))
    return parts


def _programme_subject(entry: AuditEntry) -> str:
    kind, key = subject_of(entry)
    return programme_name_of(key) if kind == "programme" else ""


def _programme_created(entry: AuditEntry, details: dict, names: Names) -> list[str]:
    parts = [_programme_subject(entry)]
    if isinstance(details.get("required_hours"), int):
        parts.append(_("%(hours)s hours required", hours=details["required_hours"]))
    return parts


def _programme_changed(entry: AuditEntry, details: dict, names: Names) -> list[str]:
    parts = [_programme_subject(entry)]
    active = details.get("active")
    if isinstance(active, list) and len(active) == 2:
        parts.append(_("open for enrolment again") if active[1] else _("closed for enrolment"))
    face_checks = details.get("face_checks")
    if isinstance(face_checks, list) and len(face_checks) == 2:
        parts.append(_("face checks on") if face_checks[1] else _("face checks off"))
    presence = details.get("presence_check")
    if isinstance(presence, list) and len(presence) == 2 and presence[1] in PRESENCE_CHECK_LABELS:
        asks = PRESENCE_CHECK_LABELS[presence[1]]
        parts.append(_("presence checks ask: %(what)s", what=asks))
    said = {"active", "face_checks", "presence_check"}
    return parts + _pairs({key: value for key, value in details.items() if key not in said})


def _voided(entry: AuditEntry, details: dict, names: Names) -> list[str]:
    """How much credit a review voided: 3 playbacks, 0:45 of online time."""
    return [
        _("%(count)s playbacks", count=int(details["playbacks"])),
        _("online time %(time)s", time=format_duration(int(details["seconds"]))),
    ]


def _programme_video(entry: AuditEntry, details: dict, names: Names) -> list[str]:
    video_id = details.get("video_id")
    parts = [_programme_subject(entry), names.videos.get(video_id, "") if video_id else ""]
    step = details.get("step")
    if isinstance(step, int) and step:
        parts.append(_("moved up") if step < 0 else _("moved down"))
    return parts


def _programme_chapters(entry: AuditEntry, details: dict, names: Names) -> list[str]:
    count = details.get("videos")
    parts = [_programme_subject(entry)]
    if isinstance(count, int):
        parts.append(_("%(count)s videos changed", count=count))
    return parts


def _mock_exam(entry: AuditEntry, details: dict, names: Names) -> list[str]:
    return [_programme_subject(entry), *_pairs(details)]


def _programme_codes(codes: Any) -> str:
    if not isinstance(codes, list) or not codes:
        return ""
    if len(codes) > MAX_NAMED:
        return _("%(count)s programmes", count=len(codes))
    return _items([programme_name_of(str(code), short=True) for code in codes])


def _question(entry: AuditEntry, details: dict, names: Names) -> list[str]:
    parts = [_text(details.get("stem")), _programme_codes(details.get("programmes"))]
    changes = details.get("changes")
    if isinstance(changes, dict):
        changed = [str(_QUESTION_PARTS[name]) for name in changes if name in _QUESTION_PARTS]
        parts.append(_("changed: %(parts)s", parts=_items(changed)))
        answer = changes.get("answer")
        if isinstance(answer, list) and len(answer) == 2:
            parts.append(
                _(
                    "%(field)s: %(before)s → %(after)s",
                    field=_("answer"),
                    before=_text(answer[0]),
                    after=_text(answer[1]),
                )
            )
    return parts


def _questions_imported(entry: AuditEntry, details: dict, names: Names) -> list[str]:
    parts = []
    if isinstance(details.get("count"), int):
        parts.append(_("%(count)s questions", count=details["count"]))
    parts.append(_programme_codes(details.get("programmes")))
    return parts


def _work_type(entry: AuditEntry, details: dict, names: Names) -> list[str]:
    return [localized(_text(details.get("name_zh")), _text(details.get("name_en")))]


def _video(entry: AuditEntry, details: dict, names: Names) -> list[str]:
    parts = [_text(details.get("title"))]
    if isinstance(details.get("duration_s"), int):
        parts.append(format_duration(details["duration_s"]))
    programmes = details.get("programmes")
    if isinstance(programmes, list) and len(programmes) > MAX_NAMED:
        parts.append(_("%(count)s programmes", count=len(programmes)))
    elif isinstance(programmes, list) and programmes:
        parts.append(_items([programme_name_of(str(code), short=True) for code in programmes]))
    return parts


def _subsidy(entry: AuditEntry, details: dict, names: Names) -> list[str]:
    kind, key = subject_of(entry)
    level = LEVEL_LABELS.get(int(key)) if kind == "level" and key.isdigit() else None
    change = _(
        "%(before)s → %(after)s",
        before=_value("before_fen", details.get("before")),
        after=_value("after_fen", details.get("after")),
    )
    return [str(level) if level else "", change]


def _announcement(entry: AuditEntry, details: dict, names: Names) -> list[str]:
    parts = [_text(details.get("title"))]
    audience = details.get("audience")
    if audience == "all":
        parts.append(_("to all trainees"))
    elif audience == "programme":
        parts.append(_("to %(whom)s", whom=programme_name_of(_text(details.get("to")))))
    elif audience == "class":
        parts.append(_("to the class %(name)s", name=_text(details.get("to"))))
    for key in ("notified", "notifications_removed"):
        if isinstance(details.get(key), int):
            parts.append(_("%(count)s trainees told", count=details[key]))
    return parts


def _viewed(entry: AuditEntry, details: dict, names: Names) -> list[str]:
    where = _text(details.get("where")).split(".")[0]
    parts = [str(_VIEWED_WHERE[where])] if where in _VIEWED_WHERE else []
    if isinstance(details.get("users"), list):
        parts.append(_("%(count)s people", count=len(details["users"])))
    return parts


def _other(entry: AuditEntry, details: dict, names: Names) -> list[str]:
    """An action without words of its own: the changes and the fields that have a name."""
    parts = _changes(details.get("before"), details.get("after"))
    for key, value in details.items():
        if key in FIELD_LABELS and not isinstance(value, dict | list):
            parts.append(
                _("%(field)s: %(value)s", field=FIELD_LABELS[key], value=_value(key, value))
            )
    return parts


_DETAILS: dict[str, Details] = {
    "eligibility.unlock": lambda entry, details, names: [],
    "eligibility.revoke": lambda entry, details, names: [],
    "exam.register": _register,
    "exam.results": _results,
    "exam.results_import": _results_import,
    "exam_session.create": _session_created,
    "exam_session.update": _session_changed,
    "exam_session.cancel": _session_cancelled,
    "fee.record": _payment,
    "fee.import": _payments_import,
    "enrolment.create": _enrolled,
    "enrolment.move_class": _moved,
    "application.submit": _application,
    "application.approve": _application,
    "application.reject": _application,
    "application.return": _application,
    "application.resubmit": _application,
    "application.files_delete": _application_files_deleted,
    "offline.add": _offline,
    "offline.revoke": _offline,
    "coaching_day.create": _coaching_day,
    "coaching_day.attendance": _attendance,
    "class.create": _class_created,
    "class.update": _class_changed,
    "user.create": _user_created,
    "user.update": _user_changed,
    "user.password": _password,
    "user.unlock_login": _unlocked,
    "profile.contact": _contact,
    "profile.photo": _photo,
    "programme.create": _programme_created,
    "programme.update": _programme_changed,
    "programme.add_video": _programme_video,
    "programme.move_video": _programme_video,
    "programme.chapters": _programme_chapters,
    "programme.mock_exam": _mock_exam,
    "question.add": _question,
    "question.update": _question,
    "question.retire": _question,
    "question.restore": _question,
    "question.import": _questions_imported,
    "work_type.create": _work_type,
    "video.add": _video,
    "video.retire": _video,
    "video.restore": _video,
    "subsidy.update": _subsidy,
    "announcement.create": _announcement,
    "announcement.withdraw": _announcement,
    "personal_data_viewed": _viewed,
    "review.void": _voided,
    "face.snapshots_delete": _snapshots_deleted,
    "face.snapshot_view": _snapshot_viewed,
}


# --- who and what ----------------------------------------------------------------------------


def _actor(entry: AuditEntry, names: Names) -> str:
    if entry.actor_id is None:
        return _("The system")
    return names.users.get(entry.actor_id) or _("A user since removed")


def _link(endpoint: str, **values: Any) -> str | None:
    """The address of a page, when the application has that page."""
    if endpoint not in current_app.view_functions:
        return None
    return url_for(endpoint, **values)


def _concerns(entry: AuditEntry, names: Names) -> tuple[str | None, str | None]:
    """Whom or what the entry is about, and the page to see it: the enrolment first."""
    if entry.enrolment_id is not None:
        trainee, code = names.enrolments.get(entry.enrolment_id, ("", ""))
        words = _("%(name)s · %(programme)s", name=trainee, programme=programme_name_of(code))
        return words, _link("courses.course", enrolment_id=entry.enrolment_id)
    kind, key = subject_of(entry)
    number = int(key) if key.isdigit() else None
    if kind == "user" and number in names.users:
        return names.users[number], _link("admin.edit_user", user_id=number)
    if kind == "class" and number in names.classes:
        return names.classes[number], _link("class_admin.edit", class_id=number)
    if kind == "exam_session" and number in names.exam_sessions:
        return _session_words(number, names), _link("exams.candidates", session_id=number)
    if kind == "application" and number in names.applications:
        applicant, code = names.applications[number]
        words = _("%(name)s · %(programme)s", name=applicant, programme=programme_name_of(code))
        return words, _link("admissions.review", application_id=number)
    if kind == "programme" and key in names.programmes:
        return programme_name_of(key), _link(
            "admin.edit_programme", programme_id=names.programmes[key]
        )
    if kind == "question" and number is not None:
        return _("Question %(id)s", id=number), _link("questions.edit", question_id=number)
    if kind == "video" and number in names.videos:
        return names.videos[number], _link("admin.video_library")
    if kind == "coaching_day" and number in names.coaching_days:
        day, _topic, class_id = names.coaching_days[number]
        words = f"{_class_name(class_id, names)} · {day.isoformat()}"
        return words, _link("classes.attendance", class_id=class_id, day_id=number)
    return None, None


def day_bounds(first: date | None, last: date | None) -> tuple[datetime | None, datetime | None]:
    """The UTC instants from the start of day `first` to the end of day `last`, days as the
    training body counts them (TIMEZONE); None for a side left open."""
    zone = ZoneInfo(current_app.config["TIMEZONE"])

    def midnight(day: date | None, days_after: int = 0) -> datetime | None:
        if day is None:
            return None
        try:
            start = datetime.combine(day + timedelta(days=days_after), time(), tzinfo=zone)
            return start.astimezone(UTC)
        except OverflowError:  # the first or last days a date can have: nothing to narrow
            return None

    return midnight(first), midnight(last, days_after=1)
