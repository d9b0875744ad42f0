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

import heapq
import json
import multiprocessing
from collections import defaultdict
from collections.abc import Collection, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import Delete, Engine, Select, Text, Update, cast, delete, func, select, update
from sqlalchemy.orm import Session

from learning.database import Database
from learning.domain.accounting import (
    VOIDED,
    Beat,
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
from learning.models import (
    BeatRecord,
    Coverage,
    Enrolment,
    OfflineCredit,
    Playback,
    PlaybackVoid,
    StudyDay,
    TraineeStudyState,
)
from learning.services.study import (
    lock_trainee,
    playback_state,
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


DayKey = tuple[str, str, str, str]  # trainee, day, enrolment, video


@dataclass(frozen=True)
class StoredJudgement:
    """What a stored beat row says it earned, and why not (rule 10)."""

    event_no: int
    status: str
    credited_ms: int
    not_credited: dict[str, int]


# A beat row's judgement as read: event_no, status, credited ms, not-credited ms as JSON text
# (decoded only when it is not "{}", which most beats have: a replay reads millions).
StoredRow = tuple[int, str, int, str]


@dataclass(frozen=True)
class Rebuild:
    """The replay: the ledger's totals, plus the not-credited time per video and day (the
    ledger sums it per trainee and day; the study record shows it per video too)."""

    ledger: Ledger
    not_credited_by_video_day: dict[DayKey, dict[str, int]]
    events: int
    beat_differences: list[Difference] = field(default_factory=list)


class Replayer:
    """Feeds events to a ledger and keeps what the ledger does not: not-credited time per video
    and day. The rebuild uses it on stored events; the demo uses it on simulated ones."""

    def __init__(self, seeds: dict[str, str] | None = None) -> None:
        self.ledger = Ledger(seeds)
        self.events = 0
        self._not_credited: dict[DayKey, dict[str, int]] = defaultdict(dict)
        self._where: dict[str, tuple[str, str, str]] = {}
        self._beat_differences: list[Difference] = []

    def apply(self, event: Event) -> PlaybackState | BeatOutcome | VoidOutcome:
        outcome = self.ledger.apply(event)
        self.events += 1
        if isinstance(event, OpenEvent):
            self._where[event.playback_id] = (event.trainee_id, event.enrolment_id, event.video_id)
        elif isinstance(outcome, BeatOutcome) and not outcome.duplicate:
            self._add_not_credited(event.playback_id, outcome.day, outcome.not_credited_ms)
        elif isinstance(outcome, VoidOutcome):
            for day, ms in outcome.voided_ms_by_day.items():
                self._add_not_credited(event.playback_id, day, {VOIDED: ms})
        return outcome

    def _add_not_credited(self, playback_id: str, day: str, reasons: Mapping[str, int]) -> None:
        trainee, enrolment, video = self._where[playback_id]
        bucket = self._not_credited[(trainee, day, enrolment, video)]
        for reason, ms in reasons.items():
            bucket[reason] = bucket.get(reason, 0) + ms

    def compare_beat(self, trainee_id: int, row: StoredRow, outcome: object) -> None:
        """Note a stored beat whose judgement (rule 10) is not the replay's."""
        assert isinstance(outcome, BeatOutcome)
        event_no, status, credited_ms, not_credited_text = row
        replayed_status = "duplicate" if outcome.duplicate else outcome.status
        replayed_reasons = {reason: ms for reason, ms in outcome.not_credited_ms.items() if ms}
        if status == replayed_status and credited_ms == outcome.credited_ms:
            if not_credited_text == "{}" and not replayed_reasons:
                return
            stored_reasons = {k: v for k, v in json.loads(not_credited_text).items() if v}
            if stored_reasons == replayed_reasons:
                return
        stored = StoredJudgement(
            event_no, status, credited_ms, dict(json.loads(not_credited_text or "{}"))
        )
        replayed = StoredJudgement(event_no, replayed_status, outcome.credited_ms, replayed_reasons)
        key = f"{trainee_id}/{event_no}"
        self._beat_differences.append(Difference("beat", key, stored, replayed))

    def rebuild(self) -> Rebuild:
        return Rebuild(self.ledger, dict(self._not_credited), self.events, self._beat_differences)


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
        for event, stored in _events(session, trainee_id):
            outcome = replayer.apply(event)
            if stored is not None:
                replayer.compare_beat(trainee_id, stored, outcome)
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


def check(database: Database, *, now_ms: int, processes: int = 1) -> Report:
    """Compare every trainee's kept totals with their replay, each in a consistent snapshot."""
    return _each_trainee(database, now_ms=now_ms, processes=processes, write=False)


def rebuild(database: Database, *, now_ms: int, processes: int = 1) -> Report:
    """Replace every trainee's kept totals by their replay, each under the trainee's lock."""
    return _each_trainee(database, now_ms=now_ms, processes=processes, write=True)


def _each_trainee(database: Database, *, now_ms: int, processes: int, write: bool) -> Report:
    with database.session_factory() as session:
        trainee_ids = _trainees(session)
    if processes <= 1 or len(trainee_ids) < 2:
        return _share(database, trainee_ids, now_ms, write)
    shares = [trainee_ids[index::processes] for index in range(processes)]
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no inherited sockets
    with ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool:
        reports = list(
            pool.map(
                _share_in_process,
                [database.url] * processes,
                shares,
                [now_ms] * processes,
                [write] * processes,
            )
        )
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


def _share_in_process(url: str, trainee_ids: list[int], now_ms: int, write: bool) -> Report:
    """One process's share (runs in a worker process, with its own engine and writer lock)."""
    database = Database(url)
    try:
        return _share(database, trainee_ids, now_ms, write)
    finally:
        database.dispose()


def _share(database: Database, trainee_ids: list[int], now_ms: int, write: bool) -> Report:
    events = 0
    found: list[Difference] = []
    for trainee_id in trainee_ids:
        if write:
            with database.transaction() as session:
                lock_trainee(session, trainee_id)
                rebuilt, trainee_found = _replay_and_compare(session, trainee_id, now_ms)
                write_totals(session, rebuilt, now_ms=now_ms, trainee_ids=[trainee_id])
        else:
            with database.session_factory() as session:
                _snapshot(session)
                rebuilt, trainee_found = _replay_and_compare(session, trainee_id, now_ms)
        events += rebuilt.events
        found.extend(trainee_found)
    return Report(trainees=len(trainee_ids), events=events, differences=found)


def _replay_and_compare(
    session: Session, trainee_id: int, now_ms: int
) -> tuple[Rebuild, list[Difference]]:
    rebuilt = replay(session, [trainee_id])
    found = differences(session, rebuilt, now_ms=now_ms, trainee_ids=[trainee_id])
    return rebuilt, [*rebuilt.beat_differences, *found]


def _snapshot(session: Session) -> None:
    """Make the session's transaction one consistent view: REPEATABLE READ on PostgreSQL (on
    SQLite a read transaction already is one, in WAL mode). A session bound to a connection
    already in a transaction (the tests' rolled-back one) is one view already."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql" and isinstance(bind, Engine):
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


# An event with its number (the order they are processed in) and its stored row, if a beat.
_Numbered = tuple[int, Event, StoredRow | None]


def _events(session: Session, trainee_id: int) -> Iterator[tuple[Event, StoredRow | None]]:
    """The trainee's openings, beats and voids merged in processing order, each beat with what
    its stored row says it earned."""
    openings: Iterator[_Numbered] = (
        (row.event_no, _open_event(row), None)
        for row in session.scalars(
            select(Playback).where(Playback.trainee_id == trainee_id).order_by(Playback.event_no)
        )
    )
    beat = BeatRecord
    rows = session.connection().execute(  # Core, not the ORM's result: a third of the time
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
            beat.status,
            beat.credited_ms,
            cast(beat.not_credited, Text),  # as stored: most are "{}", decoded only if not
            beat.face_outcome,
            beat.question_outcome,
        )
        .where(beat.trainee_id == trainee_id)
        .order_by(beat.event_no)
        .execution_options(yield_per=5000)
    )
    beats: Iterator[_Numbered] = (  # plain rows, not ORM objects: a replay reads millions
        (
            row[0],
            BeatEvent(
                playback_id=row[1],
                beat=Beat(
                    seq=row[3],
                    position_ms=row[4],
                    rate_milli=row[5],
                    paused=row[6],
                    visible=row[7],
                    event=row[8],
                    from_ms=row[9],
                    attention_id=row[10],
                    attention_code=row[11],
                    face_outcome=row[15],
                    question_outcome=row[16],
                ),
                at_ms=row[2],
            ),
            (row[0], row[12], row[13], row[14]),
        )
        for row in rows
    )
    voids: Iterator[_Numbered] = (
        (row.event_no, VoidEvent(playback_id=row.playback_id, at_ms=row.at_ms), None)
        for row in session.scalars(
            select(PlaybackVoid)
            .where(PlaybackVoid.trainee_id == trainee_id)
            .order_by(PlaybackVoid.event_no)
        )
    )
    merged = heapq.merge(openings, beats, voids, key=lambda item: item[0])
    for _event_no, event, stored in merged:
        yield event, stored


def _open_event(row: Playback) -> OpenEvent:
    state = playback_state(row)
    return OpenEvent(
        trainee_id=str(row.trainee_id),
        enrolment_id=str(row.enrolment_id),
        video_id=str(row.video_id),
        playback_id=row.id,
        settings=state.settings,
        duration_ms=row.duration_ms,
        at_ms=row.opened_at_ms,
    )


# --- comparing ----------------------------------------------------------------------------------

Trainees = Collection[int] | None  # the trainees whose totals are meant; None for everyone


def differences(
    session: Session, rebuilt: Rebuild, *, now_ms: int, trainee_ids: Trainees = None
) -> list[Difference]:
    """Every kept total of the trainees that differs from the replay (empty when all agree).
    Playbacks are compared as of `now_ms`: one past its grace deadline is ended on both sides,
    whether or not the scheduler has written that yet (rule 9)."""
    totals = rebuilt.ledger.totals()
    coverage = {
        f"{enrolment}/{video}": [list(pair) for pair in pairs]
        for (enrolment, video), pairs in totals.coverage.items()
        if pairs
    }
    credited = {"/".join(key): ms for key, ms in totals.credited_by_video_day.items() if ms}
    not_credited = {
        "/".join(key): reasons
        for key, reasons in rebuilt.not_credited_by_video_day.items()
        if any(reasons.values())
    }
    online = {key: f.online_s for key, f in totals.enrolments.items() if f.online_s}
    return [
        *_compare("coverage", _stored_coverage(session, trainee_ids), coverage),
        *_compare("credited", _stored_credited(session, trainee_ids), credited),
        *_compare("not credited", _stored_not_credited(session, trainee_ids), not_credited),
        *_compare(
            "online seconds", _stored_seconds(session, Enrolment.online_s, trainee_ids), online
        ),
        *_compare(
            "last studied", _stored_last_studied(session, trainee_ids), _last_studied(totals)
        ),
        *_compare(
            "offline seconds",
            _stored_seconds(session, Enrolment.offline_s, trainee_ids),
            _credited_offline(session, trainee_ids),
        ),
        *_compare("trainee state", _stored_trainees(session, trainee_ids), totals.trainees),
        *_compare(
            "playback",
            _as_of(_stored_playbacks(session, trainee_ids), now_ms),
            _as_of(totals.playbacks, now_ms),
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


def _stored_coverage(session: Session, trainee_ids: Trainees) -> dict[str, object]:
    statement = select(
        Coverage.enrolment_id, Coverage.video_id, Coverage.intervals, Coverage.covered_s
    )
    stored: dict[str, object] = {}
    for enrolment_id, video_id, intervals, covered_s in session.execute(
        _of_enrolments(statement, Coverage.enrolment_id, trainee_ids)
    ):
        if intervals:
            stored[f"{enrolment_id}/{video_id}"] = intervals
        measure = sum(end - start for start, end in intervals)
        if covered_s != measure // 1000:
            stored[f"{enrolment_id}/{video_id} covered_s"] = covered_s
    return stored


def _study_days(session: Session, column: Any, trainee_ids: Trainees) -> Iterator[Any]:
    statement = select(
        StudyDay.trainee_id, StudyDay.day, StudyDay.enrolment_id, StudyDay.video_id, column
    )
    return iter(session.execute(_of(statement, StudyDay.trainee_id, trainee_ids)))


def _stored_credited(session: Session, trainee_ids: Trainees) -> dict[str, object]:
    rows = _study_days(session, StudyDay.credited_ms, trainee_ids)
    return {f"{t}/{d.isoformat()}/{e}/{v}": ms for t, d, e, v, ms in rows if ms}


def _stored_not_credited(session: Session, trainee_ids: Trainees) -> dict[str, object]:
    rows = _study_days(session, StudyDay.not_credited, trainee_ids)
    return {
        f"{t}/{d.isoformat()}/{e}/{v}": reasons
        for t, d, e, v, reasons in rows
        if any(reasons.values())
    }


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


def _stored_playbacks(session: Session, trainee_ids: Trainees) -> dict[str, PlaybackState]:
    statement = _of(select(Playback), Playback.trainee_id, trainee_ids)
    return {row.id: playback_state(row) for row in session.scalars(statement)}


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
