"""The scenarios of accounting.md "What the numbers must survive", run through the ledger.

Pages (``conftest.Page``) check per-beat conservation on every beat they send, so each scenario
also checks that every claimed millisecond is credited or has exactly one reason.
"""

import random

import pytest

from learning.domain.accounting import (
    AccountingSettings,
    Beat,
    EnrolmentFigures,
    Ledger,
    draw_due_ms,
)

SECOND = 1000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
T0 = 1_772_413_200_000  # 2026-03-02 09:00 Asia/Shanghai
#: Checks far away, so that a scenario about the allowance is not cut by a due point.
NO_CHECKS = AccountingSettings(attention_min_minutes=600, attention_max_minutes=600)
SLACK = 5 * SECOND
RESUME_GRACE = 10 * SECOND


# --- an honest viewer -------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
def test_honest_viewer_live_earns_what_it_watched(make_world, honest_viewer, seed):
    """1x with 0-3 s jitter, two pauses and the checks of 70 minutes, all answered."""
    world = make_world()
    viewer = honest_viewer(world.open(), random.Random(seed))
    viewer.start()
    viewer.play(25 * MINUTE)
    viewer.pause(3 * MINUTE)
    viewer.play(25 * MINUTE)
    viewer.pause(40 * SECOND)
    viewer.play(20 * MINUTE)
    viewer.close()
    assert world.ledger.trainee("t1").checks_answered >= 3
    assert abs(world.credited() - viewer.position_ms) <= 2 * SECOND
    assert world.ledger.coverage("e1", "v1").to_list() == [[0, world.credited()]]
    assert world.not_credited("rate_limited") == 0
    assert world.not_credited("seek") == 0


@pytest.mark.parametrize("seed", range(4))
def test_honest_viewer_queued_through_a_network_cut_loses_nothing(make_world, honest_viewer, seed):
    """A 20-minute cut (shorter than the grace) with a due point inside the queue."""
    world = make_world()
    viewer = honest_viewer(world.open(), random.Random(seed))
    viewer.start()
    viewer.play(2 * MINUTE)
    viewer.network_cut(from_ms=10 * SECOND, length_ms=20 * MINUTE)
    viewer.play(40 * MINUTE)
    viewer.close()
    assert world.ledger.trainee("t1").checks_answered >= 1
    assert abs(world.credited() - viewer.position_ms) <= 2 * SECOND
    assert world.not_credited("rate_limited") == 0


def test_queue_after_a_cut_earns_up_to_the_due_point_and_no_further(make_world):
    world = make_world()
    page = world.open()
    page.send("play")
    due = draw_due_ms("seed-t1", 0, world.settings)
    queued = []
    for seq in range(2, 2 + 100):  # 25 minutes of ticks, sent after the cut
        queued.append(Beat(seq, (seq - 1) * 15 * SECOND, 1000, False, True, "tick"))
    world.advance(25 * MINUTE)
    for beat in queued:
        page.deliver(beat, world.now)
    assert world.credited() == due
    assert world.pending().resume_at_ms == due
    assert world.not_credited("attention_pending") == 25 * MINUTE - due


def test_lost_seeked_beat_costs_an_honest_viewer_nothing_afterwards(make_world):
    world = make_world()
    page = world.open()
    page.send("play")
    for _ in range(4):
        page.tick()
    world.advance(15 * SECOND)
    jump = page.send(position_ms=615 * SECOND)  # the seeked beat 60 s -> 600 s was lost
    assert jump.not_credited_ms == {"seek": 555 * SECOND}
    for _ in range(20):
        assert page.tick().credited_ms == 15 * SECOND
    assert world.credited() == 60 * SECOND + 300 * SECOND


# --- hostile clients --------------------------------------------------------------------------


def test_claiming_2x_earns_real_time_at_most(make_world):
    world = make_world(NO_CHECKS)
    page = world.open()
    page.send("play", rate_milli=2000)
    for _ in range(120):
        page.tick(15 * SECOND, claim_ms=30 * SECOND)
    assert world.credited() == 30 * MINUTE + SLACK
    assert world.not_credited("rate_limited") == 30 * MINUTE - SLACK


def test_jumping_ahead_earns_nothing_for_the_jump(make_world):
    world = make_world(NO_CHECKS)
    page = world.open()
    page.send("play")
    jump = page.tick(15 * SECOND, claim_ms=10 * MINUTE)
    assert jump.credited_ms == 0
    assert jump.reason == "seek"
    assert page.tick().credited_ms == 15 * SECOND


def test_flooding_beats_earns_only_the_allowance_plus_slack(make_world):
    world = make_world(NO_CHECKS)
    page = world.open()
    page.send("play")
    world.advance(30 * SECOND)
    for _ in range(1000):
        page.send(position_ms=page.position_ms + SECOND)
    assert world.credited() == 30 * SECOND + SLACK


def test_reopening_in_a_loop_with_late_beats_gets_the_slack_once(make_world):
    world = make_world(NO_CHECKS)
    pages = []
    for _ in range(50):
        page = world.open(video=f"v{len(pages)}")
        page.send("play")
        world.advance(15 * SECOND)
        page.send(position_ms=20 * SECOND)
        for old in pages:
            late = old.send(position_ms=old.position_ms + 8 * SECOND)
            assert late.status == "superseded"
        pages.append(page)
    assert world.credited() == 50 * 15 * SECOND + SLACK


@pytest.mark.parametrize("flag", [{"paused": True}, {"visible": False}])
def test_ten_minutes_paused_or_hidden_then_a_burst(make_world, flag):
    world = make_world(NO_CHECKS)
    page = world.open()
    page.send("play")
    page.tick(15 * SECOND, claim_ms=11 * SECOND)  # leaves 4 s of allowance
    page.send("pause" if "paused" in flag else "hidden", **flag)
    world.advance(10 * MINUTE)
    resume = page.send("play", paused=False, visible=True, position_ms=page.position_ms + HOUR)
    assert resume.credited_ms == 0
    for _ in range(20):
        page.send(position_ms=page.position_ms + 10 * SECOND)
    # the burst: what was left at the pause, one resume grace regained while paused, the slack
    assert world.credited() == 11 * SECOND + 4 * SECOND + RESUME_GRACE + SLACK


def test_stalling_for_hours_then_a_burst_earns_the_allowance_cap_at_most(make_world):
    world = make_world(NO_CHECKS)
    page = world.open()
    page.send("play")
    for _ in range(8 * 60):
        page.tick(15 * SECOND, claim_ms=0)
    for _ in range(200):
        page.send(position_ms=page.position_ms + 15 * SECOND)
    assert world.credited() == NO_CHECKS.allowance_cap_ms + SLACK


def test_stalling_then_a_burst_never_passes_the_due_point(make_world):
    world = make_world()
    page = world.open()
    page.send("play")
    for _ in range(8 * 60):
        page.tick(15 * SECOND, claim_ms=0)
    for _ in range(200):
        page.send(position_ms=page.position_ms + 15 * SECOND)
    assert world.credited() == draw_due_ms("seed-t1", 0, world.settings)
    assert world.pending() is not None


def test_superseded_queue_earns_what_its_allowance_had_left(make_world):
    world = make_world(NO_CHECKS)
    phone = world.open()
    phone.send("play")
    for _ in range(4):
        phone.tick()
    queued = [
        Beat(seq, 60_000 + (seq - 5) * 15_000, 1000, False, True, "tick") for seq in range(6, 14)
    ]
    world.advance(90 * SECOND)  # the phone loses the network and plays on
    laptop = world.open(video="v2")
    assert world.ledger.playback(phone.playback_id).allowance_ms == 90 * SECOND
    world.advance(5 * MINUTE)
    for beat in queued:
        assert phone.deliver(beat, world.now).status == "superseded"
    assert phone.credited == 60 * SECOND + 90 * SECOND
    assert world.not_credited("rate_limited") == 120 * SECOND - 90 * SECOND
    assert laptop.send("play").status == "ok"


# --- checks -----------------------------------------------------------------------------------


def _play_to_the_check(world, page):
    page.send("play")
    while world.pending() is None:
        page.tick()
    return world.pending()


def test_reopening_neither_skips_nor_clears_a_check(make_world):
    world = make_world()
    check = _play_to_the_check(world, world.open())
    world.advance(30 * SECOND)
    again = world.open(video="v2")
    assert world.pending() == check
    again.send("play")
    blocked = again.tick()
    assert blocked.not_credited_ms == {"attention_pending": 15 * SECOND}
    world.advance(2 * SECOND)
    answered = again.answer(check)
    assert answered.check_cleared
    assert again.tick().credited_ms == 15 * SECOND


def test_reopening_before_the_due_point_keeps_counting_towards_it(make_world):
    world = make_world()
    due = draw_due_ms("seed-t1", 0, world.settings)
    first = world.open()
    first.send("play")
    for _ in range(20):
        first.tick()
    second = world.open(video="v2")
    second.send("play")
    while world.pending() is None:
        second.tick()
    assert world.credited() == due


def test_wrong_or_instant_answer_leaves_the_check_pending(make_world):
    world = make_world()
    page = world.open()
    check = _play_to_the_check(world, page)
    instant = page.answer(check)
    assert not instant.check_cleared
    world.advance(5 * SECOND)
    wrong_code = "0000" if check.code != "0000" else "1111"
    assert not page.answer(check, code=wrong_code).check_cleared
    assert world.pending() == check
    world.advance(5 * SECOND)
    assert page.answer(check).check_cleared


def test_unanswered_check_ends_the_playback_after_the_timeout(make_world):
    world = make_world()
    page = world.open()
    _play_to_the_check(world, page)
    world.advance(5 * MINUTE)
    outcome = page.tick()
    assert outcome.status == "ended"
    assert world.ledger.playback(page.playback_id).end_reason == "attention_timeout"
    reopened = world.open()
    reopened.send("play")
    world.advance(2 * SECOND)
    assert reopened.answer(world.pending()).check_cleared


def test_check_due_in_a_superseded_queue_is_raised_on_the_active_page(make_world):
    """The phone's queue reaches the due point; the laptop shows the check, and the minutes the
    check waits for its answer earn nothing on either page."""
    world = make_world(AccountingSettings(attention_min_minutes=1, attention_max_minutes=1))
    phone = world.open()
    phone.send("play")
    for _ in range(3):
        phone.tick()
    world.advance(30 * SECOND)
    laptop = world.open(video="v2")
    laptop.send("play")
    world.advance(SECOND)
    late = phone.send(position_ms=phone.position_ms + 15 * SECOND)
    assert (late.credited_ms, late.check_raised) == (15 * SECOND, False)
    raised = laptop.tick()
    assert raised.check_raised
    assert raised.not_credited_ms == {"attention_pending": 15 * SECOND}
    assert world.pending().resume_at_ms == 0
    world.advance(4 * MINUTE)
    assert laptop.answer(world.pending()).check_cleared
    world.advance(SECOND)
    for _ in range(20):
        laptop.send(position_ms=laptop.position_ms + 15 * SECOND)
    # 1 s of allowance left when the check was raised, one resume grace (not the 4 minutes the
    # check waited), 1 s since the answer, and the slack.
    assert laptop.credited == 2 * SECOND + RESUME_GRACE + SLACK


# --- several pages ----------------------------------------------------------------------------


def test_two_tabs_playing_at_once_earn_no_more_than_one(make_world):
    world = make_world(NO_CHECKS)
    tab_a = world.open(video="v1")
    tab_a.send("play")
    tab_b = world.open(video="v2")
    tab_b.send("play")
    for _ in range(40):
        world.advance(15 * SECOND)
        tab_a.send(position_ms=tab_a.position_ms + 15 * SECOND)
        tab_b.send(position_ms=tab_b.position_ms + 15 * SECOND)
    assert tab_a.credited == 0
    assert world.credited() == 40 * 15 * SECOND
    assert {outcome.status for outcome in tab_a.outcomes[1:]} == {"superseded"}


def test_racing_opens_leave_one_active(make_world):
    world = make_world()
    first = world.open(video="v1")
    second = world.open(video="v2")
    states = [world.ledger.playback(page.playback_id).status for page in (first, second)]
    assert states == ["superseded", "active"]


# --- retries, duplicates, reordering ----------------------------------------------------------


def _honest_beats(count):
    return [
        Beat(seq, (seq - 1) * 15 * SECOND, 1000, False, True, "play" if seq == 1 else "tick")
        for seq in range(1, count + 1)
    ]


def test_retried_and_duplicated_beats_earn_nothing_twice(make_world):
    plain, noisy = make_world(), make_world()
    plain_page, noisy_page = plain.open(), noisy.open()
    for index, beat in enumerate(_honest_beats(30)):
        at = T0 + index * 15 * SECOND
        plain_page.deliver(beat, at)
        noisy_page.deliver(beat, at)
        retry = noisy_page.deliver(beat, at + 500)
        assert retry.duplicate and retry.credited_ms == 0
    noisy_page.deliver(_honest_beats(30)[3], T0 + HOUR)
    assert noisy.totals() == plain.totals()


def test_reordered_beat_is_refused_as_a_duplicate(make_world):
    world = make_world()
    page = world.open()
    beats = _honest_beats(4)
    page.deliver(beats[0], T0)
    page.deliver(beats[1], T0 + 15 * SECOND)
    ahead = page.deliver(beats[3], T0 + 30 * SECOND)
    behind = page.deliver(beats[2], T0 + 30 * SECOND)
    assert ahead.credited_ms == 15 * SECOND + SLACK  # the merged claim is rate limited
    assert behind.duplicate and behind.credited_ms == 0
    assert world.credited() == 35 * SECOND


# --- daily cap --------------------------------------------------------------------------------


def test_daily_cap_holds_across_enrolments(make_world):
    world = make_world(
        AccountingSettings(daily_cap_s=600, attention_min_minutes=60, attention_max_minutes=60)
    )
    level4 = world.open(enrolment="e4")
    level4.send("play")
    for _ in range(32):  # 8 minutes
        level4.tick()
    level3 = world.open(enrolment="e3")
    level3.send("play")
    for _ in range(20):  # 5 minutes
        level3.tick()
    assert world.credited() == 10 * MINUTE
    assert world.not_credited("daily_cap") == 3 * MINUTE
    assert world.ledger.enrolment("e3").credited_ms == 2 * MINUTE
    assert world.ledger.coverage("e3", "v1").to_list() == [[0, 2 * MINUTE]]


def test_daily_cap_starts_again_at_midnight_in_shanghai(make_world):
    world = make_world(
        AccountingSettings(daily_cap_s=600, attention_min_minutes=60, attention_max_minutes=60)
    )
    world.now = T0 + 15 * HOUR - 12 * MINUTE  # 23:48 in Shanghai, 15:48 UTC
    page = world.open()
    page.send("play")
    for _ in range(47):  # up to 23:59:45
        page.tick()
    for _ in range(21):  # from 00:00:00 to 00:05:00
        page.tick()
    by_day = world.totals().credited_by_day
    assert by_day == {("t1", "2026-03-02"): 10 * MINUTE, ("t1", "2026-03-03"): 21 * 15 * SECOND}
    assert world.totals().not_credited_by_day == {
        ("t1", "2026-03-02", "daily_cap"): 47 * 15 * SECOND - 10 * MINUTE
    }


def test_default_daily_cap_stops_an_honest_viewer_after_six_hours(make_world, honest_viewer):
    world = make_world()
    viewer = honest_viewer(world.open(duration_ms=10 * HOUR), random.Random(7), jitter_ms=0)
    viewer.start()
    viewer.play(6 * HOUR + 30 * MINUTE)
    viewer.close()
    assert world.credited() == 21_600 * SECOND
    assert world.not_credited("daily_cap") > 0


def test_queue_arriving_after_midnight_counts_on_the_new_day(make_world):
    world = make_world(NO_CHECKS)
    world.now = T0 + 15 * HOUR - 2 * MINUTE
    page = world.open()
    page.send("play")
    world.advance(3 * MINUTE)
    for _ in range(8):
        page.send(position_ms=page.position_ms + 15 * SECOND)
    assert world.totals().credited_by_day == {("t1", "2026-03-03"): 2 * MINUTE}


# --- the ledger's bookkeeping and replay ------------------------------------------------------


def test_enrolment_figures_count_whole_seconds_per_video(make_world):
    world = make_world(NO_CHECKS)
    for video in ("v1", "v2"):
        page = world.open(video=video)
        page.send("play")
        world.advance(1_999)
        page.send(position_ms=1_999)
    rewatch = world.open(video="v1")
    rewatch.send("play")
    world.advance(1_000)
    rewatch.send(position_ms=1_000)
    assert world.ledger.enrolment("e1") == EnrolmentFigures(
        played_ms=2 * 1_999 + 1_000, credited_ms=2 * 1_999, online_s=2
    )
    assert world.ledger.enrolment("nobody") == EnrolmentFigures()


def test_online_seconds_never_count_more_than_the_video_lasts(make_world):
    """Coverage from a longer cut of a video stays, but seconds count up to the current length."""
    world = make_world(NO_CHECKS)
    long_cut = world.open(duration_ms=60 * SECOND)
    long_cut.send("play")
    long_cut.tick(10 * SECOND)
    long_cut.send("seeked", position_ms=50 * SECOND, from_ms=10 * SECOND)
    long_cut.tick(10 * SECOND)
    assert world.ledger.enrolment("e1").online_s == 20
    short_cut = world.open(duration_ms=30 * SECOND)
    short_cut.send("play", position_ms=10 * SECOND)
    short_cut.tick(20 * SECOND)
    assert world.ledger.coverage("e1", "v1").measure == 40 * SECOND
    assert world.ledger.enrolment("e1").online_s == 20 + (30 - 20)


def test_credit_is_recorded_per_trainee_day_enrolment_and_video(make_world):
    world = make_world(NO_CHECKS)
    page = world.open(enrolment="e9", video="v7")
    page.send("play")
    page.tick()
    page.send("pause", paused=True, position_ms=page.position_ms + 5 * SECOND)
    world.advance(MINUTE)
    page.send("play", paused=False, position_ms=page.position_ms + 7 * SECOND)
    totals = world.totals()
    assert totals.credited_by_video_day == {("t1", "2026-03-02", "e9", "v7"): 20 * SECOND}
    assert totals.not_credited_by_day == {("t1", "2026-03-02", "paused"): 7 * SECOND}
    assert totals.coverage == {("e9", "v7"): ((0, 20 * SECOND),)}


def test_server_time_never_goes_backwards_for_a_trainee(make_world):
    world = make_world(NO_CHECKS)
    page = world.open()
    page.send("play")
    world.advance(15 * SECOND)
    page.tick(0)
    late_clock = page.send(at=world.now - 10 * SECOND, position_ms=page.position_ms + 5 * SECOND)
    assert late_clock.playback.last_beat_at_ms == world.now


def test_ledger_refuses_unknown_trainees_and_reused_ids():
    ledger = Ledger({"t1": "seed"})
    with pytest.raises(ValueError):
        ledger.add_trainee("t1", "again")
    with pytest.raises(KeyError):
        ledger.open("t2", "e1", "v1", "p1", NO_CHECKS, HOUR, T0)
    ledger.open("t1", "e1", "v1", "p1", NO_CHECKS, HOUR, T0)
    with pytest.raises(ValueError):
        ledger.open("t1", "e1", "v1", "p1", NO_CHECKS, HOUR, T0)


def test_coverage_read_from_the_ledger_is_a_copy(make_world):
    world = make_world(NO_CHECKS)
    page = world.open()
    page.send("play")
    page.tick()
    copy = world.ledger.coverage("e1", "v1")
    copy.add(0, HOUR)
    assert world.ledger.coverage("e1", "v1").to_list() == [[0, 15 * SECOND]]


def test_replay_gives_identical_totals(make_world, honest_viewer):
    world = make_world(trainees=("t1", "t2"))
    for trainee, seed in (("t1", 1), ("t2", 2)):
        viewer = honest_viewer(world.open(trainee=trainee), random.Random(seed))
        viewer.start()
        viewer.play(30 * MINUTE)
        viewer.pause(MINUTE)
        viewer.play(10 * MINUTE)
    hostile = world.open(trainee="t2", video="v9")
    hostile.send("play")
    for _ in range(30):
        hostile.tick(5 * SECOND, claim_ms=40 * SECOND)
    assert world.replay().totals() == world.totals()


def test_replay_after_a_setting_changed_keeps_the_past(make_world):
    world = make_world(AccountingSettings(slack_s=5, daily_cap_s=3600))
    old = world.open()
    old.send("play")
    old.tick(15 * SECOND, claim_ms=25 * SECOND)
    world.settings = AccountingSettings(slack_s=1, daily_cap_s=1800)
    new = world.open(video="v2")
    new.send("play")
    new.tick(15 * SECOND, claim_ms=25 * SECOND)
    assert old.credited == 20 * SECOND
    assert new.credited == 15 * SECOND - 5 * SECOND + 1 * SECOND
    replayed = world.replay()
    assert replayed.totals() == world.totals()
    assert replayed.playback(old.playback_id).settings.slack_s == 5
