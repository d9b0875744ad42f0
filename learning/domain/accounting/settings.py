"""The settings the accounting rules depend on, as recorded on each playback.

A snapshot of these is stored with every playback (``to_dict``) and read back for a rebuild
(``from_dict``): changing a setting changes the future, never the past (accounting.md rule 11).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@dataclass(frozen=True)
class AccountingSettings:
    """Accounting settings in the units of the settings file (seconds, minutes, a rate).

    The rules work in integer milliseconds; the ``*_ms`` properties give the converted values,
    each worked out once per settings object and then kept (the rules read them on every beat).
    ``stale_after_s`` defaults to ``3 * heartbeat_interval_s + 15``.
    """

    max_rate: float = 1.0
    slack_s: int = 5
    resume_grace_s: int = 10
    heartbeat_interval_s: int = 15
    attention_min_minutes: float = 10
    attention_max_minutes: float = 20
    attention_timeout_minutes: float = 5
    stale_after_s: int | None = None
    late_beat_grace_s: int = 1800
    daily_cap_s: int = 21600
    timezone: str = "Asia/Shanghai"
    # the programme requires face checks and the trainee consented and has a reference face
    face_checks: bool = False
    # otherwise, what a presence check asks: the code drawn as a picture, a question of the
    # programme's bank (弹题), or both
    presence_check: str = "code"

    def __post_init__(self) -> None:
        if self.stale_after_s is None:
            object.__setattr__(self, "stale_after_s", self._stale_after_s)
        self._validate()

    @property
    def _stale_after_s(self) -> int:
        """``stale_after_s``, never None: its default until ``__post_init__`` has filled it in."""
        if self.stale_after_s is None:
            return 3 * self.heartbeat_interval_s + 15
        return self.stale_after_s

    def _validate(self) -> None:
        if isinstance(self.max_rate, bool) or not isinstance(self.max_rate, int | float):
            raise ValueError("max_rate must be a number")
        if not math.isfinite(self.max_rate) or not 0 < self.max_rate <= 1.0:
            raise ValueError("max_rate must be above 0 and at most 1.0: playing faster never pays")
        for name in _INTEGER_FIELDS:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{name} must be an integer")
        for name in _NON_NEGATIVE_FIELDS:
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        for name in _MINUTE_FIELDS:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{name} must be a number")
            if not math.isfinite(value):
                raise ValueError(f"{name} must be finite")
        for name in _POSITIVE_FIELDS:
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")
        if not isinstance(self.face_checks, bool):
            raise ValueError("face_checks must be true or false")
        if self.presence_check not in PRESENCE_CHECKS:
            raise ValueError(f"presence_check must be one of {sorted(PRESENCE_CHECKS)}")
        if self.attention_min_minutes > self.attention_max_minutes:
            raise ValueError("attention_min_minutes must not exceed attention_max_minutes")
        if self._stale_after_s > self.late_beat_grace_s:
            raise ValueError("stale_after_s must not exceed late_beat_grace_s")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError) as error:
            raise ValueError(f"unknown timezone {self.timezone!r}") from error

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able snapshot, with ``stale_after_s`` resolved."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AccountingSettings:
        """Read a snapshot back; an unknown key is an error (a rebuild must not guess)."""
        unknown = set(data) - {field.name for field in fields(cls)}
        if unknown:
            raise ValueError(f"unknown accounting settings: {sorted(unknown)}")
        return cls(**data)

    @property
    def asks_code(self) -> bool:
        return self.presence_check in {"code", "both"}

    @property
    def asks_question(self) -> bool:
        return self.presence_check in {"question", "both"}

    @cached_property
    def max_rate_milli(self) -> int:
        return round(self.max_rate * 1000)

    @cached_property
    def slack_ms(self) -> int:
        return self.slack_s * 1000

    @cached_property
    def resume_grace_ms(self) -> int:
        return self.resume_grace_s * 1000

    @cached_property
    def heartbeat_interval_ms(self) -> int:
        return self.heartbeat_interval_s * 1000

    @cached_property
    def attention_min_ms(self) -> int:
        return round(self.attention_min_minutes * 60_000)

    @cached_property
    def attention_max_ms(self) -> int:
        return round(self.attention_max_minutes * 60_000)

    @cached_property
    def attention_timeout_ms(self) -> int:
        return round(self.attention_timeout_minutes * 60_000)

    @cached_property
    def stale_after_ms(self) -> int:
        return self._stale_after_s * 1000

    @cached_property
    def late_beat_grace_ms(self) -> int:
        return self.late_beat_grace_s * 1000

    @cached_property
    def allowance_cap_ms(self) -> int:
        """The allowance never grows above this (rule 3): a stalled page cannot hoard credit."""
        return (self._stale_after_s + self.late_beat_grace_s) * 1000

    @cached_property
    def daily_cap_ms(self) -> int:
        return self.daily_cap_s * 1000


PRESENCE_CHECKS = frozenset({"code", "question", "both"})
_INTEGER_FIELDS = (
    "slack_s",
    "resume_grace_s",
    "heartbeat_interval_s",
    "stale_after_s",
    "late_beat_grace_s",
    "daily_cap_s",
)
# Minutes may have fractions (tests and demos shorten the presence checks to seconds).
_MINUTE_FIELDS = ("attention_min_minutes", "attention_max_minutes", "attention_timeout_minutes")
_NON_NEGATIVE_FIELDS = ("slack_s", "resume_grace_s")
_POSITIVE_FIELDS = (
    *(name for name in _INTEGER_FIELDS if name not in _NON_NEGATIVE_FIELDS),
    *_MINUTE_FIELDS,
)
