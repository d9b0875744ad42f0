"""A replay snapshot's text is canonical: the same state, however its values were read back,
has one digest (the weekly check compares digests of snapshots made in other processes)."""

from __future__ import annotations

from learning.domain.accounting import AccountingSettings, Ledger
from learning.services import snapshots

T0 = 1_772_413_200_000


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
