"""Rebuilding the kept totals from the raw records (accounting.md rule 11).

Each trainee's playback openings, beats and voids (a reviewer withdrawing a playback's credit)
are replayed in their stored processing order (`event_no`) through the same pure rules the live
path uses, with the settings recorded on each playback. The result is compared with, or written
over, every kept total: coverage, day sums, the trainee's check state, the playbacks' states and
the enrolments' online and offline seconds; and each stored beat's credited and per-reason
milliseconds with what the replay gives it.

While the site serves, `check` and `rebuild` take one trainee at a time, each in a transaction
of its own: `rebuild` under the trainee's own serialisation (their state row locked first, as a
beat does; on SQLite the write lock), so no beat of theirs lands between the replay and the
writing; `check` in one consistent snapshot (PostgreSQL REPEATABLE READ; on SQLite a read
transaction in WAL mode), so a beat committed meanwhile is either wholly in the view or not.
"""

from __future__ import annotations

import json
import multiprocessing
from collections import defaultdict
from collections.abc import Collection, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any, Literal, TypeVar

from sqlalchemy import (
    Delete,
    Engine,
    Select,
    Text,
    Update,
    cast,
    delete,
    func,
    select,
    update,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session

from learning.database import Database
from learning.domain.accounting import (
    AccountingSettings,
    BeatEvent,
    BeatOutcome,
    Event,
    Ledger,
    OpenEvent,
    PlaybackState,
    Totals,
    VoidEvent,
    VoidOutcome,
    expire,
)
from learning.domain.accounting.replay import (
    MAX_EVENT_NO,
    BeatRow,
    DayKey,
    Numbered,
    Replay,
    Suspect,
    events_of_rows,
)
from learning.models import (
    BeatRecord,
    Coverage,
    Enrolment,
    OfflineCredit,
    Playback,
    PlaybackVoid,
    ReplaySnapshot,
    StudyDay,
    TraineeStudyState,
)
from learning.services import snapshots
from learning.services.study import (
    lock_trainee,
    playback_state,
    settings_of,
    store_playback,
    store_trainee_state,
    trainee_state,
)


@dataclass(frozen=True)
class Difference:
    """One kept total that does not match the replay."""

    what: str
    key: str
    stored: object
    rebuilt: object

    def __str__(self) -> str:
        return f"{self.what} {self.key}: stored {self.stored!r}, rebuilt {self.rebuilt!r}"


@dataclass(frozen=True)
class StoredJudgement:
    """What a stored beat row says it earned, and why not (rule 10)."""

    event_no: int
    status: str
    credited_ms: int
    not_credited: dict[str, int]


@dataclass(frozen=True)
class Rebuild:
    """The replay: the ledger's totals, plus the not-credited time per video and day (the
    ledger sums it per trainee and day; the study record shows it per video too)."""

    ledger: Ledger
    not_credited_by_video_day: dict[DayKey, dict[str, int]]
    events: int
    beat_differences: list[Difference] = field(default_factory=list)


class Replayer:
    """Feeds events to a ledger and keeps what the ledger does not (`Replay`, compiled with the
    rules), and the snapshots' side of it: what it keeps of a trainee, and taking that back on.
    The rebuild uses it on stored events; the demo uses it on simulated ones."""

    def __init__(self, seeds: dict[str, str] | None = None) -> None:
        self.replay = Replay(seeds)
        self.ledger = self.replay.ledger

    @property
    def events(self) -> int:
        return self.replay.events

    def apply(self, event: Event) -> PlaybackState | BeatOutcome | VoidOutcome:
        return self.replay.apply(event)

    def place(self, playback_id: str) -> tuple[str, str, str]:
        """The trainee, enrolment and video of a playback the replay knows."""
        return self.replay.where[playback_id]

    def rebuild(self) -> Rebuild:
        replay = self.replay
        found = [each for each in map(_beat_difference, replay.suspects) if each is not None]
        return Rebuild(self.ledger, dict(replay.not_credited), replay.events, found)

    def state(self, trainee_id: str) -> snapshots.State:
        """What the replay keeps of one trainee, to go on from (a snapshot's content)."""
        return self.states([trainee_id])[trainee_id]

    def states(self, trainee_ids: Collection[str]) -> dict[str, snapshots.State]:
        """`state` of each of the trainees, their not-credited time sorted out in one pass
        (a batch's trainees one by one went through all of the batch's, each)."""
        not_credited: dict[str, snapshots.NotCredited] = {key: {} for key in trainee_ids}
        for (trainee, day, enrolment, video), reasons in self.replay.not_credited.items():
            if reasons and trainee in not_credited:
                not_credited[trainee][(day, enrolment, video)] = dict(reasons)
        found: dict[str, snapshots.State] = {}
        for trainee_id, own in not_credited.items():
            try:
                part = self.ledger.part(trainee_id)
            except KeyError:  # never studied: no seed, no state
                found[trainee_id] = snapshots.State(None, {})
            else:
                found[trainee_id] = snapshots.State(part, own)
        return found

    def restore(self, state: snapshots.State) -> None:
        """Take on a trainee's state from a snapshot (one with no state adds nothing)."""
        part = state.part
        if part is None:
            return
        replay = self.replay
        self.ledger.restore(part)
        trainee_id = part.trainee_id
        for playback_id, playback in part.playbacks.items():
            replay.where[playback_id] = (trainee_id, playback.enrolment_id, playback.video_id)
        for (day, enrolment, video), reasons in state.not_credited.items():
            replay.not_credited[(trainee_id, day, enrolment, video)] = dict(reasons)
        replay.forget_last_bucket()  # its buckets may have been replaced


def _beat_difference(suspect: Suspect) -> Difference | None:
    """The stored beat's judgement (rule 10) against the replay's, if they differ: the same
    status and credit, and the same milliseconds for each reason that has any."""
    trainee_id, stored_row, replayed_status, replayed_credited, replayed_not_credited = suspect
    event_no, status, credited_ms, not_credited_text = stored_row
    replayed_reasons = {reason: ms for reason, ms in replayed_not_credited.items() if ms}
    if status == replayed_status and credited_ms == replayed_credited:
        stored_reasons = {k: v for k, v in json.loads(not_credited_text).items() if v}
        if stored_reasons == replayed_reasons:
            return None
    stored = StoredJudgement(
        event_no, status, credited_ms, dict(json.loads(not_credited_text or "{}"))
    )
    judged = StoredJudgement(event_no, replayed_status, replayed_credited, replayed_reasons)
    return Difference("beat", f"{trainee_id}/{event_no}", stored, judged)


def replay(session: Session, trainee_ids: Collection[int] | None = None) -> Rebuild:
    """Replay the stored events of the trainees (all who have a study state, if None), in this
    session's view, into a fresh ledger; stored beats that the replay judges otherwise are
    kept in `Rebuild.beat_differences`."""
    statement = select(TraineeStudyState.trainee_id, TraineeStudyState.seed)
    if trainee_ids is not None:
        statement = statement.where(TraineeStudyState.trainee_id.in_(trainee_ids))
    seeds = {str(trainee_id): seed for trainee_id, seed in session.execute(statement)}
    replayer = Replayer(seeds)
    for trainee_id in sorted(int(key) for key in seeds):
        replayer.replay.run(trainee_id, _events(session, trainee_id))
    return replayer.rebuild()


def compare(session: Session, *, now_ms: int) -> list[Difference]:
    """Every kept total and stored beat that differs from the replay, in this session's view
    (tests and a restored copy; a serving database is checked with `check`)."""
    rebuilt = replay(session)
    return [*rebuilt.beat_differences, *differences(session, rebuilt, now_ms=now_ms)]


@dataclass(frozen=True)
class Report:
    """What a `check` or `rebuild` found: the differences (for `rebuild`, those it corrected,
    and beats judged otherwise, which it reports and never rewrites)."""

    trainees: int
    events: int
    differences: list[Difference]


Mode = Literal["full", "since_verified", "rebuild"]


def check(database: Database, *, now_ms: int, processes: int = 1) -> Report:
    """Compare every trainee's kept totals with the replay of all their events, each in a
    consistent snapshot (the weekly check). A trainee's stored replay snapshot is compared
    with the replay's state at its event; where everything agrees, it moves to the last one."""
    return _each_trainee(database, now_ms=now_ms, processes=processes, mode="full")


def check_since_verified(database: Database, *, now_ms: int, processes: int = 1) -> Report:
    """The nightly check: only the trainees with events after their verified replay snapshot
    (or with none yet, or with no events at all), each replayed from that snapshot, found
    intact by its digest, through the events after it only; then compared as `check` does,
    and the snapshot moved on. Its cost follows the day's beats, not all history."""
    return _each_trainee(database, now_ms=now_ms, processes=processes, mode="since_verified")


def rebuild(database: Database, *, now_ms: int, processes: int = 1) -> Report:
    """Replace every trainee's kept totals (and replay snapshot) by their replay, each under
    the trainee's lock."""
    return _each_trainee(database, now_ms=now_ms, processes=processes, mode="rebuild")


def _each_trainee(database: Database, *, now_ms: int, processes: int, mode: Mode) -> Report:
    with database.session_factory() as session:
        trainee_ids = _unverified(session) if mode == "since_verified" else _trainees(session)
    if mode == "since_verified":  # a process is worth its start (seconds) for a batch of its own
        processes = min(processes, -(-len(trainee_ids) // BATCH))
    if processes <= 1 or len(trainee_ids) < 2:
        return _share(database, trainee_ids, now_ms, mode)
    # This process takes its share too, from the start, while the others start (a second
    # each: a fresh interpreter importing the app); each process takes the next trainee (or
    # batch) not yet taken, so a process that started late or drew long histories takes fewer.
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no inherited sockets
    claims = context.Value("q", 0)  # the next unit to take
    with ProcessPoolExecutor(
        max_workers=processes - 1,
        mp_context=context,
        initializer=_share_claims,
        initargs=(claims,),
    ) as pool:
        others = [
            pool.submit(_share_in_process, database.url, trainee_ids, now_ms, mode)
            for _ in range(processes - 1)
        ]
        reports = [_share(database, trainee_ids, now_ms, mode, claims)]
        reports.extend(other.result() for other in others)
    return Report(
        trainees=sum(report.trainees for report in reports),
        events=sum(report.events for report in reports),
        differences=sorted((found for report in reports for found in report.differences), key=str),
    )


def _trainees(session: Session) -> list[int]:
    """Everyone with a study state or an enrolment (whose totals must then be empty)."""
    with_state = select(TraineeStudyState.trainee_id)
    enrolled = select(Enrolment.trainee_id)
    return sorted(set(session.scalars(with_state)) | set(session.scalars(enrolled)))


def _unverified(session: Session) -> list[int]:
    """Those of `_trainees` with no replay snapshot, or with events after it, or with no events
    at all (nothing to replay: their kept totals must be empty, a cheap comparison)."""
    snapshots_at = select(ReplaySnapshot.trainee_id, ReplaySnapshot.event_no)
    verified = {trainee_id: event_no for trainee_id, event_no in session.execute(snapshots_at)}
    counts_of = select(TraineeStudyState.trainee_id, TraineeStudyState.event_count)
    counts = {trainee_id: count for trainee_id, count in session.execute(counts_of)}
    return [
        trainee_id
        for trainee_id in _trainees(session)
        if trainee_id not in verified
        or counts.get(trainee_id, 0) > verified[trainee_id]
        or not counts.get(trainee_id)
    ]


#: The counter of units taken that the processes of a check share (`_share_claims`).
_claims: Any = None


def _share_claims(claims: Any) -> None:
    """A worker process's start: the counter it takes units from."""
    global _claims
    _claims = claims


def _share_in_process(url: str, trainee_ids: list[int], now_ms: int, mode: Mode) -> Report:
    """One process's share (runs in a worker process, with its own engine and writer lock)."""
    database = Database(url)
    try:
        return _share(database, trainee_ids, now_ms, mode, _claims)
    finally:
        database.dispose()


def _taken(units: int, claims: Any) -> Iterator[int]:
    """The units this process takes: every one, or with `claims` (a shared counter), each
    next one that no other process has taken."""
    if claims is None:
        yield from range(units)
        return
    while True:
        with claims.get_lock():
            index = claims.value
            claims.value = index + 1
        if index >= units:
            return
        yield index


#: Trainees the nightly check replays and compares together, in one view and with one query
#: per kept total: compared one by one, each cost some 20 ms of queries, far more than the
#: replay of their day's beats.
BATCH = 100


def _share(
    database: Database, trainee_ids: list[int], now_ms: int, mode: Mode, claims: Any = None
) -> Report:
    """The check of the trainees, or with `claims`, of those this process takes: one by one,
    or in the nightly check, in batches."""
    size = BATCH if mode == "since_verified" else 1
    units = [trainee_ids[start : start + size] for start in range(0, len(trainee_ids), size)]
    trainees = events = 0
    found: list[Difference] = []
    for index in _taken(len(units), claims):
        unit = units[index]
        if mode == "since_verified":
            report = _batch(database, unit, now_ms)
        else:
            report = _share_one_by_one(database, unit, now_ms, mode)
        trainees += len(unit)
        events += report.events
        found.extend(report.differences)
    return Report(trainees=trainees, events=events, differences=found)


def _batch(database: Database, batch: list[int], now_ms: int) -> Report:
    """The nightly check of a batch of trainees (`_verify_batch`); those it cannot verify
    together, one by one."""
    events = 0
    found: list[Difference] = []
    with database.session_factory() as session:
        _snapshot(session)
        verified, alone, whole = _verify_batch(session, batch, now_ms)
    if verified is None:  # something differs: trainee by trainee, to say whose it is
        verified, alone, whole = [], [each for each in batch if each not in whole], whole
    moved = [each for each in (one.moved_on() for one in verified) if each is not None]
    if moved:  # each had a snapshot (the batch started from them): moved on in one statement
        with database.transaction() as session:
            snapshots.move_on(session, moved, now=datetime.fromtimestamp(now_ms / 1000, UTC))
    events += sum(each.events for each in verified)
    shares: tuple[tuple[list[int], Mode], ...] = ((alone, "since_verified"), (whole, "full"))
    for share, share_mode in shares:
        report = _share_one_by_one(database, share, now_ms, share_mode)
        events += report.events
        found.extend(report.differences)
    return Report(trainees=len(batch), events=events, differences=found)


def _verify_batch(
    session: Session, trainee_ids: list[int], now_ms: int
) -> tuple[list[_Verified] | None, list[int], list[int]]:
    """The nightly check of several trainees at once, each from their snapshot: their
    verified replays (None if anything differs), the trainees left to check alone (no usable
    snapshot), and those whose events reach back past their snapshot (`snapshots.reaches_back`),
    to replay from their first event."""
    known = {
        trainee_id: (seed, count)
        for trainee_id, seed, count in session.execute(
            select(
                TraineeStudyState.trainee_id,
                TraineeStudyState.seed,
                TraineeStudyState.event_count,
            ).where(TraineeStudyState.trainee_id.in_(trainee_ids))
        )
    }
    rows = {
        row.trainee_id: row
        for row in session.scalars(
            select(ReplaySnapshot).where(ReplaySnapshot.trainee_id.in_(trainee_ids))
        )
    }
    alone: list[int] = []
    whole: list[int] = []
    starts: dict[int, tuple[snapshots.State, ReplaySnapshot]] = {}
    for trainee_id in trainee_ids:
        seed, count = known.get(trainee_id, (None, 0))
        row = rows.get(trainee_id)
        try:
            start = None if row is None or row.event_no > count else snapshots.read(row)
        except snapshots.BadSnapshot:
            start = None
        if start is None or row is None:
            alone.append(trainee_id)
        else:
            starts[trainee_id] = (start, row)
    replayer = Replayer()
    scope = Scope()
    done: list[tuple[int, int, int, ReplaySnapshot]] = []  # trainee, last event, events, row
    afters = {trainee_id: row.event_no for trainee_id, (_start, row) in starts.items()}
    for trainee_id, stream in _events_of(session, afters):
        events = list(stream)  # a day's: taken whole, to see first whether they reach back
        start, row = starts[trainee_id]
        if snapshots.reaches_back(start.part, (event for _number, event, _stored in events)):
            whole.append(trainee_id)
            continue
        seed = known.get(trainee_id, (None, 0))[0]
        last = _replay_from(replayer, trainee_id, seed, start, row.event_no, events)
        scope.add(replayer, str(trainee_id), start, events)
        done.append((trainee_id, last, len(events), row))
    rebuilt = replayer.rebuild()
    checked = [trainee_id for trainee_id, *_rest in done]
    if rebuilt.beat_differences or differences(
        session, rebuilt, now_ms=now_ms, trainee_ids=checked, scope=scope
    ):
        return None, alone, whole
    states = replayer.states([str(trainee_id) for trainee_id in checked])
    verified = [
        _Verified(trainee_id, [], states[str(trainee_id)], last, row, events=events)
        for trainee_id, last, events, row in done
    ]
    return verified, alone, whole


def _replay_from(
    replayer: Replayer,
    trainee_id: int,
    seed: str | None,
    start: snapshots.State,
    after: int,
    events: list[Numbered],
) -> int:
    """Replay the trainee's events after their snapshot `start` (at event `after`), comparing
    each stored beat; the last event's number."""
    replayer.restore(start)
    if seed is not None and start.part is None:
        replayer.ledger.add_trainee(str(trainee_id), seed)
    return replayer.replay.run(trainee_id, events) or after


def _share_one_by_one(
    database: Database, trainee_ids: list[int], now_ms: int, mode: Mode
) -> Report:
    events = 0
    found: list[Difference] = []
    for trainee_id in trainee_ids:
        if mode == "rebuild":
            with database.transaction() as session:
                lock_trainee(session, trainee_id)
                rebuilt, verified = _verify(session, trainee_id, now_ms, from_snapshot=False)
                write_totals(session, rebuilt, now_ms=now_ms, trainee_ids=[trainee_id])
                verified.store(session, now_ms)  # the totals are the replay's now
        else:
            with database.session_factory() as session:
                _snapshot(session)
                _rebuilt, verified = _verify(
                    session, trainee_id, now_ms, from_snapshot=mode == "since_verified"
                )
            if all(difference.what == "snapshot" for difference in verified.differences):
                # the totals agree with the raw events: their replay state is the snapshot now
                with database.transaction() as session:
                    verified.store(session, now_ms)
        events += verified.events
        found.extend(verified.differences)
    return Report(trainees=len(trainee_ids), events=events, differences=found)


@dataclass
class _Verified:
    """One trainee's replay, what differs from it, and the replay state it ends in."""

    trainee_id: int
    differences: list[Difference]
    state: snapshots.State
    event_no: int
    stored: ReplaySnapshot | None  # the snapshot as it was, if it may be moved on
    newer_stored: bool = False  # one written from a later view than this replay's is kept
    events: int = 0  # replayed

    def store(self, session: Session, now_ms: int) -> None:
        """Write the replay state as the trainee's verified snapshot (unless it is unchanged)."""
        moved = self.moved_on()
        if moved is not None:
            snapshots.store(session, moved, now=datetime.fromtimestamp(now_ms / 1000, UTC))

    def moved_on(self) -> snapshots.Moved | None:
        """The snapshot to write from the replay state; None if the stored one stays."""
        if self.newer_stored:
            return None
        moved = snapshots.moved(self.trainee_id, self.state, self.event_no)
        stored = self.stored
        unchanged = stored is not None and stored.event_no == self.event_no
        if unchanged and stored is not None and stored.digest == snapshots.digest(moved.text):
            return None
        return moved


def _verify(
    session: Session, trainee_id: int, now_ms: int, *, from_snapshot: bool
) -> tuple[Rebuild, _Verified]:
    """Replay one trainee's events and compare every kept total and stored beat with it.

    With `from_snapshot`, the replay starts from the trainee's stored snapshot, if its digest
    holds and the events after it do not reach back past it (`snapshots.reaches_back`), and goes
    through those events only, comparing what they can have touched (`Scope`); otherwise it
    goes through every event and, at the stored snapshot's event, compares the snapshot with
    the replay's state there. A snapshot that does not hold is a difference (named "snapshot").
    """
    key = str(trainee_id)
    found: list[Difference] = []
    known = session.execute(
        select(TraineeStudyState.seed, TraineeStudyState.event_count).where(
            TraineeStudyState.trainee_id == trainee_id
        )
    ).first()
    seed, event_count = (None, 0) if known is None else known
    row = session.get(ReplaySnapshot, trainee_id)
    newer_stored = row is not None and row.event_no > event_count
    if newer_stored:
        row = None  # written from a later view than this one: neither used nor replaced
    start: snapshots.State | None = None
    if row is not None:
        try:
            start = snapshots.read(row)
        except snapshots.BadSnapshot as error:
            found.append(Difference("snapshot", key, row.digest, str(error)))
    replayer = Replayer()
    if from_snapshot and start is not None and row is not None:
        events = list(_events(session, trainee_id, after=row.event_no))
        if not snapshots.reaches_back(start.part, (event for _number, event, _stored in events)):
            scope = Scope()
            last = _replay_from(replayer, trainee_id, seed, start, row.event_no, events)
            scope.add(replayer, key, start, events)
            rebuilt = replayer.rebuild()
            found = [
                *found,
                *rebuilt.beat_differences,
                *differences(
                    session, rebuilt, now_ms=now_ms, trainee_ids=[trainee_id], scope=scope
                ),
            ]
            state = replayer.state(key)
            return rebuilt, _Verified(trainee_id, found, state, last, row, False, rebuilt.events)
    # compared with the replay at its event (at event 0 it holds only the seed, if any, which
    # the trainee's state is compared with anyway; a rebuild may have drawn one since)
    watch = row if start is not None and row is not None and row.event_no > 0 else None
    if seed is not None:
        replayer.ledger.add_trainee(key, seed)
    watched: list[ReplaySnapshot] = []  # the watched snapshot, once compared

    def at_watch() -> None:
        assert watch is not None
        found.extend(_rederived(replayer, key, watch))
        watched.append(watch)

    afters = {trainee_id: 0}
    others = _openings_and_voids(session, afters, MAX_EVENT_NO).get(trainee_id, [])
    last = replayer.replay.run_rows(
        trainee_id,
        _beat_rows(session, afters, MAX_EVENT_NO),
        others,
        MAX_EVENT_NO if watch is None else watch.event_no,
        at_watch,
    )
    if watch is not None and not watched:
        at_watch()
    rebuilt = replayer.rebuild()
    totals = differences(session, rebuilt, now_ms=now_ms, trainee_ids=[trainee_id])
    found = [*found, *rebuilt.beat_differences, *totals]
    verified = _Verified(
        trainee_id, found, replayer.state(key), last, row, newer_stored, rebuilt.events
    )
    return rebuilt, verified


def store_snapshot_at(session: Session, trainee_id: int, event_no: int, *, now_ms: int) -> None:
    """Store the replay of the trainee's events up to `event_no` as their snapshot, as a check
    at that point would have (for measuring and testing the nightly check: the snapshot is
    not compared with anything here)."""
    key = str(trainee_id)
    seed = session.scalar(
        select(TraineeStudyState.seed).where(TraineeStudyState.trainee_id == trainee_id)
    )
    replayer = Replayer({key: seed} if seed is not None else None)
    last = 0
    for number, event, _stored in _events(session, trainee_id, through=event_no):
        replayer.apply(event)
        last = number
    _Verified(trainee_id, [], replayer.state(key), last, None).store(session, now_ms)


def _rederived(replayer: Replayer, key: str, row: ReplaySnapshot) -> list[Difference]:
    """The stored snapshot, if it is not the replay's state at its event."""
    rederived = snapshots.digest(snapshots.encode(replayer.state(key)))
    if rederived == row.digest or rederived == snapshots.digest(snapshots.upgraded(row)):
        return []
    return [Difference("snapshot", key, row.digest, rederived)]


def _snapshot(session: Session) -> None:
    """Make the session's transaction one consistent view: REPEATABLE READ on PostgreSQL (on
    SQLite a read transaction already is one, in WAL mode). A session bound to a connection
    already in a transaction (the tests' rolled-back one) is one view already."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql" and isinstance(bind, Engine):
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def _events(
    session: Session, trainee_id: int, *, after: int = 0, through: int | None = None
) -> Iterator[Numbered]:
    """The trainee's openings, beats and voids after event `after` (up to `through`), merged
    in processing order, each with its number and, for a beat, what its stored row says it
    earned."""
    last = MAX_EVENT_NO if through is None else through
    afters = {trainee_id: after}
    others = _openings_and_voids(session, afters, last).get(trainee_id, [])
    return events_of_rows(_beat_rows(session, afters, last), others)


def _events_of(
    session: Session, afters: Mapping[int, int]
) -> Iterator[tuple[int, Iterator[Numbered]]]:
    """Each trainee's events after their number in `afters`, as `_events` gives them, trainee
    by trainee in ascending order, read with one query per kind of event for them all (the
    nightly check's batch: three queries a trainee cost more than replaying their day). Each
    trainee's events are to be used up before the next trainee's are taken."""
    if not afters:
        return
    others = _openings_and_voids(session, afters, MAX_EVENT_NO)
    rows = _Grouped(_beat_rows(session, afters, MAX_EVENT_NO))
    for trainee_id in sorted(afters):
        yield trainee_id, events_of_rows(rows.of(trainee_id), others.get(trainee_id, []))


def _after(trainee: Any, event_no: Any, afters: Mapping[int, int], last: int) -> Any:
    """The condition on a table's trainee and event number columns: each trainee's events
    after their number in `afters`, up to `last`. Written as SQL text: built from a hundred
    `and_`/`between` expressions, it cost more than reading the batch's day (bench/RESULTS.md).
    The numbers are bound, not written in: the statement is then compiled once for every
    trainee of a full check (as literals, three compilations a trainee cost a tenth of its
    replay)."""
    trainee_column, number_column = trainee.expression.name, event_no.expression.name
    clauses: list[str] = []
    values: dict[str, int] = {}
    for index, (trainee_id, after) in enumerate(sorted(afters.items())):
        clauses.append(
            f"({trainee_column} = :t{index} AND {number_column} BETWEEN :a{index} AND :z{index})"
        )
        values.update({f"t{index}": trainee_id, f"a{index}": after + 1, f"z{index}": last})
    return sql_text(" OR ".join(clauses)).bindparams(**values)


def _beat_rows(session: Session, afters: Mapping[int, int], last: int) -> Iterator[BeatRow]:
    """The stored beats of `_after`, as plain rows in trainee and processing order.

    The rows are fetched from the driver's cursor under SQLAlchemy's result, as the driver
    gives them: the result built a row object per beat and lists of them, half of the
    reading. What its column types did is done where they are read (`BeatRow`): a Boolean is
    0 or 1 on SQLite; the other columns come back from the driver as they are. The trainee id
    comes last, after the columns of a `BeatRow`, for `_Grouped`."""
    beat = BeatRecord
    statement = (
        select(
            beat.event_no,
            beat.playback_id,
            beat.server_at_ms,
            beat.seq,
            beat.position_ms,
            beat.rate_milli,
            beat.paused,
            beat.visible,
            beat.event,
            beat.from_ms,
            beat.attention_id,
            beat.attention_code,
            beat.face_outcome,
            beat.question_outcome,
            beat.status,
            beat.credited_ms,
            cast(beat.not_credited, Text),  # as stored: most are "{}", decoded only if not
            beat.trainee_id,
        )
        .where(_after(beat.trainee_id, beat.event_no, afters, last))
        .order_by(beat.trainee_id, beat.event_no)
    )
    result = session.connection().execute(statement)
    try:
        while rows := result.cursor.fetchmany(_FETCH):
            yield from rows
    finally:
        result.close()


_FETCH = 5000  # rows a fetch: a trainee's history is thousands


class _Grouped:
    """Rows ordered by trainee (their last column), taken trainee by trainee."""

    def __init__(self, rows: Iterator[BeatRow]) -> None:
        self._rows = rows
        self._head = next(rows, None)

    def of(self, trainee_id: int) -> Iterator[BeatRow]:
        """The trainee's rows (those of earlier trainees must have been taken)."""
        while self._head is not None and self._head[-1] == trainee_id:
            yield self._head
            self._head = next(self._rows, None)


def _openings_and_voids(
    session: Session, afters: Mapping[int, int], last: int
) -> dict[int, list[Numbered]]:
    """Each trainee's openings and voids of `_after`, in processing order (a few for every
    thousand beats: read whole, as plain rows; their settings, the same few texts over and
    over, decoded once each)."""
    openings = session.execute(
        select(
            Playback.trainee_id,
            Playback.event_no,
            Playback.id,
            Playback.enrolment_id,
            Playback.video_id,
            cast(Playback.settings, Text),
            Playback.duration_ms,
            Playback.opened_at_ms,
        ).where(_after(Playback.trainee_id, Playback.event_no, afters, last))
    )
    void = PlaybackVoid
    voids = session.execute(
        select(void.trainee_id, void.event_no, void.playback_id, void.at_ms).where(
            _after(void.trainee_id, void.event_no, afters, last)
        )
    )
    found: dict[int, list[Numbered]] = defaultdict(list)
    settings: dict[str, AccountingSettings] = {}
    for trainee_id, number, playback_id, enrolment, video, text, duration, at_ms in openings:
        if text not in settings:
            settings[text] = settings_of(tuple(sorted(json.loads(text).items())))
        place = (str(trainee_id), str(enrolment), str(video))
        opened = OpenEvent(*place, playback_id, settings[text], duration, at_ms)
        found[trainee_id].append((number, opened, None))
    for trainee_id, number, playback_id, at_ms in voids:
        found[trainee_id].append((number, VoidEvent(playback_id=playback_id, at_ms=at_ms), None))
    for events in found.values():
        events.sort(key=lambda item: item[0])
    return found


# --- comparing ----------------------------------------------------------------------------------

Trainees = Collection[int] | None  # the trainees whose totals are meant; None for everyone


@dataclass
class Scope:
    """What the events after the trainees' snapshots can have changed, which is what the
    nightly check compares: the coverage of the videos their playbacks were in, those
    playbacks and the ones still live at the snapshot, and the day sums from each trainee's
    day floor on (`snapshots.day_floor`). The rest was verified when the snapshot was, and
    nothing the day did can change it; a kept total edited since waits for the weekly check,
    which compares everything."""

    coverage: set[tuple[str, str]] = field(default_factory=set)
    playbacks: set[str] = field(default_factory=set)
    floors: dict[str, str | None] = field(default_factory=dict)  # trainee -> first day

    def add(
        self, replayer: Replayer, trainee_id: str, start: snapshots.State, events: list[Numbered]
    ) -> None:
        """Take in a trainee replayed from `start` through `events`."""
        part = start.part
        self.floors[trainee_id] = None if part is None else snapshots.day_floor(part)
        touched = {
            event.playback_id
            for _number, event, _stored in events
            if isinstance(event, (BeatEvent, OpenEvent))
        }
        if part is not None:
            touched.update(
                key for key, each in part.playbacks.items() if snapshots.live(part, key, each.state)
            )
        self.playbacks |= touched
        for playback_id in touched:
            _trainee, enrolment, video = replayer.place(playback_id)
            self.coverage.add((enrolment, video))

    def day(self, trainee_id: str, day: str) -> bool:
        """Whether the trainee's day sums of `day` are in scope."""
        floor = self.floors.get(trainee_id)
        return floor is None or day >= floor

    def days_condition(self) -> Any:
        """The condition on the day sums' rows of the scope: each trainee's from their floor
        on (SQL text of integers and ISO dates: a condition per trainee built as expressions
        cost more than the rows; one floor for all would read back to the oldest)."""
        return sql_text(
            " OR ".join(
                f"(trainee_id = {int(trainee_id)})"
                if floor is None
                else f"(trainee_id = {int(trainee_id)} AND day >= '{date.fromisoformat(floor)}')"
                for trainee_id, floor in sorted(self.floors.items())
            )
        )


def differences(
    session: Session,
    rebuilt: Rebuild,
    *,
    now_ms: int,
    trainee_ids: Trainees = None,
    scope: Scope | None = None,
) -> list[Difference]:
    """Every kept total of the trainees that differs from the replay (empty when all agree);
    with a `scope`, only those in it. Playbacks are compared as of `now_ms`: one past its grace
    deadline is ended on both sides, whether or not the scheduler has written that yet (rule 9)."""
    totals = rebuilt.ledger.totals()
    coverage = {
        f"{enrolment}/{video}": [list(pair) for pair in pairs]
        for (enrolment, video), pairs in totals.coverage.items()
        if pairs and (scope is None or (enrolment, video) in scope.coverage)
    }
    credited = {
        "/".join(key): ms
        for key, ms in totals.credited_by_video_day.items()
        if ms and (scope is None or scope.day(key[0], key[1]))
    }
    not_credited = {
        "/".join(key): reasons
        for key, reasons in rebuilt.not_credited_by_video_day.items()
        if any(reasons.values()) and (scope is None or scope.day(key[0], key[1]))
    }
    online = {key: f.online_s for key, f in totals.enrolments.items() if f.online_s}
    last_studied = _last_studied(totals)
    stored_last_studied = _stored_last_studied(session, trainee_ids)
    playbacks = totals.playbacks
    if scope is not None:  # days before the floor are not in the replay: nor their last days
        stored_last_studied = {
            key: day for key, day in stored_last_studied.items() if key in last_studied
        }
        playbacks = {key: playbacks[key] for key in scope.playbacks}
    return [
        *_compare("coverage", _stored_coverage(session, trainee_ids, coverage, scope), coverage),
        *_compare("credited", _stored_credited(session, trainee_ids, scope), credited),
        *_compare("not credited", _stored_not_credited(session, trainee_ids, scope), not_credited),
        *_compare(
            "online seconds", _stored_seconds(session, Enrolment.online_s, trainee_ids), online
        ),
        *_compare("last studied", stored_last_studied, last_studied),
        *_compare(
            "offline seconds",
            _stored_seconds(session, Enrolment.offline_s, trainee_ids),
            _credited_offline(session, trainee_ids),
        ),
        *_compare("trainee state", _stored_trainees(session, trainee_ids), totals.trainees),
        *_compare(
            "playback",
            _as_of(_stored_playbacks(session, trainee_ids, scope), now_ms),
            _as_of(playbacks, now_ms),
        ),
    ]


def _compare(
    what: str, stored: Mapping[str, object], rebuilt: Mapping[str, object]
) -> list[Difference]:
    return [
        Difference(what, key, stored.get(key), rebuilt.get(key))
        for key in sorted(stored.keys() | rebuilt.keys())
        if stored.get(key) != rebuilt.get(key)
    ]


# A statement that can be restricted with a WHERE clause (what _of and _of_enrolments take).
_Restricted = TypeVar("_Restricted", Select[Any], Update, Delete)


def _of(statement: _Restricted, column: Any, trainee_ids: Trainees) -> _Restricted:
    """The statement restricted to rows whose `column` (a trainee id) is one of theirs."""
    return statement if trainee_ids is None else statement.where(column.in_(trainee_ids))


def _of_enrolments(statement: _Restricted, column: Any, trainee_ids: Trainees) -> _Restricted:
    """The statement restricted to rows whose `column` (an enrolment id) is of the trainees."""
    if trainee_ids is None:
        return statement
    return statement.where(
        column.in_(select(Enrolment.id).where(Enrolment.trainee_id.in_(trainee_ids)))
    )


def _stored_coverage(
    session: Session,
    trainee_ids: Trainees,
    rebuilt: Mapping[str, list[list[int]]],
    scope: Scope | None = None,
) -> dict[str, object]:
    """The stored coverage, and covered seconds that are not its measure. A stored text that
    is the rebuilt coverage's JSON is taken as that without decoding it (most are: a video's
    coverage is hundreds of intervals); any other is decoded and compared as it is."""
    statement = select(
        Coverage.enrolment_id, Coverage.video_id, cast(Coverage.intervals, Text), Coverage.covered_s
    )
    statement = _of_enrolments(statement, Coverage.enrolment_id, trainee_ids)
    if scope is not None:
        enrolments = {int(enrolment) for enrolment, _video in scope.coverage}
        videos = {int(video) for _enrolment, video in scope.coverage}
        statement = statement.where(
            Coverage.enrolment_id.in_(enrolments), Coverage.video_id.in_(videos)
        )
    stored: dict[str, object] = {}
    for enrolment_id, video_id, text, covered_s in session.execute(statement):
        if scope is not None and (str(enrolment_id), str(video_id)) not in scope.coverage:
            continue
        key = f"{enrolment_id}/{video_id}"
        expected = rebuilt.get(key)
        same = expected is not None and text == json.dumps(expected)
        intervals: Any = expected if same else json.loads(text)
        if intervals:
            stored[key] = intervals
        measure = sum(end - start for start, end in intervals)
        if covered_s != measure // 1000:
            stored[f"{key} covered_s"] = covered_s
    return stored


def _study_days(
    session: Session, column: Any, trainee_ids: Trainees, scope: Scope | None
) -> Iterator[tuple[int, str, int, int, Any]]:
    """The day sums' rows (trainee, day as text, enrolment, video, the column), of the scope's
    days if there is one."""
    statement = select(
        StudyDay.trainee_id, StudyDay.day, StudyDay.enrolment_id, StudyDay.video_id, column
    )
    statement = _of(statement, StudyDay.trainee_id, trainee_ids)
    if scope is not None and scope.floors:
        statement = statement.where(scope.days_condition())
    for trainee, day, enrolment, video, value in session.execute(statement):
        text = day.isoformat()
        if scope is None or scope.day(str(trainee), text):
            yield trainee, text, enrolment, video, value


def _stored_credited(
    session: Session, trainee_ids: Trainees, scope: Scope | None = None
) -> dict[str, object]:
    rows = _study_days(session, StudyDay.credited_ms, trainee_ids, scope)
    return {f"{t}/{d}/{e}/{v}": ms for t, d, e, v, ms in rows if ms}


def _stored_not_credited(
    session: Session, trainee_ids: Trainees, scope: Scope | None = None
) -> dict[str, object]:
    rows = _study_days(session, cast(StudyDay.not_credited, Text), trainee_ids, scope)
    found: dict[str, object] = {}
    for t, d, e, v, text in rows:
        if text == "{}":  # most days: nothing to decode
            continue
        reasons = json.loads(text)
        if any(reasons.values()):
            found[f"{t}/{d}/{e}/{v}"] = reasons
    return found


def _stored_last_studied(session: Session, trainee_ids: Trainees) -> dict[str, object]:
    statement = select(Enrolment.id, Enrolment.last_studied_on).where(
        Enrolment.last_studied_on.is_not(None)
    )
    rows = session.execute(_of(statement, Enrolment.trainee_id, trainee_ids))
    return {str(enrolment_id): day.isoformat() for enrolment_id, day in rows}


def _last_studied(totals: Totals) -> dict[str, object]:
    """The last day with credit, per enrolment."""
    last: dict[str, object] = {}
    for (_trainee, day, enrolment, _video), ms in totals.credited_by_video_day.items():
        if ms and day > str(last.get(enrolment, "")):
            last[enrolment] = day
    return last


def _stored_trainees(session: Session, trainee_ids: Trainees) -> dict[str, object]:
    statement = _of(select(TraineeStudyState), TraineeStudyState.trainee_id, trainee_ids)
    return {str(row.trainee_id): trainee_state(row) for row in session.scalars(statement)}


def _as_of(playbacks: Mapping[str, PlaybackState], now_ms: int) -> dict[str, object]:
    return {key: expire(state, now_ms) for key, state in playbacks.items()}


def _stored_playbacks(
    session: Session, trainee_ids: Trainees, scope: Scope | None = None
) -> dict[str, PlaybackState]:
    statement = _of(select(*_PLAYBACK_COLUMNS), Playback.trainee_id, trainee_ids)
    if scope is not None:
        statement = statement.where(Playback.id.in_(scope.playbacks))
    # plain rows, not ORM objects: all of a batch's playbacks, most of them long ended; their
    # settings, the same few texts over and over, decoded once each
    settings: dict[str, dict[str, Any]] = {}
    found: dict[str, PlaybackState] = {}
    for row in session.execute(statement):
        values = dict(row._mapping)
        text = values.pop("settings_text")
        if text not in settings:
            settings[text] = json.loads(text)
        found[row.id] = playback_state(SimpleNamespace(**values, settings=settings[text]))
    return found


#: The columns `playback_state` reads.
_PLAYBACK_COLUMNS = (
    Playback.id,
    cast(Playback.settings, Text).label("settings_text"),
    Playback.duration_ms,
    Playback.opened_at_ms,
    Playback.status,
    Playback.end_reason,
    Playback.superseded_at_ms,
    Playback.last_seq,
    Playback.position_ms,
    Playback.crediting,
    Playback.rate_milli,
    Playback.last_beat_at_ms,
    Playback.allowance_ms,
    Playback.rest_base_ms,
    Playback.paused,
    Playback.visible,
)


def _stored_seconds(session: Session, column: Any, trainee_ids: Trainees) -> dict[str, object]:
    """An enrolment total (online_s or offline_s) per enrolment, where it is not 0."""
    statement = select(Enrolment.id, column).where(column != 0)
    rows = session.execute(_of(statement, Enrolment.trainee_id, trainee_ids))
    return {str(enrolment_id): seconds for enrolment_id, seconds in rows}


def _credited_offline(session: Session, trainee_ids: Trainees) -> dict[str, object]:
    statement = (
        select(OfflineCredit.enrolment_id, func.sum(OfflineCredit.seconds))
        .where(OfflineCredit.revoked_at.is_(None))
        .group_by(OfflineCredit.enrolment_id)
    )
    rows = session.execute(_of_enrolments(statement, OfflineCredit.enrolment_id, trainee_ids))
    return {str(enrolment_id): int(total) for enrolment_id, total in rows if total}


# --- writing ------------------------------------------------------------------------------------


def write_totals(
    session: Session, rebuilt: Rebuild, *, now_ms: int, trainee_ids: Trainees = None
) -> None:
    """Replace the trainees' kept totals with the replay's (playbacks as of `now_ms`)."""
    totals = rebuilt.ledger.totals()
    session.execute(_of_enrolments(delete(Coverage), Coverage.enrolment_id, trainee_ids))
    session.execute(_of(delete(StudyDay), StudyDay.trainee_id, trainee_ids))
    session.execute(
        _of(update(Enrolment), Enrolment.trainee_id, trainee_ids).values(
            online_s=0, offline_s=0, last_studied_on=None
        )
    )
    for (enrolment_id, video_id), pairs in totals.coverage.items():
        measure = sum(end - start for start, end in pairs)
        session.add(
            Coverage(
                enrolment_id=int(enrolment_id),
                video_id=int(video_id),
                intervals=[list(pair) for pair in pairs],
                covered_s=measure // 1000,
            )
        )
    _write_days(session, totals.credited_by_video_day, rebuilt.not_credited_by_video_day)
    for enrolment_id, figures in totals.enrolments.items():
        session.execute(
            update(Enrolment)
            .where(Enrolment.id == int(enrolment_id))
            .values(online_s=figures.online_s)
        )
    for enrolment_id, day in _last_studied(totals).items():
        session.execute(
            update(Enrolment)
            .where(Enrolment.id == int(enrolment_id))
            .values(last_studied_on=date.fromisoformat(str(day)))
        )
    for enrolment_id, seconds in _credited_offline(session, trainee_ids).items():
        session.execute(
            update(Enrolment).where(Enrolment.id == int(enrolment_id)).values(offline_s=seconds)
        )
    states = _of(select(TraineeStudyState), TraineeStudyState.trainee_id, trainee_ids)
    for row in session.scalars(states):
        store_trainee_state(row, totals.trainees[str(row.trainee_id)])
    for row in session.scalars(_of(select(Playback), Playback.trainee_id, trainee_ids)):
        store_playback(row, expire(totals.playbacks[row.id], now_ms))


def _write_days(
    session: Session,
    credited: dict[DayKey, int],
    not_credited: dict[DayKey, dict[str, int]],
) -> None:
    for key in credited.keys() | not_credited.keys():
        trainee_id, day, enrolment_id, video_id = key
        session.add(
            StudyDay(
                trainee_id=int(trainee_id),
                day=date.fromisoformat(day),
                enrolment_id=int(enrolment_id),
                video_id=int(video_id),
                credited_ms=credited.get(key, 0),
                not_credited=dict(not_credited.get(key, {})),
            )
        )
