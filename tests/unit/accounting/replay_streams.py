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

from learning.domain.accounting import COMPILED
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
            }
        )
    out_file.write_text(json.dumps({"compiled": COMPILED, "ledgers": ledgers}))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
