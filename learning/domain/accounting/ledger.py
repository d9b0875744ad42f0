"""An in-memory engine that runs an ordered stream of events through the rules and keeps totals.

``recompute`` feeds it every stored event (playback opened, beat received, playback's credit
voided after a review) in stored order and compares its totals with the stored ones
(accounting.md rule 11); tests use it as a simulator.
It holds plain dictionaries and replaces each state object once per beat, so millions of beats
replay in minutes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final, TypeVar

from learning.domain.accounting.intervals import IntervalSet
from learning.domain.accounting.rules import (
    Beat,
    BeatOutcome,
    PlaybackState,
    TraineeState,
    apply_beat,
    check_on_opening,
    open_playback,
)
from learning.domain.accounting.settings import AccountingSettings


@dataclass(frozen=True)
class OpenEvent:
    """A playback opened at server time ``at_ms`` with the settings and duration of that moment."""

    trainee_id: str
    enrolment_id: str
    video_id: str
    playback_id: str
    settings: AccountingSettings
    duration_ms: int
    at_ms: int


@dataclass(init=False)
class BeatEvent:
    """A beat received for ``playback_id`` at server time ``at_ms``.

    Read-only by convention; its ``__init__`` is written out because a replay builds one per
    stored beat, and the generated one runs as Python in the mypyc build (see `BeatOutcome`).
    """

    playback_id: str
    beat: Beat
    at_ms: int

    def __init__(self, playback_id: str, beat: Beat, at_ms: int) -> None:
        self.playback_id = playback_id
        self.beat = beat
        self.at_ms = at_ms


@dataclass(frozen=True)
class VoidEvent:
    """A reviewer voided the credit of ``playback_id`` at ``at_ms`` (the plausibility review).

    Its effect, applied in the trainee's processing order like any event: the media the playback
    newly covered leaves the enrolment's coverage of that video; its credit leaves the day sums
    of the days it was earned on and is recorded there as not credited, reason ``voided`` (so
    credited + not credited still equals what was claimed, per day); the enrolment's online
    seconds drop accordingly. The trainee's daily-cap counter is not given back, nor their
    check state touched: what happened, happened; only its credit is withdrawn. Voiding a
    playback twice changes nothing the second time.
    """

    playback_id: str
    at_ms: int


@dataclass(frozen=True)
class VoidOutcome:
    """What a void took off: credited ms per day (none when there was nothing left to void)."""

    playback_id: str
    voided_ms_by_day: dict[str, int]


Event = OpenEvent | BeatEvent | VoidEvent


@dataclass(frozen=True)
class EnrolmentFigures:
    """Per enrolment: played time (passed the allowance and due point), credit, online seconds.

    ``online_s`` is the sum over videos of floor(covered ms / 1000), as the hours are counted;
    each beat adds its gain in covered seconds clipped to its playback's duration, as the service
    does, so a video re-cut shorter never counts more than it lasts.
    """

    played_ms: int = 0
    credited_ms: int = 0
    online_s: int = 0


@dataclass(frozen=True)
class Totals:
    """A snapshot of everything the ledger keeps, comparable with ``==``."""

    coverage: dict[tuple[str, str], tuple[tuple[int, int], ...]]
    credited_by_day: dict[tuple[str, str], int]
    credited_by_video_day: dict[tuple[str, str, str, str], int]
    not_credited_by_day: dict[tuple[str, str, str], int]
    enrolments: dict[str, EnrolmentFigures]
    trainees: dict[str, TraineeState]
    playbacks: dict[str, PlaybackState]


@dataclass(frozen=True)
class PlaybackPart:
    """A playback as the ledger keeps it: its state, where its credit goes, and what it earned
    (the media it newly covered and its credit per day, which a later void withdraws)."""

    state: PlaybackState
    enrolment_id: str
    video_id: str
    added: tuple[tuple[int, int], ...] | None
    credited_by_day: dict[str, int]


@dataclass(frozen=True)
class TraineePart:
    """Everything the ledger keeps of one trainee, enough to go on replaying their events from
    there (a verified snapshot of ``recompute``): their state and clock, their playbacks, the
    coverage and figures of their enrolments, and their day sums (keys without the trainee)."""

    trainee_id: str
    trainee: TraineeState
    last_at_ms: int | None
    latest_playback_id: str | None
    playbacks: dict[str, PlaybackPart]
    coverage: dict[tuple[str, str], tuple[tuple[int, int], ...]]
    enrolments: dict[str, tuple[int, int, int]]
    credited_by_day: dict[str, int]
    credited_by_video_day: dict[tuple[str, str, str], int]
    not_credited_by_day: dict[tuple[str, str], int]


class _Playback:
    """A playback's state, where its credit goes, and what it earned (for a void): the media it
    newly covered and its credit per day."""

    __slots__ = ("added", "credited_by_day", "enrolment_id", "state", "trainee_id", "video_id")

    def __init__(self, state: PlaybackState, trainee_id: str, enrolment_id: str, video_id: str):
        self.state = state
        self.trainee_id = trainee_id
        self.enrolment_id = enrolment_id
        self.video_id = video_id
        self.added: IntervalSet | None = None
        self.credited_by_day: dict[str, int] = {}


class Ledger:
    """Applies events in order for many trainees and keeps every total the service stores.

    Keys: coverage per ``(enrolment_id, video_id)``; credited ms per ``(trainee_id, day)`` and
    per ``(trainee_id, day, enrolment_id, video_id)``; not-credited ms per
    ``(trainee_id, day, reason)``; figures per enrolment. Server times are taken as the later of
    the given time and the trainee's previous event, as the service's clock does.
    """

    def __init__(self, seeds: Mapping[str, str] | None = None) -> None:
        self._trainees: dict[str, TraineeState] = {}
        self._last_at: dict[str, int] = {}
        self._latest_playback: dict[str, str] = {}
        self._playbacks: dict[str, _Playback] = {}
        self._coverage: dict[tuple[str, str], IntervalSet] = {}
        self._enrolments: dict[str, list[int]] = {}
        # each trainee's enrolments: a part restored without its ended playbacks still has them
        self._enrolments_of: dict[str, set[str]] = {}
        self._credited_by_day: dict[tuple[str, str], int] = {}
        self._credited_by_video_day: dict[tuple[str, str, str, str], int] = {}
        self._not_credited_by_day: dict[tuple[str, str, str], int] = {}
        for trainee_id, seed in (seeds or {}).items():
            self.add_trainee(trainee_id, seed)

    @classmethod
    def replay(cls, events: Iterable[Event], seeds: Mapping[str, str]) -> Ledger:
        """A fresh ledger after applying ``events`` in order."""
        ledger = cls(seeds)
        for event in events:
            ledger.apply(event)
        return ledger

    def add_trainee(self, trainee_id: str, seed: str) -> None:
        if trainee_id in self._trainees:
            raise ValueError(f"trainee {trainee_id!r} is already known")
        self._trainees[trainee_id] = TraineeState(seed=seed)

    def apply(self, event: Event) -> PlaybackState | BeatOutcome | VoidOutcome:
        if isinstance(event, BeatEvent):
            return self.beat(event.playback_id, event.beat, event.at_ms)
        if isinstance(event, VoidEvent):
            return self.void(event.playback_id)
        return self.open(
            event.trainee_id,
            event.enrolment_id,
            event.video_id,
            event.playback_id,
            event.settings,
            event.duration_ms,
            event.at_ms,
        )

    def open(
        self,
        trainee_id: str,
        enrolment_id: str,
        video_id: str,
        playback_id: str,
        settings: AccountingSettings,
        duration_ms: int,
        at_ms: int,
    ) -> PlaybackState:
        """Open a playback, superseding the previous one; with a check if it needs one."""
        if trainee_id not in self._trainees:
            raise KeyError(f"unknown trainee {trainee_id!r}")
        if playback_id in self._playbacks:
            raise ValueError(f"playback {playback_id!r} is already open")
        now = self._clock(trainee_id, at_ms)
        previous_id = self._latest_playback.get(trainee_id)
        previous = None if previous_id is None else self._playbacks[previous_id]
        previous_state = None if previous is None else previous.state
        state, previous_state = open_playback(
            playback_id, settings, duration_ms, now, previous_state
        )
        if previous is not None and previous_state is not None:
            previous.state = previous_state
        self._trainees[trainee_id] = check_on_opening(self._trainees[trainee_id], state, now)
        self._playbacks[playback_id] = _Playback(state, trainee_id, enrolment_id, video_id)
        self._latest_playback[trainee_id] = playback_id
        self._enrolments_of.setdefault(trainee_id, set()).add(enrolment_id)
        return state

    def beat(self, playback_id: str, beat: Beat, at_ms: int) -> BeatOutcome:
        """Judge a beat and add what it earned (and why not) to the totals."""
        record = self._playbacks[playback_id]
        trainee_id = record.trainee_id
        now = self._clock(trainee_id, at_ms)
        key = (record.enrolment_id, record.video_id)
        coverage = self._coverage.get(key) or _EMPTY
        outcome = apply_beat(self._trainees[trainee_id], record.state, coverage, beat, now)
        record.state = outcome.playback
        self._trainees[trainee_id] = outcome.trainee
        if not outcome.duplicate:
            self._count(record, coverage, outcome)
        return outcome

    def _clock(self, trainee_id: str, at_ms: int) -> int:
        now = max(at_ms, self._last_at.get(trainee_id, at_ms))
        self._last_at[trainee_id] = now
        return now

    def _count(self, record: _Playback, coverage: IntervalSet, outcome: BeatOutcome) -> None:
        trainee_id, day = record.trainee_id, outcome.day
        assert day is not None  # a beat that is not a duplicate always has its day
        for reason, ms in outcome.not_credited_ms.items():
            _bump(self._not_credited_by_day, (trainee_id, day, reason), ms)
        not_credited = outcome.not_credited_ms
        played = outcome.credited_ms + not_credited.get("rewatch", 0)
        played += not_credited.get("daily_cap", 0)
        if played == 0:
            return
        figures = self._enrolments.setdefault(record.enrolment_id, [0, 0, 0])
        figures[0] += played
        credited = outcome.credited_ms
        if credited == 0:
            return
        figures[1] += credited
        duration = record.state.duration_ms
        figures[2] += _covered_s(outcome.coverage, duration) - _covered_s(coverage, duration)
        self._coverage[(record.enrolment_id, record.video_id)] = outcome.coverage
        _bump(self._credited_by_day, (trainee_id, day), credited)
        video_key = (trainee_id, day, record.enrolment_id, record.video_id)
        _bump(self._credited_by_video_day, video_key, credited)
        if record.added is None:
            record.added = IntervalSet()
        for start, end in outcome.new_intervals:
            record.added.add(start, end)
        _bump(record.credited_by_day, day, credited)

    def void(self, playback_id: str) -> VoidOutcome:
        """Withdraw a playback's credit (see `VoidEvent`)."""
        record = self._playbacks[playback_id]
        voided = record.credited_by_day
        outcome = VoidOutcome(playback_id, dict(voided))
        trainee_id, key = record.trainee_id, (record.enrolment_id, record.video_id)
        if record.added is not None:
            before = self._coverage.get(key) or _EMPTY
            after = _without(before, record.added)
            self._coverage[key] = after
            duration = record.state.duration_ms
            figures = self._enrolments.setdefault(record.enrolment_id, [0, 0, 0])
            figures[1] -= sum(voided.values())
            figures[2] -= _covered_s(before, duration) - _covered_s(after, duration)
        for day, ms in voided.items():
            _bump(self._credited_by_day, (trainee_id, day), -ms)
            video_key = (trainee_id, day, record.enrolment_id, record.video_id)
            _bump(self._credited_by_video_day, video_key, -ms)
            _bump(self._not_credited_by_day, (trainee_id, day, VOIDED), ms)
        record.added = None
        record.credited_by_day = {}
        return outcome

    def trainee(self, trainee_id: str) -> TraineeState:
        return self._trainees[trainee_id]

    def playback(self, playback_id: str) -> PlaybackState:
        return self._playbacks[playback_id].state

    def coverage(self, enrolment_id: str, video_id: str) -> IntervalSet:
        """The coverage of a video in an enrolment (a copy: the ledger's own stays untouched)."""
        return (self._coverage.get((enrolment_id, video_id)) or _EMPTY).copy()

    def enrolment(self, enrolment_id: str) -> EnrolmentFigures:
        return EnrolmentFigures(*self._enrolments.get(enrolment_id, (0, 0, 0)))

    def part(self, trainee_id: str) -> TraineePart:
        """What the ledger keeps of one trainee (the enrolments are those they opened playbacks
        in, or that a restored part had)."""
        playbacks = {
            playback_id: PlaybackPart(
                record.state,
                record.enrolment_id,
                record.video_id,
                None if record.added is None else tuple(record.added),
                dict(record.credited_by_day),
            )
            for playback_id, record in self._playbacks.items()
            if record.trainee_id == trainee_id
        }
        enrolments = self._enrolments_of.get(trainee_id, set())
        return TraineePart(
            trainee_id=trainee_id,
            trainee=self._trainees[trainee_id],
            last_at_ms=self._last_at.get(trainee_id),
            latest_playback_id=self._latest_playback.get(trainee_id),
            playbacks=playbacks,
            coverage={
                key: tuple(coverage)
                for key, coverage in self._coverage.items()
                if key[0] in enrolments
            },
            enrolments={
                key: (figures[0], figures[1], figures[2])
                for key, figures in self._enrolments.items()
                if key in enrolments
            },
            credited_by_day={
                day: ms for (who, day), ms in self._credited_by_day.items() if who == trainee_id
            },
            credited_by_video_day={
                (day, enrolment, video): ms
                for (who, day, enrolment, video), ms in self._credited_by_video_day.items()
                if who == trainee_id
            },
            not_credited_by_day={
                (day, reason): ms
                for (who, day, reason), ms in self._not_credited_by_day.items()
                if who == trainee_id
            },
        )

    def restore(self, part: TraineePart) -> None:
        """Take on a trainee as `part` describes them, to go on replaying their events."""
        trainee_id = part.trainee_id
        if trainee_id in self._trainees:
            raise ValueError(f"trainee {trainee_id!r} is already known")
        self._trainees[trainee_id] = part.trainee
        if part.last_at_ms is not None:
            self._last_at[trainee_id] = part.last_at_ms
        if part.latest_playback_id is not None:
            self._latest_playback[trainee_id] = part.latest_playback_id
        for playback_id, playback in part.playbacks.items():
            record = _Playback(playback.state, trainee_id, playback.enrolment_id, playback.video_id)
            record.added = None if playback.added is None else IntervalSet(playback.added)
            record.credited_by_day = dict(playback.credited_by_day)
            self._playbacks[playback_id] = record
        for key, pairs in part.coverage.items():
            self._coverage[key] = IntervalSet(pairs)
        for enrolment_id, figures in part.enrolments.items():
            self._enrolments[enrolment_id] = list(figures)
        enrolments = self._enrolments_of.setdefault(trainee_id, set())
        enrolments.update(part.enrolments)
        enrolments.update(enrolment for enrolment, _video in part.coverage)
        enrolments.update(playback.enrolment_id for playback in part.playbacks.values())
        for day, ms in part.credited_by_day.items():
            self._credited_by_day[(trainee_id, day)] = ms
        for (day, enrolment_id, video_id), ms in part.credited_by_video_day.items():
            self._credited_by_video_day[(trainee_id, day, enrolment_id, video_id)] = ms
        for (day, reason), ms in part.not_credited_by_day.items():
            self._not_credited_by_day[(trainee_id, day, reason)] = ms

    def totals(self) -> Totals:
        return Totals(
            coverage={key: tuple(cov) for key, cov in self._coverage.items()},
            credited_by_day=dict(self._credited_by_day),
            credited_by_video_day=dict(self._credited_by_video_day),
            not_credited_by_day=dict(self._not_credited_by_day),
            enrolments={key: EnrolmentFigures(*value) for key, value in self._enrolments.items()},
            trainees=dict(self._trainees),
            playbacks={key: record.state for key, record in self._playbacks.items()},
        )


_EMPTY: Final = IntervalSet()  # Final: a constant in the mypyc build

#: The reason recorded for credit a reviewer voided (not one of the rules' `REASONS`: no beat is
#: ever judged so; the day sums carry it).
VOIDED: Final = "voided"


def _without(coverage: IntervalSet, removed: IntervalSet) -> IntervalSet:
    """The coverage minus the removed intervals (a new set)."""
    return IntervalSet(part for start, end in coverage for part in removed.subtract(start, end))


def _covered_s(coverage: IntervalSet, duration_ms: int) -> int:
    """Covered seconds, never above the duration of the playback that earned them."""
    return min(coverage.measure, duration_ms) // 1000


_Key = TypeVar("_Key")


def _bump(totals: dict[_Key, int], key: _Key, ms: int) -> None:
    totals[key] = totals.get(key, 0) + ms
