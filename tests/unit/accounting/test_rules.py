"""Each rule of shared/accounting.md and each decision of the brief, with exact milliseconds.

Unless a test says otherwise: a playback whose first beat (playing, visible, position ``p``) came
at ``T0`` with allowance 0, default settings (slack 5 s, interval 15 s, max rate 1.0), and a
trainee with no check due for a long while.
"""

import json
from dataclasses import FrozenInstanceError, replace

import pytest

from learning.domain.accounting import (
    REASONS,
    AccountingSettings,
    Beat,
    IntervalSet,
    PendingCheck,
    PlaybackState,
    TraineeState,
    apply_beat,
    check_on_opening,
    day_of,
    draw_check,
    draw_due_ms,
    expire,
    grace_deadline_ms,
    is_stale,
    open_playback,
    supersede,
)

SECOND = 1000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
T0 = 1_772_413_200_000  # 2026-03-02 09:00 Asia/Shanghai
SETTINGS = AccountingSettings()
CAP_MS = SETTINGS.allowance_cap_ms


def trainee(**changes) -> TraineeState:
    """A trainee whose next check is far away unless a test sets it."""
    return replace(TraineeState(seed="seed", next_due_ms=20 * MINUTE), **changes)


def started(position_ms: int = 0, **changes) -> PlaybackState:
    """A playback whose first beat (playing, visible) came at T0."""
    playback = PlaybackState(
        id="p1",
        settings=SETTINGS,
        duration_ms=HOUR,
        opened_at_ms=T0,
        last_seq=1,
        position_ms=position_ms,
        crediting=True,
        last_beat_at_ms=T0,
    )
    return replace(playback, **changes)


def beat(seq: int, position_ms: int, event: str = "tick", **fields) -> Beat:
    values = {"rate_milli": 1000, "paused": False, "visible": True, **fields}
    return Beat(seq=seq, position_ms=position_ms, event=event, **values)


def judge(playback, the_beat, now, who=None, coverage=None):
    return apply_beat(who or trainee(), playback, coverage or IntervalSet(), the_beat, now)


# --- settings ---------------------------------------------------------------------------------


def test_settings_defaults_and_derived_milliseconds():
    assert SETTINGS.stale_after_s == 60
    assert SETTINGS.max_rate_milli == 1000
    assert SETTINGS.slack_ms == 5000
    assert SETTINGS.heartbeat_interval_ms == 15000
    assert (SETTINGS.attention_min_ms, SETTINGS.attention_max_ms) == (600_000, 1_200_000)
    assert SETTINGS.attention_timeout_ms == 300_000
    assert SETTINGS.late_beat_grace_ms == 1_800_000
    assert SETTINGS.allowance_cap_ms == 1_860_000
    assert SETTINGS.daily_cap_ms == 21_600_000


def test_stale_after_follows_the_interval_unless_given():
    assert AccountingSettings(heartbeat_interval_s=10).stale_after_s == 45
    assert AccountingSettings(stale_after_s=90).stale_after_s == 90


@pytest.mark.parametrize(
    "bad",
    [
        {"max_rate": 1.01},
        {"max_rate": 0},
        {"max_rate": -1.0},
        {"max_rate": float("nan")},
        {"max_rate": float("inf")},
        {"max_rate": True},
        {"slack_s": -1},
        {"heartbeat_interval_s": 0},
        {"attention_min_minutes": 0},
        {"attention_min_minutes": 21},
        {"attention_timeout_minutes": 0},
        {"stale_after_s": 0},
        {"stale_after_s": 2000},
        {"late_beat_grace_s": 30},
        {"daily_cap_s": 0},
        {"daily_cap_s": 1.5},
        {"slack_s": True},
        {"timezone": "Mars/Olympus"},
        {"timezone": "../etc/passwd"},
    ],
)
def test_settings_out_of_range_are_refused(bad):
    with pytest.raises(ValueError):
        AccountingSettings(**bad)


def test_settings_snapshot_round_trips_through_json():
    custom = AccountingSettings(max_rate=0.75, slack_s=3, daily_cap_s=7200, timezone="UTC")
    snapshot = json.loads(json.dumps(custom.to_dict()))
    assert snapshot["stale_after_s"] == 60
    assert AccountingSettings.from_dict(snapshot) == custom


def test_settings_snapshot_with_an_unknown_key_is_refused():
    with pytest.raises(ValueError, match="max_speed"):
        AccountingSettings.from_dict({"max_speed": 2})


def test_settings_are_frozen():
    with pytest.raises(FrozenInstanceError):
        SETTINGS.slack_s = 50  # type: ignore[misc]


# --- beats ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        {"seq": 0},
        {"seq": 10**9 + 1},
        {"position_ms": -1},
        {"from_ms": -1, "event": "seeked"},
        {"rate_milli": -1},
        {"event": "jump"},
    ],
)
def test_beat_refuses_impossible_values(bad):
    values = {"seq": 1, "position_ms": 0, "event": "tick", **bad}
    with pytest.raises(ValueError):
        beat(**values)


# --- rule 2 / decision 1: the claimed interval -----------------------------------------------


def test_first_beat_credits_nothing_and_sets_the_position():
    fresh = PlaybackState(id="p1", settings=SETTINGS, duration_ms=HOUR, opened_at_ms=T0)
    outcome = judge(fresh, beat(1, 42_000), T0 + 500)
    assert (outcome.credited_ms, outcome.not_credited_ms, outcome.reason) == (0, {}, None)
    assert outcome.playback.position_ms == 42_000
    assert outcome.playback.crediting
    # before the first beat the playback is out of the credited state: it grows one for one,
    # to at most the resume grace (rule 3), so a first beat that arrives late costs nothing
    assert outcome.playback.allowance_ms == 500
    assert judge(fresh, beat(1, 42_000), T0 + 60_000).playback.allowance_ms == 10_000


def test_forward_claim_in_credited_state_is_credited_exactly():
    outcome = judge(started(), beat(2, 15_000), T0 + 15_000)
    assert outcome.status == "ok"
    assert outcome.credited_ms == 15_000
    assert outcome.not_credited_ms == {}
    assert outcome.reason is None
    assert outcome.new_intervals == ((0, 15_000),)
    assert outcome.coverage.to_list() == [[0, 15_000]]
    assert outcome.playback.allowance_ms == 0
    assert outcome.day == "2026-03-02"


def test_moving_back_claims_nothing_and_says_seek():
    outcome = judge(started(60_000), beat(2, 10_000), T0 + 15_000)
    assert (outcome.credited_ms, outcome.not_credited_ms, outcome.reason) == (0, {}, "seek")
    assert outcome.playback.position_ms == 10_000
    assert outcome.playback.allowance_ms == 15_000  # the time still counted


def test_standing_still_claims_nothing_without_a_reason():
    outcome = judge(started(60_000), beat(2, 60_000), T0 + 15_000)
    assert (outcome.credited_ms, outcome.not_credited_ms, outcome.reason) == (0, {}, None)


def test_reported_seek_claims_up_to_where_it_started_and_the_jump_is_nobodys():
    first = judge(started(), beat(2, 600_000, "seeked", from_ms=10_000), T0 + 10_000)
    assert first.credited_ms == 10_000
    assert first.new_intervals == ((0, 10_000),)
    assert first.playback.position_ms == 600_000
    second = judge(first.playback, beat(3, 615_000), T0 + 25_000, coverage=first.coverage)
    assert second.new_intervals == ((600_000, 615_000),)
    assert second.coverage.to_list() == [[0, 10_000], [600_000, 615_000]]


def test_reported_seek_backwards_or_in_place_claims_nothing_and_says_seek():
    back = judge(started(60_000), beat(2, 0, "seeked", from_ms=50_000), T0 + 5_000)
    still = judge(started(60_000), beat(2, 0, "seeked", from_ms=60_000), T0 + 5_000)
    for outcome in (back, still):
        assert (outcome.credited_ms, outcome.not_credited_ms, outcome.reason) == (0, {}, "seek")
        assert outcome.playback.position_ms == 0


def test_seeked_beat_without_from_claims_nothing():
    outcome = judge(started(60_000), beat(2, 0, "seeked"), T0 + 5_000)
    assert (outcome.credited_ms, outcome.not_credited_ms, outcome.reason) == (0, {}, "seek")


def test_part_beyond_the_duration_is_beyond_duration():
    playback = started(50_000, duration_ms=60_000)
    outcome = judge(playback, beat(2, 65_000), T0 + 15_000)
    assert outcome.credited_ms == 10_000
    assert outcome.not_credited_ms == {"beyond_duration": 5_000}
    assert outcome.reason == "beyond_duration"


def test_claim_that_starts_beyond_the_duration_is_all_beyond():
    outcome = judge(started(70_000, duration_ms=60_000), beat(2, 80_000), T0 + 10_000)
    assert outcome.not_credited_ms == {"beyond_duration": 10_000}


# --- decision 2: outside the credited state -------------------------------------------------


def test_claim_after_a_paused_beat_is_all_paused_and_the_allowance_grows_one_grace_at_most():
    playback = started(0, paused=True, crediting=False, allowance_ms=2_000, duration_ms=10_000)
    outcome = judge(playback, beat(2, 30_000), T0 + 600_000)
    assert outcome.not_credited_ms == {"paused": 30_000}
    assert outcome.reason == "paused"
    assert outcome.playback.allowance_ms == 2_000 + 10_000  # where it stood, plus the grace
    assert outcome.playback.crediting
    assert outcome.playback.rest_base_ms is None


def test_out_of_the_credited_state_the_allowance_grows_with_time_up_to_the_grace():
    """Paused at A = 2 s: 3 s later a beat (still paused) finds 5 s; 30 s later 12 s, not 35."""
    playback = started(0, paused=True, crediting=False, allowance_ms=2_000, rest_base_ms=2_000)
    still_paused = judge(playback, beat(2, 0, paused=True), T0 + 3_000)
    assert still_paused.playback.allowance_ms == 5_000
    assert still_paused.playback.rest_base_ms == 2_000  # the pause began there
    later = judge(still_paused.playback, beat(3, 0, paused=True), T0 + 33_000)
    assert later.playback.allowance_ms == 12_000


def test_leaving_the_credited_state_records_where_the_allowance_stood():
    outcome = judge(started(allowance_ms=1_000), beat(2, 10_000, paused=True), T0 + 15_000)
    assert outcome.credited_ms == 10_000
    assert outcome.playback.allowance_ms == 6_000
    assert outcome.playback.rest_base_ms == 6_000
    assert not outcome.playback.crediting


def test_no_grace_setting_keeps_the_allowance_where_the_pause_left_it():
    """Playbacks opened before the grace existed were recorded with `resume_grace_s = 0`."""
    settings = AccountingSettings(resume_grace_s=0)
    playback = started(0, paused=True, crediting=False, allowance_ms=2_000, settings=settings)
    assert judge(playback, beat(2, 0), T0 + 600_000).playback.allowance_ms == 2_000


def test_claim_after_a_hidden_beat_is_all_hidden():
    playback = started(0, visible=False, crediting=False)
    outcome = judge(playback, beat(2, 30_000), T0 + 600_000)
    assert outcome.not_credited_ms == {"hidden": 30_000}
    assert outcome.playback.allowance_ms == 10_000


def test_paused_comes_before_hidden():
    playback = started(0, paused=True, visible=False, crediting=False)
    assert judge(playback, beat(2, 5_000), T0 + 5_000).not_credited_ms == {"paused": 5_000}


def test_claim_with_a_check_pending_is_attention_pending_after_beyond_duration():
    check = PendingCheck("c1", "1234", resume_at_ms=0, sent_at_ms=T0)
    playback = started(50_000, crediting=False, duration_ms=60_000)
    outcome = judge(playback, beat(2, 70_000), T0 + 20_000, who=trainee(pending=check))
    assert outcome.not_credited_ms == {"beyond_duration": 10_000, "attention_pending": 10_000}
    assert outcome.reason == "beyond_duration"
    assert not outcome.playback.crediting


def test_check_raised_after_a_page_was_superseded_stops_its_late_beats():
    """The superseded page was crediting when it was left; the active page raised a check since."""
    check = PendingCheck("c1", "1234", resume_at_ms=0, sent_at_ms=T0)
    playback = started(status="superseded", superseded_at_ms=T0, allowance_ms=9_000)
    outcome = judge(playback, beat(2, 15_000), T0 + 15_000, who=trainee(pending=check))
    assert outcome.not_credited_ms == {"attention_pending": 15_000}
    assert outcome.playback.allowance_ms == 9_000
    assert not outcome.playback.crediting


# --- decision 3 / rule 3: the allowance -------------------------------------------------------


def test_allowance_grows_with_the_previous_rate_capped_by_max_rate():
    fast = judge(started(rate_milli=2000), beat(2, 0), T0 + 10_000)
    assert fast.playback.allowance_ms == 10_000
    slow_settings = AccountingSettings(max_rate=0.5)
    slow = judge(started(settings=slow_settings), beat(2, 0), T0 + 10_000)
    assert slow.playback.allowance_ms == 5_000


def test_allowance_growth_is_floored_to_the_millisecond():
    outcome = judge(started(rate_milli=333), beat(2, 0), T0 + 10_001)
    assert outcome.playback.allowance_ms == 3_330  # 10_001 * 0.333 = 3_330.333


def test_allowance_never_grows_above_stale_plus_grace():
    outcome = judge(started(), beat(2, 0), T0 + 29 * MINUTE)
    assert outcome.playback.allowance_ms == 29 * MINUTE
    again = judge(outcome.playback, beat(3, 0), T0 + 58 * MINUTE)
    assert again.playback.allowance_ms == CAP_MS


def test_claim_beyond_allowance_plus_slack_is_rate_limited():
    outcome = judge(started(), beat(2, 25_000), T0 + 15_000)
    assert outcome.credited_ms == 20_000
    assert outcome.not_credited_ms == {"rate_limited": 5_000}
    assert outcome.reason == "rate_limited"
    assert outcome.playback.allowance_ms == -5_000


def test_allowance_never_falls_below_minus_slack():
    first = judge(started(), beat(2, 25_000), T0 + 15_000)
    second = judge(first.playback, beat(3, 50_000), T0 + 30_000, coverage=first.coverage)
    assert second.credited_ms == 15_000
    assert second.not_credited_ms == {"rate_limited": 10_000}
    assert second.playback.allowance_ms == -5_000


def test_claim_above_allowance_slack_and_interval_is_an_unreported_seek():
    outcome = judge(started(), beat(2, 35_001), T0 + 15_000)
    assert outcome.credited_ms == 0
    assert outcome.not_credited_ms == {"seek": 35_001}
    assert outcome.reason == "seek"
    assert outcome.playback.allowance_ms == 15_000  # grown, not drained
    assert outcome.playback.position_ms == 35_001


def test_claim_at_exactly_the_seek_threshold_is_judged_not_a_seek():
    outcome = judge(started(), beat(2, 35_000), T0 + 15_000)
    assert outcome.credited_ms == 20_000
    assert outcome.not_credited_ms == {"rate_limited": 15_000}


def test_unreported_seek_takes_the_beyond_part_too():
    outcome = judge(started(duration_ms=60_000), beat(2, 90_000), T0 + 1_000)
    assert outcome.not_credited_ms == {"seek": 90_000}


def test_seek_threshold_uses_the_clipped_advance():
    playback = started(55_000, duration_ms=60_000)
    outcome = judge(playback, beat(2, 600_000), T0 + 1_000)
    assert outcome.credited_ms == 5_000
    assert outcome.not_credited_ms == {"beyond_duration": 540_000}


def test_reported_seek_is_never_an_unreported_one_but_is_rate_limited():
    outcome = judge(started(), beat(2, 900_000, "seeked", from_ms=60_000), T0 + 15_000)
    assert outcome.credited_ms == 20_000
    assert outcome.not_credited_ms == {"rate_limited": 40_000}
    assert outcome.playback.position_ms == 900_000


def test_superseded_playback_earns_its_positive_allowance_without_slack():
    playback = started(status="superseded", superseded_at_ms=T0, allowance_ms=7_000)
    first = judge(playback, beat(2, 5_000), T0 + 60_000)
    assert first.status == "superseded"
    assert first.credited_ms == 5_000
    assert first.playback.allowance_ms == 2_000  # no growth after supersession
    second = judge(first.playback, beat(3, 15_000), T0 + 61_000, coverage=first.coverage)
    assert second.credited_ms == 2_000
    assert second.not_credited_ms == {"rate_limited": 8_000}
    assert second.playback.allowance_ms == 0
    assert second.playback.status == "superseded"


def test_superseded_playback_with_negative_allowance_earns_nothing():
    playback = started(status="superseded", superseded_at_ms=T0, allowance_ms=-3_000)
    outcome = judge(playback, beat(2, 5_000), T0 + 60_000)
    assert outcome.not_credited_ms == {"rate_limited": 5_000}
    assert outcome.playback.allowance_ms == -3_000


def test_superseded_seek_threshold_has_no_slack():
    playback = started(status="superseded", superseded_at_ms=T0, allowance_ms=0)
    assert judge(playback, beat(2, 15_001), T0 + 60_000).not_credited_ms == {"seek": 15_001}


# --- open_playback, supersede, rule 5 ---------------------------------------------------------


def test_first_playback_starts_with_zero_allowance():
    playback, previous = open_playback("p1", SETTINGS, HOUR, T0, None)
    assert previous is None
    assert playback == PlaybackState(
        id="p1", settings=SETTINGS, duration_ms=HOUR, opened_at_ms=T0, rest_base_ms=0
    )


def test_opening_supersedes_the_active_one_and_carries_only_a_negative_allowance():
    old = started(allowance_ms=-4_000)
    new, superseded = open_playback("p2", SETTINGS, HOUR, T0 + 3_000, old)
    assert superseded.status == "superseded"
    assert superseded.superseded_at_ms == T0 + 3_000
    assert superseded.allowance_ms == -1_000  # grown to the moment of supersession
    assert new.allowance_ms == -1_000


def test_a_positive_allowance_stays_with_the_superseded_playback():
    new, superseded = open_playback("p2", SETTINGS, HOUR, T0 + 20_000, started(allowance_ms=-4_000))
    assert superseded.allowance_ms == 16_000
    assert new.allowance_ms == 0


def test_opening_after_a_paused_one_does_not_grow_its_allowance():
    old = started(allowance_ms=-4_000, paused=True, crediting=False)
    new, superseded = open_playback("p2", SETTINGS, HOUR, T0 + 60_000, old)
    assert superseded.allowance_ms == -4_000
    assert new.allowance_ms == -4_000


def test_opening_after_an_ended_or_superseded_one_takes_its_allowance_as_it_is():
    for status in ("ended", "superseded"):
        old = started(status=status, allowance_ms=-2_500)
        new, previous = open_playback("p2", SETTINGS, HOUR, T0 + 60_000, old)
        assert previous is old
        assert new.allowance_ms == -2_500


def test_opening_after_an_active_one_past_its_grace_ends_it_at_the_deadline():
    old = started(allowance_ms=-5_000)
    new, previous = open_playback("p2", SETTINGS, HOUR, T0 + 2 * HOUR, old)
    assert previous.status == "ended"
    assert previous.end_reason == "grace"
    assert previous.allowance_ms == -5_000 + 30 * MINUTE  # grown up to the deadline only
    assert new.allowance_ms == 0


def test_supersede_leaves_playbacks_that_are_not_active_alone():
    ended = started(status="ended", end_reason="close")
    assert supersede(ended, T0 + 5_000) is ended


def test_open_refuses_a_negative_duration():
    with pytest.raises(ValueError):
        open_playback("p1", SETTINGS, -1, T0, None)


# --- decision 4 / rule 7: the due point -------------------------------------------------------


def test_due_point_is_drawn_from_seed_and_counter_within_the_range():
    draws = [draw_due_ms("seed", counter, SETTINGS) for counter in range(200)]
    assert draws == [draw_due_ms("seed", counter, SETTINGS) for counter in range(200)]
    assert all(10 * MINUTE <= due <= 20 * MINUTE for due in draws)
    assert len(set(draws)) > 150
    assert draw_due_ms("other", 0, SETTINGS) != draws[0]


def test_check_id_and_code_are_drawn_from_seed_and_counter():
    check = draw_check("seed", 3, resume_at_ms=1_000, now=T0)
    assert check == draw_check("seed", 3, resume_at_ms=1_000, now=T0)
    assert len(check.id) >= 16 and set(check.id) <= set("0123456789abcdef")
    assert len(check.code) == 4 and check.code.isdigit()
    assert draw_check("seed", 4, 1_000, T0).id != check.id
    assert draw_check("seed2", 3, 1_000, T0).id != check.id


def test_credit_stops_exactly_at_the_due_point_and_the_check_becomes_pending():
    who = trainee(next_due_ms=60_000, played_since_check_ms=50_000)
    outcome = judge(started(100_000), beat(2, 115_000), T0 + 15_000, who=who)
    assert outcome.credited_ms == 10_000
    assert outcome.not_credited_ms == {"attention_pending": 5_000}
    assert outcome.reason == "attention_pending"
    assert outcome.check_raised
    assert outcome.trainee.pending == draw_check("seed", 0, 110_000, T0 + 15_000)
    assert outcome.trainee.played_since_check_ms == 60_000
    assert not outcome.playback.crediting
    assert outcome.playback.allowance_ms == 0  # the whole claim passed the allowance


def test_due_point_reached_at_the_end_of_a_beat_raises_the_check():
    who = trainee(next_due_ms=60_000, played_since_check_ms=45_000)
    outcome = judge(started(), beat(2, 15_000), T0 + 15_000, who=who)
    assert outcome.credited_ms == 15_000
    assert outcome.check_raised
    assert outcome.trainee.pending.resume_at_ms == 15_000


def test_due_point_is_drawn_lazily_with_the_playbacks_settings():
    narrow = AccountingSettings(attention_min_minutes=1, attention_max_minutes=1)
    who = trainee(next_due_ms=None, played_since_check_ms=0)
    outcome = judge(started(settings=narrow), beat(2, 15_000), T0 + 15_000, who=who)
    assert outcome.trainee.next_due_ms == MINUTE
    standing = judge(started(settings=narrow), beat(2, 0), T0 + 15_000, who=who)
    assert standing.trainee.next_due_ms is None


def test_rate_limited_time_is_not_played_time():
    who = trainee(next_due_ms=60_000, played_since_check_ms=0)
    outcome = judge(started(), beat(2, 25_000), T0 + 15_000, who=who)
    assert outcome.trainee.played_since_check_ms == 20_000


def test_rewatched_time_is_played_time():
    who = trainee(next_due_ms=60_000, played_since_check_ms=0)
    seen = IntervalSet([(0, 15_000)])
    outcome = judge(started(), beat(2, 15_000), T0 + 15_000, who=who, coverage=seen)
    assert outcome.not_credited_ms == {"rewatch": 15_000}
    assert outcome.trainee.played_since_check_ms == 15_000


def test_allowance_comes_before_the_due_point():
    who = trainee(next_due_ms=60_000, played_since_check_ms=50_000)
    outcome = judge(started(), beat(2, 30_000), T0 + 15_000, who=who)
    assert outcome.not_credited_ms == {"rate_limited": 10_000, "attention_pending": 10_000}
    assert outcome.credited_ms == 10_000


def test_superseded_late_beat_stops_at_the_due_point_without_raising_the_check():
    who = trainee(next_due_ms=60_000, played_since_check_ms=50_000)
    playback = started(status="superseded", superseded_at_ms=T0, allowance_ms=30_000)
    outcome = judge(playback, beat(2, 15_000), T0 + 20_000, who=who)
    assert outcome.credited_ms == 10_000
    assert outcome.not_credited_ms == {"attention_pending": 5_000}
    assert not outcome.check_raised
    assert outcome.trainee.pending is None
    assert outcome.trainee.played_since_check_ms == 60_000


def test_active_page_raises_a_check_that_came_due_elsewhere_where_it_stands():
    who = trainee(next_due_ms=60_000, played_since_check_ms=60_000)
    outcome = judge(started(300_000), beat(2, 315_000), T0 + 15_000, who=who)
    assert outcome.check_raised
    assert outcome.trainee.pending.resume_at_ms == 300_000
    assert outcome.not_credited_ms == {"attention_pending": 15_000}
    assert not outcome.playback.crediting


# --- decision 5 / rule 7: answering a check ---------------------------------------------------

CHECK = PendingCheck("abc123abc123abc123ab", "0427", resume_at_ms=110_000, sent_at_ms=T0)


def waiting(**changes) -> tuple[TraineeState, PlaybackState]:
    who = trainee(pending=CHECK, checks_answered=2, played_since_check_ms=60_000)
    playback = started(125_000, crediting=False, last_beat_at_ms=T0, **changes)
    return who, playback


def answer(seq=2, code="0427", check_id=CHECK.id, position_ms=110_000, **fields) -> Beat:
    return beat(
        seq,
        position_ms,
        "attention_ok",
        attention_id=check_id,
        attention_code=code,
        **fields,
    )


def test_right_answer_clears_the_check_and_resumes_from_where_credit_stopped():
    who, playback = waiting()
    outcome = judge(playback, answer(), T0 + 9_000, who=who)
    assert outcome.check_cleared
    assert outcome.trainee == replace(
        who, pending=None, checks_answered=3, played_since_check_ms=0, next_due_ms=None
    )
    assert (outcome.credited_ms, outcome.not_credited_ms, outcome.reason) == (0, {}, "seek")
    assert outcome.playback.position_ms == 110_000
    assert outcome.playback.crediting
    after = judge(outcome.playback, beat(3, 125_000), T0 + 24_000, who=outcome.trainee)
    assert after.credited_ms == 15_000
    assert after.trainee.next_due_ms == draw_due_ms("seed", 3, SETTINGS)


def test_answer_code_is_compared_after_stripping_whitespace():
    who, playback = waiting()
    assert judge(playback, answer(code=" 0427\n"), T0 + 9_000, who=who).check_cleared


@pytest.mark.parametrize(
    ("changes", "now"),
    [
        ({"code": "0428"}, T0 + 9_000),
        ({"code": None}, T0 + 9_000),
        ({"check_id": "someother"}, T0 + 9_000),
        ({}, T0 + 999),
    ],
)
def test_wrong_or_instant_answer_clears_nothing(changes, now):
    who, playback = waiting()
    outcome = judge(playback, answer(**changes), now, who=who)
    assert not outcome.check_cleared
    assert outcome.trainee == who
    assert not outcome.playback.crediting


FACE = replace(SETTINGS, face_checks=True)


@pytest.mark.parametrize(
    ("outcome", "code", "cleared"),
    [
        ("match", None, True),
        ("match", "9999", True),  # the code does not matter where the face does
        ("mismatch", "0427", False),  # nor does the right code make up for another face
        ("no_face", "0427", False),
        ("not_live", None, False),
        (None, "0427", False),  # a plain heartbeat cannot answer a face check
    ],
)
def test_a_face_check_is_cleared_only_by_a_recorded_match(outcome, code, cleared):
    who, playback = waiting(settings=FACE)
    the_answer = answer(code=code, face_outcome=outcome)
    assert judge(playback, the_answer, T0 + 9_000, who=who).check_cleared is cleared


def test_a_face_match_does_not_clear_a_code_check():
    who, playback = waiting()
    the_answer = answer(code="0000", face_outcome="match")
    assert not judge(playback, the_answer, T0 + 9_000, who=who).check_cleared


def test_a_face_match_sent_at_once_clears_nothing():
    who, playback = waiting(settings=FACE)
    assert not judge(playback, answer(face_outcome="match"), T0 + 999, who=who).check_cleared


def test_an_unknown_face_outcome_is_refused():
    with pytest.raises(ValueError, match="face outcome"):
        answer(face_outcome="probably")


@pytest.mark.parametrize(
    ("asks", "outcome", "code", "cleared"),
    [
        ("question", "right", None, True),
        ("question", "right", "9999", True),  # the code is not asked
        ("question", "wrong", "0427", False),  # nor does the right code make up for it
        ("question", None, "0427", False),  # a plain answer beat cannot answer a question
        ("both", "right", "0427", True),
        ("both", "right", "0428", False),
        ("both", "wrong", "0427", False),
        ("code", "wrong", "0427", True),  # a code check reads the code alone
        ("code", "right", "0428", False),
    ],
)
def test_a_question_check_is_cleared_by_a_recorded_right_answer(asks, outcome, code, cleared):
    who, playback = waiting(settings=replace(SETTINGS, presence_check=asks))
    the_answer = answer(code=code, question_outcome=outcome)
    assert judge(playback, the_answer, T0 + 9_000, who=who).check_cleared is cleared


def test_a_right_answer_sent_at_once_clears_nothing():
    who, playback = waiting(settings=replace(SETTINGS, presence_check="question"))
    the_answer = answer(question_outcome="right")
    assert not judge(playback, the_answer, T0 + 999, who=who).check_cleared


def test_an_unknown_question_outcome_or_presence_check_is_refused():
    with pytest.raises(ValueError, match="question outcome"):
        answer(question_outcome="almost")
    with pytest.raises(ValueError, match="presence_check"):
        replace(SETTINGS, presence_check="riddle")


def test_a_face_check_playback_opens_with_a_check_pending_where_nothing_was_credited():
    playback, _ = open_playback("p2", FACE, HOUR, T0, None)
    who = trainee(checks_answered=4)
    after = check_on_opening(who, playback, T0)
    assert after.pending == draw_check("seed", 4, None, T0)
    assert check_on_opening(after, playback, T0 + 5_000) is after  # pending stays the one
    code_playback, _ = open_playback("p3", SETTINGS, HOUR, T0, None)
    assert check_on_opening(who, code_playback, T0) is who


def test_the_opening_check_stops_credit_until_a_match_clears_it():
    playback, _ = open_playback("p2", FACE, HOUR, T0, None)
    who = check_on_opening(trainee(), playback, T0)
    first = judge(playback, beat(1, 0), T0 + 500, who=who)
    claimed = judge(first.playback, beat(2, 10_000), T0 + 10_500, who=first.trainee)
    assert claimed.credited_ms == 0 and claimed.not_credited_ms == {"attention_pending": 10_000}
    check_id = who.pending.id
    cleared = judge(
        claimed.playback,
        beat(3, 0, "attention_ok", attention_id=check_id, face_outcome="match"),
        T0 + 12_000,
        who=claimed.trainee,
    )
    assert cleared.check_cleared and cleared.trainee.pending is None
    after = judge(cleared.playback, beat(4, 10_000), T0 + 22_000, who=cleared.trainee)
    assert after.credited_ms == 10_000


def test_answer_claiming_forward_is_judged_with_the_check_still_pending():
    who, playback = waiting()
    outcome = judge(playback, answer(position_ms=135_000), T0 + 9_000, who=who)
    assert outcome.check_cleared
    assert outcome.not_credited_ms == {"attention_pending": 10_000}


def test_answer_with_the_player_paused_clears_but_does_not_credit_yet():
    who, playback = waiting()
    outcome = judge(playback, answer(paused=True), T0 + 9_000, who=who)
    assert outcome.check_cleared
    assert not outcome.playback.crediting


def test_answer_with_no_check_pending_is_an_ordinary_beat():
    outcome = judge(started(), answer(position_ms=15_000), T0 + 15_000)
    assert not outcome.check_cleared
    assert outcome.credited_ms == 15_000


# --- decision 6: check timeout -----------------------------------------------------------------


def test_check_pending_for_the_timeout_ends_the_playback_and_refuses_the_beat():
    who, playback = waiting()
    outcome = judge(playback, answer(), T0 + 5 * MINUTE, who=who)
    assert outcome.status == "ended"
    assert outcome.reason == "ended"
    assert outcome.not_credited_ms == {}  # the answer moves back: nothing claimed
    assert outcome.playback.status == "ended"
    assert outcome.playback.end_reason == "attention_timeout"
    assert outcome.trainee is who
    assert not outcome.check_cleared


def test_timed_out_beat_refuses_its_whole_claim_as_ended():
    who, playback = waiting()
    outcome = judge(playback, beat(2, 140_000), T0 + 6 * MINUTE, who=who)
    assert outcome.not_credited_ms == {"ended": 15_000}
    assert outcome.playback.position_ms == 125_000  # nothing else changes


def test_answer_just_before_the_timeout_counts():
    who, playback = waiting()
    assert judge(playback, answer(), T0 + 5 * MINUTE - 1, who=who).check_cleared


def test_reopened_playback_gets_its_own_timeout_window_but_the_check_stays():
    who, _ = waiting()
    reopened = PlaybackState(
        id="p2", settings=SETTINGS, duration_ms=HOUR, opened_at_ms=T0 + 4 * MINUTE
    )
    first = judge(reopened, beat(1, 0), T0 + 8 * MINUTE, who=who)
    assert first.status == "ok"
    assert first.trainee.pending == CHECK
    assert not first.playback.crediting
    late = judge(first.playback, answer(seq=2), T0 + 9 * MINUTE, who=first.trainee)
    assert late.status == "ended"
    assert late.playback.end_reason == "attention_timeout"


def test_superseded_playback_past_the_timeout_refuses_as_superseded():
    who, playback = waiting(status="superseded", superseded_at_ms=T0 + MINUTE)
    outcome = judge(playback, answer(), T0 + 5 * MINUTE, who=who)
    assert (outcome.status, outcome.reason) == ("superseded", "superseded")
    assert outcome.playback is playback


# --- decision 7 / rule 9: deadlines -----------------------------------------------------------


def test_grace_deadline_counts_from_the_last_beat_or_the_opening():
    assert grace_deadline_ms(started()) == T0 + 30 * MINUTE
    fresh = PlaybackState(id="p1", settings=SETTINGS, duration_ms=HOUR, opened_at_ms=T0)
    assert grace_deadline_ms(fresh) == T0 + 30 * MINUTE


def test_active_playback_beat_at_the_grace_deadline_ends_it():
    outcome = judge(started(), beat(2, 20_000), T0 + 30 * MINUTE)
    assert outcome.status == "ended"
    assert outcome.not_credited_ms == {"ended": 20_000}
    assert outcome.playback.end_reason == "grace"
    assert outcome.playback.last_seq == 1


def test_active_playback_beat_just_before_the_grace_deadline_is_judged():
    outcome = judge(started(), beat(2, 20_000), T0 + 30 * MINUTE - 1)
    assert outcome.status == "ok"
    assert outcome.credited_ms == 20_000


def test_superseded_playback_past_grace_refuses_as_superseded():
    playback = started(status="superseded", superseded_at_ms=T0, allowance_ms=9_000)
    outcome = judge(playback, beat(2, 5_000), T0 + 30 * MINUTE)
    assert outcome.status == "superseded"
    assert outcome.not_credited_ms == {"superseded": 5_000}
    assert outcome.playback is playback


def test_ended_playback_refuses_every_beat():
    playback = started(status="ended", end_reason="close")
    outcome = judge(playback, beat(2, 5_000), T0 + 1_000)
    assert (outcome.status, outcome.reason) == ("ended", "ended")
    assert outcome.not_credited_ms == {"ended": 5_000}
    assert outcome.playback is playback


def test_stale_is_a_label_not_an_end():
    assert not is_stale(started(), T0 + 59_999)
    assert is_stale(started(), T0 + 60_000)
    assert judge(started(), beat(2, 60_000), T0 + 20 * MINUTE).credited_ms == 60_000


def test_expire_ends_only_past_the_deadline_and_dates_the_end_at_it():
    assert expire(started(), T0 + 30 * MINUTE - 1) == started()
    assert expire(started(allowance_ms=-5_000), T0 + 30 * MINUTE) == expire(
        started(allowance_ms=-5_000), T0 + 50 * HOUR
    )
    paused = started(paused=True, crediting=False, allowance_ms=-5_000)
    assert expire(paused, T0 + HOUR).allowance_ms == -5_000
    superseded = started(status="superseded")
    assert expire(superseded, T0 + HOUR) is superseded


# --- decision 8 / rule 6: duplicates ----------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "answer_status"),
    [("active", "ok"), ("superseded", "superseded"), ("ended", "ended")],
)
def test_duplicate_changes_nothing_and_answers_with_the_playbacks_status(status, answer_status):
    who = trainee()
    coverage = IntervalSet([(0, 5_000)])
    playback = started(last_seq=7, status=status)
    for seq in (7, 3):
        outcome = apply_beat(who, playback, coverage, beat(seq, 900_000), T0 + 2 * HOUR)
        assert outcome.duplicate
        assert outcome.status == answer_status
        assert (outcome.credited_ms, outcome.not_credited_ms) == (0, {})
        assert outcome.trainee is who
        assert outcome.playback is playback
        assert outcome.coverage is coverage


# --- decision 9: close and ended events -------------------------------------------------------


def test_close_is_judged_then_ends_the_playback_with_an_ok_answer():
    outcome = judge(started(), beat(2, 10_000, "close", paused=True), T0 + 10_000)
    assert outcome.status == "ok"
    assert outcome.credited_ms == 10_000
    assert outcome.playback.status == "ended"
    assert outcome.playback.end_reason == "close"
    assert not outcome.playback.crediting


def test_close_on_a_superseded_playback_keeps_it_superseded():
    playback = started(status="superseded", superseded_at_ms=T0, allowance_ms=5_000)
    outcome = judge(playback, beat(2, 5_000, "close"), T0 + 10_000)
    assert outcome.playback.status == "superseded"
    assert outcome.credited_ms == 5_000


def test_ended_event_does_not_end_the_playback():
    outcome = judge(started(duration_ms=10_000), beat(2, 10_000, "ended", paused=True), T0 + 10_000)
    assert outcome.playback.status == "active"
    loop = judge(outcome.playback, beat(3, 0, "seeked", from_ms=10_000), T0 + 11_000)
    assert loop.playback.status == "active"


# --- decision 10 / rule 4: re-watching ----------------------------------------------------------


def test_rewatched_media_is_not_credited_again():
    seen = IntervalSet([(0, 10_000)])
    outcome = judge(started(5_000), beat(2, 20_000), T0 + 15_000, coverage=seen)
    assert outcome.credited_ms == 10_000
    assert outcome.not_credited_ms == {"rewatch": 5_000}
    assert outcome.new_intervals == ((10_000, 20_000),)
    assert seen.to_list() == [[0, 10_000]]


# --- decision 11 / rule 8: daily cap ----------------------------------------------------------


def test_daily_cap_credits_the_earliest_new_milliseconds_and_covers_only_those():
    seen = IntervalSet([(2_000, 4_000)])
    who = trainee(day="2026-03-02", day_credited_ms=SETTINGS.daily_cap_ms - 3_000)
    outcome = judge(started(), beat(2, 10_000), T0 + 10_000, who=who, coverage=seen)
    assert outcome.credited_ms == 3_000
    assert outcome.new_intervals == ((0, 2_000), (4_000, 5_000))
    assert outcome.not_credited_ms == {"rewatch": 2_000, "daily_cap": 5_000}
    assert outcome.reason == "rewatch"
    assert outcome.coverage.to_list() == [[0, 5_000]]
    assert outcome.trainee.day_credited_ms == SETTINGS.daily_cap_ms


def test_daily_cap_resets_on_a_new_day_of_the_timezone():
    who = trainee(day="2026-03-01", day_credited_ms=SETTINGS.daily_cap_ms)
    outcome = judge(started(), beat(2, 10_000), T0 + 10_000, who=who)
    assert outcome.credited_ms == 10_000
    assert (outcome.trainee.day, outcome.trainee.day_credited_ms) == ("2026-03-02", 10_000)


def test_daily_cap_is_the_one_recorded_on_the_playback():
    small = AccountingSettings(daily_cap_s=4)
    outcome = judge(started(settings=small), beat(2, 10_000), T0 + 10_000)
    assert outcome.credited_ms == 4_000
    assert outcome.not_credited_ms == {"daily_cap": 6_000}


def test_day_of_uses_the_timezone_day_boundary():
    midnight = T0 + 15 * HOUR  # 2026-03-03 00:00 Asia/Shanghai
    assert day_of(midnight - 1, "Asia/Shanghai") == "2026-03-02"
    assert day_of(midnight, "Asia/Shanghai") == "2026-03-03"
    assert day_of(midnight, "UTC") == "2026-03-02"
    assert day_of(midnight - 1, "Asia/Shanghai") == "2026-03-02"  # after asking another zone


# --- decision 12: what the playback keeps -----------------------------------------------------


def test_accepted_beat_updates_seq_position_rate_time_and_flags():
    outcome = judge(started(), beat(5, 12_000, "ratechange", rate_milli=1500), T0 + 12_000)
    after = outcome.playback
    assert (after.last_seq, after.position_ms, after.rate_milli) == (5, 12_000, 1500)
    assert after.last_beat_at_ms == T0 + 12_000
    paused = judge(after, beat(6, 14_000, "pause", paused=True), T0 + 14_000)
    assert (paused.playback.paused, paused.playback.crediting) == (True, False)
    hidden = judge(after, beat(6, 14_000, "hidden", visible=False), T0 + 14_000)
    assert (hidden.playback.visible, hidden.playback.crediting) == (False, False)


def test_seeked_beat_leaves_the_position_at_its_target():
    outcome = judge(started(), beat(2, 300_000, "seeked", from_ms=5_000), T0 + 5_000)
    assert outcome.playback.position_ms == 300_000


# --- purity and reasons -----------------------------------------------------------------------


def test_apply_beat_never_modifies_its_inputs():
    who = trainee()
    coverage = IntervalSet([(50_000, 60_000)])
    playback = started()
    outcome = apply_beat(who, playback, coverage, beat(2, 15_000), T0 + 15_000)
    assert coverage.to_list() == [[50_000, 60_000]]
    assert outcome.coverage is not coverage
    assert playback == started()
    assert who == trainee()
    unchanged = apply_beat(who, playback, coverage, beat(2, 0), T0 + 15_000)
    assert unchanged.coverage is coverage


def test_reasons_are_listed_in_the_order_of_rule_10():
    assert REASONS == (
        "ended",
        "superseded",
        "seek",
        "paused",
        "hidden",
        "beyond_duration",
        "rate_limited",
        "attention_pending",
        "rewatch",
        "daily_cap",
    )


def test_every_step_at_once_gives_each_millisecond_one_reason():
    """Clip, allowance, due point, re-watch and cap in one beat, each on the earliest part."""
    who = trainee(
        next_due_ms=60_000,
        played_since_check_ms=48_000,
        day="2026-03-02",
        day_credited_ms=SETTINGS.daily_cap_ms - 1_000,
    )
    seen = IntervalSet([(0, 4_000)])
    playback = started(0, duration_ms=30_000)
    outcome = judge(playback, beat(2, 40_000), T0 + 15_000, who=who, coverage=seen)
    assert outcome.not_credited_ms == {
        "beyond_duration": 10_000,
        "rate_limited": 0 + 30_000 - 20_000,
        "attention_pending": 20_000 - 12_000,
        "rewatch": 4_000,
        "daily_cap": 12_000 - 4_000 - 1_000,
    }
    assert outcome.credited_ms == 1_000
    assert outcome.new_intervals == ((4_000, 5_000),)
    assert outcome.trainee.pending.resume_at_ms == 12_000
    assert outcome.reason == "beyond_duration"


def test_a_study_day_never_goes_backwards_when_the_time_zone_changes():
    """09:00 in Shanghai is the day before in Los Angeles: the beat counts on the trainee's
    current day, under the cap already used there (rule 8)."""
    los_angeles = AccountingSettings(timezone="America/Los_Angeles", daily_cap_s=600)
    playback = started(settings=los_angeles)
    who = trainee(day="2026-03-02", day_credited_ms=590_000)
    outcome = judge(playback, beat(2, 15_000), T0 + 15_000, who=who)
    assert outcome.day == "2026-03-02"
    assert outcome.credited_ms == 10_000
    assert outcome.not_credited_ms == {"daily_cap": 5_000}
    assert outcome.trainee.day == "2026-03-02"
