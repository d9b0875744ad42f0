"""An exam session's calendar: it takes registrations up to and including the day they close,
and is held once its exam day has passed. Days are the training body's (`TIMEZONE`); the
queries that filter sessions by these rules say the same in SQL (`services.exam_sessions`)."""

from __future__ import annotations

from datetime import date


def taking_registrations(closes_on: date, today: date) -> bool:
    """Registration is open through its closing day."""
    return today <= closes_on


def held(starts_on: date, today: date) -> bool:
    """The exam day is over."""
    return starts_on < today
