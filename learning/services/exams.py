"""Exam sessions and registration for them, with every reason a registration is refused.

Registration needs what `learning.domain.admission` says (unlocked or enough hours, eligible, paid;
the coaching the session still has to give counting towards the hours: its 2 on-site days come
just before the exam; the mock-exam score the programme may require, unless unlocked), and
an open session of the enrolment's work type and level with a seat left.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from learning.domain import admission, exam_calendar, fees, results
from learning.domain.accounting import hours_display, hours_missing
from learning.models import (
    Enrolment,
    ExamRegistration,
    ExamSession,
    ExamSessionStatus,
    OfflineCredit,
    Payment,
    Programme,
    SubsidyRate,
)
from learning.services import ServiceError, audit, readiness
from learning.services.accounts import mask_id_number
from learning.services.enrolments import required_seconds, standing
from learning.services.notifications import notify


class NotEligible(ServiceError):
    """Registration refused; `reasons` lists every code that applies (shared/api.md)."""

    def __init__(self, reasons: list[str], hours_missing: float) -> None:
        super().__init__("not_eligible", hours_missing=hours_missing)
        self.reasons = reasons
        self.hours_missing = hours_missing


@dataclass(frozen=True)
class Blockers:
    reasons: list[str]
    hours_missing: float


def sessions_open_to(session: Session, *, trainee_id: int | None, today: date) -> list[ExamSession]:
    """Sessions still taking registrations: a trainee's own programmes, or all for staff."""
    statement = (
        select(ExamSession)
        .where(
            ExamSession.status == ExamSessionStatus.OPEN.value,
            ExamSession.registration_closes_on >= today,  # exam_calendar.taking_registrations
        )
        .order_by(ExamSession.starts_on, ExamSession.id)
    )
    if trainee_id is not None:
        own = (
            select(Programme.work_type_code, Programme.level)
            .join(Enrolment, Enrolment.programme_id == Programme.id)
            .where(Enrolment.trainee_id == trainee_id)
        )
        pairs = {(work_type, level) for work_type, level in session.execute(own)}
        return [s for s in session.scalars(statement) if (s.work_type_code, s.level) in pairs]
    return list(session.scalars(statement))


def blockers(
    session: Session, enrolment: Enrolment, exam_session: ExamSession, today: date
) -> Blockers:
    """Every reason this enrolment may not register for this session, in the API's order."""
    programme = enrolment.programme
    gate = readiness.gates(session, [enrolment]).get(enrolment.id)
    position = standing(
        enrolment,
        fee_paid=_fee_paid(session, enrolment, exam_session),
        coaching_to_come_s=coaching_to_come_s(session, enrolment, exam_session),
        mock_gate_met=gate is None or gate.met,
    )
    reasons = admission.blocking_reasons(position)
    if exam_session.seats_left <= 0:
        reasons.append("session_full")
    if (
        exam_session.status != ExamSessionStatus.OPEN.value
        or not exam_calendar.taking_registrations(exam_session.registration_closes_on, today)
    ):
        reasons.append("registration_closed")
    if (exam_session.work_type_code, exam_session.level) != (
        programme.work_type_code,
        programme.level,
    ):
        reasons.append("level_mismatch")
    missing = hours_missing(admission.hours_short_s(position), enrolment.standard_hour_minutes)
    return Blockers(reasons, missing)


def coaching_to_come_s(session: Session, enrolment: Enrolment, exam_session: ExamSession) -> int:
    """The session's planned coaching that the trainee has not attended yet: its planned hours
    less the coaching credited on days from its coaching start (or, without one, from the close
    of registration) to its exam day. What was attended is in the credited hours already."""
    planned_s = exam_session.coaching_tenths * enrolment.standard_hour_minutes * 6
    if planned_s == 0:
        return 0
    first_day = exam_session.coaching_starts_on or exam_session.registration_closes_on
    attended_s = session.scalar(
        select(func.coalesce(func.sum(OfflineCredit.seconds), 0)).where(
            OfflineCredit.enrolment_id == enrolment.id,
            OfflineCredit.kind == "coaching",
            OfflineCredit.revoked_at.is_(None),
            OfflineCredit.day >= first_day,
            OfflineCredit.day <= exam_session.starts_on,
        )
    )
    return max(0, planned_s - int(attended_s or 0))


def _previous_sitting(
    session: Session, enrolment: Enrolment, exam_session: ExamSession
) -> date | None:
    """The date of the enrolment's last earlier sitting, if this one would be a retake."""
    return session.scalar(
        select(func.max(ExamSession.starts_on))
        .join(ExamRegistration, ExamRegistration.exam_session_id == ExamSession.id)
        .where(
            ExamRegistration.enrolment_id == enrolment.id,
            ExamSession.starts_on < exam_session.starts_on,
            ExamSession.status != ExamSessionStatus.CANCELLED.value,
        )
    )


def _fee_paid(session: Session, enrolment: Enrolment, exam_session: ExamSession) -> bool:
    """Whether this sitting is paid for (`learning.domain.fees`): the first by the training
    fee, a retake by the assessment fee paid since the previous sitting."""
    payments = session.execute(
        select(Payment.kind, Payment.amount_fen, Payment.paid_on).where(
            Payment.enrolment_id == enrolment.id
        )
    )
    programme = enrolment.programme
    return fees.sitting_paid(
        (fees.Paid(*row) for row in payments),
        _previous_sitting(session, enrolment, exam_session),
        training_fee_fen=programme.training_fee_fen,
        assessment_fee_fen=programme.assessment_fee_fen,
    )


def register(
    session: Session,
    *,
    enrolment: Enrolment,
    exam_session_id: int,
    today: date,
    now: datetime,
    actor_id: int | None,
) -> ExamRegistration:
    """Register for a session, or raise NotEligible with every reason that applies."""
    exam_session = session.get(ExamSession, exam_session_id)
    if exam_session is None:
        raise ServiceError("not_found")
    existing = session.scalar(
        select(ExamRegistration.id).where(
            ExamRegistration.enrolment_id == enrolment.id,
            ExamRegistration.exam_session_id == exam_session_id,
        )
    )
    if existing is not None:
        raise ServiceError("already_registered")
    if has_passed(session, enrolment.id):
        raise ServiceError("already_passed")
    found = blockers(session, enrolment, exam_session, today)
    if found.reasons:
        raise NotEligible(found.reasons, found.hours_missing)
    seat_no = _take_seat(session, exam_session_id)
    if seat_no is None:
        raise NotEligible(["session_full"], 0.0)
    registration = ExamRegistration(
        enrolment_id=enrolment.id,
        exam_session_id=exam_session_id,
        seat_no=seat_no,
        retake=_previous_sitting(session, enrolment, exam_session) is not None,
        created_at=now,
    )
    session.add(registration)
    session.flush()
    audit.record(
        session,
        at=now,
        actor_id=actor_id,
        action="exam.register",
        enrolment_id=enrolment.id,
        subject=f"exam_session:{exam_session_id}",
        details={"retake": registration.retake},
    )
    notify(
        session,
        enrolment.trainee_id,
        "exam_registered",
        now=now,
        programme=f"{exam_session.work_type_code}-{exam_session.level}",
        day=exam_session.starts_on.isoformat(),
        place=exam_session.place,
    )
    return registration


def has_passed(session: Session, enrolment_id: int) -> bool:
    """Whether the enrolment passed an exam already: nothing is left to sit."""
    passed = select(ExamRegistration.id).where(
        ExamRegistration.enrolment_id == enrolment_id,
        ExamRegistration.outcome == results.ExamOutcome.PASSED.value,
    )
    return session.scalar(passed.limit(1)) is not None


def _take_seat(session: Session, exam_session_id: int) -> int | None:
    """One seat, atomically: concurrent registrations can never take more than the capacity.
    The seat's number (seats taken after this one), or None when the session is full."""
    return session.scalar(
        update(ExamSession)
        .where(ExamSession.id == exam_session_id, ExamSession.seats_taken < ExamSession.capacity)
        .values(seats_taken=ExamSession.seats_taken + 1)
        .returning(ExamSession.seats_taken)
        .execution_options(synchronize_session=False)
    )


def registrations_of(session: Session, enrolment_id: int) -> list[ExamRegistration]:
    return list(
        session.scalars(
            select(ExamRegistration)
            .where(ExamRegistration.enrolment_id == enrolment_id)
            .order_by(ExamRegistration.created_at)
        )
    )


# --- results, certificates and subsidies ------------------------------------------------------


def record_results(
    session: Session,
    registration: ExamRegistration,
    *,
    scores: dict[str, int] | None,
    certificate_no: str | None,
    certificate_issued_on: date | None,
    today: date,
    now: datetime,
    actor_id: int,
    pass_mark: int = results.DEFAULT_PASS_MARK,
) -> None:
    """Part scores (each passed at `pass_mark` on its own; None: absent), the outcome, and for
    a pass the certificate. Only for a registered candidate (`registration` is theirs for that
    session), on or after the exam day; a certificate only when every part is passed, dated
    from the exam day to today. The state before and after goes to the audit log."""
    exam_day = registration.exam_session.starts_on
    if registration.exam_session.status == ExamSessionStatus.CANCELLED.value:
        raise ServiceError("session_cancelled")
    if today < exam_day:
        raise ServiceError("results_before_exam", day=exam_day.isoformat())
    parts = registration.exam_session.parts
    before = {
        "outcome": registration.outcome,
        "scores": dict(registration.scores),
        "certificate_no": registration.certificate_no,
    }
    if scores is not None and (problem := results.scores_problem(scores, parts)):
        raise ServiceError(problem, parts="、".join(parts))
    outcome = results.outcome(scores, pass_mark)
    if certificate_no:
        number = results.certificate_number(certificate_no)
        passed = outcome == results.ExamOutcome.PASSED
        problems = results.certificate_problems(
            number, certificate_issued_on, passed=passed, exam_day=exam_day, today=today
        )
        if problems:
            raise ServiceError(problems[0])
        registration.certificate_no = number
        registration.certificate_issued_on = certificate_issued_on
    registration.scores = dict(scores or {})
    registration.outcome = outcome.value
    registration.results_recorded_at = now
    audit.record(
        session,
        at=now,
        actor_id=actor_id,
        action="exam.results",
        enrolment_id=registration.enrolment_id,
        subject=f"exam_registration:{registration.id}",
        details={
            "before": before,
            "after": {
                "outcome": outcome.value,
                "scores": scores or {},
                "certificate_no": registration.certificate_no,
            },
        },
    )


@dataclass(frozen=True)
class Subsidy:
    amount_fen: int
    claim_by: date


def subsidy(session: Session, registration: ExamRegistration) -> Subsidy | None:
    """What a certified trainee can claim, if anything (a higher level of the same occupation
    already subsidised is checked by the subsidy office, and shown in the admin report)."""
    if registration.certificate_issued_on is None:
        return None
    rate = session.get(SubsidyRate, registration.exam_session.level)
    if rate is None:
        return None
    return Subsidy(rate.amount_fen, results.claim_by(registration.certificate_issued_on))


def set_subsidy(
    session: Session, level: int, amount_fen: int, *, now: datetime, actor_id: int
) -> None:
    """Change a level's subsidy (the catalogue changes from year to year); audited."""
    if not 0 <= amount_fen <= 10_000_000:
        raise ServiceError("amount_out_of_range")
    rate = session.get(SubsidyRate, level)
    if rate is None:
        rate = SubsidyRate(level=level, amount_fen=0)
        session.add(rate)
    before = rate.amount_fen
    rate.amount_fen = amount_fen
    audit.record(
        session,
        at=now,
        actor_id=actor_id,
        action="subsidy.update",
        subject=f"level:{level}",
        details={"before": before, "after": amount_fen},
    )


def subsidy_rates(session: Session) -> list[SubsidyRate]:
    return list(session.scalars(select(SubsidyRate).order_by(SubsidyRate.level.desc())))


@dataclass(frozen=True)
class Candidate:
    registration: ExamRegistration
    name: str
    credited_hours: float
    required_hours: int
    id_number_masked: str
    blocking_reasons: list[str]  # why not admitted to sit (准考), by the admission rule
    hours_missing: float

    @property
    def admitted(self) -> bool:
        return not self.blocking_reasons


def sitting_blockers(session: Session, registration: ExamRegistration) -> list[str]:
    """Why a registered candidate may not sit the exam (准考) yet: the admission rule with the
    hours really credited (coaching only once attended) and the fee of that sitting."""
    enrolment = registration.enrolment
    fee_paid = _fee_paid(session, enrolment, registration.exam_session)
    return admission.blocking_reasons(standing(enrolment, fee_paid=fee_paid))


def candidates(session: Session, exam_session_id: int) -> list[Candidate]:
    """Who registered for a session, and whether each may sit the exam."""
    registrations = session.scalars(
        select(ExamRegistration)
        .where(ExamRegistration.exam_session_id == exam_session_id)
        .order_by(
            ExamRegistration.seat_no.is_(None),
            ExamRegistration.seat_no,
            ExamRegistration.created_at,
        )
    )
    result = []
    for registration in registrations:
        enrolment = registration.enrolment
        reasons = sitting_blockers(session, registration)
        result.append(
            Candidate(
                registration=registration,
                name=enrolment.trainee.display_name,
                id_number_masked=mask_id_number(
                    enrolment.trainee.profile.id_number if enrolment.trainee.profile else None
                ),
                credited_hours=hours_display(enrolment.credited_s, enrolment.standard_hour_minutes),
                required_hours=enrolment.programme.required_hours,
                blocking_reasons=reasons,
                hours_missing=_hours_missing(enrolment),
            )
        )
    return result


@dataclass(frozen=True)
class Ticket:
    """An admission ticket (准考证): what the candidate shows at the exam's door."""

    number: str
    registration: ExamRegistration
    name: str
    id_number_masked: str
    has_photo: bool
    trainee_id: int
    blocking_reasons: list[str]  # empty: admitted to sit; else the ticket is not given
    hours_missing: float

    @property
    def admitted(self) -> bool:
        return not self.blocking_reasons


def ticket(session: Session, registration: ExamRegistration) -> Ticket:
    """The ticket of a registration; its number is the exam day, the session and the seat."""
    exam_session = registration.exam_session
    trainee = registration.enrolment.trainee
    profile = trainee.profile
    seat = registration.seat_no or 0
    return Ticket(
        number=f"{exam_session.starts_on:%Y%m%d}{exam_session.id:04d}{seat:04d}",
        registration=registration,
        name=profile.real_name if profile else trainee.display_name,
        id_number_masked=mask_id_number(profile.id_number if profile else None),
        has_photo=bool(profile and profile.photo_path),
        trainee_id=trainee.id,
        hours_missing=_hours_missing(registration.enrolment),
        blocking_reasons=sitting_blockers(session, registration)
        if exam_session.status != ExamSessionStatus.CANCELLED.value
        else ["session_cancelled"],
    )


def _hours_missing(enrolment: Enrolment) -> float:
    short_s = max(0, required_seconds(enrolment) - enrolment.credited_s)
    return hours_missing(short_s, enrolment.standard_hour_minutes)
