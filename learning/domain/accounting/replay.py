"""Replaying stored events through a ledger, with what a rebuild keeps beside the ledger's totals.

`Replay` feeds events to a `Ledger` and keeps what the ledger does not: the not-credited time
per video and day (the ledger sums it per trainee and day; the study record shows it per video
too), where each playback's credit goes, and the stored beats whose judgement (rule 10) may not
be the replay's. `Replay.run_rows` is the full check's loop: one trainee's stored beat rows,
their openings and voids merged in by number, each beat built, judged, counted and compared
with its row in one loop. It is compiled with the rules (`make compile`): as Python, this loop
around the rules cost as much as the rules themselves (bench/RESULTS.md, issue 22).

Pure like the rules: rows in, totals out; the stored texts are not decoded here (a stored beat
not plainly judged alike is kept as a `Suspect` for the caller to decide).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Final

from learning.domain.accounting.ledger import (
    VOIDED,
    BeatEvent,
    Event,
    Ledger,
    OpenEvent,
    VoidOutcome,
)
from learning.domain.accounting.rules import Beat, BeatOutcome, PlaybackState

#: The key of the not-credited time per video and day: trainee, day, enrolment, video.
DayKey = tuple[str, str, str, str]

#: A stored beat's judgement as read: event_no, status, credited ms, not-credited ms as JSON
#: text (decoded only when it is not "{}", which most beats have: a replay reads millions).
StoredRow = tuple[int, str, int, str]

#: An event with its number (the order they are processed in) and its stored row, if a beat.
Numbered = tuple[int, Event, StoredRow | None]

#: A stored beat as read from the database: event_no, playback_id, server time, the `Beat`'s
#: fields in its own order (3 to 13; the Booleans a bool, or 0 or 1 on SQLite), status,
#: credited ms, not-credited JSON text, and possibly more columns, not read here.
BeatRow = tuple[Any, ...]

#: A stored beat that may be judged otherwise by the replay: the trainee, its stored row, and
#: the replay's status ("duplicate" for a duplicate), credited ms and not-credited ms.
Suspect = tuple[int, StoredRow, str, int, dict[str, int]]

MAX_EVENT_NO: Final = 2**63 - 1  # event numbers are 64-bit


class Replay:
    """A ledger fed with events in processing order, and what a rebuild keeps beside it."""

    def __init__(self, seeds: Mapping[str, str] | None = None) -> None:
        self.ledger = Ledger(seeds)
        self.events = 0
        #: not-credited ms per (trainee, day, enrolment, video); a day a beat of the video
        #: counted on has an entry even when nothing was refused, as the live path writes one
        self.not_credited: dict[DayKey, dict[str, int]] = {}
        #: the trainee, enrolment and video of each playback opened or restored
        self.where: dict[str, tuple[str, str, str]] = {}
        #: stored beats whose judgement may not be the replay's (see `compare`)
        self.suspects: list[Suspect] = []
        # the bucket of the last beat's playback and day: most beats follow one of the same
        self._last_playback = ""
        self._last_day = ""
        self._last_bucket: dict[str, int] = {}

    def apply(self, event: Event) -> PlaybackState | BeatOutcome | VoidOutcome:
        """Apply one event and count what it did not credit."""
        if isinstance(event, BeatEvent):  # the common case first: a replay is mostly beats
            return self.beat(event.playback_id, event.beat, event.at_ms)
        outcome = self.ledger.apply(event)
        self.events += 1
        if isinstance(event, OpenEvent):
            self.where[event.playback_id] = (event.trainee_id, event.enrolment_id, event.video_id)
        elif isinstance(outcome, VoidOutcome):
            for day, ms in outcome.voided_ms_by_day.items():
                bucket = self._bucket(event.playback_id, day)
                bucket[VOIDED] = bucket.get(VOIDED, 0) + ms
        return outcome

    def beat(self, playback_id: str, beat: Beat, at_ms: int) -> BeatOutcome:
        """Apply one beat and count what it did not credit."""
        outcome = self.ledger.beat(playback_id, beat, at_ms)
        self.events += 1
        if not outcome.duplicate:
            day = outcome.day
            bucket = self._last_bucket
            if playback_id != self._last_playback or day != self._last_day:
                bucket = self._bucket(playback_id, day)
            for reason, ms in outcome.not_credited_ms.items():
                bucket[reason] = bucket.get(reason, 0) + ms
        return outcome

    def _bucket(self, playback_id: str, day: str) -> dict[str, int]:
        """The not-credited time of the playback's video on the day (made, if new)."""
        trainee, enrolment, video = self.where[playback_id]
        key = (trainee, day, enrolment, video)
        bucket = self.not_credited.get(key)
        if bucket is None:
            bucket = {}
            self.not_credited[key] = bucket
        self._last_playback = playback_id
        self._last_day = day
        self._last_bucket = bucket
        return bucket

    def forget_last_bucket(self) -> None:
        """After buckets were replaced from outside (a restored snapshot)."""
        self._last_playback = ""
        self._last_day = ""
        self._last_bucket = {}

    def compare(self, trainee_id: int, stored: StoredRow, outcome: BeatOutcome) -> None:
        """Keep the stored beat as a suspect unless it is plainly judged as the replay judged
        it: the same status and credit, and nothing not credited on either side."""
        self._compare(trainee_id, stored[0], stored[1], stored[2], stored[3], outcome)

    def _compare(
        self,
        trainee_id: int,
        event_no: int,
        status: str,
        credited_ms: int,
        not_credited: str,
        outcome: BeatOutcome,
    ) -> None:
        replayed_status = "duplicate" if outcome.duplicate else outcome.status
        if (
            credited_ms == outcome.credited_ms
            and status == replayed_status
            and not_credited == "{}"
            and not _any_ms(outcome.not_credited_ms)
        ):
            return  # most beats: nothing to decode, nothing to build
        stored = (event_no, status, credited_ms, not_credited)
        self.suspects.append(
            (trainee_id, stored, replayed_status, outcome.credited_ms, outcome.not_credited_ms)
        )

    def run(
        self,
        trainee_id: int,
        events: Iterable[Numbered],
        watch_no: int = MAX_EVENT_NO,
        at_watch: Callable[[], None] | None = None,
    ) -> int:
        """Apply the trainee's numbered events, comparing each stored beat; `at_watch` is
        called once, before the first event numbered above `watch_no`. The last event's
        number (0 if there was none)."""
        last = 0
        for number, event, stored in events:
            if number > watch_no:
                watch_no = MAX_EVENT_NO
                if at_watch is not None:
                    at_watch()
            if stored is not None and isinstance(event, BeatEvent):
                outcome = self.beat(event.playback_id, event.beat, event.at_ms)
                self.compare(trainee_id, stored, outcome)
            else:
                self.apply(event)
            last = number
        return last

    def run_rows(
        self,
        trainee_id: int,
        rows: Iterable[BeatRow],
        others: list[Numbered],
        watch_no: int = MAX_EVENT_NO,
        at_watch: Callable[[], None] | None = None,
    ) -> int:
        """`run` over the trainee's stored beat rows with their openings and voids (`others`,
        in order) merged in by number: no event tuple is made for a beat."""
        last = 0
        index = 0
        other_no = others[0][0] if others else MAX_EVENT_NO
        for row in rows:
            number: int = row[0]
            while other_no < number:
                last = self._other(others[index], watch_no, at_watch)
                if last > watch_no:
                    watch_no = MAX_EVENT_NO
                index += 1
                other_no = others[index][0] if index < len(others) else MAX_EVENT_NO
            if number > watch_no:
                watch_no = MAX_EVENT_NO
                if at_watch is not None:
                    at_watch()
            outcome = self.beat(row[1], beat_of(row), row[2])
            self._compare(trainee_id, number, row[14], row[15], row[16], outcome)
            last = number
        while index < len(others):
            last = self._other(others[index], watch_no, at_watch)
            if last > watch_no:
                watch_no = MAX_EVENT_NO
            index += 1
        return last

    def _other(self, numbered: Numbered, watch_no: int, at_watch: Callable[[], None] | None) -> int:
        """Apply an opening or a void, after calling `at_watch` if it is the first event past
        `watch_no`; its number."""
        number, event, _stored = numbered
        if number > watch_no and at_watch is not None:
            at_watch()
        self.apply(event)
        return number


def beat_of(row: BeatRow) -> Beat:
    """The `Beat` a stored row holds."""
    return Beat(
        row[3],
        row[4],
        row[5],
        row[6] == 1,  # a bool, or 0 or 1 on SQLite
        row[7] == 1,
        row[8],
        row[9],
        row[10],
        row[11],
        row[12],
        row[13],
    )


def events_of_rows(rows: Iterable[BeatRow], others: list[Numbered]) -> Iterator[Numbered]:
    """One trainee's beat rows as numbered events, with their openings and voids (`others`, in
    order) merged in by number (a replay reads millions of beats: heapq.merge's layers cost a
    tenth of it)."""
    index = 0
    other_no = others[0][0] if others else MAX_EVENT_NO
    for row in rows:
        number: int = row[0]
        while other_no < number:
            yield others[index]
            index += 1
            other_no = others[index][0] if index < len(others) else MAX_EVENT_NO
        stored: StoredRow = (number, row[14], row[15], row[16])
        yield number, BeatEvent(row[1], beat_of(row), row[2]), stored
    while index < len(others):
        yield others[index]
        index += 1


def _any_ms(not_credited: dict[str, int]) -> bool:
    """Whether any reason has milliseconds."""
    return any(ms != 0 for ms in not_credited.values())
