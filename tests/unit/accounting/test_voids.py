"""Voiding a playback's credit (the plausibility review) as an event of the ledger."""

from learning.domain.accounting import VOIDED, AccountingSettings, Beat, Ledger, VoidEvent

SECOND = 1000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
T0 = 1_772_413_200_000  # 2026-03-02 09:00 Asia/Shanghai
DAY = "2026-03-02"
NO_CHECKS = AccountingSettings(attention_min_minutes=600, attention_max_minutes=600)


def _watch(ledger: Ledger, playback: str, start_ms: int, at: int, ticks: int) -> int:
    """Open `playback` of v1 and play from `start_ms` at 1x, a beat every 15 s; the end time."""
    ledger.open("t1", "e1", "v1", playback, NO_CHECKS, HOUR, at)
    position = start_ms
    for seq in range(1, ticks + 2):
        ledger.beat(playback, _beat(seq, position), at)
        at += 15 * SECOND
        position += 15 * SECOND
    ledger.beat(playback, _beat(ticks + 2, position - 15 * SECOND, "close", paused=True), at)
    return at


def _beat(seq: int, position_ms: int, event: str = "tick", paused: bool = False) -> Beat:
    return Beat(
        seq=seq, position_ms=position_ms, rate_milli=1000, paused=paused, visible=True, event=event
    )


def test_a_void_takes_the_playbacks_new_coverage_and_day_credit_off():
    ledger = Ledger({"t1": "seed"})
    at = _watch(ledger, "p1", 0, T0, 20)  # covers 0-300 s
    at = _watch(ledger, "p2", 200 * SECOND, at + MINUTE, 20)  # 200-500 s: 300-500 new
    before = ledger.totals()
    assert ledger.enrolment("e1").online_s == 500
    credited_by_p2 = 200 * SECOND

    outcome = ledger.apply(VoidEvent("p2", at + HOUR))

    assert outcome.voided_ms_by_day == {DAY: credited_by_p2}
    totals = ledger.totals()
    assert totals.coverage[("e1", "v1")] == ((0, 300 * SECOND),)
    assert ledger.enrolment("e1").online_s == 300
    assert totals.credited_by_day[("t1", DAY)] == before.credited_by_day[("t1", DAY)] - 200 * SECOND
    assert totals.not_credited_by_day[("t1", DAY, VOIDED)] == credited_by_p2
    # what was claimed per day is still accounted for, second by second
    claimed_before = before.credited_by_day[("t1", DAY)] + sum(
        ms for (t, d, _r), ms in before.not_credited_by_day.items() if (t, d) == ("t1", DAY)
    )
    claimed_after = totals.credited_by_day[("t1", DAY)] + sum(
        ms for (t, d, _r), ms in totals.not_credited_by_day.items() if (t, d) == ("t1", DAY)
    )
    assert claimed_after == claimed_before
    # the daily-cap counter and the check state are not given back
    assert totals.trainees == before.trainees


def test_a_void_leaves_media_a_later_playback_rewatched_uncovered_but_earnable_again():
    ledger = Ledger({"t1": "seed"})
    at = _watch(ledger, "p1", 0, T0, 20)
    at = _watch(ledger, "p2", 0, at + MINUTE, 20)  # all rewatch
    ledger.apply(VoidEvent("p1", at))
    assert ledger.enrolment("e1").online_s == 0
    _watch(ledger, "p3", 0, at + MINUTE, 20)
    assert ledger.enrolment("e1").online_s == 300


def test_voiding_twice_changes_nothing_the_second_time():
    ledger = Ledger({"t1": "seed"})
    at = _watch(ledger, "p1", 0, T0, 20)
    ledger.apply(VoidEvent("p1", at))
    once = ledger.totals()
    assert ledger.apply(VoidEvent("p1", at)).voided_ms_by_day == {}
    assert ledger.totals() == once
