"""Study time: opening and closing playbacks through the pure accounting rules, and the rows'
translation to the rules' states. Heartbeats themselves are recorded by `services.beats`.

Everything a trainee does runs under a lock on their `trainee_study_state` row (on SQLite, the
request's writing transaction: see `learning.db`), so their beats and openings are processed
one at a time, numbered in that order (`event_no`) and timed by a clock that never goes
backwards. The caller commits.

The order in which a transaction takes a trainee's rows, everywhere (beats, openings, the job
that ends expired playbacks, `recompute`, offline credit): first the `trainee_study_state` row
(FOR UPDATE), then their playbacks, then the enrolment, coverage and day rows. Two transactions
of one trainee therefore queue on the first row and can never hold each other's rows
(PostgreSQL's `DeadlockDetected` between a beat and an opening came from the beat taking its
playback first).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from learning import faces
from learning.domain.accounting import (
    AccountingSettings,
    IntervalSet,
    PendingCheck,
    PlaybackState,
    TraineeState,
    check_on_opening,
    expire,
    is_stale,
)
from learning.domain.accounting import open_playback as open_playback_rule
from learning.domain.accounting.rules import ACTIVE
from learning.models import (
    Coverage,
    Enrolment,
    Playback,
    PresenceCheck,
    ProgrammeVideo,
    TraineeStudyState,
    Video,
)
from learning.services import ServiceError, face_profiles, question_bank


@dataclass(frozen=True)
class CheckView:
    """A pending presence check as the client may see it (never the code): a code to type, or,
    where the playback requires face checks, the liveness action to do before the camera.
    `resume_at_s` is None for the check a face-check playback opens with."""

    id: str
    resume_at_s: float | None
    kind: str = "code"  # code | question | both | face
    action: str | None = None  # for a face check: blink, turn_left, turn_right


@dataclass(frozen=True)
class OpenedPlayback:
    playback_id: str
    heartbeat_interval_s: int
    resume_position_s: float
    first_uncovered_s: int
    max_rate: float
    attention_check: CheckView | None


def new_playback_id() -> str:
    """An id nobody can guess: 128 random bits."""
    return secrets.token_hex(16)


# --- opening a playback -----------------------------------------------------------------------


def open_playback(
    session: Session,
    *,
    trainee_id: int,
    enrolment_id: int,
    video_id: int,
    settings: AccountingSettings,
    now_ms: int,
) -> OpenedPlayback:
    """Open a playback of a video of the trainee's enrolment; supersede their other one."""
    enrolment = session.get(Enrolment, enrolment_id)
    if enrolment is None or enrolment.trainee_id != trainee_id:
        raise ServiceError("not_found")
    video = _video_of_programme(session, enrolment.programme_id, video_id)
    if face_profiles.checks_apply(session, trainee_id, enrolment.programme_id):
        settings = replace(settings, face_checks=True)
    else:
        asks = question_bank.presence_check_for(session, enrolment.programme)
        settings = replace(settings, presence_check=asks)
    state = _locked_state(session, trainee_id, create=True)
    now = _tick(state, now_ms)
    previous_row = (
        session.get(Playback, state.latest_playback_id) if state.latest_playback_id else None
    )
    previous = playback_state(previous_row) if previous_row is not None else None
    playback_id = new_playback_id()
    playback, previous = open_playback_rule(
        playback_id, settings, video.duration_s * 1000, now, previous
    )
    if previous_row is not None and previous is not None:
        store_playback(previous_row, previous)
    state.event_count += 1
    state.latest_playback_id = playback_id
    row = Playback(
        id=playback_id,
        trainee_id=trainee_id,
        enrolment_id=enrolment_id,
        video_id=video_id,
        event_no=state.event_count,
        opened_at_ms=now,
        settings=settings.to_dict(),
        duration_ms=playback.duration_ms,
    )
    store_playback(row, playback)
    resume_ms = _resume_position_ms(session, enrolment_id, video_id, playback.duration_ms)
    session.add(row)
    _check_on_opening(session, state, row, playback, now)
    coverage = _coverage(session, enrolment_id, video_id)
    return OpenedPlayback(
        playback_id=playback_id,
        heartbeat_interval_s=settings.heartbeat_interval_s,
        resume_position_s=resume_ms / 1000,
        first_uncovered_s=_first_uncovered_s(coverage, playback.duration_ms),
        max_rate=settings.max_rate,
        attention_check=check_view(trainee_state(state).pending, settings),
    )


def _check_on_opening(
    session: Session, state: TraineeStudyState, row: Playback, playback: PlaybackState, now: int
) -> None:
    """A face-check playback opens with a check pending (the rules decide); record it raised."""
    before = trainee_state(state)
    after = check_on_opening(before, playback, now)
    if after is before or after.pending is None:
        return
    store_trainee_state(state, after)
    session.flush([row])  # the check's record refers to the playback
    session.add(
        PresenceCheck(
            trainee_id=state.trainee_id,
            check_id=after.pending.id,
            playback_id=row.id,
            raised_at_ms=now,
        )
    )


def _video_of_programme(session: Session, programme_id: int, video_id: int) -> Video:
    statement = (
        select(Video)
        .join(ProgrammeVideo, ProgrammeVideo.video_id == Video.id)
        .where(
            ProgrammeVideo.programme_id == programme_id,
            Video.id == video_id,
            Video.retired_at.is_(None),
        )
    )
    video = session.scalar(statement)
    if video is None:
        raise ServiceError("not_found")
    return video


def _resume_position_ms(session: Session, enrolment_id: int, video_id: int, duration: int) -> int:
    """Where the last playback of this video in this enrolment stopped; 0 at the end or none."""
    statement = (
        select(Playback.position_ms)
        .where(Playback.enrolment_id == enrolment_id, Playback.video_id == video_id)
        .order_by(Playback.event_no.desc())
        .limit(1)
    )
    position = session.scalar(statement)
    if position is None or position >= duration - 2000:
        return 0
    return position


def _first_uncovered_s(coverage: IntervalSet, duration_ms: int) -> int:
    return min(coverage.first_gap_from(0), duration_ms) // 1000


# --- recording a beat -------------------------------------------------------------------------


def covered_s(coverage: IntervalSet, duration_ms: int) -> int:
    """Covered seconds: the measure in whole seconds, never above the video's duration."""
    return min(coverage.measure, duration_ms) // 1000


# --- the presence check image -----------------------------------------------------------------


def show_pending_check(
    session: Session, *, trainee_id: int, playback_id: str, check_id: str, now_ms: int
) -> str:
    """The code of the trainee's pending check, for drawing; not found unless it is theirs.
    The first time, the moment it is shown is recorded (PresenceCheck.shown_at_ms)."""
    code = _pending_check_code(session, trainee_id, playback_id, check_id)
    session.execute(
        update(PresenceCheck)
        .where(
            PresenceCheck.trainee_id == trainee_id,
            PresenceCheck.check_id == check_id,
            PresenceCheck.shown_at_ms.is_(None),
        )
        .values(shown_at_ms=now_ms)
    )
    return code


def _pending_check_code(session: Session, trainee_id: int, playback_id: str, check_id: str) -> str:
    state = session.get(TraineeStudyState, trainee_id, with_for_update=True)  # first, always
    playback = session.get(Playback, playback_id)
    if (
        playback is None
        or playback.trainee_id != trainee_id
        or state is None
        or state.pending_id != check_id
        or state.pending_code is None
    ):
        raise ServiceError("not_found")
    return state.pending_code


# --- playbacks nobody closed ---------------------------------------------------------------


def trainees_with_active_playbacks(session: Session) -> list[int]:
    """The trainees that have an active playback, in id order."""
    statement = (
        select(Playback.trainee_id)
        .where(Playback.status == ACTIVE)
        .distinct()
        .order_by(Playback.trainee_id)
    )
    return list(session.scalars(statement))


def close_expired_playbacks(session: Session, trainee_id: int, now_ms: int) -> tuple[int, int]:
    """End the trainee's active playbacks whose grace deadline has passed (rule 9), dated at
    the deadline as the rules date them; returns (stale, closed). A beat or an open would end
    them the same way: this only keeps the stored state current for whoever reads it."""
    stale = closed = 0
    _locked_state(session, trainee_id, create=False)  # the trainee's row first, as everywhere
    active = select(Playback).where(Playback.trainee_id == trainee_id, Playback.status == ACTIVE)
    for row in session.scalars(active.execution_options(populate_existing=True)):
        state = playback_state(row)
        ended = expire(state, now_ms)
        if ended is not state:
            store_playback(row, ended)
            closed += 1
        elif is_stale(state, now_ms):
            stale += 1
    return stale, closed


# --- the trainee's lock and state -------------------------------------------------------------


def lock_trainee(session: Session, trainee_id: int) -> None:
    """Take the trainee's row, first, for a transaction that changes their study totals
    (offline credit, a rebuild); created on first use."""
    _locked_state(session, trainee_id, create=True)


def _locked_state(session: Session, trainee_id: int, *, create: bool) -> TraineeStudyState:
    """The trainee's state row, locked for this transaction (created on first use)."""
    if create:
        _insert_if_missing(session, trainee_id)
    state = session.get(TraineeStudyState, trainee_id, with_for_update=True)
    if state is None:
        raise ServiceError("not_found")
    return state


def _insert_if_missing(session: Session, trainee_id: int) -> None:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(TraineeStudyState)
        .values(
            trainee_id=trainee_id,
            seed=secrets.token_hex(16),
            event_count=0,
            clock_ms=0,
            checks_answered=0,
            played_since_check_ms=0,
            day_credited_ms=0,
        )
        .on_conflict_do_nothing(index_elements=["trainee_id"])
    )


def _tick(state: TraineeStudyState, now_ms: int) -> int:
    """The trainee's clock: the later of now and their last event, so it never goes backwards."""
    now = max(now_ms, state.clock_ms)
    state.clock_ms = now
    return now


def trainee_state(row: Any) -> TraineeState:
    """The rules' view of a trainee's stored study state (an ORM row, or any object with the
    columns as attributes)."""
    pending = None
    if row.pending_id is not None:
        pending = PendingCheck(
            id=row.pending_id,
            code=row.pending_code or "",
            resume_at_ms=row.pending_resume_at_ms,
            sent_at_ms=row.pending_sent_at_ms or 0,
        )
    return TraineeState(
        seed=row.seed,
        checks_answered=row.checks_answered,
        played_since_check_ms=row.played_since_check_ms,
        next_due_ms=row.next_due_ms,
        pending=pending,
        day=row.day,
        day_credited_ms=row.day_credited_ms,
    )


def trainee_values(state: TraineeState) -> dict[str, Any]:
    """The columns of a trainee's state row that the rules change, by name."""
    pending = state.pending
    return {
        "checks_answered": state.checks_answered,
        "played_since_check_ms": state.played_since_check_ms,
        "next_due_ms": state.next_due_ms,
        "pending_id": pending.id if pending else None,
        "pending_code": pending.code if pending else None,
        "pending_resume_at_ms": pending.resume_at_ms if pending else None,
        "pending_sent_at_ms": pending.sent_at_ms if pending else None,
        "day": state.day,
        "day_credited_ms": state.day_credited_ms,
    }


def store_trainee_state(row: TraineeStudyState, state: TraineeState) -> None:
    """Write the rules' view of a trainee's state back onto the row."""
    for name, value in trainee_values(state).items():
        setattr(row, name, value)


@lru_cache(maxsize=64)
def settings_of(snapshot: tuple[tuple[str, object], ...]) -> AccountingSettings:
    return AccountingSettings.from_dict(dict(snapshot))


def playback_state(row: Any) -> PlaybackState:
    """The rules' view of a stored playback (an ORM row, or any object with the columns as
    attributes; flags may come as 0 and 1)."""
    return PlaybackState(
        id=row.id,
        settings=settings_of(tuple(sorted(row.settings.items()))),
        duration_ms=row.duration_ms,
        opened_at_ms=row.opened_at_ms,
        status=row.status,
        end_reason=row.end_reason,
        superseded_at_ms=row.superseded_at_ms,
        last_seq=row.last_seq,
        position_ms=row.position_ms,
        crediting=bool(row.crediting),
        rate_milli=row.rate_milli,
        last_beat_at_ms=row.last_beat_at_ms,
        allowance_ms=row.allowance_ms,
        rest_base_ms=row.rest_base_ms,
        paused=bool(row.paused),
        visible=bool(row.visible),
    )


def playback_values(state: PlaybackState) -> dict[str, Any]:
    """The columns of a playback row that the rules change, by name."""
    return {
        "status": state.status,
        "end_reason": state.end_reason,
        "superseded_at_ms": state.superseded_at_ms,
        "last_seq": state.last_seq,
        "position_ms": state.position_ms,
        "crediting": state.crediting,
        "rate_milli": state.rate_milli,
        "last_beat_at_ms": state.last_beat_at_ms,
        "allowance_ms": state.allowance_ms,
        "rest_base_ms": state.rest_base_ms,
        "paused": state.paused,
        "visible": state.visible,
    }


def store_playback(row: Playback, state: PlaybackState) -> None:
    """Write the rules' view of a playback back onto its row."""
    for name, value in playback_values(state).items():
        setattr(row, name, value)


def _coverage(session: Session, enrolment_id: int, video_id: int) -> IntervalSet:
    row = session.get(Coverage, (enrolment_id, video_id))
    return IntervalSet.from_list(row.intervals) if row else IntervalSet()


def check_view(pending: PendingCheck | None, settings: AccountingSettings) -> CheckView | None:
    """The pending check as the client sees it, answered as the playback's settings require."""
    if pending is None:
        return None
    resume_at_s = None if pending.resume_at_ms is None else pending.resume_at_ms / 1000
    if not settings.face_checks:
        return CheckView(id=pending.id, resume_at_s=resume_at_s, kind=settings.presence_check)
    action = faces.liveness_action(pending.id)
    return CheckView(id=pending.id, resume_at_s=resume_at_s, kind="face", action=action)
