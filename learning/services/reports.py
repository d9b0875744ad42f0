"""Figures for dashboards, read from the kept totals (never from the raw beats)."""

from __future__ import annotations

import math
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from learning.models import Enrolment, OfflineCredit, StudyDay
from learning.services.enrolments import required_seconds

PACE_DAYS = 28


def seconds_per_day(
    session: Session, enrolment: Enrolment, *, days: int, today: date
) -> list[tuple[date, int]]:
    """Credited seconds (online and on-site) on each of the last `days` days, zeros included."""
    first = today - timedelta(days=days - 1)
    totals: dict[date, int] = {}
    online = session.execute(
        select(StudyDay.day, func.sum(StudyDay.credited_ms))
        .where(StudyDay.enrolment_id == enrolment.id, StudyDay.day >= first)
        .group_by(StudyDay.day)
    )
    for day, ms in online:
        totals[day] = totals.get(day, 0) + int(ms) // 1000
    offline = session.execute(
        select(OfflineCredit.day, func.sum(OfflineCredit.seconds))
        .where(
            OfflineCredit.enrolment_id == enrolment.id,
            OfflineCredit.day >= first,
            OfflineCredit.revoked_at.is_(None),
        )
        .group_by(OfflineCredit.day)
    )
    for day, seconds in offline:
        totals[day] = totals.get(day, 0) + int(seconds)
    return [
        (first + timedelta(days=i), totals.get(first + timedelta(days=i), 0)) for i in range(days)
    ]


def projected_completion(
    enrolment: Enrolment, per_day: list[tuple[date, int]], today: date
) -> date | None:
    """When the minimum is reached at the pace of the last four weeks; None without a pace.
    Today if it is reached already."""
    missing = required_seconds(enrolment) - enrolment.credited_s
    if missing <= 0:
        return today
    recent = per_day[-PACE_DAYS:]
    pace = sum(seconds for _day, seconds in recent) / len(recent) if recent else 0
    if pace <= 0:
        return None
    return today + timedelta(days=math.ceil(missing / pace))
