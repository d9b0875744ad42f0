"""Applications (报名): a person registers, declares eligibility evidence and uploads proofs;
an admin approves with the condition met (which creates the enrolment), rejects with a reason
(the person may apply again) or returns it for changes with a note (the person corrects it and
submits it again). The applicant is told of each decision in a message.
"""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from learning.config import Defaults
from learning.domain import eligibility
from learning.models import (
    Application,
    ApplicationDocument,
    ApplicationStatus,
    EligibilityCondition,
    Enrolment,
    Programme,
    Role,
    TrainingClass,
    User,
)
from learning.models.admissions import OPEN_STATUSES
from learning.services import ServiceError, accounts, audit, enrolments, throttle
from learning.services.identity import normalise_phone
from learning.services.notifications import notify

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
MAX_DOCUMENTS = 8
DOCUMENT_SUBFOLDER = "documents"
_SIGNATURES = {
    b"%PDF-": ("application/pdf", "pdf"),
    b"\xff\xd8\xff": ("image/jpeg", "jpg"),
    b"\x89PNG\r\n\x1a\n": ("image/png", "png"),
}

_EXTENSIONS = dict(_SIGNATURES.values())


@dataclass(frozen=True)
class Upload:
    """A file as the browser sent it."""

    name: str
    data: bytes


def document_type(data: bytes) -> tuple[str, str] | None:
    """(mime type, extension) from the file's first bytes; None if not PDF, JPEG or PNG."""
    for signature, kind in _SIGNATURES.items():
        if data.startswith(signature):
            return kind
    return None


@dataclass(frozen=True)
class AddressLimits:
    """What one network address may send to the public form: applications a day, proof files
    an hour (`throttle.APPLICATION_ADDRESS`, `throttle.PROOF_UPLOAD_ADDRESS`)."""

    address: str
    applications: throttle.Limit
    uploads: throttle.Limit


def check_address(session: Session, limits: AddressLimits, *, uploads: int, now_ms: int) -> None:
    """Refuse a public form from an address that has sent its applications of the day
    (`too_many_applications`) or would pass its proof files of the hour with `uploads` more
    (`too_many_uploads`); both say the seconds to wait."""
    _within(session, limits.applications, limits.address, 1, "too_many_applications", now_ms)
    if uploads:
        _within(session, limits.uploads, limits.address, uploads, "too_many_uploads", now_ms)


def count_uploads(session: Session, limits: AddressLimits, count: int, *, now_ms: int) -> None:
    """Count proof files accepted from the address (held for its form)."""
    throttle.record(session, limits.uploads.kind, limits.address, now_ms=now_ms, count=count)


def _within(
    session: Session, limit: throttle.Limit, address: str, adding: int, code: str, now_ms: int
) -> None:
    wait_s = throttle.retry_after_s(session, limit, address, now_ms=now_ms, adding=adding)
    if wait_s is not None:
        raise ServiceError(code, seconds=wait_s)


def check_uploads(
    uploads: list[Upload],
    *,
    kept_bytes: int = 0,
    max_bytes: int = Defaults.APPLICATION_MAX_BYTES,
) -> None:
    """Each file a PDF, JPEG or PNG of at most `MAX_DOCUMENT_BYTES`, and all of them with the
    `kept_bytes` the application holds already at most `max_bytes`."""
    if len(uploads) > MAX_DOCUMENTS:
        raise ServiceError("too_many_documents", most=MAX_DOCUMENTS)
    for upload in uploads:
        if len(upload.data) > MAX_DOCUMENT_BYTES:
            raise ServiceError(
                "document_too_large",
                name=upload.name,
                most_mb=round(MAX_DOCUMENT_BYTES / 1024 / 1024, 1),
            )
        if document_type(upload.data) is None:
            raise ServiceError("document_type", name=upload.name)
    if kept_bytes + sum(len(upload.data) for upload in uploads) > max_bytes:
        raise ServiceError("application_too_large", most_mb=round(max_bytes / 1024 / 1024, 1))


def stored_bytes(application: Application) -> int:
    """The bytes of the application's proofs still kept."""
    return sum(doc.size_bytes for doc in application.documents if doc.deleted_at is None)


def check_phone_free(session: Session, phone: str | None) -> None:
    """Refuse a second open application with this mobile number (`phone_has_application`),
    whoever's account it is; the reason names nobody."""
    if phone and _open_with_phone(session, normalise_phone(phone)) is not None:
        raise ServiceError("phone_has_application")


def _open_with_phone(session: Session, phone: str) -> Application | None:
    return session.scalar(
        select(Application).where(Application.phone == phone, Application.status.in_(OPEN_STATUSES))
    )


def evidence_to_json(evidence: eligibility.Evidence) -> dict[str, Any]:
    return {
        "years_of_work": evidence.years_of_work,
        "certificates": [
            {"occupation": c.occupation, "level": c.level, "issued_on": c.issued_on.isoformat()}
            for c in evidence.certificates
        ],
        "titles": [
            {
                "level": t.level,
                "matches_field": t.matches_field,
                "obtained_on": t.obtained_on.isoformat(),
            }
            for t in evidence.titles
        ],
        "education": [
            {
                "kind": e.kind,
                "major": e.major,
                "graduated_on": e.graduated_on.isoformat() if e.graduated_on else None,
                "final_year": e.final_year,
                "evaluated_programme": e.evaluated_programme,
            }
            for e in evidence.education
        ],
    }


def evidence_from_json(data: dict[str, Any]) -> eligibility.Evidence:
    return eligibility.Evidence(
        years_of_work=float(data["years_of_work"]),
        certificates=tuple(
            eligibility.Certificate(c["occupation"], c["level"], date.fromisoformat(c["issued_on"]))
            for c in data["certificates"]
        ),
        titles=tuple(
            eligibility.Title(t["level"], t["matches_field"], date.fromisoformat(t["obtained_on"]))
            for t in data["titles"]
        ),
        education=tuple(
            eligibility.Education(
                e["kind"],
                e["major"],
                date.fromisoformat(e["graduated_on"]) if e["graduated_on"] else None,
                e["final_year"],
                e["evaluated_programme"],
            )
            for e in data["education"]
        ),
    )


def conditions(session: Session, level: int) -> list[EligibilityCondition]:
    return list(
        session.scalars(
            select(EligibilityCondition)
            .where(EligibilityCondition.level == level, EligibilityCondition.active.is_(True))
            .order_by(EligibilityCondition.code)
        )
    )


def evaluate(
    session: Session, level: int, evidence: eligibility.Evidence, as_of: date
) -> list[tuple[EligibilityCondition, eligibility.ConditionResult]]:
    """Each condition of the level with whether the declared evidence meets it, and why not."""
    rows = conditions(session, level)
    results = eligibility.evaluate_level(
        level,
        evidence,
        as_of,
        conditions=[
            {
                "code": row.code,
                "level": row.level,
                "requirement": row.requirement,
                "text_zh": row.text_zh,
                "text_en": row.text_en,
            }
            for row in rows
        ],
    )
    by_code = {result.code: result for result in results}
    return [(row, by_code[row.code]) for row in rows]


def submit(
    session: Session,
    *,
    username: str,
    password: str,
    profile: accounts.ProfileData,
    programme: Programme,
    evidence: eligibility.Evidence,
    uploads: list[Upload],
    upload_folder: str | Path,
    now: datetime,
    hash_method: str,
    max_bytes: int = Defaults.APPLICATION_MAX_BYTES,
    limits: AddressLimits | None = None,
) -> Application:
    """Create the applicant's account and their application, storing the proofs. From the
    public form (`limits` given) the application counts against its address's."""
    if not programme.active:
        raise ServiceError("programme_retired", code=programme.code)
    if profile.phone:
        profile = replace(profile, phone=normalise_phone(profile.phone))
        if not accounts.PHONE_PATTERN.match(profile.phone or ""):
            raise ServiceError("phone_invalid")
    check_uploads(uploads, max_bytes=max_bytes)
    check_phone_free(session, profile.phone)
    if limits is not None:
        now_ms = int(now.timestamp() * 1000)
        check_address(session, limits, uploads=0, now_ms=now_ms)
        throttle.record(session, limits.applications.kind, limits.address, now_ms=now_ms)
    user = accounts.create_user(
        session,
        username=username,
        password=password,
        role=Role.TRAINEE,
        display_name=profile.real_name,
        now=now,
        hash_method=hash_method,
        profile=profile,
    )
    return _create(session, user, programme, evidence, uploads, Path(upload_folder), now)


def apply_again(
    session: Session,
    applicant: User,
    *,
    programme: Programme,
    evidence: eligibility.Evidence,
    uploads: list[Upload],
    upload_folder: str | Path,
    now: datetime,
    max_bytes: int = Defaults.APPLICATION_MAX_BYTES,
) -> Application:
    """A new application of a person who has an account: after a rejection, or for another
    programme. One open application at a time, and none for a programme already approved."""
    if not programme.active:
        raise ServiceError("programme_retired", code=programme.code)
    for earlier in applications_of(session, applicant.id):
        if earlier.status in OPEN_STATUSES:
            raise ServiceError("application_open")
        if earlier.status == ApplicationStatus.APPROVED.value and earlier.programme_id == (
            programme.id
        ):
            raise ServiceError("application_approved_already")
    check_uploads(uploads, max_bytes=max_bytes)
    check_phone_free(session, applicant.profile.phone if applicant.profile else None)
    return _create(session, applicant, programme, evidence, uploads, Path(upload_folder), now)


def _create(
    session: Session,
    applicant: User,
    programme: Programme,
    evidence: eligibility.Evidence,
    uploads: list[Upload],
    folder: Path,
    now: datetime,
) -> Application:
    phone = applicant.profile.phone if applicant.profile else None
    application = Application(
        applicant_id=applicant.id,
        programme_id=programme.id,
        evidence=evidence_to_json(evidence),
        submitted_at=now,
        phone=normalise_phone(phone) if phone else None,
    )
    _insert(session, application)
    for upload in uploads:
        _store(session, application, upload, folder, now)
    audit.record(
        session,
        at=now,
        actor_id=applicant.id,
        action="application.submit",
        subject=f"application:{application.id}",
        details={"programme": programme.code},
    )
    return application


def _insert(session: Session, application: Application) -> None:
    """Add the application; another opened with the same number at the same moment by another
    request is refused by the unique index, and said so like the one found before."""
    try:
        with session.begin_nested():
            session.add(application)
            session.flush()
    except IntegrityError:
        if application.phone and _open_with_phone(session, application.phone) is not None:
            raise ServiceError("phone_has_application") from None
        raise


def resubmit(
    session: Session,
    application: Application,
    *,
    evidence: eligibility.Evidence,
    uploads: list[Upload],
    upload_folder: str | Path,
    now: datetime,
    max_bytes: int = Defaults.APPLICATION_MAX_BYTES,
) -> None:
    """The applicant's corrected application, with any new proofs, back in the review queue.
    Evaluated again as of today, as a new application would be. Proofs deleted after the
    retention period leave room for new ones."""
    if application.status != ApplicationStatus.RETURNED.value:
        raise ServiceError("not_returned")
    kept = [doc for doc in application.documents if doc.deleted_at is None]
    if len(kept) + len(uploads) > MAX_DOCUMENTS:
        raise ServiceError("too_many_documents", most=MAX_DOCUMENTS)
    check_uploads(uploads, kept_bytes=stored_bytes(application), max_bytes=max_bytes)
    application.evidence = evidence_to_json(evidence)
    application.status = ApplicationStatus.SUBMITTED.value
    application.submitted_at = now
    application.decided_at = None
    application.decided_by_id = None
    for upload in uploads:
        _store(session, application, upload, Path(upload_folder), now)
    audit.record(
        session,
        at=now,
        actor_id=application.applicant_id,
        action="application.resubmit",
        subject=f"application:{application.id}",
        details={"added_documents": len(uploads)},
    )


def _store(
    session: Session, application: Application, upload: Upload, folder: Path, now: datetime
) -> None:
    mime_type, extension = document_type(upload.data) or ("", "")
    relative = Path(DOCUMENT_SUBFOLDER) / f"{secrets.token_hex(16)}.{extension}"
    target = folder / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(upload.data)
    session.add(
        ApplicationDocument(
            application_id=application.id,
            original_name=display_name(upload.name),
            stored_path=relative.as_posix(),
            mime_type=mime_type,
            size_bytes=len(upload.data),
            uploaded_at=now,
        )
    )


def download_name(document: ApplicationDocument) -> str:
    """A neutral name to download a document under: its numbers, and the extension of the type
    its content was checked to be. Never the uploader's name, which may promise another type
    ("报名表.pdf.exe") or hold words meant for the admin's eyes."""
    extension = _EXTENSIONS.get(document.mime_type, "bin")
    return f"application-{document.application_id}-document-{document.id}.{extension}"


def served_type(document: ApplicationDocument) -> str:
    """The checked type, or plain bytes for a document stored before types were checked."""
    return document.mime_type if document.mime_type in _EXTENSIONS else "application/octet-stream"


def display_name(name: str) -> str:
    """The file's own name only (never a path), for showing to people and naming a download.

    Line breaks and other control or format characters (a crafted request may send them) become
    spaces: a name is one line, and a header naming the download cannot be split by it.
    """
    name = "".join(" " if unicodedata.category(c) in {"Cc", "Cf", "Zl", "Zp"} else c for c in name)
    name = " ".join(Path(name.replace("\\", "/")).name.split())
    return (name or "document")[:200]


def approve(
    session: Session,
    application: Application,
    *,
    condition_code: str,
    training_class: TrainingClass | None,
    now: datetime,
    actor_id: int,
    standard_hour_minutes: int,
) -> Enrolment:
    """Approve under one condition of the programme's level; this creates the enrolment."""
    _still_open(application)
    codes = {row.code for row in conditions(session, application.programme.level)}
    if condition_code not in codes:
        raise ServiceError("unknown_condition", code=condition_code)
    enrolment = enrolments.enrol(
        session,
        trainee=application.applicant,
        programme=application.programme,
        training_class=training_class,
        now=now,
        standard_hour_minutes=standard_hour_minutes,
        eligibility_condition=condition_code,
        actor_id=actor_id,
        reason=f"application {application.id} approved under {condition_code}",
    )
    application.status = ApplicationStatus.APPROVED.value
    application.condition_code = condition_code
    application.decided_at = now
    application.decided_by_id = actor_id
    application.enrolment_id = enrolment.id
    audit.record(
        session,
        at=now,
        actor_id=actor_id,
        action="application.approve",
        enrolment_id=enrolment.id,
        subject=f"application:{application.id}",
        details={"condition": condition_code},
    )
    _tell(session, application, "application_approved", now, condition=condition_code)
    return enrolment


def reject(
    session: Session, application: Application, *, reason: str, now: datetime, actor_id: int
) -> None:
    _still_open(application)
    if not reason.strip():
        raise ServiceError("reason_required")
    application.decision_reason = reason.strip()
    _decided(
        session,
        application,
        ApplicationStatus.REJECTED,
        "application.reject",
        "application_rejected",
        now=now,
        actor_id=actor_id,
        reason=reason.strip(),
    )


def return_for_changes(
    session: Session, application: Application, *, note: str, now: datetime, actor_id: int
) -> None:
    """Back to the applicant with a note of what to correct or add; it leaves the queue until
    they submit it again."""
    _still_open(application)
    if not note.strip():
        raise ServiceError("note_required")
    application.returned_note = note.strip()
    application.returned_at = now
    _decided(
        session,
        application,
        ApplicationStatus.RETURNED,
        "application.return",
        "application_returned",
        now=now,
        actor_id=actor_id,
        note=note.strip(),
    )


def _decided(
    session: Session,
    application: Application,
    status: ApplicationStatus,
    action: str,
    message: str,
    *,
    now: datetime,
    actor_id: int,
    **words: str,
) -> None:
    """The application leaves the queue with `status`: audited with the admin's words, and the
    applicant told them."""
    application.status = status.value
    application.decided_at = now
    application.decided_by_id = actor_id
    (text,) = words.values()
    audit.record(
        session,
        at=now,
        actor_id=actor_id,
        action=action,
        subject=f"application:{application.id}",
        reason=text,
    )
    _tell(session, application, message, now, **words)


def _tell(
    session: Session, application: Application, kind: str, now: datetime, **params: str
) -> None:
    notify(
        session,
        application.applicant_id,
        kind,
        now=now,
        programme=application.programme.code,
        application_id=application.id,
        **params,
    )


def _still_open(application: Application) -> None:
    if application.status != ApplicationStatus.SUBMITTED.value:
        raise ServiceError("already_decided")


def queue(session: Session) -> list[Application]:
    """Applications waiting first (oldest first), then the decided ones, newest first."""
    waiting = session.scalars(
        select(Application)
        .where(Application.status == ApplicationStatus.SUBMITTED.value)
        .order_by(Application.submitted_at)
    )
    decided = session.scalars(
        select(Application)
        .where(Application.status != ApplicationStatus.SUBMITTED.value)
        .order_by(Application.decided_at.desc())
        .limit(100)
    )
    return [*waiting, *decided]


NEWS_DAYS = 14


def news_for(session: Session, user_id: int, now: datetime) -> Application | None:
    """The applicant's newest application while it is news for their home page: open,
    rejected, or approved in the last `NEWS_DAYS` days."""
    found = applications_of(session, user_id)
    if not found:
        return None
    latest = found[0]
    if latest.status == ApplicationStatus.APPROVED.value and latest.decided_at is not None:
        return latest if now - latest.decided_at <= timedelta(days=NEWS_DAYS) else None
    return latest


def applications_of(session: Session, user_id: int) -> list[Application]:
    return list(
        session.scalars(
            select(Application)
            .where(Application.applicant_id == user_id)
            .order_by(Application.id.desc())
        )
    )
