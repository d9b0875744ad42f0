"""Rebuilding the kept totals from the raw records (accounting.md rule 11).

Each trainee's playback openings and beats are replayed in their stored processing order
(`event_no`) through the same pure rules the live path uses, with the settings recorded on each
playback. The result is compared with, or written over, every kept total: coverage, day sums,
the trainee's check state, the playbacks' states and the enrolments' online and offline seconds.
"""

from __future__ import annotations

import heapq
import multiprocessing
from collections import defaultdict
from collections.abc import Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import create_engine, delete, func, select, update
from sqlalchemy.orm import Session

from learning.accounting import (
    Beat,
    BeatEvent,
    BeatOutcome,
    Event,
    Ledger,
    OpenEvent,
    PlaybackState,
    Totals,
    expire,
)
from learning.models import (
    BeatRecord,
    Coverage,
    Enrolment,
    OfflineCredit,
    Playback,
    StudyDay,
    TraineeStudyState,
)
from learning.services.study import (
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
class Rebuild:
    """The replay: the ledger's totals, plus the not-credited time per video and day (the
    ledger sums it per trainee and day; the study record shows it per video too)."""

    ledger: Ledger
    not_credited_by_video_day: dict[DayKey, dict[str, int]]
    trainees: int
    events: int


class Replayer:
    """Feeds events to a ledger and keeps what the ledger does not: not-credited time per video
    and day. The rebuild uses it on stored events; the demo uses it on simulated ones."""

    def __init__(self, seeds: dict[str, str] | None = None) -> None:
        self.ledger = Ledger(seeds)
        self.events = 0
        self._not_credited: dict[DayKey, dict[str, int]] = defaultdict(dict)
        self._where: dict[str, tuple[str, str, str]] = {}

    def apply(self, event: Event) -> PlaybackState | BeatOutcome:
        outcome = self.ledger.apply(event)
        self.events += 1
        if isinstance(event, OpenEvent):
            self._where[event.playback_id] = (event.trainee_id, event.enrolment_id, event.video_id)
        elif isinstance(outcome, BeatOutcome) and not outcome.duplicate:
            trainee, enrolment, video = self._where[event.playback_id]
            bucket = self._not_credited[(trainee, outcome.day or "", enrolment, video)]
            for reason, ms in outcome.not_credited_ms.items():
                bucket[reason] = bucket.get(reason, 0) + ms
        return outcome

    def rebuild(self, trainees: int) -> Rebuild:
        return Rebuild(self.ledger, dict(self._not_credited), trainees, self.events)

    def absorb(self, other: Replayer) -> None:
        """Take in the replay of other trainees (see `replay` with several processes)."""
        self.ledger.absorb(other.ledger)
        self.events += other.events
        self._not_credited.update(other._not_credited)
        self._where.update(other._where)


def replay(session: Session, *, processes: int = 1) -> Rebuild:
    """Replay every trainee's stored events through the rules, into a fresh ledger. Trainees
    are independent, so with `processes` > 1 they are shared out among that many processes,
    each reading the same database (which must then be a committed one, not this session's
    uncommitted work), and their ledgers are put together."""
    seeds = {
        str(trainee_id): seed
        for trainee_id, seed in session.execute(
            select(TraineeStudyState.trainee_id, TraineeStudyState.seed)
        )
    }
    if processes <= 1 or len(seeds) < 2:
        replayer = _replay_trainees(session, seeds)
    else:
        replayer = _replay_in_processes(session, seeds, processes)
    return replayer.rebuild(trainees=len(seeds))


def _replay_trainees(session: Session, seeds: dict[str, str]) -> Replayer:
    replayer = Replayer(seeds)
    for trainee_id in sorted(int(key) for key in seeds):
        for event in _events(session, trainee_id):
            replayer.apply(event)
    return replayer


def _replay_in_processes(session: Session, seeds: dict[str, str], processes: int) -> Replayer:
    url = session.get_bind().engine.url.render_as_string(hide_password=False)
    ordered = sorted(seeds, key=int)
    shares = [{key: seeds[key] for key in ordered[index::processes]} for index in range(processes)]
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no inherited sockets
    with ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool:
        parts = list(pool.map(_replay_share, [url] * processes, shares))
    whole = parts[0]
    for part in parts[1:]:
        whole.absorb(part)
    return whole


def _replay_share(url: str, seeds: dict[str, str]) -> Replayer:
    """One process's share of a replay (runs in a worker process)."""
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            return _replay_trainees(session, seeds)
    finally:
        engine.dispose()


def _events(session: Session, trainee_id: int) -> Iterator[Event]:
    """The trainee's openings and beats merged in processing order."""
    openings = (
        (row.event_no, _open_event(row))
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
        )
        .where(beat.trainee_id == trainee_id)
        .order_by(beat.event_no)
        .execution_options(yield_per=5000)
    )
    beats = (  # plain rows, not ORM objects: a replay reads millions
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
                ),
                at_ms=row[2],
            ),
        )
        for row in rows
    )
    for _event_no, event in heapq.merge(openings, beats, key=lambda item: item[0]):
        yield event


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


def differences(session: Session, rebuilt: Rebuild, *, now_ms: int) -> list[Difference]:
    """Every kept total that differs from the replay (empty when all agree). Playbacks are
    compared as of `now_ms`: one past its grace deadline is ended on both sides, whether or not
    the scheduler has written that yet (rule 9)."""
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
        *_compare("coverage", _stored_coverage(session), coverage),
        *_compare("credited", _stored_credited(session), credited),
        *_compare("not credited", _stored_not_credited(session), not_credited),
        *_compare("online seconds", _stored_seconds(session, Enrolment.online_s), online),
        *_compare("last studied", _stored_last_studied(session), _last_studied(totals)),
        *_compare(
            "offline seconds",
            _stored_seconds(session, Enrolment.offline_s),
            _credited_offline(session),
        ),
        *_compare("trainee state", _stored_trainees(session), totals.trainees),
        *_compare(
            "playback",
            _as_of(_stored_playbacks(session), now_ms),
            _as_of(totals.playbacks, now_ms),
        ),
    ]


def _compare(what: str, stored: dict[str, object], rebuilt: dict[str, object]) -> list[Difference]:
    return [
        Difference(what, key, stored.get(key), rebuilt.get(key))
        for key in sorted(stored.keys() | rebuilt.keys())
        if stored.get(key) != rebuilt.get(key)
    ]


def _stored_coverage(session: Session) -> dict[str, object]:
    rows = session.execute(
        select(Coverage.enrolment_id, Coverage.video_id, Coverage.intervals, Coverage.covered_s)
    )
    stored: dict[str, object] = {}
    for enrolment_id, video_id, intervals, covered_s in rows:
        if intervals:
            stored[f"{enrolment_id}/{video_id}"] = intervals
        measure = sum(end - start for start, end in intervals)
        if covered_s != measure // 1000:
            stored[f"{enrolment_id}/{video_id} covered_s"] = covered_s
    return stored


def _stored_credited(session: Session) -> dict[str, object]:
    rows = session.execute(
        select(
            StudyDay.trainee_id,
            StudyDay.day,
            StudyDay.enrolment_id,
            StudyDay.video_id,
            StudyDay.credited_ms,
        )
    )
    return {f"{t}/{d.isoformat()}/{e}/{v}": ms for t, d, e, v, ms in rows if ms}


def _stored_not_credited(session: Session) -> dict[str, object]:
    rows = session.execute(
        select(
            StudyDay.trainee_id,
            StudyDay.day,
            StudyDay.enrolment_id,
            StudyDay.video_id,
            StudyDay.not_credited,
        )
    )
    return {
        f"{t}/{d.isoformat()}/{e}/{v}": reasons
        for t, d, e, v, reasons in rows
        if any(reasons.values())
    }


def _stored_last_studied(session: Session) -> dict[str, object]:
    rows = session.execute(
        select(Enrolment.id, Enrolment.last_studied_on).where(
            Enrolment.last_studied_on.is_not(None)
        )
    )
    return {str(enrolment_id): day.isoformat() for enrolment_id, day in rows}


def _last_studied(totals: Totals) -> dict[str, object]:
    """The last day with credit, per enrolment."""
    last: dict[str, object] = {}
    for (_trainee, day, enrolment, _video), ms in totals.credited_by_video_day.items():
        if ms and day > str(last.get(enrolment, "")):
            last[enrolment] = day
    return last


def _stored_trainees(session: Session) -> dict[str, object]:
    return {
        str(row.trainee_id): trainee_state(row)
        for row in session.scalars(select(TraineeStudyState))
    }


def _as_of(playbacks: Mapping[str, PlaybackState], now_ms: int) -> dict[str, object]:
    return {key: expire(state, now_ms) for key, state in playbacks.items()}


def _stored_playbacks(session: Session) -> dict[str, PlaybackState]:
    return {row.id: playback_state(row) for row in session.scalars(select(Playback))}


def _stored_seconds(session: Session, column: Any) -> dict[str, object]:
    """An enrolment total (online_s or offline_s) per enrolment, where it is not 0."""
    rows = session.execute(select(Enrolment.id, column).where(column != 0))
    return {str(enrolment_id): seconds for enrolment_id, seconds in rows}


def _credited_offline(session: Session) -> dict[str, object]:
    rows = session.execute(
        select(OfflineCredit.enrolment_id, func.sum(OfflineCredit.seconds))
        .where(OfflineCredit.revoked_at.is_(None))
        .group_by(OfflineCredit.enrolment_id)
    )
    return {str(enrolment_id): int(total) for enrolment_id, total in rows if total}


# --- writing ------------------------------------------------------------------------------------


def write_totals(session: Session, rebuilt: Rebuild, *, now_ms: int) -> None:
    """Replace every kept total with the replay's (playbacks as of `now_ms`)."""
    totals = rebuilt.ledger.totals()
    session.execute(delete(Coverage))
    session.execute(delete(StudyDay))
    session.execute(update(Enrolment).values(online_s=0, offline_s=0, last_studied_on=None))
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
    for enrolment_id, seconds in _credited_offline(session).items():
        session.execute(
            update(Enrolment).where(Enrolment.id == int(enrolment_id)).values(offline_s=seconds)
        )
    for row in session.scalars(select(TraineeStudyState)):
        store_trainee_state(row, totals.trainees[str(row.trainee_id)])
    for row in session.scalars(select(Playback)):
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
