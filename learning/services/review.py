"""The plausibility review: the nightly flags, the review queue, and what an admin decides.

`find` reads the recent study of every enrolment and asks `learning.domain.plausibility` what looks
unusual; `raise_flags` writes it as flags. An admin `clear`s a flag with a note, or `void`s the
credit of the playbacks it concerns with a reason. A void is a stored event in the trainee's
processing order (`PlaybackVoid.event_no`), taken under the trainee's lock; the kept totals are
then rewritten from the replay of the trainee's events (`recompute`), so they equal what a
rebuild gives (accounting.md rule 11) and no stored beat is touched.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from learning.domain.accounting import expire
from learning.domain.accounting.rules import ACTIVE
from learning.domain.plausibility import (
    BeatFigure,
    CheckAnswer,
    Evidence,
    Finding,
    Origin,
    SharedOrigin,
    Thresholds,
    findings,
    merged,
    shared_origins,
)
from learning.models import (
    BeatRecord,
    Enrolment,
    Playback,
    PlaybackOrigin,
    PlaybackVoid,
    PresenceCheck,
    ReviewFlag,
    TraineeStudyState,
    User,
    Video,
)
from learning.services import ServiceError, audit, recompute, study

OPEN, CLEARED, VOIDED = "open", "cleared", "voided"
DAY_MS = 24 * 3600 * 1000


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


# --- where a playback was opened from ----------------------------------------------------------


def record_origin(
    session: Session,
    *,
    playback_id: str,
    trainee_id: int,
    opened_at_ms: int,
    address: str | None,
    user_agent: str | None,
) -> None:
    """Keep the address and a digest of the browser a playback was opened from."""
    device = hashlib.sha256((user_agent or "").encode()).hexdigest()[:16]
    session.flush()  # the playback's row first: the origin refers to it
    session.add(
        PlaybackOrigin(
            playback_id=playback_id,
            trainee_id=trainee_id,
            opened_at_ms=opened_at_ms,
            address=(address or "unknown")[:64],
            device=device,
        )
    )


# --- the nightly flags ----------------------------------------------------------------------


@dataclass(frozen=True)
class Suspicion:
    enrolment_id: int
    trainee_id: int
    findings: list[Finding]


def find(
    session: Session, *, now_ms: int, thresholds: Thresholds, window_days: int
) -> list[Suspicion]:
    """The enrolments whose study in the last `window_days` shows a signal. Evidence from
    before a flag of the enrolment was decided is not looked at again: a person has judged it."""
    since_ms = now_ms - window_days * DAY_MS
    playbacks = session.execute(
        select(Playback.id, Playback.enrolment_id, Playback.trainee_id, Playback.settings).where(
            Playback.opened_at_ms >= since_ms
        )
    ).all()
    decided = _last_decisions(session)
    shared = _shared_by_playback(session, since_ms)
    by_enrolment: dict[int, list] = defaultdict(list)
    for row in playbacks:
        by_enrolment[row.enrolment_id].append(row)
    found = []
    for enrolment_id, rows in sorted(by_enrolment.items()):
        start = max(since_ms, decided.get(enrolment_id, since_ms))
        evidence = _evidence(session, rows, start, shared)
        signals = findings(evidence, thresholds)
        if signals:
            found.append(Suspicion(enrolment_id, rows[0].trainee_id, signals))
    return found


def _last_decisions(session: Session) -> dict[int, int]:
    statement = (
        select(ReviewFlag.enrolment_id, func.max(ReviewFlag.decided_at))
        .where(ReviewFlag.decided_at.is_not(None))
        .group_by(ReviewFlag.enrolment_id)
    )
    return {enrolment_id: _ms(at) for enrolment_id, at in session.execute(statement)}


def _shared_by_playback(session: Session, since_ms: int) -> dict[str, SharedOrigin]:
    statement = select(
        PlaybackOrigin, func.coalesce(Playback.last_beat_at_ms, Playback.opened_at_ms)
    ).join(Playback, Playback.id == PlaybackOrigin.playback_id)
    origins = [
        Origin(
            origin.playback_id,
            origin.trainee_id,
            origin.address,
            origin.device,
            origin.opened_at_ms,
            max(end_ms, origin.opened_at_ms + 1),
        )
        for origin, end_ms in session.execute(
            statement.where(PlaybackOrigin.opened_at_ms >= since_ms)
        )
    ]
    return {item.playback_id: item for item in shared_origins(origins)}


def _evidence(
    session: Session, rows: list, since_ms: int, shared: dict[str, SharedOrigin]
) -> Evidence:
    ids = [row.id for row in rows]
    checks = session.execute(
        select(PresenceCheck).where(
            PresenceCheck.playback_id.in_(ids),
            PresenceCheck.answer_ms.is_not(None),
            PresenceCheck.answered_at_ms >= since_ms,
        )
    ).scalars()
    beat = BeatRecord
    beats = session.execute(
        select(
            beat.playback_id,
            beat.seq,
            beat.event,
            beat.server_at_ms,
            beat.credited_ms,
            beat.face_outcome,
            beat.face_distance_milli,
        ).where(beat.playback_id.in_(ids), beat.server_at_ms >= since_ms)
    )
    return Evidence(
        checks=[
            CheckAnswer(c.playback_id, c.answered_at_ms or 0, c.answer_ms or 0, c.wrong_answers)
            for c in checks
        ],
        beats=[BeatFigure(*row) for row in beats],
        timezones={row.id: row.settings.get("timezone", "UTC") for row in rows},
        shared=[shared[i] for i in ids if i in shared and shared[i].at_ms >= since_ms],
    )


def raise_flags(session: Session, found: list[Suspicion], *, now: datetime) -> int:
    """Open a flag per suspicious enrolment, or bring its open flag's findings up to date;
    returns how many flags were opened."""
    opened = 0
    for suspicion in found:
        flag = session.scalar(
            select(ReviewFlag).where(
                ReviewFlag.enrolment_id == suspicion.enrolment_id, ReviewFlag.status == OPEN
            )
        )
        if flag is None:
            flag = ReviewFlag(
                enrolment_id=suspicion.enrolment_id,
                trainee_id=suspicion.trainee_id,
                raised_at=now,
                status=OPEN,
                findings=[],
            )
            session.add(flag)
            opened += 1
        earlier = [Finding.from_dict(item) for item in flag.findings]
        flag.findings = [item.to_dict() for item in merged(earlier, suspicion.findings)]
    return opened


# --- the queue ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueEntry:
    flag: ReviewFlag
    trainee: User
    enrolment: Enrolment
    findings: list[Finding]


def queue(session: Session, *, status: str = OPEN) -> list[QueueEntry]:
    """The flags in `status`, newest first, with whom they concern."""
    statement = (
        select(ReviewFlag, User, Enrolment)
        .join(User, User.id == ReviewFlag.trainee_id)
        .join(Enrolment, Enrolment.id == ReviewFlag.enrolment_id)
        .where(ReviewFlag.status == status)
        .order_by(ReviewFlag.raised_at.desc(), ReviewFlag.id.desc())
    )
    return [
        QueueEntry(flag, user, enrolment, [Finding.from_dict(item) for item in flag.findings])
        for flag, user, enrolment in session.execute(statement)
    ]


def entry(session: Session, flag_id: int) -> QueueEntry:
    flag = session.get(ReviewFlag, flag_id)
    if flag is None:
        raise ServiceError("not_found")
    trainee = session.get(User, flag.trainee_id)
    enrolment = session.get(Enrolment, flag.enrolment_id)
    assert trainee is not None and enrolment is not None
    return QueueEntry(flag, trainee, enrolment, [Finding.from_dict(f) for f in flag.findings])


def checks_of(session: Session, trainee_id: int, *, limit: int = 200) -> list[PresenceCheck]:
    """The trainee's presence checks, newest first."""
    statement = (
        select(PresenceCheck)
        .where(PresenceCheck.trainee_id == trainee_id)
        .order_by(PresenceCheck.raised_at_ms.desc())
        .limit(limit)
    )
    return list(session.scalars(statement))


# --- deciding ----------------------------------------------------------------------------------


def clear(session: Session, *, flag: ReviewFlag, note: str, now: datetime, actor_id: int) -> None:
    """Nothing wrong after all; the note says why."""
    _decide(flag, CLEARED, note, now, actor_id)
    audit.record(
        session,
        at=now,
        actor_id=actor_id,
        action="review.clear",
        enrolment_id=flag.enrolment_id,
        reason=flag.note,
        details={"flag_id": flag.id},
    )


@dataclass(frozen=True)
class VoidResult:
    voided: int  # playbacks whose credit was withdrawn
    still_open: int  # playbacks of the flag still playing, left as they are
    online_s_before: int
    online_s_after: int


def void(
    session: Session, *, flag: ReviewFlag, reason: str, now: datetime, actor_id: int
) -> VoidResult:
    """Withdraw the credit of the flag's playbacks (those no longer playing and not voided
    already), under the trainee's lock, then rewrite the trainee's kept totals from the replay."""
    if flag.status != OPEN:
        raise ServiceError("flag_decided")
    if not reason.strip():
        raise ServiceError("reason_required")
    study.lock_trainee(session, flag.trainee_id)  # first, as every writer of study totals
    state = session.get(TraineeStudyState, flag.trainee_id)
    enrolment = session.get(Enrolment, flag.enrolment_id)
    assert state is not None and enrolment is not None
    before = enrolment.online_s
    now_ms = _ms(now)
    voided = still_open = 0
    for playback in _playbacks_of(session, flag):
        if expire(study.playback_state(playback), now_ms).status == ACTIVE:
            still_open += 1
            continue
        state.event_count += 1
        session.add(
            PlaybackVoid(
                playback_id=playback.id,
                trainee_id=flag.trainee_id,
                event_no=state.event_count,
                at_ms=now_ms,
                at=now,
                by_id=actor_id,
                flag_id=flag.id,
                reason=reason.strip(),
            )
        )
        voided += 1
    if voided == 0 and still_open:
        raise ServiceError("still_playing")
    session.flush()
    rebuilt = recompute.replay(session, [flag.trainee_id])
    recompute.write_totals(session, rebuilt, now_ms=now_ms, trainee_ids=[flag.trainee_id])
    session.flush()
    session.refresh(enrolment)
    _decide(flag, VOIDED, reason, now, actor_id)
    result = VoidResult(voided, still_open, before, enrolment.online_s)
    audit.record(
        session,
        at=now,
        actor_id=actor_id,
        action="review.void",
        enrolment_id=flag.enrolment_id,
        reason=flag.note,
        details={
            "flag_id": flag.id,
            "playbacks": voided,
            "seconds": before - enrolment.online_s,
        },
    )
    return result


def _playbacks_of(session: Session, flag: ReviewFlag) -> list[Playback]:
    """The flag's playbacks of its enrolment not voided yet, in processing order."""
    ids = {pid for item in flag.findings for pid in item.get("playback_ids", [])}
    statement = (
        select(Playback)
        .where(
            Playback.id.in_(ids),
            Playback.enrolment_id == flag.enrolment_id,
            Playback.id.not_in(select(PlaybackVoid.playback_id)),
        )
        .order_by(Playback.event_no)
    )
    return list(session.scalars(statement))


def _decide(flag: ReviewFlag, status: str, note: str, now: datetime, actor_id: int) -> None:
    if flag.status != OPEN:
        raise ServiceError("flag_decided")
    if not note.strip():
        raise ServiceError("reason_required")
    flag.status = status
    flag.note = note.strip()
    flag.decided_at = now
    flag.decided_by_id = actor_id


# --- what the trainee sees -------------------------------------------------------------------


@dataclass(frozen=True)
class VoidLine:
    at: datetime
    video_title: str
    reason: str


def voids_of_trainee(session: Session, trainee_id: int) -> list[VoidLine]:
    """The trainee's voided playbacks, newest first: when, which video, why."""
    statement = (
        select(PlaybackVoid.at, Video.title, PlaybackVoid.reason)
        .join(Playback, Playback.id == PlaybackVoid.playback_id)
        .join(Video, Video.id == Playback.video_id)
        .where(PlaybackVoid.trainee_id == trainee_id)
        .order_by(PlaybackVoid.at.desc(), PlaybackVoid.id.desc())
    )
    return [VoidLine(at, title, reason) for at, title, reason in session.execute(statement)]
