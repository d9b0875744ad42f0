"""A small simulator for the accounting rules: a ledger, a fake server clock and player pages.

Helpers are handed to tests as session-scoped fixtures (hypothesis refuses function-scoped ones).
Every beat sent through a ``Page`` is checked for per-beat conservation (rule 10), so every
scenario test also tests that.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from itertools import count

import pytest

from learning.accounting import (
    AccountingSettings,
    Beat,
    BeatEvent,
    BeatOutcome,
    Ledger,
    OpenEvent,
    PendingCheck,
    Totals,
)

SECOND = 1000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
#: 2026-03-02 09:00 in Asia/Shanghai: a morning, far from the day boundary.
T0 = 1_772_413_200_000


def assert_conserved(outcome: BeatOutcome, claimed_ms: int) -> None:
    """Credited plus every not-credited reason equals the raw claim, and no reason is empty."""
    assert all(ms > 0 for ms in outcome.not_credited_ms.values())
    assert outcome.credited_ms + sum(outcome.not_credited_ms.values()) == claimed_ms
    assert outcome.credited_ms == sum(end - start for start, end in outcome.new_intervals)


class World:
    """Trainees sharing one ledger and one server clock (``now``, in ms)."""

    def __init__(self, settings: AccountingSettings | None = None, trainees=("t1",)) -> None:
        self.settings = settings or AccountingSettings()
        self.seeds = {trainee: f"seed-{trainee}" for trainee in trainees}
        self.ledger = Ledger(self.seeds)
        self.now = T0
        self.events: list[OpenEvent | BeatEvent] = []
        self._ids = count(1)

    def advance(self, ms: int) -> None:
        self.now += ms

    def open(
        self,
        trainee: str = "t1",
        enrolment: str = "e1",
        video: str = "v1",
        duration_ms: int = 2 * HOUR,
        settings: AccountingSettings | None = None,
    ) -> Page:
        event = OpenEvent(
            trainee_id=trainee,
            enrolment_id=enrolment,
            video_id=video,
            playback_id=f"p{next(self._ids)}",
            settings=settings or self.settings,
            duration_ms=duration_ms,
            at_ms=self.now,
        )
        self.ledger.apply(event)
        self.events.append(event)
        return Page(self, event.playback_id, trainee)

    def replay(self) -> Ledger:
        """A fresh ledger fed every recorded event, as ``recompute`` does."""
        return Ledger.replay(self.events, self.seeds)

    def totals(self) -> Totals:
        return self.ledger.totals()

    def credited(self, trainee: str = "t1") -> int:
        by_day = self.ledger.totals().credited_by_day
        return sum(ms for (who, _), ms in by_day.items() if who == trainee)

    def not_credited(self, reason: str, trainee: str = "t1") -> int:
        by_day = self.ledger.totals().not_credited_by_day
        return sum(ms for (who, _, why), ms in by_day.items() if who == trainee and why == reason)

    def pending(self, trainee: str = "t1") -> PendingCheck | None:
        return self.ledger.trainee(trainee).pending


@dataclass
class Page:
    """A player page: it keeps its seq, position and flags and sends beats as the JS player does."""

    world: World
    playback_id: str
    trainee: str
    seq: int = 0
    position_ms: int = 0
    rate_milli: int = 1000
    paused: bool = False
    visible: bool = True
    outcomes: list[BeatOutcome] = field(default_factory=list)

    def send(self, event: str = "tick", *, at: int | None = None, **changes) -> BeatOutcome:
        """Send one beat with the page's state after ``changes``; ``seq`` is the next one."""
        extras = {
            key: changes.pop(key)
            for key in ("from_ms", "attention_id", "attention_code", "seq")
            if key in changes
        }
        for name, value in changes.items():
            setattr(self, name, value)
        seq = extras.pop("seq", self.seq + 1)
        self.seq = max(self.seq, seq)
        beat = Beat(
            seq=seq,
            position_ms=self.position_ms,
            rate_milli=self.rate_milli,
            paused=self.paused,
            visible=self.visible,
            event=event,
            **extras,
        )
        return self.deliver(beat, self.world.now if at is None else at)

    def deliver(self, beat: Beat, at: int) -> BeatOutcome:
        """Deliver an already built beat (to retry, duplicate or reorder one)."""
        before = self.world.ledger.playback(self.playback_id)
        event = BeatEvent(self.playback_id, beat, at)
        outcome = self.world.ledger.apply(event)
        self.world.events.append(event)
        assert_conserved(outcome, 0 if outcome.duplicate else _claimed(before.position_ms, beat))
        self.outcomes.append(outcome)
        return outcome

    def tick(self, advance_ms: int = 15 * SECOND, claim_ms: int | None = None) -> BeatOutcome:
        """Let ``advance_ms`` of server time pass, then claim ``claim_ms`` (default: as much)."""
        self.world.advance(advance_ms)
        claim = advance_ms if claim_ms is None else claim_ms
        return self.send(position_ms=self.position_ms + claim)

    def answer(self, check: PendingCheck, code: str | None = None) -> BeatOutcome:
        """Answer a check the way the player does: seek back to where credit stopped and play."""
        return self.send(
            "attention_ok",
            position_ms=check.resume_at_ms,
            paused=False,
            attention_id=check.id,
            attention_code=check.code if code is None else code,
        )

    @property
    def credited(self) -> int:
        return sum(outcome.credited_ms for outcome in self.outcomes)


def _claimed(position_ms: int | None, beat: Beat) -> int:
    if position_ms is None:
        return 0
    end = beat.position_ms
    if beat.event == "seeked":
        end = position_ms if beat.from_ms is None else beat.from_ms
    return max(0, end - position_ms)


class HonestViewer:
    """An honest page at 1x: a tick every interval of its own clock, delivered 0-3 s late.

    Requests go one at a time, so a beat is processed no earlier than the one before it. During a
    network cut beats are queued and flushed, in order, when it ends. When a check shows, the
    person answers ``answer_ms`` later and the player seeks back to where credit stopped, so the
    media watched once in the credited state ends up as ``[start, final position)``.
    """

    def __init__(
        self,
        page: Page,
        rng: random.Random,
        jitter_ms: int = 3 * SECOND,
        answer_ms: int = 8 * SECOND,
    ) -> None:
        self.page = page
        self.rng = rng
        self.jitter_ms = jitter_ms
        self.answer_ms = answer_ms
        self.client_ms = page.world.now
        self.server_ms = page.world.now
        self.position_ms = 0
        self.cut: tuple[int, int] | None = None
        self.queue: list[tuple[dict, int]] = []
        self.interval_ms = page.world.settings.heartbeat_interval_ms

    def start(self, position_ms: int = 0) -> None:
        self.position_ms = position_ms
        self._emit("play")

    def play(self, ms: int) -> None:
        """Play ``ms`` of wall time, ticking every interval (the last tick may be shorter)."""
        left = ms
        while left > 0:
            step = min(self.interval_ms, left)
            self.client_ms += step
            self.position_ms += step
            left -= step
            self._emit("tick")

    def pause(self, ms: int) -> None:
        self._emit("pause", paused=True)
        self.client_ms += ms
        self._emit("play")

    def network_cut(self, from_ms: int, length_ms: int) -> None:
        """Queue every beat the page sends in ``[its clock + from_ms, + length_ms)``."""
        start = self.client_ms + from_ms
        self.cut = (start, start + length_ms)

    def close(self) -> None:
        self._emit("close", paused=True)

    def _emit(self, event: str, paused: bool = False) -> None:
        if self.cut and self.cut[0] <= self.client_ms < self.cut[1]:
            self.queue.append(({"event": event, "position_ms": self.position_ms}, self.client_ms))
            return
        if self._flush() and event == "tick":
            return  # the player has just sought back to a check's resume point
        beat = {"event": event, "position_ms": self.position_ms, "paused": paused}
        outcome = self._deliver(beat, self.client_ms)
        if outcome.check_raised:
            self.client_ms = max(self.client_ms, self.server_ms)
            self._answer(outcome.trainee.pending)

    def _flush(self) -> bool:
        """Send the queue when the network is back; True when a check had to be answered."""
        if not self.queue or self.client_ms < self.cut[1]:
            return False
        queued, self.queue = self.queue, []
        reconnect = self.cut[1]
        self.cut = None
        checks = []
        for beat, _ in queued:
            outcome = self._deliver({**beat, "paused": False}, reconnect)
            if outcome.check_raised:
                checks.append(outcome.trainee.pending)
        for check in checks:
            self._answer(check)
        return bool(checks)

    def _deliver(self, beat: dict, sent_ms: int) -> BeatOutcome:
        arrival = max(sent_ms + self.rng.randint(0, self.jitter_ms), self.server_ms)
        self.server_ms = arrival
        self.page.world.now = arrival
        fields = dict(beat)
        return self.page.send(fields.pop("event"), **fields)

    def _answer(self, check: PendingCheck) -> None:
        self.client_ms += self.answer_ms
        self.position_ms = check.resume_at_ms
        beat = {
            "event": "attention_ok",
            "position_ms": check.resume_at_ms,
            "paused": False,
            "attention_id": check.id,
            "attention_code": check.code,
        }
        self._deliver(beat, self.client_ms)


@pytest.fixture(scope="session")
def make_world():
    return World


@pytest.fixture(scope="session")
def honest_viewer():
    return HonestViewer
