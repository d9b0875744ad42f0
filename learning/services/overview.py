"""The training body's figures for the admin dashboard, narrowed by a scope, from kept totals.

Every figure is one aggregate query over the kept totals (enrolment totals, payments, exam
registrations), never over the raw beats, so the dashboard costs the same at 10,000 trainees
as at 40 beyond the size of its answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, case, func, select
from sqlalchemy.orm import Session

from learning.models import (
    Application,
    Enrolment,
    ExamRegistration,
    ExamSession,
    Payment,
    Programme,
    SubsidyRate,
    WorkType,
)
from learning.services.enrolments import reached_minimum
from learning.services.reports import within_days

MAX_MONTHS = 36
UTC_ZONE = ZoneInfo("UTC")


@dataclass(frozen=True)
class Scope:
    """What a dashboard is narrowed to: a programme, a class, a period of days (both ends
    included, in the training body's time zone); None means no narrowing."""

    programme: Programme | None = None
    class_id: int | None = None
    first_day: date | None = None
    last_day: date | None = None
    zone: ZoneInfo = UTC_ZONE

    def days(self, column: Any) -> list[ColumnElement[bool]]:
        """Conditions keeping a date column within the period."""
        return within_days(column, self.first_day, self.last_day)

    def moments(self, column: Any) -> list[ColumnElement[bool]]:
        """Conditions keeping a UTC timestamp column within the period's days."""
        conditions = []
        if self.first_day is not None:
            conditions.append(column >= self._midnight(self.first_day))
        if self.last_day is not None:
            conditions.append(column < self._midnight(self.last_day + timedelta(days=1)))
        return conditions

    def enrolments(self) -> list[ColumnElement[bool]]:
        """Conditions keeping enrolments of the programme and the class."""
        conditions = []
        if self.programme is not None:
            conditions.append(Enrolment.programme_id == self.programme.id)
        if self.class_id is not None:
            conditions.append(Enrolment.class_id == self.class_id)
        return conditions

    def _midnight(self, day: date) -> datetime:
        return datetime.combine(day, time(), tzinfo=self.zone).astimezone(UTC)


@dataclass(frozen=True)
class ProgrammeFigures:
    code: str
    work_type_zh: str
    work_type_en: str
    level: int
    enrolments: int
    reached: int  # credited hours at or above the minimum


@dataclass(frozen=True)
class SessionFigures:
    """An exam session's seats and results; or a month's sessions added up (level None)."""

    starts_on: date
    work_type_zh: str
    work_type_en: str
    level: int | None
    capacity: int
    registered: int
    passed: int
    failed: int
    absent: int


@dataclass(frozen=True)
class Certified:
    certificates: int
    subsidy_fen: int


def programme_figures(session: Session, scope: Scope) -> list[ProgrammeFigures]:
    """Enrolments (begun in the period) per programme and how many reached the minimum."""
    rows = session.execute(
        select(
            Programme.code,
            WorkType.name_zh,
            WorkType.name_en,
            Programme.level,
            func.count(Enrolment.id),
            func.sum(case((reached_minimum(), 1), else_=0)),
        )
        .join(WorkType, WorkType.code == Programme.work_type_code)
        .join(Enrolment, Enrolment.programme_id == Programme.id)
        .where(*scope.enrolments(), *scope.moments(Enrolment.created_at))
        .group_by(Programme.code, WorkType.name_zh, WorkType.name_en, Programme.level)
        .order_by(Programme.code)
    )
    return [
        ProgrammeFigures(code, zh, en, level, count, int(reached or 0))
        for code, zh, en, level, count, reached in rows
    ]


def application_counts(session: Session, scope: Scope) -> dict[str, int]:
    """Applications submitted in the period, by status. A class holds approved ones only."""
    statement = select(Application.status, func.count(Application.id)).where(
        *scope.moments(Application.submitted_at)
    )
    if scope.programme is not None:
        statement = statement.where(Application.programme_id == scope.programme.id)
    if scope.class_id is not None:
        statement = statement.join(Enrolment, Enrolment.id == Application.enrolment_id).where(
            Enrolment.class_id == scope.class_id
        )
    return dict(session.execute(statement.group_by(Application.status)).tuples().all())


def months_shown(scope: Scope, today: date) -> list[str]:
    """The calendar months of the period ("2026-03"), or the last twelve without one; at most
    three years, the latest kept."""
    last = scope.last_day or max(today, scope.first_day or today)
    first = scope.first_day or date(last.year - 1, last.month, 1) + timedelta(days=31)
    keys: list[str] = []
    year, month = last.year, last.month
    while (year, month) >= (first.year, first.month) and len(keys) < MAX_MONTHS:
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return keys[::-1]


def fees_by_month(session: Session, scope: Scope, today: date) -> list[tuple[str, int]]:
    """Fees collected (fen) per calendar month of the period, oldest first."""
    totals = dict.fromkeys(months_shown(scope, today), 0)
    first = next(iter(totals))
    statement = (
        select(Payment.paid_on, func.sum(Payment.amount_fen))
        .join(Enrolment, Enrolment.id == Payment.enrolment_id)
        .where(
            Payment.paid_on >= date(int(first[:4]), int(first[5:]), 1),
            *scope.days(Payment.paid_on),
            *scope.enrolments(),
        )
        .group_by(Payment.paid_on)
    )
    for paid_on, amount in session.execute(statement):
        key = f"{paid_on.year:04d}-{paid_on.month:02d}"
        if key in totals:
            totals[key] += int(amount)
    return list(totals.items())


def session_figures(session: Session, scope: Scope) -> list[SessionFigures]:
    """Exam sessions held in the period with their seats and what their candidates achieved;
    narrowed to a class, only sessions its trainees sat, counting them alone."""
    outcome = ExamRegistration.outcome
    joined = ExamRegistration.exam_session_id == ExamSession.id
    if scope.class_id is not None:
        in_class = select(Enrolment.id).where(Enrolment.class_id == scope.class_id)
        joined = and_(joined, ExamRegistration.enrolment_id.in_(in_class))
    statement: Select = (
        select(
            ExamSession,
            WorkType.name_zh,
            WorkType.name_en,
            func.count(ExamRegistration.id),
            func.sum(case((outcome == "passed", 1), else_=0)),
            func.sum(case((outcome == "failed", 1), else_=0)),
            func.sum(case((outcome == "absent", 1), else_=0)),
        )
        .join(WorkType, WorkType.code == ExamSession.work_type_code)
        .outerjoin(ExamRegistration, joined)
        .where(*scope.days(ExamSession.starts_on))
        .group_by(ExamSession.id, WorkType.name_zh, WorkType.name_en)
        .order_by(ExamSession.starts_on, ExamSession.id)
    )
    if scope.programme is not None:
        statement = statement.where(
            ExamSession.work_type_code == scope.programme.work_type_code,
            ExamSession.level == scope.programme.level,
        )
    if scope.class_id is not None:
        statement = statement.having(func.count(ExamRegistration.id) > 0)
    return [
        SessionFigures(
            s.starts_on,
            zh,
            en,
            s.level,
            s.capacity,
            registered,
            int(p or 0),
            int(f or 0),
            int(a or 0),
        )
        for s, zh, en, registered, p, f, a in session.execute(statement)
    ]


def by_month(sessions: list[SessionFigures]) -> list[SessionFigures]:
    """The sessions of each calendar month added together: a readable chart when there are
    too many sessions for a bar each."""
    months: dict[str, list[SessionFigures]] = {}
    for row in sessions:
        months.setdefault(row.starts_on.strftime("%Y-%m"), []).append(row)
    return [
        SessionFigures(
            rows[0].starts_on.replace(day=1),
            "",
            "",
            None,
            sum(row.capacity for row in rows),
            sum(row.registered for row in rows),
            sum(row.passed for row in rows),
            sum(row.failed for row in rows),
            sum(row.absent for row in rows),
        )
        for rows in months.values()
    ]


def certified(session: Session, scope: Scope) -> Certified:
    """Certificates issued in the period and the subsidy they can claim, per the level's rate."""
    rows = session.execute(
        select(ExamSession.level, func.count(ExamRegistration.id))
        .join(ExamRegistration, ExamRegistration.exam_session_id == ExamSession.id)
        .join(Enrolment, Enrolment.id == ExamRegistration.enrolment_id)
        .where(
            ExamRegistration.certificate_no.is_not(None),
            *scope.enrolments(),
            *scope.days(ExamRegistration.certificate_issued_on),
        )
        .group_by(ExamSession.level)
    ).all()
    rates = {rate.level: rate.amount_fen for rate in session.scalars(select(SubsidyRate))}
    return Certified(
        sum(count for _level, count in rows),
        sum(rates.get(level, 0) * count for level, count in rows),
    )
