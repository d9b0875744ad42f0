"""A replay snapshot's text is canonical: the same state, however its values were read back,
has one digest (the weekly check compares digests of snapshots made in other processes)."""

from __future__ import annotations

from learning.domain.accounting import (
    AccountingSettings,
    Beat,
    BeatEvent,
    Ledger,
    OpenEvent,
    TraineePart,
    VoidEvent,
)
from learning.services import snapshots

T0 = 1_772_413_200_000  # 2026-03-02 01:00 UTC, 09:00 in Shanghai
DAY = 86_400_000


def _encoded(settings: AccountingSettings) -> str:
    ledger = Ledger({"t1": "seed"})
    ledger.open("t1", "e1", "v1", "p1", settings, 600_000, T0)
    return snapshots.encode(snapshots.State(ledger.part("t1"), {}))


def test_whole_minutes_read_back_as_floats_or_integers_encode_alike():
    as_floats = AccountingSettings.from_dict({"attention_min_minutes": 10.0, "max_rate": 1.0})
    as_integers = AccountingSettings.from_dict({"attention_min_minutes": 10, "max_rate": 1})
    assert _encoded(as_floats) == _encoded(as_integers)
    assert _encoded(as_floats) != _encoded(AccountingSettings(attention_min_minutes=10.5))


def test_a_state_read_back_encodes_to_the_same_text():
    text = _encoded(AccountingSettings())
    assert snapshots.encode(snapshots.decode(text)) == text


def _watched(ledger: Ledger, playback: str, enrolment: str, video: str, at: int) -> None:
    """A minute of a video watched from its start in a new playback."""
    ledger.open("t1", enrolment, video, playback, AccountingSettings(), 600_000, at)
    for seq in range(1, 6):
        beat = Beat(seq, (seq - 1) * 15_000, 1000, False, True, "tick" if seq > 1 else "play")
        ledger.beat(playback, beat, at + (seq - 1) * 15_000)


def _later(part: TraineePart) -> TraineePart:
    """The part as a ledger restored from its snapshot (and replaying on) knows it."""
    state = snapshots.decode(snapshots.encode(snapshots.State(part, {})))
    assert state.part is not None
    ledger = Ledger()
    ledger.restore(state.part)
    return ledger.part("t1")


def test_a_snapshot_keeps_what_later_events_can_touch_and_no_more():
    ledger = Ledger({"t1": "seed"})
    _watched(ledger, "p1", "e1", "v1", T0)
    _watched(ledger, "p2", "e2", "v2", T0 + 3 * DAY)  # p1 is settled: superseded, past grace
    part = ledger.part("t1")
    assert snapshots.day_floor(part) == "2026-03-05"  # the trainee's day (Shanghai)
    assert not snapshots.live(part, "p1", part.playbacks["p1"].state)
    assert snapshots.live(part, "p2", part.playbacks["p2"].state)
    later = _later(part)
    assert set(later.playbacks) == {"p2"} and set(part.playbacks) == {"p1", "p2"}
    assert list(later.credited_by_day) == ["2026-03-05"] and len(part.credited_by_day) == 2
    # every enrolment's coverage and figures, also of one whose playbacks are all settled
    assert later.coverage == part.coverage and set(later.coverage) == {("e1", "v1"), ("e2", "v2")}
    assert later.enrolments == part.enrolments and set(later.enrolments) == {"e1", "e2"}
    assert _later(later) == later


def test_what_reaches_back_past_a_snapshot():
    ledger = Ledger({"t1": "seed"})
    _watched(ledger, "p1", "e1", "v1", T0)
    _watched(ledger, "p2", "e1", "v2", T0 + DAY)
    part = _later(ledger.part("t1"))
    tick = Beat(9, 120_000, 1000, False, True, "tick")
    at = T0 + 2 * DAY
    opened = OpenEvent("t1", "e1", "v3", "p3", AccountingSettings(), 600_000, at)
    assert not snapshots.reaches_back(part, [BeatEvent("p2", tick, at)])
    assert not snapshots.reaches_back(part, [opened, BeatEvent("p3", tick, at)])
    assert snapshots.reaches_back(part, [BeatEvent("p1", tick, at)])  # settled: left out
    assert snapshots.reaches_back(part, [VoidEvent("p2", at)])  # its days may be left out
