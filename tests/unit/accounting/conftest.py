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

from learning.domain.accounting import (
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
    """An honest page at 1x, behaving as static/js/player.js does, on a network that delays
    every request independently by 0 to ``jitter_ms``.

    The page's wall clock (``client_ms``) and the server's are the same clock; a beat is made at
    the page's time and processed when it arrives, never before the one made before it (one
    request at a time, in order). The player ticks every interval from the last ``play``; a pause
    sends its beat the moment it happens and stops the timer; a resume sends ``play`` and starts
    it again. A check is shown when the answer carrying it comes back: the video pauses there
    (a ``pause`` beat), the person answers ``answer_ms`` later with one beat that seeks back to
    where credit stopped, and when that is answered the video plays again (``play``). During a
    network cut beats queue up and are sent, in order, when it ends. So the media watched at
    least once in the credited state is ``[start, position_ms)``.
    """

    def __init__(
        self,
        page: Page,
        rng: random.Random,
        jitter_ms: int = 10 * SECOND,
        answer_ms: int = 8 * SECOND,
    ) -> None:
        self.page = page
        self.rng = rng
        self.jitter_ms = jitter_ms
        self.answer_ms = answer_ms
        self.client_ms = page.world.now
        self.last_arrival_ms = page.world.now
        self.position_ms = 0
        self.playing = False
        self.next_tick_ms: int | None = None
        self.cut: tuple[int, int] | None = None
        self.queue: list[tuple[dict, int]] = []
        self.show_check_at: int | None = None
        self.checks_shown: set[str] = set()
        self.interval_ms = page.world.settings.heartbeat_interval_ms

    # --- what the person does ------------------------------------------------------------------

    def start(self, position_ms: int = 0) -> None:
        self.position_ms = position_ms
        self._play()

    def play(self, ms: int) -> None:
        """Let ``ms`` of wall time pass while the video plays (ticks, checks, a cut's end)."""
        self._run_until(self.client_ms + ms)

    def pause(self, ms: int) -> None:
        """Pause now, wait ``ms``, press play."""
        self._pause()
        self._run_until(self.client_ms + ms)
        if not self.playing:
            self._play()

    def network_cut(self, from_ms: int, length_ms: int) -> None:
        """Requests made in ``[now + from_ms, + length_ms)`` wait for the network to return."""
        start = self.client_ms + from_ms
        self.cut = (start, start + length_ms)

    def close(self) -> None:
        """Close the page, after answering a check that is on its way (a person who leaves
        with a check unanswered loses what was played past its due point, as rule 7 says)."""
        if self.show_check_at is not None:
            self._run_until(self.show_check_at)
        self._emit("close")

    # --- the player ------------------------------------------------------------------------------

    def _play(self) -> None:
        self.playing = True
        self._emit("play")
        self.next_tick_ms = self.client_ms + self.interval_ms

    def _pause(self) -> None:
        self.playing = False
        self.next_tick_ms = None
        self._emit("pause")

    def _run_until(self, end_ms: int) -> None:
        """Move the page's clock to ``end_ms``, doing what falls due on the way, in time order."""
        while True:
            due = [
                moment
                for moment in (self.next_tick_ms, self.show_check_at, self._cut_end())
                if moment is not None and moment <= end_ms
            ]
            if not due:
                self._wait_until(end_ms)
                return
            moment = min(due)
            self._wait_until(moment)
            if moment == self._cut_end():
                self._flush()
            elif moment == self.show_check_at:
                self._show_check()
            else:
                self.next_tick_ms = moment + self.interval_ms
                self._emit("tick")

    def _wait_until(self, moment: int) -> None:
        """Let the page's clock reach ``moment`` (a check may already have taken it past)."""
        if moment <= self.client_ms:
            return
        if self.playing:
            self.position_ms += moment - self.client_ms
        self.client_ms = moment

    def _cut_end(self) -> int | None:
        return self.cut[1] if self.cut and self.queue else None

    def _show_check(self) -> None:
        """The check pauses the video; the person types the code; the answer seeks back and,
        once it is answered, the video plays again."""
        self.show_check_at = None
        check = self.page.world.pending(self.page.trainee)
        if check is None:
            return
        if self.playing:
            self._pause()
        self._wait_until(self.client_ms + self.answer_ms)
        self.position_ms = check.resume_at_ms
        arrival = self._emit(
            "attention_ok", attention_id=check.id, attention_code=check.code, paused=False
        )
        self._wait_until(max(self.client_ms, arrival))
        self._play()

    def _emit(self, event: str, **extras) -> int:
        """Make a beat now; send it, or queue it during a cut. Returns when it arrived."""
        beat = {
            "event": event,
            "position_ms": self.position_ms,
            "paused": not self.playing,
            **extras,
        }
        if self.cut and self.cut[0] <= self.client_ms < self.cut[1]:
            self.queue.append((beat, self.client_ms))
            return self.cut[1]
        if self.queue:
            self._flush()  # the network is back: what waited goes first
        return self._deliver(beat, self.client_ms)

    def _flush(self) -> None:
        queued, self.queue = self.queue, []
        reconnect = self.cut[1]
        self.cut = None
        for beat, _made in queued:
            self._deliver(beat, reconnect)

    def _deliver(self, beat: dict, sent_ms: int) -> int:
        arrival = max(sent_ms + self.rng.randint(0, self.jitter_ms), self.last_arrival_ms)
        self.last_arrival_ms = arrival
        self.page.world.now = arrival
        fields = dict(beat)
        outcome = self.page.send(fields.pop("event"), **fields)
        pending = outcome.trainee.pending
        if pending is not None and pending.id not in self.checks_shown:
            self.checks_shown.add(pending.id)
            self.show_check_at = self._reachable(arrival)  # the answer carries the check back
        return arrival

    def _reachable(self, moment: int) -> int:
        """When an answer sent at ``moment`` reaches the page: after the cut, if one is on (the
        player sends the beat again and its duplicate's answer carries the same check)."""
        if self.cut and self.cut[0] <= moment < self.cut[1]:
            return self.cut[1]
        return moment


@pytest.fixture(scope="session")
def make_world():
    return World


@pytest.fixture(scope="session")
def honest_viewer():
    return HonestViewer
