"""The study-time rules of shared/accounting.md as a pure state machine.

Nothing here reads a clock, a database or a random source: the server time ``now`` (integer
milliseconds since the epoch, UTC) is passed in, and checks are drawn from the trainee's seed with
hashlib. That is what lets ``recompute`` replay stored beats and get the stored totals exactly.

All quantities are integer milliseconds; rates are integer thousandths (1x = 1000).

A beat is handled in this order (each step documented on its function):

1. a duplicate (``seq`` not above the last accepted one) changes nothing (rule 6);
2. a beat to an ended playback, or past a deadline (grace, check timeout), is refused whole;
3. otherwise its claimed interval ``[p, q)`` is judged: not in the credited state it is all
   ``paused``, ``hidden`` or ``attention_pending``; in the credited state it passes, earliest part
   first, through: clip to the duration, the allowance, the due point, re-watch, the daily cap
   (a due point reached makes the check pending, on the active playback only);
4. an ``attention_ok`` with the right answer clears the pending check, and the playback takes
   the beat's position and flags. The right answer is the code shown, or, on a playback whose
   settings require face checks, a face check the server recorded as ``match`` on the beat: the
   rules read the recorded outcome and never run a face model, so a rebuild replays the outcome.
   Such a playback also opens with a check pending (``check_on_opening``): study starts with one.
   Where the programme asks a question of its bank instead of the code, or alongside it
   (``settings.presence_check``), the right answer includes a question the server recorded as
   answered ``right`` on the beat: the rules read that outcome, never the bank.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, Literal, get_args
from zoneinfo import ZoneInfo

from learning.domain.accounting.intervals import IntervalSet
from learning.domain.accounting.settings import AccountingSettings

#: The events a beat may carry: a type (the API's schema lists them, in this order) and a set.
EventName = Literal[
    "attention_ok",
    "close",
    "ended",
    "hidden",
    "pause",
    "play",
    "ratechange",
    "seeked",
    "tick",
    "visible",
]
EVENTS: Final[frozenset[str]] = frozenset(get_args(EventName))

#: What the server found in the pictures of a face-check answer; only ``match`` clears a check.
FACE_OUTCOMES: Final = frozenset(
    {
        "match",
        "mismatch",
        "no_face",
        "several_faces",
        "face_too_small",
        "not_live",
        "not_a_picture",
        "no_reference",
    }
)
#: What the server found a question of a presence check answered; only ``right`` clears it.
QUESTION_OUTCOMES: Final = frozenset({"right", "wrong"})

#: Every reason for not crediting, in the order of precedence of accounting.md rule 10.
REASONS: Final = (
    "ended",
    "superseded",
    "seek",
    "paused",
    "hidden",
    "beyond_duration",
    "rate_limited",
    "attention_pending",
    "rewatch",
    "daily_cap",
)

MAX_SEQ: Final = 10**9
ANSWER_MIN_DELAY_MS: Final = 1000

ACTIVE: Final = "active"
SUPERSEDED: Final = "superseded"
ENDED: Final = "ended"
# (`Final`: the mypyc build reads these as constants, not from the module's dictionary per use)

_ANSWER_STATUS: Final = {ACTIVE: "ok", SUPERSEDED: SUPERSEDED, ENDED: ENDED}


@dataclass(init=False)
class Beat:
    """One heartbeat as the API layer validated it, in milliseconds and rate thousandths.

    ``from_ms`` is read only for ``seeked``; ``attention_id``/``attention_code``,
    ``face_outcome`` and ``question_outcome`` only for ``attention_ok``. The outcomes are never
    the client's word: the server sets them after comparing the answer's pictures with the
    reference face, or the options chosen with the question's key. The cheap
    checks below keep a bad value from ever reaching the totals.

    Read-only by convention (``dataclasses.replace`` makes a changed copy, checked again). The
    ``__init__`` is written out, not generated, for the reason `BeatOutcome` gives: a replay
    builds one per stored beat, and the generated one of a frozen class took 4.7 us of them.
    """

    seq: int
    position_ms: int
    rate_milli: int
    paused: bool
    visible: bool
    event: str
    from_ms: int | None
    attention_id: str | None
    attention_code: str | None
    face_outcome: str | None
    question_outcome: str | None

    def __init__(
        self,
        seq: int,
        position_ms: int,
        rate_milli: int,
        paused: bool,
        visible: bool,
        event: str,
        from_ms: int | None = None,
        attention_id: str | None = None,
        attention_code: str | None = None,
        face_outcome: str | None = None,
        question_outcome: str | None = None,
    ) -> None:
        if not 1 <= seq <= MAX_SEQ:
            raise ValueError(f"seq must be within 1..{MAX_SEQ}")
        if position_ms < 0 or (from_ms is not None and from_ms < 0):
            raise ValueError("positions must not be negative")
        if rate_milli < 0:
            raise ValueError("rate must not be negative")
        if event not in EVENTS:
            raise ValueError(f"unknown event {event!r}")
        if face_outcome is not None and face_outcome not in FACE_OUTCOMES:
            raise ValueError(f"unknown face outcome {face_outcome!r}")
        if question_outcome is not None and question_outcome not in QUESTION_OUTCOMES:
            raise ValueError(f"unknown question outcome {question_outcome!r}")
        self.seq = seq
        self.position_ms = position_ms
        self.rate_milli = rate_milli
        self.paused = paused
        self.visible = visible
        self.event = event
        self.from_ms = from_ms
        self.attention_id = attention_id
        self.attention_code = attention_code
        self.face_outcome = face_outcome
        self.question_outcome = question_outcome


# The state classes below are native classes in the mypyc build (make compile): their
# attributes are read by offset, not looked up in a dictionary. So each writes out its
# ``__init__`` (the generated one runs as Python, see `BeatOutcome`) and its ``__reduce__``
# (a state is pickled back from a `recompute` worker process; mypyc's own pickling would call
# ``__init__`` without arguments). They are read-only by convention: the rules never change a
# state they were given, they build a new one (`_with_pending`, `_superseded`, `_ended`,
# `_judged`), which is what lets a ledger and an outcome share them.


@dataclass(init=False)
class PendingCheck:
    """A presence check waiting for its answer; ``resume_at_ms`` is where credit stopped (None
    for the check a face-check playback opens with: nothing was credited yet)."""

    id: str
    code: str
    resume_at_ms: int | None
    sent_at_ms: int

    def __init__(self, id: str, code: str, resume_at_ms: int | None, sent_at_ms: int) -> None:
        self.id = id
        self.code = code
        self.resume_at_ms = resume_at_ms
        self.sent_at_ms = sent_at_ms

    def __reduce__(self) -> tuple[type[PendingCheck], tuple[str, str, int | None, int]]:
        return PendingCheck, (self.id, self.code, self.resume_at_ms, self.sent_at_ms)


@dataclass(init=False)
class TraineeState:
    """What carries over from playback to playback (never reset by opening one)."""

    seed: str
    checks_answered: int
    played_since_check_ms: int
    next_due_ms: int | None
    pending: PendingCheck | None
    day: str | None
    day_credited_ms: int

    def __init__(
        self,
        seed: str,
        checks_answered: int = 0,
        played_since_check_ms: int = 0,
        next_due_ms: int | None = None,
        pending: PendingCheck | None = None,
        day: str | None = None,
        day_credited_ms: int = 0,
    ) -> None:
        self.seed = seed
        self.checks_answered = checks_answered
        self.played_since_check_ms = played_since_check_ms
        self.next_due_ms = next_due_ms
        self.pending = pending
        self.day = day
        self.day_credited_ms = day_credited_ms

    def __reduce__(self) -> tuple[type[TraineeState], tuple[object, ...]]:
        return TraineeState, (
            self.seed,
            self.checks_answered,
            self.played_since_check_ms,
            self.next_due_ms,
            self.pending,
            self.day,
            self.day_credited_ms,
        )


@dataclass(init=False)
class PlaybackState:
    """One viewing of one video, with the settings and duration recorded when it opened.

    ``crediting`` is the state the last accepted beat left: playing, visible and no check
    pending. ``paused`` and ``visible`` are that beat's flags, kept so that a claim made outside
    the credited state gets the right reason (``paused`` before ``hidden`` before
    ``attention_pending``). ``rest_base_ms`` is, while an active playback is out of the credited
    state, the allowance it had when that state began (at its opening, or when a beat left the
    credited state); the allowance grows to at most that plus the resume grace (rule 3). It is
    None otherwise.
    """

    id: str
    settings: AccountingSettings
    duration_ms: int
    opened_at_ms: int
    status: str
    end_reason: str | None
    superseded_at_ms: int | None
    last_seq: int
    position_ms: int | None
    crediting: bool
    rate_milli: int
    last_beat_at_ms: int | None
    allowance_ms: int
    paused: bool
    visible: bool
    rest_base_ms: int | None

    def __init__(
        self,
        id: str,
        settings: AccountingSettings,
        duration_ms: int,
        opened_at_ms: int,
        status: str = ACTIVE,
        end_reason: str | None = None,
        superseded_at_ms: int | None = None,
        last_seq: int = 0,
        position_ms: int | None = None,
        crediting: bool = False,
        rate_milli: int = 1000,
        last_beat_at_ms: int | None = None,
        allowance_ms: int = 0,
        paused: bool = False,
        visible: bool = True,
        rest_base_ms: int | None = None,
    ) -> None:
        self.id = id
        self.settings = settings
        self.duration_ms = duration_ms
        self.opened_at_ms = opened_at_ms
        self.status = status
        self.end_reason = end_reason
        self.superseded_at_ms = superseded_at_ms
        self.last_seq = last_seq
        self.position_ms = position_ms
        self.crediting = crediting
        self.rate_milli = rate_milli
        self.last_beat_at_ms = last_beat_at_ms
        self.allowance_ms = allowance_ms
        self.paused = paused
        self.visible = visible
        self.rest_base_ms = rest_base_ms

    def __reduce__(self) -> tuple[type[PlaybackState], tuple[object, ...]]:
        return PlaybackState, (
            self.id,
            self.settings,
            self.duration_ms,
            self.opened_at_ms,
            self.status,
            self.end_reason,
            self.superseded_at_ms,
            self.last_seq,
            self.position_ms,
            self.crediting,
            self.rate_milli,
            self.last_beat_at_ms,
            self.allowance_ms,
            self.paused,
            self.visible,
            self.rest_base_ms,
        )


@dataclass(init=False)
class BeatOutcome:
    """What a beat changed and why; ``coverage`` is the input object when nothing was added.

    Read-only by convention: the rules make one per beat and nothing changes it after. Its
    ``__init__`` is written out rather than generated because mypyc compiles only an
    ``__init__`` it finds in the source: the one `dataclass` generates runs as Python, and for
    twelve frozen fields it cost about a third of a beat in the build (bench/RESULTS.md).
    """

    trainee: TraineeState
    playback: PlaybackState
    coverage: IntervalSet
    status: str
    duplicate: bool
    credited_ms: int
    not_credited_ms: dict[str, int]
    reason: str | None
    new_intervals: tuple[tuple[int, int], ...]
    day: str
    check_raised: bool
    check_cleared: bool

    def __init__(
        self,
        *,
        trainee: TraineeState,
        playback: PlaybackState,
        coverage: IntervalSet,
        status: str,
        duplicate: bool,
        credited_ms: int,
        not_credited_ms: dict[str, int],
        reason: str | None,
        new_intervals: tuple[tuple[int, int], ...],
        day: str,
        check_raised: bool,
        check_cleared: bool,
    ) -> None:
        self.trainee = trainee
        self.playback = playback
        self.coverage = coverage
        self.status = status
        self.duplicate = duplicate
        self.credited_ms = credited_ms
        self.not_credited_ms = not_credited_ms
        self.reason = reason
        self.new_intervals = new_intervals
        self.day = day
        self.check_raised = check_raised
        self.check_cleared = check_cleared


# --- opening, superseding and deadlines -------------------------------------------------------


def open_playback(
    playback_id: str,
    settings: AccountingSettings,
    duration_ms: int,
    now: int,
    previous: PlaybackState | None,
) -> tuple[PlaybackState, PlaybackState | None]:
    """Open a playback; supersede (or, past its grace deadline, end) the trainee's previous one.

    ``previous`` is the trainee's most recently opened playback, whatever its state. The new one
    starts with ``min(0, A)`` of it, so re-opening never refreshes the slack (rule 3).
    """
    if duration_ms < 0:
        raise ValueError("duration_ms must not be negative")
    if previous is not None and previous.status == ACTIVE:
        expired = expire(previous, now)
        previous = expired if expired.status == ENDED else supersede(previous, now)
    allowance = 0 if previous is None else min(0, previous.allowance_ms)
    playback = PlaybackState(
        id=playback_id,
        settings=settings,
        duration_ms=duration_ms,
        opened_at_ms=now,
        allowance_ms=allowance,
        rest_base_ms=allowance,
    )
    return playback, previous


def check_on_opening(trainee: TraineeState, playback: PlaybackState, now: int) -> TraineeState:
    """A playback whose settings require face checks opens with a check pending: the trainee
    shows their face before study starts. A check already pending stays the one to answer."""
    if not playback.settings.face_checks or trainee.pending is not None:
        return trainee
    after = _copied_trainee(trainee)
    after.pending = draw_check(trainee.seed, trainee.checks_answered, None, now)
    return after


def supersede(playback: PlaybackState, now: int) -> PlaybackState:
    """Mark an active playback superseded at ``now``; its allowance grows up to that moment only.

    Playbacks that are not active are returned as they are.
    """
    if playback.status != ACTIVE:
        return playback
    superseded = _copied_playback(playback)
    superseded.status = SUPERSEDED
    superseded.superseded_at_ms = now
    superseded.allowance_ms = _grown_while_crediting(playback, now)
    superseded.rest_base_ms = None
    return superseded


def grace_deadline_ms(playback: PlaybackState) -> int:
    """After this moment the playback accepts no beat (rule 9)."""
    last = playback.opened_at_ms if playback.last_beat_at_ms is None else playback.last_beat_at_ms
    return last + playback.settings.late_beat_grace_ms


def is_stale(playback: PlaybackState, now: int) -> bool:
    """An active playback that has had no beat for ``stale_after_s`` (it still accepts beats)."""
    last = playback.opened_at_ms if playback.last_beat_at_ms is None else playback.last_beat_at_ms
    return playback.status == ACTIVE and now - last >= playback.settings.stale_after_ms


def expire(playback: PlaybackState, now: int) -> PlaybackState:
    """End an active playback whose grace deadline has passed at ``now``; else return it as is.

    The end is dated at the deadline (its allowance grows up to the deadline only), so the result
    is the same whether a background job, the next open or the next beat notices it first.
    """
    deadline = grace_deadline_ms(playback)
    if playback.status != ACTIVE or now < deadline:
        return playback
    return _ended(playback, "grace", _grown_while_crediting(playback, deadline))


def _ended(playback: PlaybackState, reason: str, allowance_ms: int) -> PlaybackState:
    ended = _copied_playback(playback)
    ended.status = ENDED
    ended.end_reason = reason
    ended.crediting = False
    ended.allowance_ms = allowance_ms
    ended.rest_base_ms = None
    return ended


def _copied_trainee(trainee: TraineeState) -> TraineeState:
    """A copy of a trainee's state, to change before anyone else sees it (the states are
    read-only once the rules return them)."""
    return TraineeState(
        seed=trainee.seed,
        checks_answered=trainee.checks_answered,
        played_since_check_ms=trainee.played_since_check_ms,
        next_due_ms=trainee.next_due_ms,
        pending=trainee.pending,
        day=trainee.day,
        day_credited_ms=trainee.day_credited_ms,
    )


def _copied_playback(playback: PlaybackState) -> PlaybackState:
    """A copy of a playback's state, to change before anyone else sees it."""
    return PlaybackState(
        id=playback.id,
        settings=playback.settings,
        duration_ms=playback.duration_ms,
        opened_at_ms=playback.opened_at_ms,
        status=playback.status,
        end_reason=playback.end_reason,
        superseded_at_ms=playback.superseded_at_ms,
        last_seq=playback.last_seq,
        position_ms=playback.position_ms,
        crediting=playback.crediting,
        rate_milli=playback.rate_milli,
        last_beat_at_ms=playback.last_beat_at_ms,
        allowance_ms=playback.allowance_ms,
        paused=playback.paused,
        visible=playback.visible,
        rest_base_ms=playback.rest_base_ms,
    )


def _grown_while_crediting(playback: PlaybackState, until: int) -> int:
    """The allowance at a supersession or an expiry: grown to ``until`` if the playback was in
    the credited state, else as it stands (rule 5: a superseded one stops growing)."""
    if not playback.crediting:
        return playback.allowance_ms
    return _grown_allowance(playback, until, crediting=True)


def _grown_allowance(playback: PlaybackState, until: int, *, crediting: bool) -> int:
    """The allowance of an active playback after growing from its last beat (or its opening)
    to ``until`` (rule 3), never above the cap.

    In the credited state it grows by elapsed time times ``min(rate, max_rate)``, floored. Out
    of it (paused, hidden, a check pending) it grows by elapsed time, to at most
    ``rest_base_ms`` plus the resume grace: the first seconds after a resume whose beat reached
    the server late are paid. A playback whose stored state says crediting but whose trainee
    has a check pending (raised by another page) does not grow.
    """
    allowance = playback.allowance_ms
    if playback.status != ACTIVE or (playback.crediting and not crediting):
        return allowance
    settings = playback.settings
    since = playback.opened_at_ms if playback.last_beat_at_ms is None else playback.last_beat_at_ms
    elapsed = max(0, until - since)
    if crediting:
        rate = min(playback.rate_milli, settings.max_rate_milli)
        grown = allowance + elapsed * rate // 1000
    else:
        base = allowance if playback.rest_base_ms is None else playback.rest_base_ms
        grown = max(allowance, min(allowance + elapsed, base + settings.resume_grace_ms))
    return min(settings.allowance_cap_ms, grown)


def _timed_out(trainee: TraineeState, playback: PlaybackState, now: int) -> bool:
    """A check pending for the timeout, counted from when it was sent or this playback opened."""
    pending = trainee.pending
    if pending is None:
        return False
    started = max(pending.sent_at_ms, playback.opened_at_ms)
    return now - started >= playback.settings.attention_timeout_ms


# --- the beat ---------------------------------------------------------------------------------


def apply_beat(
    trainee: TraineeState,
    playback: PlaybackState,
    coverage: IntervalSet,
    beat: Beat,
    now: int,
) -> BeatOutcome:
    """Judge one beat at server time ``now``; the inputs are never modified."""
    day = study_day(trainee, now, playback.settings.timezone)
    if beat.seq <= playback.last_seq:
        return _unchanged(trainee, playback, coverage, day, duplicate=True)
    if playback.status == ENDED:
        return _refused(trainee, playback, coverage, beat, day, ENDED)
    past_grace = now >= grace_deadline_ms(playback)
    timed_out = _timed_out(trainee, playback, now)
    if playback.status == SUPERSEDED and (past_grace or timed_out):
        return _refused(trainee, playback, coverage, beat, day, SUPERSEDED)
    if past_grace:
        return _refused(trainee, expire(playback, now), coverage, beat, day, ENDED)
    if timed_out:
        ended = _ended(playback, "attention_timeout", playback.allowance_ms)
        return _refused(trainee, ended, coverage, beat, day, ENDED)
    return _judged(trainee, playback, coverage, beat, now, day)


def _unchanged(
    trainee: TraineeState,
    playback: PlaybackState,
    coverage: IntervalSet,
    day: str,
    *,
    duplicate: bool,
    not_credited: dict[str, int] | None = None,
    reason: str | None = None,
) -> BeatOutcome:
    return BeatOutcome(
        trainee=trainee,
        playback=playback,
        coverage=coverage,
        status=_ANSWER_STATUS[playback.status],
        duplicate=duplicate,
        credited_ms=0,
        not_credited_ms=not_credited or {},
        reason=reason,
        new_intervals=(),
        day=day,
        check_raised=False,
        check_cleared=False,
    )


def _refused(
    trainee: TraineeState,
    playback: PlaybackState,
    coverage: IntervalSet,
    beat: Beat,
    day: str,
    reason: str,
) -> BeatOutcome:
    """A beat refused whole: all of its raw claim gets ``reason``; nothing else changes."""
    start, end = _claim(playback, beat)
    claimed = max(0, end - start)
    not_credited = {reason: claimed} if claimed else {}
    return _unchanged(
        trainee, playback, coverage, day, duplicate=False, not_credited=not_credited, reason=reason
    )


def _claim(playback: PlaybackState, beat: Beat) -> tuple[int, int]:
    """The raw claimed interval ``(p, q)``; empty (q <= p) when it claims nothing (rule 2).

    A ``seeked`` beat claims up to where the seek started (``from_ms``): the jump itself is
    claimed by no one. One that does not say where it came from claims nothing.
    """
    start = playback.position_ms
    if start is None:
        return 0, 0
    if beat.event != "seeked":
        return start, beat.position_ms
    return start, start if beat.from_ms is None else beat.from_ms


class _Tally:
    """The working figures of one judged beat.

    Trainee changes are made on one copy of the trainee's state (``changed_trainee``), taken
    at the first change; each step reads the state the beat began with, and only fields that
    no earlier step of the same beat changes. (A plain class, not a dataclass: see
    `BeatOutcome` for why.)
    """

    def __init__(self, allowance_ms: int, trainee: TraineeState) -> None:
        self.allowance_ms = allowance_ms
        self.not_credited: dict[str, int] = {}
        self.trainee = trainee
        self.after: TraineeState | None = None
        self.credited_ms = 0
        self.new_intervals: tuple[tuple[int, int], ...] = ()
        self.check_raised = False

    def changed_trainee(self) -> TraineeState:
        """The trainee's state after this beat, to change (a copy, made once)."""
        if self.after is None:
            self.after = _copied_trainee(self.trainee)
        return self.after

    def refuse(self, reason: str, ms: int) -> None:
        if ms > 0:
            self.not_credited[reason] = self.not_credited.get(reason, 0) + ms


def _judged(
    trainee: TraineeState,
    playback: PlaybackState,
    coverage: IntervalSet,
    beat: Beat,
    now: int,
    day: str,
) -> BeatOutcome:
    """Judge the claim, then take on the beat's answer, position and flags."""
    crediting = playback.crediting and trainee.pending is None
    tally = _Tally(_grown_allowance(playback, now, crediting=crediting), trainee)
    start, end = _claim(playback, beat)
    if end > start:
        if crediting:
            _credit(tally, trainee, playback, coverage, beat, start, end, now, day)
        else:
            _refuse_outside_credited_state(tally, playback, start, end)
    cleared = _answer(tally, trainee, playback.settings, beat, now)
    after = trainee if tally.after is None else tally.after
    crediting_after = not beat.paused and beat.visible and after.pending is None
    rest_base = playback.rest_base_ms if playback.rest_base_ms is not None else tally.allowance_ms
    new_playback = _copied_playback(playback)
    new_playback.last_seq = beat.seq
    new_playback.position_ms = beat.position_ms
    new_playback.rate_milli = beat.rate_milli
    new_playback.last_beat_at_ms = now
    new_playback.allowance_ms = tally.allowance_ms
    new_playback.paused = beat.paused
    new_playback.visible = beat.visible
    new_playback.crediting = crediting_after
    new_playback.rest_base_ms = None if crediting_after else rest_base
    if beat.event == "close" and playback.status == ACTIVE:
        new_playback = _ended(new_playback, "close", new_playback.allowance_ms)
    return BeatOutcome(
        trainee=after,
        playback=new_playback,
        coverage=coverage.with_added(tally.new_intervals),
        status=_ANSWER_STATUS[playback.status],
        duplicate=False,
        credited_ms=tally.credited_ms,
        not_credited_ms=tally.not_credited,
        reason=_first_reason(tally.not_credited, start, end, playback, beat),
        new_intervals=tally.new_intervals,
        day=day,
        check_raised=tally.check_raised,
        check_cleared=cleared,
    )


def _first_reason(
    not_credited: dict[str, int], start: int, end: int, playback: PlaybackState, beat: Beat
) -> str | None:
    """The first reason with milliseconds; ``seek`` for a move back or an empty reported seek."""
    for reason in REASONS:
        if reason in not_credited:
            return reason
    moved_back = end < start or (beat.event == "seeked" and end == start)
    if playback.position_ms is not None and moved_back:
        return "seek"
    return None


def _refuse_outside_credited_state(
    tally: _Tally, playback: PlaybackState, start: int, end: int
) -> None:
    """Outside the credited state the whole claim is paused, hidden or attention_pending."""
    if playback.paused:
        tally.refuse("paused", end - start)
    elif not playback.visible:
        tally.refuse("hidden", end - start)
    else:
        inside = max(0, min(end, playback.duration_ms) - start)
        tally.refuse("beyond_duration", end - start - inside)
        tally.refuse("attention_pending", inside)


def _credit(
    tally: _Tally,
    trainee: TraineeState,
    playback: PlaybackState,
    coverage: IntervalSet,
    beat: Beat,
    start: int,
    end: int,
    now: int,
    day: str,
) -> None:
    """Credited state: clip, allowance, due point, re-watch, cap; each passes the earliest part."""
    settings = playback.settings
    inside = max(0, min(end, playback.duration_ms) - start)
    superseded = playback.status == SUPERSEDED
    slack = 0 if superseded else settings.slack_ms
    allowance = tally.allowance_ms
    if beat.event != "seeked" and inside > allowance + slack + settings.heartbeat_interval_ms:
        tally.refuse("seek", end - start)
        return
    tally.refuse("beyond_duration", end - start - inside)
    passed = min(inside, max(0, allowance + slack))
    tally.refuse("rate_limited", inside - passed)
    tally.allowance_ms = allowance - passed
    played = _cut_at_due_point(tally, trainee, playback, start, passed, now)
    tally.refuse("attention_pending", passed - played)
    gaps = coverage.subtract(start, start + played)
    fresh = sum(gap_end - gap_start for gap_start, gap_end in gaps)
    tally.refuse("rewatch", played - fresh)
    _credit_within_daily_cap(tally, trainee, settings, gaps, fresh, day)


def _cut_at_due_point(
    tally: _Tally,
    trainee: TraineeState,
    playback: PlaybackState,
    start: int,
    passed: int,
    now: int,
) -> int:
    """How much of ``passed`` is before the due point; reaching it makes the check pending.

    Only the active playback raises the check: a superseded page's late beats stop at the due
    point, and the check becomes pending at the next credited-state claim of the active page.
    So a check is always raised by the one page that can grow an allowance, which stops growing
    at that moment; otherwise that page would keep earning wall time while the check waits.
    """
    if trainee.pending is not None:
        return 0
    due = trainee.next_due_ms
    if due is None:
        if passed == 0:
            return 0
        due = draw_due_ms(trainee.seed, trainee.checks_answered, playback.settings)
    played = max(0, min(passed, due - trainee.played_since_check_ms))
    played_since = trainee.played_since_check_ms + played
    pending = None
    if played_since >= due and playback.status == ACTIVE:
        pending = draw_check(trainee.seed, trainee.checks_answered, start + played, now)
        tally.check_raised = True
    if played or pending or due != trainee.next_due_ms:
        after = tally.changed_trainee()
        after.next_due_ms = due
        after.played_since_check_ms = played_since
        after.pending = pending
    return played


def _credit_within_daily_cap(
    tally: _Tally,
    trainee: TraineeState,
    settings: AccountingSettings,
    gaps: list[tuple[int, int]],
    fresh: int,
    day: str,
) -> None:
    """Credit the earliest new milliseconds that fit under the day's cap (rule 8)."""
    if fresh == 0:
        return
    credited_today = trainee.day_credited_ms if trainee.day == day else 0
    room = max(0, settings.daily_cap_ms - credited_today)
    taken: list[tuple[int, int]] = []
    left = room
    for gap_start, gap_end in gaps:
        if left == 0:
            break
        piece_end = min(gap_end, gap_start + left)
        taken.append((gap_start, piece_end))
        left -= piece_end - gap_start
    credited = room - left
    tally.refuse("daily_cap", fresh - credited)
    if credited:
        tally.credited_ms = credited
        tally.new_intervals = tuple(taken)
        after = tally.changed_trainee()
        after.day = day
        after.day_credited_ms = credited_today + credited


def _answer(
    tally: _Tally, trainee: TraineeState, settings: AccountingSettings, beat: Beat, now: int
) -> bool:
    """Clear the check the beat answers rightly, at least 1 s after it was sent (rule 7): with
    the code shown and, or instead, a question answered right, as the playback's settings say;
    where the playback requires face checks, only with a recorded match."""
    pending = trainee.pending
    if beat.event != "attention_ok" or pending is None or beat.attention_id != pending.id:
        return False
    if now - pending.sent_at_ms < ANSWER_MIN_DELAY_MS:
        return False
    if settings.face_checks:
        if beat.face_outcome != "match":
            return False
    else:
        if settings.asks_code and not _right_code(beat, pending):
            return False
        if settings.asks_question and beat.question_outcome != "right":
            return False
    after = tally.changed_trainee()
    after.pending = None
    after.checks_answered = trainee.checks_answered + 1
    after.played_since_check_ms = 0
    after.next_due_ms = None
    return True


def _right_code(beat: Beat, pending: PendingCheck) -> bool:
    return beat.attention_code is not None and hmac.compare_digest(
        beat.attention_code.strip().encode(), pending.code.encode()
    )


# --- deterministic draws ----------------------------------------------------------------------


def _digest(seed: str, purpose: str, counter: int) -> int:
    return int.from_bytes(hashlib.sha256(f"{seed}:{purpose}:{counter}".encode()).digest(), "big")


def draw_due_ms(seed: str, counter: int, settings: AccountingSettings) -> int:
    """The played time after the last answered check at which the next check falls."""
    low, high = settings.attention_min_ms, settings.attention_max_ms
    return low + _digest(seed, "due", counter) % (high - low + 1)


def draw_check(seed: str, counter: int, resume_at_ms: int | None, now: int) -> PendingCheck:
    """The check number ``counter``: an id to show and a 4-digit code drawn as an image."""
    check_id = f"{_digest(seed, 'check', counter):064x}"[:20]
    code = f"{_digest(seed, 'code', counter) % 10_000:04d}"
    return PendingCheck(id=check_id, code=code, resume_at_ms=resume_at_ms, sent_at_ms=now)


# --- calendar days ----------------------------------------------------------------------------


def study_day(trainee: TraineeState, now: int, timezone: str) -> str:
    """The day a beat at ``now`` counts on: its calendar day in the playback's time zone, but
    never one before the trainee's current day (rule 8), so a change of ``TIMEZONE`` that puts
    the clock back a day cannot open a second daily cap."""
    day = day_of(now, timezone)
    return trainee.day if trainee.day is not None and trainee.day > day else day


_day_spans: Final[dict[str, tuple[int, int, str]]] = {}


def day_of(now: int, timezone: str) -> str:
    """The calendar day (``YYYY-MM-DD``) of ``now`` in ``timezone``.

    Beats come in time order, so the span of the last day seen per timezone is remembered: the
    common case is two comparisons instead of a time-zone conversion.
    """
    span = _day_spans.get(timezone)
    if span is not None and span[0] <= now < span[1]:
        return span[2]
    zone = ZoneInfo(timezone)
    local_day = datetime.fromtimestamp(now // 1000, zone).date()
    start = datetime(local_day.year, local_day.month, local_day.day, tzinfo=zone)
    following = local_day + timedelta(days=1)
    end = datetime(following.year, following.month, following.day, tzinfo=zone)
    span = (round(start.timestamp()) * 1000, round(end.timestamp()) * 1000, local_day.isoformat())
    _day_spans[timezone] = span
    return span[2]
