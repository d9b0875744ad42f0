"""Study time: playbacks, the append-only beat log, and the totals kept for fast reading.

The beat log and the playback openings are the inputs; every other table here (coverage, day
sums, the trainee's check state, enrolment totals) is a total that `recompute` rebuilds from them
through the pure rules of `learning.domain.accounting`. Times of the rules are integer milliseconds
since the epoch (UTC); datetimes are kept beside them only for people and queries.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from learning.models.base import Base

# SQLite only auto-increments an INTEGER PRIMARY KEY; elsewhere the log needs 64 bits.
BigId = BigInteger().with_variant(Integer, "sqlite")


class TraineeStudyState(Base):
    """What carries over from playback to playback for one trainee (accounting.md).

    Its row is the lock that serialises a trainee's beats and openings; `event_count` numbers
    them in processing order, and `clock_ms` is the trainee's clock that never goes backwards.
    """

    __tablename__ = "trainee_study_state"

    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    seed: Mapped[str] = mapped_column(String(64))
    event_count: Mapped[int] = mapped_column(BigInteger, default=0)
    clock_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    latest_playback_id: Mapped[str | None] = mapped_column(String(32))
    checks_answered: Mapped[int] = mapped_column(default=0)
    played_since_check_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    next_due_ms: Mapped[int | None] = mapped_column(BigInteger)
    pending_id: Mapped[str | None] = mapped_column(String(64))
    pending_code: Mapped[str | None] = mapped_column(String(16))
    pending_resume_at_ms: Mapped[int | None] = mapped_column(BigInteger)
    pending_sent_at_ms: Mapped[int | None] = mapped_column(BigInteger)
    day: Mapped[str | None] = mapped_column(String(10))
    day_credited_ms: Mapped[int] = mapped_column(BigInteger, default=0)


class Playback(Base):
    """One viewing of one video inside one enrolment, with the settings in force when it opened."""

    __tablename__ = "playbacks"
    __table_args__ = (
        Index("ix_playbacks_trainee_id_event_no", "trainee_id", "event_no"),
        Index("ix_playbacks_enrolment_id_video_id", "enrolment_id", "video_id"),
        # the active playbacks, by trainee (study.trainees_with_active_playbacks and
        # close_expired_playbacks); no column a beat changes is indexed, so on PostgreSQL
        # (fillfactor 90, migration 0028) a beat's update of the row is a HOT update
        Index("ix_playbacks_status_trainee_id", "status", "trainee_id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id"))
    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id"))
    event_no: Mapped[int] = mapped_column(BigInteger)
    opened_at_ms: Mapped[int] = mapped_column(BigInteger)
    settings: Mapped[dict[str, Any]]
    duration_ms: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default="active")
    end_reason: Mapped[str | None] = mapped_column(String(32))
    superseded_at_ms: Mapped[int | None] = mapped_column(BigInteger)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    position_ms: Mapped[int | None] = mapped_column(BigInteger)
    crediting: Mapped[bool] = mapped_column(default=False)
    paused: Mapped[bool] = mapped_column(default=False)
    visible: Mapped[bool] = mapped_column(default=True)
    rate_milli: Mapped[int] = mapped_column(default=1000)
    last_beat_at_ms: Mapped[int | None] = mapped_column(BigInteger)
    allowance_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    # the allowance when an active playback left the credited state (rule 3's resume grace)
    rest_base_ms: Mapped[int | None] = mapped_column(BigInteger)


class BeatRecord(Base):
    """One heartbeat as received, with what it earned and why not more. Append-only."""

    __tablename__ = "beats"
    __table_args__ = (
        Index("ix_beats_trainee_id_event_no", "trainee_id", "event_no"),
        Index("ix_beats_playback_id_seq", "playback_id", "seq"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    playback_id: Mapped[str] = mapped_column(ForeignKey("playbacks.id"))
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    event_no: Mapped[int] = mapped_column(BigInteger)
    server_at_ms: Mapped[int] = mapped_column(BigInteger)
    day: Mapped[str] = mapped_column(String(10))
    seq: Mapped[int] = mapped_column(BigInteger)
    event: Mapped[str] = mapped_column(String(16))
    position_ms: Mapped[int] = mapped_column(BigInteger)
    from_ms: Mapped[int | None] = mapped_column(BigInteger)
    rate_milli: Mapped[int]
    paused: Mapped[bool]
    visible: Mapped[bool]
    attention_id: Mapped[str | None] = mapped_column(String(64))
    attention_code: Mapped[str | None] = mapped_column(String(64))
    # a face-check answer: what the server found (accounting.FACE_OUTCOMES) and how far the face
    # was from the reference (thousandths); the rules replay the outcome, never the model
    face_outcome: Mapped[str | None] = mapped_column(String(16))
    face_distance_milli: Mapped[int | None]
    # a question-check answer (弹题): the question asked and whether the options chosen were
    # right (accounting.QUESTION_OUTCOMES); the rules replay the outcome, never the bank
    question_id: Mapped[int | None]
    question_outcome: Mapped[str | None] = mapped_column(String(8))
    client_ts: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # ok | superseded | ended | duplicate
    credited_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    not_credited: Mapped[dict[str, Any]]  # reason -> milliseconds


class Coverage(Base):
    """The media time of a video credited to an enrolment, as merged [start, end) ms intervals."""

    __tablename__ = "coverage"

    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id"), primary_key=True)
    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id"), primary_key=True)
    intervals: Mapped[list[Any]] = mapped_column(default=list)
    covered_s: Mapped[int] = mapped_column(default=0)


class StudyDay(Base):
    """Credited and not-credited milliseconds of one trainee, day, enrolment and video."""

    __tablename__ = "study_days"
    __table_args__ = (
        UniqueConstraint("trainee_id", "day", "enrolment_id", "video_id"),
        Index("ix_study_days_enrolment_id_day", "enrolment_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    day: Mapped[date]
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id"))
    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id"))
    credited_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    not_credited: Mapped[dict[str, Any]] = mapped_column(default=dict)


class CoachingDay(Base):
    """A day of on-site pre-exam coaching (现场考前辅导) for a class."""

    __tablename__ = "coaching_days"
    __table_args__ = (UniqueConstraint("class_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id"))
    day: Mapped[date]
    topic: Mapped[str] = mapped_column(String(200))
    credit_s: Mapped[int]
    created_at: Mapped[datetime]


class PresenceCheck(Base):
    """One presence check as it happened: raised, shown (its picture first served), answered.

    A record for the plausibility review, not a kept total: `answer_ms` is how long after the
    picture was shown (after the check was raised, if it never was) the right answer came, and
    `wrong_answers` how many wrong codes came before it.
    """

    __tablename__ = "presence_checks"
    __table_args__ = (UniqueConstraint("trainee_id", "check_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    check_id: Mapped[str] = mapped_column(String(64))
    playback_id: Mapped[str] = mapped_column(ForeignKey("playbacks.id"))
    raised_at_ms: Mapped[int] = mapped_column(BigInteger)
    shown_at_ms: Mapped[int | None] = mapped_column(BigInteger)
    answered_at_ms: Mapped[int | None] = mapped_column(BigInteger)
    answer_ms: Mapped[int | None] = mapped_column(BigInteger)
    wrong_answers: Mapped[int] = mapped_column(default=0)


class OfflineCredit(Base):
    """Offline time credited to an enrolment: attendance of a coaching day, or time an admin adds
    with a reason. Not capped per day; revoked entries stay, marked, for the record."""

    __tablename__ = "offline_credits"
    __table_args__ = (
        Index("ix_offline_credits_enrolment_id", "enrolment_id"),
        Index(
            "uq_offline_credits_coaching_day_id_enrolment_id",
            "coaching_day_id",
            "enrolment_id",
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id"))
    kind: Mapped[str] = mapped_column(String(16))  # coaching | other
    day: Mapped[date]
    seconds: Mapped[int]
    coaching_day_id: Mapped[int | None] = mapped_column(ForeignKey("coaching_days.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class ReplaySnapshot(Base):
    """A trainee's replay state at the last event a check found their kept totals equal to the
    replay (`recompute`): what later events can touch of the rules' and the ledger's state
    (`services.snapshots`: no settled playback, no day before the trainee's current one), as JSON,
    and its SHA-256.

    The nightly check starts from it and replays only the events after `event_no`, then moves
    it on; the weekly full check replays everything and re-derives it, so a snapshot edited in
    place is found either way (by its digest, or by the replay). A trainee who never studied
    has one too, of no state at event 0. Derived from the raw events like every total here.
    """

    __tablename__ = "replay_snapshots"

    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    event_no: Mapped[int] = mapped_column(BigInteger)  # the last event it covers
    clock_ms: Mapped[int] = mapped_column(BigInteger)  # the trainee's server time at that event
    state: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of `state`, hex
    verified_at: Mapped[datetime]
