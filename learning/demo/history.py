"""Synthetic study history for the demo: honest viewers, simulated through the real rules.

Each learner studies on some evenings, watching the programme's videos in order at 1x with a
beat every heartbeat interval (plus a little network jitter), answering the presence checks
after a few seconds and sometimes pausing. The events go through the same pure rules as live
beats (`recompute.Replayer`); the raw playbacks and beats are stored and the kept totals are
written from the replay, so `recompute --check` holds on the demo as on real data.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlalchemy.orm import Session

from learning.domain.accounting import AccountingSettings, Beat, BeatEvent, BeatOutcome, OpenEvent
from learning.domain.accounting.replay import MAX_EVENT_NO
from learning.models import BeatRecord, Playback, TraineeStudyState
from learning.services import snapshots
from learning.services.recompute import Replayer, write_totals

BATCH = 200_000  # beats simulated before they are written
INSERT_BATCH = 20_000


@dataclass(frozen=True)
class Habit:
    """How a learner studies: how often, how long, and until when."""

    study_probability: float  # chance of studying on a given day
    minutes_per_session: float  # mean length of an evening's session
    stops_after_days: int | None = None  # inactive from then on
    scripted: bool = False  # a script, not a person: beats on the dot, through the night


@dataclass(frozen=True)
class Learner:
    trainee_id: int
    enrolment_id: int
    videos: list[tuple[int, int]]  # (video id, duration in seconds), in programme order
    habit: Habit


class _Simulation:
    """The state of one simulated learner's history."""

    def __init__(
        self,
        learner: Learner,
        settings: AccountingSettings,
        rng: random.Random,
        replayer: Replayer,
        playbacks: list[dict],
        beats: list[dict],
    ) -> None:
        self.learner = learner
        self.settings = settings
        self.rng = rng
        self.replayer = replayer
        self.playbacks = playbacks
        self.beats = beats
        self.trainee = str(learner.trainee_id)
        self.event_no = 0
        self.video_index = 0
        self.position_ms = 0
        self.now = 0
        self.playback_id = ""
        self.seq = 0

    def session(self, start_ms: int, minutes: float, events: int | None = None) -> None:
        """One evening: play videos in order until the time is up or the programme is done
        (or, given `events`, until about that many more events)."""
        self.now = start_ms
        end = start_ms + int(minutes * 60_000)
        last = MAX_EVENT_NO if events is None else self.event_no + events
        while self.now < end and self.video_index < len(self.learner.videos):
            if self.event_no + 3 > last:  # an opening, its play and its close
                break
            self._play_video_until(end, last - 1)

    def _play_video_until(self, end: int, last: int = MAX_EVENT_NO) -> None:
        video_id, duration_s = self.learner.videos[self.video_index]
        duration = duration_s * 1000
        self._open(video_id, duration)
        self._beat("play")
        interval = self.settings.heartbeat_interval_ms
        while self.now < end and self.position_ms < duration and self.event_no < last:
            step = interval if self.learner.habit.scripted else interval + self.rng.randint(0, 1500)
            self.now += step
            self.position_ms = min(duration, self.position_ms + step)
            outcome = self._beat("ended" if self.position_ms >= duration else "tick")
            if outcome.trainee.pending is not None:
                self._answer(outcome)
            elif self.rng.random() < 0.01:
                self._pause()
        self._beat("close", paused=True)
        if self.position_ms >= duration:
            self.video_index += 1
            self.position_ms = 0

    def _open(self, video_id: int, duration_ms: int) -> None:
        self.event_no += 1
        self.playback_id = f"{self.rng.getrandbits(128):032x}"
        self.seq = 0
        event = OpenEvent(
            self.trainee,
            str(self.learner.enrolment_id),
            str(video_id),
            self.playback_id,
            self.settings,
            duration_ms,
            self.now,
        )
        self.replayer.apply(event)
        self.playbacks.append(
            {
                "id": self.playback_id,
                "trainee_id": self.learner.trainee_id,
                "enrolment_id": self.learner.enrolment_id,
                "video_id": video_id,
                "event_no": self.event_no,
                "opened_at_ms": self.now,
                "settings": self.settings.to_dict(),
                "duration_ms": duration_ms,
            }
        )

    def _beat(
        self, event: str, *, paused: bool = False, attention: tuple[str, str] | None = None
    ) -> BeatOutcome:
        self.seq += 1
        self.event_no += 1
        beat = Beat(
            seq=self.seq,
            position_ms=self.position_ms,
            rate_milli=1000,
            paused=paused,
            visible=True,
            event=event,
            attention_id=attention[0] if attention else None,
            attention_code=attention[1] if attention else None,
        )
        outcome = self.replayer.apply(BeatEvent(self.playback_id, beat, self.now))
        assert isinstance(outcome, BeatOutcome)
        self.beats.append(
            {
                "playback_id": self.playback_id,
                "trainee_id": self.learner.trainee_id,
                "event_no": self.event_no,
                "server_at_ms": self.now,
                "day": outcome.day,
                "seq": self.seq,
                "event": event,
                "position_ms": self.position_ms,
                "from_ms": None,
                "rate_milli": 1000,
                "paused": paused,
                "visible": True,
                "attention_id": beat.attention_id,
                "attention_code": beat.attention_code,
                "client_ts": None,
                "status": "duplicate" if outcome.duplicate else outcome.status,
                "credited_ms": outcome.credited_ms,
                "not_credited": dict(outcome.not_credited_ms),
            }
        )
        return outcome

    def _answer(self, outcome: BeatOutcome) -> None:
        """The person reads the code and types it a few seconds later; the player seeks back."""
        pending = outcome.trainee.pending
        assert pending is not None
        self.now += self.rng.randint(4_000, 25_000)
        if pending.resume_at_ms is not None:  # None: nothing credited yet, nowhere to go back
            self.position_ms = pending.resume_at_ms
        self._beat("attention_ok", attention=(pending.id, pending.code))

    def _pause(self) -> None:
        self._beat("pause", paused=True)
        self.now += self.rng.randint(30_000, 300_000)
        self._beat("play")


@dataclass(frozen=True)
class Day:
    """A day after the history on which every learner studies one evening of about `events`
    events, their replay state at its eve stored as their verified snapshot, as last night's
    check would have left it: the day the nightly check is timed on (bench/recompute.py)."""

    events: int


def generate(
    session: Session,
    *,
    learners: list[Learner],
    settings: AccountingSettings,
    until: datetime,
    days: int,
    rng: random.Random,
    day: Day | None = None,
) -> int:
    """Simulate `days` of history ending the day before `until` (with `day`, ending the day
    before that one, which is then `day`); returns the number of beats. Only the learners' kept
    totals are written: other trainees' are left as they are."""
    zone = ZoneInfo(settings.timezone)
    first_day = (until.astimezone(zone) - timedelta(days=days + (day is not None))).date()
    replayer = Replayer()
    playbacks: list[dict] = []
    beats: list[dict] = []
    written = 0
    simulations: list[_Simulation] = []
    for learner in learners:
        seed = f"{rng.getrandbits(128):032x}"
        session.add(
            TraineeStudyState(
                trainee_id=learner.trainee_id,
                seed=seed,
                event_count=0,
                clock_ms=0,
                checks_answered=0,
                played_since_check_ms=0,
                day_credited_ms=0,
            )
        )
        replayer.ledger.add_trainee(str(learner.trainee_id), seed)
        simulation = _Simulation(learner, settings, rng, replayer, playbacks, beats)
        simulations.append(simulation)
        for offset in range(days):
            habit = learner.habit
            if habit.stops_after_days is not None and offset >= habit.stops_after_days:
                break
            if rng.random() >= habit.study_probability:
                continue
            on = first_day + timedelta(days=offset)
            hour = 1 if habit.scripted else 19
            evening = datetime(on.year, on.month, on.day, hour, tzinfo=zone)
            start = evening + timedelta(minutes=rng.randint(0, 150))
            minutes = max(10.0, rng.gauss(habit.minutes_per_session, 15))
            simulation.session(int(start.timestamp() * 1000), minutes)
        if len(beats) >= BATCH:  # a long history is written as it goes, not held in memory
            written += _write(session, playbacks, beats)
    if day is not None:
        _eve_snapshots(session, simulations, until)
        on = first_day + timedelta(days=days)
        for simulation in simulations:
            evening = datetime(on.year, on.month, on.day, 19, tzinfo=zone)
            start = evening + timedelta(minutes=rng.randint(0, 150))
            simulation.session(int(start.timestamp() * 1000), 4 * 60, events=day.events)
            if len(beats) >= BATCH:
                written += _write(session, playbacks, beats)
    for simulation in simulations:
        state_row = session.get(TraineeStudyState, simulation.learner.trainee_id)
        assert state_row is not None
        state_row.event_count = simulation.event_no
        state_row.clock_ms = simulation.now
        state_row.latest_playback_id = simulation.playback_id or None
    written += _write(session, playbacks, beats)
    trainee_ids = [learner.trainee_id for learner in learners]
    now_ms = int(until.timestamp() * 1000)
    write_totals(session, replayer.rebuild(), now_ms=now_ms, trainee_ids=trainee_ids)
    return written


def _eve_snapshots(session: Session, simulations: list[_Simulation], now: datetime) -> None:
    """Each learner's replay state so far stored as their verified snapshot, as a check that
    found everything agreeing would store it (`recompute._Verified.moved_on`)."""
    states = simulations[0].replayer.states([each.trainee for each in simulations])
    for simulation in simulations:
        state = states[simulation.trainee]
        moved = snapshots.moved(simulation.learner.trainee_id, state, simulation.event_no)
        snapshots.store(session, moved, now=now)


def _write(session: Session, playbacks: list[dict], beats: list[dict]) -> int:
    """Insert the playbacks and beats simulated so far, and empty the lists."""
    session.flush()
    insert_in_batches(session, Playback, playbacks)
    insert_in_batches(session, BeatRecord, beats)
    count = len(beats)
    playbacks.clear()
    beats.clear()
    return count


def insert_in_batches(session: Session, model: type, rows: Iterable[dict]) -> None:
    """Bulk-insert rows, 20,000 statements' worth at a time, into the model's table through the
    core (the driver's executemany): the ORM's bulk insert cost more than simulating the beats
    through the rules (bench/RESULTS.md, issue 22)."""
    table = model.__table__  # type: ignore[attr-defined]
    connection = session.connection()
    batch: list[dict] = []
    for row in rows:
        batch.append(row)
        if len(batch) == INSERT_BATCH:
            connection.execute(insert(table), batch)
            batch = []
    if batch:
        connection.execute(insert(table), batch)
