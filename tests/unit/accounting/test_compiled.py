"""The mypyc build of the rules (make compile) against their Python source: on the property
tests' inputs, both must give identical ledgers, beat by beat.

The build under ``build/mypyc`` is used when it was made from the current sources; otherwise
one is made for this test in a temporary folder. Only where no C compiler or no mypyc is there
is the test skipped: CI runs `make compile`.
"""

from __future__ import annotations

import importlib.util
import json
import os
import pickle
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from tests.conftest import examples
from tests.unit.accounting.test_properties import streams

pytestmark = pytest.mark.long  # handed out early (tests/conftest.py)

ROOT = Path(__file__).resolve().parents[3]


def _run(arguments: list[str], **environment: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("LEARNING_")}
    env.update(environment)
    return subprocess.run(
        [sys.executable, *arguments], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )


def _loads_the_build(**environment: str) -> bool:
    probe = "import learning.domain.accounting as a; print(a.COMPILED)"
    return _run(["-c", probe], **environment).stdout.strip() == "True"


@pytest.fixture(scope="module")
def compiled_build(tmp_path_factory) -> dict[str, str]:
    """The environment under which a subprocess loads the mypyc build."""
    if _loads_the_build():
        return {}
    headers = Path(sysconfig.get_paths()["include"], "Python.h")
    if not (shutil.which("gcc") or shutil.which("cc")) or not headers.exists():
        pytest.skip("no C compiler or no Python headers here: the mypyc build cannot be made")
    if importlib.util.find_spec("mypyc") is None:
        pytest.skip("mypyc is not installed (pip install -e '.[compile]'): no build to compare")
    folder = tmp_path_factory.mktemp("mypyc")
    _run(["scripts/compile_rules.py", str(folder)])
    environment = {"LEARNING_RULES_BUILD": str(folder)}
    assert _loads_the_build(**environment)
    return environment


def test_compiled_and_source_rules_give_identical_ledgers(compiled_build, tmp_path):
    drawn = []

    @settings(
        max_examples=examples(150),
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(streams())
    def collect(stream):
        drawn.append(stream)

    collect()
    inputs = tmp_path / "streams.pickle"
    inputs.write_bytes(pickle.dumps(drawn))
    results = {}
    for name, environment in (
        ("source", {"LEARNING_PURE_RULES": "1"}),
        ("compiled", compiled_build),
    ):
        out = tmp_path / f"{name}.json"
        _run(["-m", "tests.unit.accounting.replay_streams", str(inputs), str(out)], **environment)
        results[name] = json.loads(out.read_text())
    assert results["source"]["compiled"] is False
    assert results["compiled"]["compiled"] is True
    assert len(results["source"]["ledgers"]) == len(drawn)
    pairs = zip(results["source"]["ledgers"], results["compiled"]["ledgers"], strict=True)
    for source, compiled in pairs:
        assert compiled == source
        assert source["replayed"] == source["totals"]
        assert source["rows"] == source["events"]


def test_a_build_of_other_sources_is_not_used(compiled_build, tmp_path):
    """An edited rule never runs a stale build: the stamp no longer matches, the source runs."""
    build = Path(compiled_build.get("LEARNING_RULES_BUILD", ROOT / "build" / "mypyc"))
    stale = tmp_path / "stale"
    shutil.copytree(build, stale)
    assert _loads_the_build(LEARNING_RULES_BUILD=str(stale))
    (stale / "learning" / "domain" / "accounting" / "SOURCES.sha256").write_text("0" * 64)
    assert not _loads_the_build(LEARNING_RULES_BUILD=str(stale))


def test_the_build_makes_the_states_native_classes_that_pickle(compiled_build):
    """In the build, the states a beat copies, the beat itself and the full check's replay
    loop are native classes (their fields read by offset, no instance dictionary: what makes
    the build fast), and the states still pickle, as a `recompute` worker process sends its
    differences back."""
    probe = """
import pickle
from learning.domain.accounting import (
    COMPILED, AccountingSettings, Beat, BeatEvent, PendingCheck, PlaybackState, TraineeState,
)
from learning.domain.accounting.replay import Replay
check = PendingCheck(id="c", code="0042", resume_at_ms=5, sent_at_ms=7)
states = [
    TraineeState(seed="s", checks_answered=2, next_due_ms=9, pending=check, day="2026-12-07"),
    PlaybackState(id="p", settings=AccountingSettings(), duration_ms=60_000, opened_at_ms=1),
    check,
]
beat = Beat(1, 0, 1000, False, True, "tick")
assert COMPILED
native = [*states, beat, BeatEvent("p", beat, 1), Replay()]
assert not any(hasattr(each, "__dict__") for each in native)
assert all(pickle.loads(pickle.dumps(state)) == state for state in states)
print("native")
"""
    assert _run(["-c", probe], **compiled_build).stdout.strip() == "native"
