"""A face check answered: the frames judged against the trainee's reference face, the snapshot
kept, and the answer recorded as a beat that carries the outcome.

The model runs first, outside any transaction (`faces.read_frames`, about a second): a SQLite
writer must not hold the database while a face is read. Then, in the request's transaction,
the answer is throttled like a wrong code, judged (`faces.judge`: pure figures), its snapshot
kept, and the beat recorded through `beats.record_beat` with the outcome on it. The accounting
rules clear the check only on a recorded `match`; `recompute` replays that outcome and never
runs the model again.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from learning import faces
from learning.domain.accounting import Beat
from learning.models import FaceSnapshot, TraineeStudyState
from learning.services import beats, face_profiles, throttle

SUBFOLDER = "face_snapshots"
MAX_FRAMES = 40
MAX_FRAME_BYTES = 256 * 1024
MAX_BODY_BYTES = MAX_FRAMES * MAX_FRAME_BYTES + 64 * 1024  # the frames and the beat around them


@dataclass(frozen=True)
class FaceAnswer:
    beat: beats.BeatAnswer
    outcome: str | None  # None: the answer was not to the trainee's pending check
    action: str | None


def answer(
    session: Session,
    *,
    trainee_id: int,
    playback_id: str,
    beat: Beat,
    client_ts: str | None,
    reading: faces.Reading,
    pictures: list[bytes],
    threshold: float,
    upload_folder: str | Path,
    answer_limit: throttle.Limit,
    now_ms: int,
    now: datetime,
) -> FaceAnswer:
    """Record a face-check answer (`beat`, an `attention_ok`) with what its frames showed.

    Throttled like a wrong code: past the limit, `ServiceError("too_many_attempts")` before
    anything is judged or kept. An answer to a check that is not the trainee's pending one is
    recorded without an outcome (the rules leave it unanswered) and keeps no picture."""
    beats.check_answer_limit(session, answer_limit, trainee_id, now_ms)
    state = session.get(TraineeStudyState, trainee_id)
    pending_id = state.pending_id if state is not None else None
    outcome, distance_milli, action = None, None, None
    if pending_id is not None and beat.attention_id == pending_id:
        profile = face_profiles.profile_of(session, trainee_id)
        reference = profile.descriptor if profile and profile.reference_in_force else None
        action = faces.liveness_action(pending_id)
        outcome, distance = faces.judge(reading, reference, action, threshold)
        distance_milli = None if distance is None else round(distance * 1000)
        _keep_snapshot(
            session,
            trainee_id=trainee_id,
            playback_id=playback_id,
            check_id=pending_id,
            action=action,
            outcome=outcome,
            distance_milli=distance_milli,
            picture=_snapshot_picture(reading, pictures),
            upload_folder=upload_folder,
            now=now,
        )
    recorded = beats.record_beat(
        session,
        trainee_id=trainee_id,
        playback_id=playback_id,
        beat=replace(beat, face_outcome=outcome),
        client_ts=client_ts,
        now_ms=now_ms,
        answer_limit=answer_limit,
        face_distance_milli=distance_milli,
    )
    return FaceAnswer(beat=recorded, outcome=outcome, action=action)


def _snapshot_picture(reading: faces.Reading, pictures: list[bytes]) -> bytes | None:
    index = reading.snapshot_index if reading.snapshot_index is not None else len(pictures) // 2
    return pictures[index] if pictures else None


def _keep_snapshot(
    session: Session,
    *,
    trainee_id: int,
    playback_id: str,
    check_id: str,
    action: str,
    outcome: str,
    distance_milli: int | None,
    picture: bytes | None,
    upload_folder: str | Path,
    now: datetime,
) -> None:
    """The picture the check was judged on, re-encoded without metadata, for the review."""
    relative = None
    if picture is not None:
        relative = Path(SUBFOLDER) / f"{secrets.token_hex(16)}.jpg"
        target = Path(upload_folder) / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(face_profiles.kept_picture(picture))
    session.add(
        FaceSnapshot(
            trainee_id=trainee_id,
            playback_id=playback_id,
            check_id=check_id,
            taken_at=now,
            action=action,
            outcome=outcome,
            distance_milli=distance_milli,
            path=None if relative is None else relative.as_posix(),
        )
    )
