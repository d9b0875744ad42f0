"""Play pickled property-test streams through the rules this interpreter loads, and write what
every ledger ended with (test_compiled.py runs it once on the Python source and once on the
mypyc build, and compares).

    python -m tests.unit.accounting.replay_streams STREAMS.pickle OUT.json
"""

from __future__ import annotations

import json
import pickle
import sys
from pathlib import Path

from learning.domain.accounting import COMPILED, BeatEvent, Event
from learning.domain.accounting.replay import BeatRow, Numbered, Replay, events_of_rows
from learning.services import snapshots
from tests.unit.accounting.conftest import World
from tests.unit.accounting.test_properties import play_stream


def main(streams_file: Path, out_file: Path) -> None:
    streams = pickle.loads(streams_file.read_bytes())
    ledgers = []
    for stream in streams:
        run = play_stream(World, stream)
        # The reprs are the dataclasses' own (the compiled classes keep them): every field of
        # every total, trainee and playback state, and of every beat's outcome.
        ledgers.append(
            {
                "totals": repr(run.world.totals()),
                "outcomes": [repr(outcome) for outcome in run.outcomes],
                "replayed": repr(run.world.replay().totals()),
                # what a verified snapshot keeps of the trainee (`Ledger.part`)
                "snapshot": snapshots.encode(snapshots.State(run.world.ledger.part("t1"), {})),
                # the full check's loop over stored rows, and over the events made of them
                "rows": _replayed(run.world.events, run.world.seeds, from_rows=True),
                "events": _replayed(run.world.events, run.world.seeds, from_rows=False),
            }
        )
    out_file.write_text(json.dumps({"compiled": COMPILED, "ledgers": ledgers}))


def _replayed(events: list[Event], seeds: dict[str, str], *, from_rows: bool) -> str:
    """The events stored as a check reads them (every other beat stored as judged otherwise:
    credited nothing, a reason with 0 ms), then replayed by `Replay`, watching the middle
    event: what it keeps, its suspects, and when it called the watch."""
    rows: list[BeatRow] = []
    others: list[Numbered] = []
    for number, event in enumerate(events, start=1):
        if not isinstance(event, BeatEvent):
            others.append((number, event, None))
            continue
        beat = event.beat
        rows.append(
            (
                *(number, event.playback_id, event.at_ms, beat.seq, beat.position_ms),
                *(beat.rate_milli, int(beat.paused), int(beat.visible), beat.event, beat.from_ms),
                *(beat.attention_id, beat.attention_code, beat.face_outcome),
                *(beat.question_outcome, "ok", 0, "{}" if number % 2 else '{"paused": 0}'),
            )
        )
    replay = Replay(seeds)
    watched: list[int] = []
    arguments = (len(events) // 2, lambda: watched.append(replay.events))
    if from_rows:
        last = replay.run_rows(1, rows, others, *arguments)
    else:
        last = replay.run(1, events_of_rows(rows, others), *arguments)
    kept = (replay.not_credited, replay.suspects, replay.ledger.totals())
    return repr((last, watched, replay.events, *kept))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
