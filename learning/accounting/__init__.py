"""The study-time rules of shared/accounting.md: pure, no Flask, no database, no clock."""

from learning.accounting.hours import completed, hours_display, hours_missing
from learning.accounting.intervals import IntervalSet
from learning.accounting.ledger import (
    BeatEvent,
    EnrolmentFigures,
    Event,
    Ledger,
    OpenEvent,
    Totals,
)
from learning.accounting.rules import (
    EVENTS,
    REASONS,
    Beat,
    BeatOutcome,
    PendingCheck,
    PlaybackState,
    TraineeState,
    apply_beat,
    day_of,
    draw_check,
    draw_due_ms,
    expire,
    grace_deadline_ms,
    is_stale,
    open_playback,
    supersede,
)
from learning.accounting.settings import AccountingSettings

__all__ = [
    "EVENTS",
    "REASONS",
    "AccountingSettings",
    "Beat",
    "BeatEvent",
    "BeatOutcome",
    "EnrolmentFigures",
    "Event",
    "IntervalSet",
    "Ledger",
    "OpenEvent",
    "PendingCheck",
    "PlaybackState",
    "Totals",
    "TraineeState",
    "apply_beat",
    "completed",
    "day_of",
    "draw_check",
    "draw_due_ms",
    "expire",
    "grace_deadline_ms",
    "hours_display",
    "hours_missing",
    "is_stale",
    "open_playback",
    "supersede",
]
