"""Enrolments: creating them, and what they show (hours against the minimum, exam blockers)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, joinedload

from learning.domain import admission, fees, rounding
from learning.domain.accounting.hours import hours_display, hours_missing
from learning.domain.admission import Standing
from learning.models import Enrolment, Payment, Programme, Role, TrainingClass, User
from learning.services import ServiceError, audit, readiness

# The eligibility condition recorded when staff checked the evidence off-line.
OFFLINE_CHECK = "offline"


@dataclass(frozen=True)
class EnrolmentSummary:
    """What every page and the API show of one enrolment, computed from stored totals."""

    id: int
    trainee_id: int
    trainee_name: str
    programme_code: str
    work_type_code: str
    work_type_zh: str
    work_type_en: str
    level: int
    required_hours: int
    online_hours: float
    offline_hours: float
    credited_hours: float
    hours_missing: float
    progress: float  # 0..1 of the required hours
    credited_s: int
    required_s: int
    standard_hour_minutes: int
    class_id: int | None
    class_name: str | None
    last_studied_on: date | None
    enrolled_on: date
    status: str
    exam_eligible: bool
    blocking_reasons: list[str]


def enrol(
    session: Session,
    *,
    trainee: User,
    programme: Programme,
    now: datetime,
    standard_hour_minutes: int,
    training_class: TrainingClass | None = None,
    eligibility_condition: str | None = None,
    actor_id: int | None = None,
    reason: str | None = None,
) -> Enrolment:
    """Enrol a trainee in a programme. A given eligibility condition counts as approved."""
    if trainee.role != Role.TRAINEE:
        raise ServiceError("not_a_trainee", username=trainee.username)
    if not programme.active:
        raise ServiceError("programme_retired", code=programme.code)
    existing = session.scalar(
        select(Enrolment).where(
            Enrolment.trainee_id == trainee.id, Enrolment.programme_id == programme.id
        )
    )
    if existing is not None:
        raise ServiceError("already_enrolled", username=trainee.username, code=programme.code)
    enrolment = Enrolment(
        trainee_id=trainee.id,
        programme_id=programme.id,
        class_id=training_class.id if training_class else None,
        standard_hour_minutes=standard_hour_minutes,
        eligibility_condition=eligibility_condition,
        eligibility_approved_at=now if eligibility_condition else None,
        created_at=now,
    )
    session.add(enrolment)
    session.flush()
    audit.record(
        session,
        at=now,
        actor_id=actor_id,
        action="enrolment.create",
        enrolment_id=enrolment.id,
        reason=reason,
        details={
            "programme": programme.code,
            "eligibility_condition": eligibility_condition,
            "class_id": enrolment.class_id,
        },
    )
    return enrolment


def required_seconds(enrolment: Enrolment) -> int:
    """The programme's minimum in seconds, with the enrolment's own standard hour."""
    return enrolment.programme.required_hours * enrolment.standard_hour_minutes * 60


def reached_minimum() -> ColumnElement[bool]:
    """In SQL, `credited_s >= required_seconds(enrolment)`; the query must join Programme."""
    return (
        Enrolment.online_s + Enrolment.offline_s
        >= Programme.required_hours * Enrolment.standard_hour_minutes * 60
    )


def standing(
    enrolment: Enrolment,
    *,
    fee_paid: bool,
    coaching_to_come_s: int = 0,
    mock_gate_met: bool = True,
) -> Standing:
    """The enrolment's figures as the admission rule reads them."""
    return Standing(
        credited_s=enrolment.credited_s,
        required_s=required_seconds(enrolment),
        unlocked=enrolment.exam_unlocked,
        eligibility_approved=enrolment.eligibility_approved_at is not None,
        fee_paid=fee_paid,
        coaching_to_come_s=coaching_to_come_s,
        mock_gate_met=mock_gate_met,
    )


def summarise(
    enrolment: Enrolment, *, training_fee_paid: bool, mock_gate_met: bool = True
) -> EnrolmentSummary:
    minutes = enrolment.standard_hour_minutes
    programme = enrolment.programme
    required_s = required_seconds(enrolment)
    reasons = admission.blocking_reasons(
        standing(enrolment, fee_paid=training_fee_paid, mock_gate_met=mock_gate_met)
    )
    # online and offline side by side add up to the credited hours: rounded once, on the total
    online, offline = rounding.shares([enrolment.online_s, enrolment.offline_s], minutes * 6)
    return EnrolmentSummary(
        id=enrolment.id,
        trainee_id=enrolment.trainee_id,
        trainee_name=enrolment.trainee.display_name,
        programme_code=programme.code,
        work_type_code=programme.work_type_code,
        work_type_zh=programme.work_type.name_zh,
        work_type_en=programme.work_type.name_en,
        level=programme.level,
        required_hours=programme.required_hours,
        online_hours=online / 10,
        offline_hours=offline / 10,
        credited_hours=hours_display(enrolment.credited_s, minutes),
        hours_missing=hours_missing(max(0, required_s - enrolment.credited_s), minutes),
        progress=min(1.0, enrolment.credited_s / required_s) if required_s else 1.0,
        credited_s=enrolment.credited_s,
        required_s=required_s,
        standard_hour_minutes=minutes,
        class_id=enrolment.class_id,
        class_name=enrolment.training_class.name if enrolment.training_class else None,
        last_studied_on=enrolment.last_studied_on,
        enrolled_on=enrolment.created_at.date(),
        status=enrolment.status,
        exam_eligible=not reasons,
        blocking_reasons=reasons,
    )


def _load(session: Session, *conditions: ColumnElement[bool]) -> list[Enrolment]:
    statement = (
        select(Enrolment)
        .options(
            joinedload(Enrolment.programme).joinedload(Programme.work_type),
            joinedload(Enrolment.trainee),
            joinedload(Enrolment.training_class),
        )
        .where(*conditions)
        .order_by(Enrolment.id)
    )
    return list(session.scalars(statement).unique())


def training_paid_fen(session: Session, enrolment_ids: list[int]) -> dict[int, int]:
    """Training-fee payments per enrolment, in fen."""
    if not enrolment_ids:
        return {}
    statement = (
        select(Payment.enrolment_id, func.sum(Payment.amount_fen))
        .where(Payment.enrolment_id.in_(enrolment_ids), Payment.kind == "training")
        .group_by(Payment.enrolment_id)
    )
    return {enrolment_id: int(total) for enrolment_id, total in session.execute(statement)}


def training_fee_paid(enrolment: Enrolment, paid_fen: int | None) -> bool:
    """Whether the training payments (`paid_fen`, None without any) pay the programme's fee."""
    return fees.paid_in_full(paid_fen, enrolment.programme.training_fee_fen)


def _summaries(session: Session, enrolments: list[Enrolment]) -> list[EnrolmentSummary]:
    paid = training_paid_fen(session, [enrolment.id for enrolment in enrolments])
    gated = readiness.gates(session, enrolments)
    return [
        summarise(
            e,
            training_fee_paid=training_fee_paid(e, paid.get(e.id)),
            mock_gate_met=e.id not in gated or gated[e.id].met,
        )
        for e in enrolments
    ]


def summaries_for_trainee(session: Session, trainee_id: int) -> list[EnrolmentSummary]:
    return _summaries(session, _load(session, Enrolment.trainee_id == trainee_id))


def summaries_for_class(session: Session, class_id: int) -> list[EnrolmentSummary]:
    return _summaries(session, _load(session, Enrolment.class_id == class_id))


def summaries_for_programme(session: Session, programme_id: int) -> list[EnrolmentSummary]:
    return _summaries(session, _load(session, Enrolment.programme_id == programme_id))


def summary(session: Session, enrolment: Enrolment) -> EnrolmentSummary:
    return _summaries(session, [enrolment])[0]


def set_exam_unlock(
    session: Session,
    enrolment: Enrolment,
    *,
    unlocked: bool,
    reason: str,
    now: datetime,
    actor_id: int,
) -> None:
    """Let an enrolment register for exams whatever its hours (or take that back), with the
    reason kept in the audit log with the state before and after."""
    if not reason.strip():
        raise ServiceError("reason_required")
    before = enrolment.exam_unlocked
    enrolment.exam_unlocked = unlocked
    audit.record(
        session,
        at=now,
        actor_id=actor_id,
        action="eligibility.unlock" if unlocked else "eligibility.revoke",
        enrolment_id=enrolment.id,
        reason=reason.strip(),
        details={
            "before": {"exam_unlocked": before},
            "after": {"exam_unlocked": unlocked},
            "credited_s": enrolment.credited_s,
        },
    )
