"""Verified replay snapshots (`ReplaySnapshot`): a trainee's replay state written as JSON, read
back, and checked by its SHA-256.

The JSON holds what the trainee's later events can touch of what `Replayer` keeps of them (the
nightly check goes on from it, so its size must follow the day, not the trainee's history):
the ledger's part (`TraineePart`: the trainee's rules state and clock, the coverage and figures
of their enrolments) with only the playbacks that can still take a beat (`live`) and only the day
sums of days a later beat can still count on (`day_floor`), and the not-credited time per video
of those days. What is left out is settled: an ended playback, or a superseded one past its
grace deadline, keeps its state; a day before the floor keeps its sums. Only a void (any
playback's) or a beat for a settled playback reaches back there; the nightly check replays such
a trainee from their first event (`reaches_back`). The settings recorded on the playbacks are
written once each and referred to by number. The text is canonical (sorted keys, no spaces),
so the same state always has the same digest.

Format 1 held the whole part (every playback, every day). It is still read, and the next check
writes the trainee's snapshot anew.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, update
from sqlalchemy.orm import Session

from learning.domain.accounting import (
    AccountingSettings,
    BeatEvent,
    Event,
    OpenEvent,
    PendingCheck,
    PlaybackPart,
    PlaybackState,
    TraineePart,
    TraineeState,
    grace_deadline_ms,
)
from learning.domain.accounting.rules import ENDED
from learning.models import ReplaySnapshot

FORMAT = 2
READABLE = (1, FORMAT)  # format 1: the whole part, as written before 2026-12-07

#: The not-credited time of one trainee per (day, enrolment, video): reason -> ms.
NotCredited = dict[tuple[str, str, str], dict[str, int]]


@dataclass(frozen=True)
class State:
    """A trainee's replay state: None for a trainee the replay does not know (never studied)."""

    part: TraineePart | None
    not_credited: NotCredited


class BadSnapshot(ValueError):
    """A stored snapshot whose digest is not its text's, or whose text cannot be read."""


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def day_floor(part: TraineePart) -> str | None:
    """The first day a later beat of the trainee can count on (None: any).

    A beat counts on its calendar day in its playback's time zone, never before the trainee's
    current day (rule 8), and its server time is never before the trainee's clock: any time
    zone's calendar day of it is at least the UTC day before the clock's."""
    floors = [part.trainee.day] if part.trainee.day is not None else []
    if part.last_at_ms is not None:
        clock = datetime.fromtimestamp(part.last_at_ms // 1000, UTC)
        floors.append((clock - timedelta(days=1)).date().isoformat())
    return max(floors) if floors else None


def live(part: TraineePart, playback_id: str, state: PlaybackState) -> bool:
    """A playback whose state a later event can still change: the latest opened (the next
    opening reads it), or one neither ended nor past its grace deadline at the trainee's
    clock (later beats are no earlier)."""
    if playback_id == part.latest_playback_id:
        return True
    clock = part.last_at_ms
    return state.status != ENDED and (clock is None or grace_deadline_ms(state) > clock)


def reaches_back(part: TraineePart | None, events: Iterable[Event]) -> bool:
    """Whether events after a snapshot of `part` touch what it leaves out: a void (it takes back
    a playback's credit from the days it was earned on), or a beat for a playback neither in
    it nor opened among the events."""
    known = set() if part is None else set(part.playbacks)
    for event in events:
        if isinstance(event, BeatEvent):
            if event.playback_id not in known:
                return True
        elif isinstance(event, OpenEvent):
            known.add(event.playback_id)
        else:
            return True
    return False


def encode(state: State) -> str:
    """The canonical JSON text of what a replay state's later events can touch."""
    part = state.part
    if part is None:
        return _canonical({"format": FORMAT, "trainee": None})
    part, not_credited = _touchable(part, state.not_credited)
    settings: dict[str, int] = {}  # canonical settings text -> number
    known: dict[AccountingSettings, str] = {}
    playbacks = {
        playback_id: {
            "state": _playback(playback.state, settings, known),
            "enrolment": playback.enrolment_id,
            "video": playback.video_id,
            "added": None if playback.added is None else [list(pair) for pair in playback.added],
            "credited_by_day": playback.credited_by_day,
        }
        for playback_id, playback in part.playbacks.items()
    }
    return _canonical(
        {
            "format": FORMAT,
            "trainee_id": part.trainee_id,
            "trainee": _trainee(part.trainee),
            "last_at_ms": part.last_at_ms,
            "latest_playback_id": part.latest_playback_id,
            "settings": [json.loads(text) for text in settings],
            "playbacks": playbacks,
            "coverage": sorted(
                [enrolment, video, [list(pair) for pair in pairs]]
                for (enrolment, video), pairs in part.coverage.items()
            ),
            "enrolments": {key: list(figures) for key, figures in part.enrolments.items()},
            "credited_by_day": part.credited_by_day,
            "credited_by_video_day": sorted(
                [*key, ms] for key, ms in part.credited_by_video_day.items()
            ),
            "not_credited_by_day": sorted(
                [*key, ms] for key, ms in part.not_credited_by_day.items()
            ),
            "not_credited_by_video_day": sorted(
                [*key, reasons] for key, reasons in not_credited.items()
            ),
        }
    )


def _touchable(part: TraineePart, not_credited: NotCredited) -> tuple[TraineePart, NotCredited]:
    """The part and not-credited time without what later events cannot touch (see above)."""
    floor = day_floor(part)

    def kept(day: str) -> bool:
        return floor is None or day >= floor

    part = replace(
        part,
        playbacks={
            key: playback
            for key, playback in part.playbacks.items()
            if live(part, key, playback.state)
        },
        credited_by_day={day: ms for day, ms in part.credited_by_day.items() if kept(day)},
        credited_by_video_day={
            key: ms for key, ms in part.credited_by_video_day.items() if kept(key[0])
        },
        not_credited_by_day={
            key: ms for key, ms in part.not_credited_by_day.items() if kept(key[0])
        },
    )
    return part, {key: reasons for key, reasons in not_credited.items() if kept(key[0])}


def decode(text: str) -> State:
    """A replay state from its JSON text; BadSnapshot if it cannot be one."""
    try:
        data = json.loads(text)
        if data.get("format") not in READABLE:
            raise BadSnapshot(f"unknown snapshot format {data.get('format')!r}")
        if data["trainee"] is None:
            return State(None, {})
        settings = [AccountingSettings.from_dict(item) for item in data["settings"]]
        part = TraineePart(
            trainee_id=data["trainee_id"],
            trainee=_read_trainee(data["trainee"]),
            last_at_ms=data["last_at_ms"],
            latest_playback_id=data["latest_playback_id"],
            playbacks={
                playback_id: PlaybackPart(
                    _read_playback(item["state"], settings),
                    item["enrolment"],
                    item["video"],
                    None if item["added"] is None else tuple(map(tuple, item["added"])),
                    item["credited_by_day"],
                )
                for playback_id, item in data["playbacks"].items()
            },
            coverage={
                (enrolment, video): tuple(map(tuple, pairs))
                for enrolment, video, pairs in data["coverage"]
            },
            enrolments={key: tuple(figures) for key, figures in data["enrolments"].items()},
            credited_by_day=data["credited_by_day"],
            credited_by_video_day={
                (day, enrolment, video): ms
                for day, enrolment, video, ms in data["credited_by_video_day"]
            },
            not_credited_by_day={
                (day, reason): ms for day, reason, ms in data["not_credited_by_day"]
            },
        )
        not_credited = {
            (day, enrolment, video): reasons
            for day, enrolment, video, reasons in data["not_credited_by_video_day"]
        }
    except BadSnapshot:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise BadSnapshot(f"unreadable snapshot: {error}") from error
    return State(part, not_credited)


def read(row: ReplaySnapshot) -> State:
    """The state a stored snapshot holds, once its digest is found to be its text's."""
    if digest(row.state) != row.digest:
        raise BadSnapshot(f"digest {row.digest} is not its state's ({digest(row.state)})")
    return decode(row.state)


def upgraded(row: ReplaySnapshot) -> str:
    """The stored snapshot's text in the current format (an older format's state re-encoded:
    what it says of what later events can touch)."""
    if json.loads(row.state).get("format") == FORMAT:
        return row.state
    return encode(read(row))


@dataclass(frozen=True)
class Moved:
    """A trainee's snapshot to write: the replay state's text at its last event."""

    trainee_id: int
    text: str
    event_no: int
    clock_ms: int


def moved(trainee_id: int, state: State, event_no: int) -> Moved:
    """The snapshot to write of `state`, the trainee's replay state at `event_no`."""
    part = state.part
    clock_ms = 0 if part is None or part.last_at_ms is None else part.last_at_ms
    return Moved(trainee_id, encode(state), event_no, clock_ms)


def store(session: Session, moved: Moved, *, now: datetime) -> None:
    """Write (or move on) the trainee's snapshot."""
    row = session.get(ReplaySnapshot, moved.trainee_id)
    if row is None:
        row = ReplaySnapshot(trainee_id=moved.trainee_id)
        session.add(row)
    row.event_no = moved.event_no
    row.clock_ms = moved.clock_ms
    row.state = moved.text
    row.digest = digest(moved.text)
    row.verified_at = now


def move_on(session: Session, moved: list[Moved], *, now: datetime) -> None:
    """Move on snapshots that exist, in one statement (the nightly check's batch): read and
    written one by one, each cost two round trips."""
    table = cast(Table, ReplaySnapshot.__table__)
    statement = (
        update(table)
        .where(table.c.trainee_id == bindparam("key"))
        .values(
            event_no=bindparam("event_no"),
            clock_ms=bindparam("clock_ms"),
            state=bindparam("state"),
            digest=bindparam("digest"),
            verified_at=now,
        )
    )
    session.connection().execute(
        statement,
        [
            {
                "key": each.trainee_id,
                "event_no": each.event_no,
                "clock_ms": each.clock_ms,
                "state": each.text,
                "digest": digest(each.text),
            }
            for each in moved
        ],
    )


def _canonical(data: dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


def _trainee(state: TraineeState) -> dict[str, Any]:
    values = {item.name: getattr(state, item.name) for item in fields(TraineeState)}
    pending = state.pending
    if pending is not None:
        values["pending"] = {item.name: getattr(pending, item.name) for item in fields(pending)}
    return values


def _read_trainee(data: dict[str, Any]) -> TraineeState:
    pending = data["pending"]
    return TraineeState(**{**data, "pending": None if pending is None else PendingCheck(**pending)})


def _playback(
    state: PlaybackState, settings: dict[str, int], known: dict[AccountingSettings, str]
) -> dict[str, Any]:
    values = {item.name: getattr(state, item.name) for item in _PLAYBACK_FIELDS}
    text = known.get(state.settings)
    if text is None:  # `to_dict` is a fifth of an encoding: once per distinct settings
        text = known[state.settings] = _canonical(
            # 20 and 20.0 minutes are one setting; read from JSON they come back either way
            {
                name: int(value) if isinstance(value, float) and value.is_integer() else value
                for name, value in state.settings.to_dict().items()
            }
        )
    values["settings"] = settings.setdefault(text, len(settings))
    return values


_PLAYBACK_FIELDS = fields(PlaybackState)


def _read_playback(data: dict[str, Any], settings: list[AccountingSettings]) -> PlaybackState:
    return PlaybackState(**{**data, "settings": settings[data["settings"]]})
