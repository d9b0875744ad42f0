"""The study-time rules of shared/accounting.md: pure, no Flask, no database, no clock.

The Python source here is the one definition of the rules. `make compile` also builds
`intervals`, `rules`, `ledger` and `replay` with mypyc into ``build/mypyc`` (the replay runs
about twice as fast); when that build is there and was made from these very sources, it is
imported instead, else the source is. ``LEARNING_PURE_RULES=1`` forces the source;
``LEARNING_RULES_BUILD`` names another build folder (the tests build one of their own).
`COMPILED` says which one runs.
"""

import hashlib
import os
from pathlib import Path

#: The modules `make compile` builds (scripts/compile_rules.py), in the package's folder.
COMPILED_MODULES = ("intervals", "rules", "ledger", "replay")


def sources_digest(folder: Path) -> str:
    """The SHA-256 of the compiled modules' sources: a build is used only for these sources."""
    digest = hashlib.sha256()
    for name in COMPILED_MODULES:
        digest.update((folder / f"{name}.py").read_bytes())
    return digest.hexdigest()


def _compiled_folder() -> Path | None:
    """The folder of a build made from the current sources, unless the source is forced."""
    if os.environ.get("LEARNING_PURE_RULES") == "1":
        return None
    here = Path(__file__).resolve().parent
    build = os.environ.get("LEARNING_RULES_BUILD") or here.parents[2] / "build" / "mypyc"
    folder = Path(build, "learning", "domain", "accounting")
    try:
        stamp = (folder / "SOURCES.sha256").read_text().strip()
    except OSError:
        return None
    return folder if stamp == sources_digest(here) else None


_folder = _compiled_folder()
if _folder is not None:
    __path__.insert(0, str(_folder))  # the extension modules are found before the sources

# ruff: noqa: E402 (the imports below must come after the search path is set)
from learning.domain.accounting import rules
from learning.domain.accounting.hours import completed, hours_display, hours_missing
from learning.domain.accounting.intervals import IntervalSet
from learning.domain.accounting.ledger import (
    VOIDED,
    BeatEvent,
    EnrolmentFigures,
    Event,
    Ledger,
    OpenEvent,
    PlaybackPart,
    Totals,
    TraineePart,
    VoidEvent,
    VoidOutcome,
)
from learning.domain.accounting.rules import (
    EVENTS,
    FACE_OUTCOMES,
    QUESTION_OUTCOMES,
    REASONS,
    Beat,
    BeatOutcome,
    EventName,
    PendingCheck,
    PlaybackState,
    TraineeState,
    apply_beat,
    check_on_opening,
    day_of,
    draw_check,
    draw_due_ms,
    expire,
    grace_deadline_ms,
    is_stale,
    open_playback,
    supersede,
)
from learning.domain.accounting.settings import AccountingSettings

#: True when the mypyc build runs, False when the Python source does.
COMPILED: bool = not str(rules.__file__).endswith(".py")

__all__ = [
    "COMPILED",
    "EVENTS",
    "FACE_OUTCOMES",
    "QUESTION_OUTCOMES",
    "REASONS",
    "VOIDED",
    "AccountingSettings",
    "Beat",
    "BeatEvent",
    "BeatOutcome",
    "EnrolmentFigures",
    "Event",
    "EventName",
    "IntervalSet",
    "Ledger",
    "OpenEvent",
    "PendingCheck",
    "PlaybackPart",
    "PlaybackState",
    "Totals",
    "TraineePart",
    "TraineeState",
    "VoidEvent",
    "VoidOutcome",
    "apply_beat",
    "check_on_opening",
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
