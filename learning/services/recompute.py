"""Rebuilding the kept totals from the raw records (accounting.md rule 11).

Each trainee's playback openings and beats are replayed in their stored processing order
(`event_no`) through the same pure rules the live path uses, with the settings recorded on each
playback. The result is compared with, or written over, every kept total: coverage, day sums,
the trainee's check state, the playbacks' states and the enrolments' online and offline seconds.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from learning.accounting import BeatEvent, Event, Ledger, OpenEvent
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
    beat_from_record,
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


@dataclass(frozen=True)
class Rebuild:
    ledger: Ledger
    trainees: int
    events: int


def replay(session: Session) -> Rebuild:
    """Replay every trainee's stored events through the rules, into a fresh ledger."""
    seeds = {
        str(tid): seed
        for tid, seed in session.execute(
            select(TraineeStudyState.trainee_id, TraineeStudyState.seed)
        )
    }
    ledger = Ledger(seeds)
    count = 0
    for trainee_id in sorted(int(key) for key in seeds):
        for event in _events(session, trainee_id):
            ledger.apply(event)
            count += 1
    return Rebuild(ledger=ledger, trainees=len(seeds), events=count)


def _events(session: Session, trainee_id: int) -> Iterator[Event]:
    """The trainee's openings and beats merged in processing order."""
    openings = (
        (row.event_no, _open_event(row))
        for row in session.scalars(
            select(Playback).where(Playback.trainee_id == trainee_id).order_by(Playback.event_no)
        )
    )
    beats = (
        (
            event_no,
            BeatEvent(
                playback_id=record.playback_id,
                beat=beat_from_record(record),
                at_ms=record.server_at_ms,
            ),
        )
        for event_no, record in (
            (record.event_no, record)
            for record in session.scalars(
                select(BeatRecord)
                .where(BeatRecord.trainee_id == trainee_id)
                .order_by(BeatRecord.event_no)
                .execution_options(yield_per=5000)
            )
        )
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


def differences(session: Session, ledger: Ledger) -> list[Difference]:
    """Every kept total that differs from the replay (empty when all agree)."""
    totals = ledger.totals()
    found: list[Difference] = []
    found += _compare(
        "coverage",
        _stored_coverage(session),
        {
            f"{e}/{v}": [list(pair) for pair in pairs]
            for (e, v), pairs in totals.coverage.items()
            if pairs
        },
    )
    found += _compare(
        "credited",
        _stored_credited(session),
        {_day_key(k): ms for k, ms in totals.credited_by_video_day.items() if ms},
    )
    found += _compare(
        "not credited",
        _stored_not_credited(session),
        {_day_key(k): ms for k, ms in totals.not_credited_by_day.items() if ms},
    )
    found += _compare(
        "online seconds",
        _stored_online(session),
        {key: figures.online_s for key, figures in totals.enrolments.items() if figures.online_s},
    )
    found += _compare("offline seconds", _stored_offline(session), _credited_offline(session))
    found += _compare(
        "trainee state",
        {
            str(row.trainee_id): trainee_state(row)
            for row in session.scalars(select(TraineeStudyState))
        },
        totals.trainees,
    )
    found += _compare(
        "playback",
        {row.id: playback_state(row) for row in session.scalars(select(Playback))},
        totals.playbacks,
    )
    return found


def _compare(what: str, stored: dict[str, object], rebuilt: dict[str, object]) -> list[Difference]:
    return [
        Difference(what, key, stored.get(key), rebuilt.get(key))
        for key in sorted(stored.keys() | rebuilt.keys())
        if stored.get(key) != rebuilt.get(key)
    ]


def _day_key(parts: tuple[str, ...]) -> str:
    return "/".join(parts)


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
    sums: dict[str, int] = defaultdict(int)
    for trainee_id, day, not_credited in session.execute(
        select(StudyDay.trainee_id, StudyDay.day, StudyDay.not_credited)
    ):
        for reason, ms in not_credited.items():
            sums[f"{trainee_id}/{day.isoformat()}/{reason}"] += ms
    return {key: ms for key, ms in sums.items() if ms}


def _stored_online(session: Session) -> dict[str, object]:
    rows = session.execute(select(Enrolment.id, Enrolment.online_s).where(Enrolment.online_s != 0))
    return {str(enrolment_id): online_s for enrolment_id, online_s in rows}


def _stored_offline(session: Session) -> dict[str, object]:
    rows = session.execute(
        select(Enrolment.id, Enrolment.offline_s).where(Enrolment.offline_s != 0)
    )
    return {str(enrolment_id): offline_s for enrolment_id, offline_s in rows}


def _credited_offline(session: Session) -> dict[str, object]:
    rows = session.execute(
        select(OfflineCredit.enrolment_id, func.sum(OfflineCredit.seconds))
        .where(OfflineCredit.revoked_at.is_(None))
        .group_by(OfflineCredit.enrolment_id)
    )
    return {str(enrolment_id): int(total) for enrolment_id, total in rows if total}


# --- writing ------------------------------------------------------------------------------------


def write_totals(session: Session, ledger: Ledger) -> None:
    """Replace every kept total with the replay's."""
    totals = ledger.totals()
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
    _write_days(session, totals.credited_by_video_day, totals.not_credited_by_day)
    for enrolment_id, figures in totals.enrolments.items():
        session.execute(
            update(Enrolment)
            .where(Enrolment.id == int(enrolment_id))
            .values(online_s=figures.online_s)
        )
    for enrolment_id, seconds in _credited_offline(session).items():
        session.execute(
            update(Enrolment).where(Enrolment.id == int(enrolment_id)).values(offline_s=seconds)
        )
    _write_last_studied(session, totals.credited_by_video_day)
    for row in session.scalars(select(TraineeStudyState)):
        store_trainee_state(row, totals.trainees[str(row.trainee_id)])
    for row in session.scalars(select(Playback)):
        store_playback(row, totals.playbacks[row.id])


def _write_days(session: Session, credited: dict, not_credited: dict) -> None:
    """Day rows per (trainee, day, enrolment, video). The not-credited sums are kept per trainee
    and day by the ledger; they are put back on the rows the beats themselves stored them on."""
    rows: dict[tuple[int, str, int, int], StudyDay] = {}

    def row(trainee_id: int, day: str, enrolment_id: int, video_id: int) -> StudyDay:
        key = (trainee_id, day, enrolment_id, video_id)
        if key not in rows:
            rows[key] = StudyDay(
                trainee_id=trainee_id,
                day=date.fromisoformat(day),
                enrolment_id=enrolment_id,
                video_id=video_id,
                credited_ms=0,
                not_credited={},
            )
            session.add(rows[key])
        return rows[key]

    for (trainee_id, day, enrolment_id, video_id), ms in credited.items():
        row(int(trainee_id), day, int(enrolment_id), int(video_id)).credited_ms += ms
    for (trainee_id, day, enrolment_id, video_id), reasons in _not_credited_by_video(
        session
    ).items():
        target = row(trainee_id, day, enrolment_id, video_id)
        target.not_credited = dict(reasons)
    del not_credited  # the per-video split comes from the beat log; the ledger's sums are checked


def _not_credited_by_video(session: Session) -> dict[tuple[int, str, int, int], dict[str, int]]:
    sums: dict[tuple[int, str, int, int], dict[str, int]] = defaultdict(dict)
    statement = (
        select(
            BeatRecord.trainee_id,
            BeatRecord.day,
            Playback.enrolment_id,
            Playback.video_id,
            BeatRecord.not_credited,
        )
        .join(Playback, Playback.id == BeatRecord.playback_id)
        .where(BeatRecord.status != "duplicate")
    )
    for trainee_id, day, enrolment_id, video_id, reasons in session.execute(statement):
        bucket = sums[(trainee_id, day, enrolment_id, video_id)]
        for reason, ms in reasons.items():
            bucket[reason] = bucket.get(reason, 0) + ms
    return sums


def _write_last_studied(session: Session, credited: dict) -> None:
    last: dict[int, str] = {}
    for (_trainee_id, day, enrolment_id, _video_id), ms in credited.items():
        if ms and day > last.get(int(enrolment_id), ""):
            last[int(enrolment_id)] = day
    for enrolment_id, day in last.items():
        session.execute(
            update(Enrolment)
            .where(Enrolment.id == enrolment_id)
            .values(last_studied_on=date.fromisoformat(day))
        )
