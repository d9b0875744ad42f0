"""The accounting rules alone, over events held in memory: what a full replay costs in Python
(or in the mypyc build), without the database.

Run from the repository root::

    .venv/bin/python -m bench.rules                        # whichever build is there
    LEARNING_PURE_RULES=1 .venv/bin/python -m bench.rules  # the Python source
    .venv/bin/python -m bench.rules --profile              # cProfile, the 25 costliest

Learners of the demo's habits are simulated for `--days` days (honest viewing at 1x, answered
checks, a few pauses), their events kept in memory, then replayed through a fresh `Ledger`
`--repeat` times; the best time is printed as events/s.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import time
from datetime import UTC, datetime

from learning.demo.history import Learner, _Simulation
from learning.demo.seed import HABITS
from learning.domain.accounting import COMPILED, AccountingSettings, Event, Ledger
from learning.services.recompute import Replayer


class _Recorder(Replayer):
    """A replayer that also keeps every event it was given."""

    def __init__(self) -> None:
        super().__init__()
        self.kept: list[Event] = []

    def apply(self, event: Event) -> object:  # type: ignore[override]
        self.kept.append(event)
        return super().apply(event)


def simulate(learners: int, days: int, seed: int = 7) -> tuple[list[Event], dict[str, str]]:
    """Events of `learners` simulated learners over `days` days, and their seeds."""
    rng = random.Random(seed)
    settings = AccountingSettings()
    recorder = _Recorder()
    videos = [(video_id, rng.randint(600, 3000)) for video_id in range(1, 61)]
    seeds: dict[str, str] = {}
    start = int(datetime(2026, 9, 1, 11, tzinfo=UTC).timestamp() * 1000)
    for trainee_id in range(1, learners + 1):
        seeds[str(trainee_id)] = f"{rng.getrandbits(128):032x}"
        recorder.ledger.add_trainee(str(trainee_id), seeds[str(trainee_id)])
        habit = HABITS[trainee_id % len(HABITS)]
        learner = Learner(trainee_id, trainee_id, videos, habit)
        simulation = _Simulation(learner, settings, rng, recorder, [], [])
        for day in range(days):
            if rng.random() < habit.study_probability:
                simulation.session(start + day * 86_400_000, max(10.0, rng.gauss(60, 15)))
    return recorder.kept, seeds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=40)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    arguments = parser.parse_args()
    events, seeds = simulate(arguments.learners, arguments.days)
    print(f"{len(events):,} events; rules: {'compiled (mypyc)' if COMPILED else 'Python source'}")
    if arguments.profile:
        profile = cProfile.Profile()
        profile.runcall(Ledger.replay, events, seeds)
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)
        return
    best = min(_timed(events, seeds) for _ in range(arguments.repeat))
    rate = len(events) / best
    print(f"replayed in {best:.2f} s (best of {arguments.repeat}): {rate:,.0f} events/s")


def _timed(events: list[Event], seeds: dict[str, str]) -> float:
    started = time.perf_counter()
    Ledger.replay(events, seeds)
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
