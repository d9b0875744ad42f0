"""Properties over random beat streams from honest and hostile clients (hypothesis).

The hostile client controls everything HTTP lets it control: which page it beats, seq, position,
flags, rate, event, answers, and when it opens pages. What it cannot control is the server clock,
which only the ``wait`` steps move.
"""

import random
from dataclasses import dataclass, field, replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from learning.domain.accounting import EVENTS, AccountingSettings, Beat, grace_deadline_ms
from tests.conftest import examples

SECOND = 1000
MINUTE = 60 * SECOND
T0 = 1_772_413_200_000  # 2026-03-02 09:00 Asia/Shanghai

SETTINGS_VARIANTS = [
    AccountingSettings(attention_min_minutes=1, attention_max_minutes=2, daily_cap_s=300),
    AccountingSettings(max_rate=0.5, slack_s=2, attention_min_minutes=2, attention_max_minutes=3),
    AccountingSettings(slack_s=0, attention_min_minutes=30, attention_max_minutes=30),
]
PROPERTY_SETTINGS = settings(
    max_examples=examples(150),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def often(common, *rare, weight=4):
    """Pick ``common`` ``weight`` times as often as all of ``rare`` together."""
    return st.sampled_from([common] * (weight * len(rare)) + list(rare))


def beat_specs(weight: int):
    """What a client puts in a beat; ``weight`` is how much likelier the ordinary choice is."""
    return st.fixed_dictionaries(
        {
            "page": often(-1, -2, 0, weight=weight),
            "event": often("tick", *sorted(EVENTS - {"tick"}), weight=weight),
            "speed_milli": often(1000, 0, 500, 2000, 10_000, weight=weight),
            "move": often("speed", "back", "jump", "resume", "stay", weight=weight),
            "paused": often(False, True, weight=weight),
            "visible": often(True, False, weight=weight),
            "rate_milli": often(1000, 250, 2000, 16_000, weight=weight),
            "from_delta": st.integers(-5 * SECOND, 30 * SECOND),
            "answer": often("right", "wrong", "none", weight=weight),
            "answers_check": st.booleans(),
            "seq_step": often(1, 2, 0, -1, weight=weight),
        }
    )


LONG_WAITS = {37: 5 * MINUTE, 38: 31 * MINUTE, 39: 11 * 60 * MINUTE}
waits = st.tuples(st.integers(0, 39), st.integers(0, 20 * SECOND)).map(
    lambda pair: LONG_WAITS.get(pair[0], pair[1])
)


@st.composite
def streams(draw):
    """Settings and steps ``(wait, action, beat spec)`` from a client hostile to some degree."""
    weight = draw(st.sampled_from([1, 4, 20]))
    actions = often("beat", "open", "duplicate", weight=4 * weight)
    step = st.tuples(waits, actions, beat_specs(weight))
    return draw(st.sampled_from(SETTINGS_VARIANTS)), draw(st.lists(step, min_size=25, max_size=100))


@dataclass
class Run:
    """A stream played into a world, with what an outside observer can measure."""

    world: object
    pages: list = field(default_factory=list)
    crediting_ms: int = 0
    rests: int = 0  # times a page opened or left the credited state (each may regain a grace)
    outcomes: list = field(default_factory=list)


def play_stream(make_world, stream, skip_duplicates=False) -> Run:
    """Play the stream, measuring the crediting wall time as an observer would."""
    chosen, ops = stream
    run = Run(make_world(chosen))
    world = run.world
    run.pages.append(world.open(duration_ms=10 * MINUTE))
    run.rests += 1
    for wait, action, spec in ops:
        run.crediting_ms += _crediting_part(run, wait)
        world.advance(wait)
        if action == "open" or _latest_has_ended(run):
            run.pages.append(world.open(video=f"v{len(run.pages) % 3}", duration_ms=10 * MINUTE))
            run.rests += 1
        page = run.pages[spec["page"] % len(run.pages)]
        if action == "beat":
            was_crediting = world.ledger.playback(page.playback_id).crediting
            outcome = _send(run, page, spec, wait)
            run.rests += was_crediting and not outcome.playback.crediting
            run.outcomes.append(outcome)
        elif not skip_duplicates:
            _resend_last_accepted(run, page)
    return run


def _latest_has_ended(run: Run) -> bool:
    """A client whose page was closed opens another one (so that streams keep playing)."""
    return run.world.ledger.playback(run.pages[-1].playback_id).status == "ended"


def _crediting_part(run: Run, wait: int) -> int:
    """The observer's view of the next ``wait``: how much of it some page of the trainee spends
    active (before its grace deadline), left playing and visible, with no check pending."""
    if run.world.pending() is not None:
        return 0
    for page in run.pages:
        state = run.world.ledger.playback(page.playback_id)
        if state.status == "active" and state.crediting:
            return max(0, min(wait, grace_deadline_ms(state) - run.world.now))
    return 0


def _send(run: Run, page, spec, wait):
    pending = run.world.pending()
    position = {
        "speed": page.position_ms + wait * spec["speed_milli"] // 1000,
        "back": max(0, page.position_ms - 30 * SECOND),
        "jump": page.position_ms + 10 * MINUTE,
        "resume": pending.resume_at_ms if pending else page.position_ms,
        "stay": page.position_ms,
    }[spec["move"]]
    event = spec["event"]
    if pending is not None and spec["answers_check"]:
        event = "attention_ok"
    extras = {}
    if event == "seeked":
        extras["from_ms"] = max(0, page.position_ms + spec["from_delta"])
    if event == "attention_ok" and spec["answer"] != "none":
        right = pending is not None and spec["answer"] == "right"
        extras["attention_id"] = pending.id if pending else "nope"
        extras["attention_code"] = pending.code if right else "x"
    return page.send(
        event,
        seq=max(1, page.seq + spec["seq_step"]),
        position_ms=position,
        paused=spec["paused"],
        visible=spec["visible"],
        rate_milli=spec["rate_milli"],
        **extras,
    )


def _resend_last_accepted(run: Run, page) -> None:
    """Retry the page's last accepted beat (the same seq, so the same content or not)."""
    last_seq = run.world.ledger.playback(page.playback_id).last_seq
    if last_seq:
        beat = next(
            event.beat for event in reversed(run.world.events) if _is_beat(event, page, last_seq)
        )
        assert page.deliver(beat, run.world.now).duplicate


def _is_beat(event, page, seq) -> bool:
    return getattr(event, "playback_id", None) == page.playback_id and event.beat.seq == seq


# --- the wall-clock bound ---------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(streams())
def test_credit_never_exceeds_the_wall_clock_time_plus_slack_and_grace(make_world, stream):
    """In all, no more than the wall-clock time of the playbacks plus `SLACK_S` plus
    `RESUME_GRACE_S`; and no more than the time spent in the credited state (at `MAX_RATE`)
    plus the slack plus one grace each time a page opened or left the credited state."""
    run = play_stream(make_world, stream)
    chosen = run.world.settings
    elapsed = run.world.now - T0
    assert run.world.credited() <= elapsed + chosen.slack_ms + chosen.resume_grace_ms
    bound = run.crediting_ms * chosen.max_rate_milli // 1000 + chosen.slack_ms
    assert run.world.credited() <= bound + run.rests * chosen.resume_grace_ms


@PROPERTY_SETTINGS
@given(streams())
def test_credit_per_day_never_exceeds_the_cap(make_world, stream):
    run = play_stream(make_world, stream)
    for ms in run.world.totals().credited_by_day.values():
        assert ms <= run.world.settings.daily_cap_ms


@PROPERTY_SETTINGS
@given(streams())
def test_coverage_stays_inside_the_video_and_equals_the_credit(make_world, stream):
    run = play_stream(make_world, stream)
    totals = run.world.totals()
    for pairs in totals.coverage.values():
        assert all(0 <= start < end <= 10 * MINUTE for start, end in pairs)
    covered = sum(end - start for pairs in totals.coverage.values() for start, end in pairs)
    assert covered == run.world.credited()
    for outcome in run.outcomes:
        allowance = outcome.playback.allowance_ms
        assert allowance >= -run.world.settings.slack_ms


# --- retries, replays -------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(streams())
def test_duplicated_beats_change_no_total(make_world, stream):
    with_duplicates = play_stream(make_world, stream)
    without = play_stream(make_world, stream, skip_duplicates=True)
    assert with_duplicates.world.totals() == without.world.totals()


@PROPERTY_SETTINGS
@given(streams())
def test_replaying_the_stored_events_gives_the_same_totals(make_world, stream):
    run = play_stream(make_world, stream)
    assert run.world.replay().totals() == run.world.totals()


# --- order and splitting ----------------------------------------------------------------------

claims = st.lists(st.integers(0, 40 * SECOND), min_size=2, max_size=12)


@PROPERTY_SETTINGS
@given(st.integers(0, 10 * MINUTE), claims, st.randoms(use_true_random=False))
def test_a_burst_delivered_out_of_order_earns_nothing_twice(make_world, pause, sizes, rng):
    """Queued ticks arrive together, in any order: a beat behind a higher seq earns nothing, and
    the burst earns at most the allowance. Out of order earns no more than in order unless an
    unreported seek was involved (a seek leaves the allowance for the next claim: see the report).
    """
    chosen = SETTINGS_VARIANTS[2]
    in_order, shuffled = make_world(chosen), make_world(chosen)
    burst = []
    position = 0
    for seq, size in enumerate(sizes, start=2):
        position += size
        burst.append(Beat(seq, position, 1000, False, True, "tick"))
    delivered = burst.copy()
    rng.shuffle(delivered)
    seeks = 0
    for world, order in ((in_order, burst), (shuffled, delivered)):
        page = world.open()
        page.send("play")
        world.advance(pause)
        highest = 0
        for beat in order:
            outcome = page.deliver(beat, world.now)
            assert outcome.duplicate == (beat.seq < highest)
            highest = max(highest, beat.seq)
            seeks += "seek" in outcome.not_credited_ms
    assert shuffled.credited() <= pause * chosen.max_rate_milli // 1000 + chosen.slack_ms
    if not seeks:
        assert shuffled.credited() <= in_order.credited()


@st.composite
def viewings(draw):
    """Beats ``(wait, claim)`` at 1x and groups of them; a group's merged claim is no seek."""
    steps = draw(
        st.lists(
            st.tuples(st.integers(1, 20 * SECOND), st.integers(0, 40 * SECOND)),
            min_size=1,
            max_size=40,
        )
    )
    cuts = draw(st.lists(st.booleans(), min_size=len(steps), max_size=len(steps)))
    groups, group, waited, claimed = [], [], 0, 0
    for (wait, claim), cut in zip(steps, cuts, strict=True):
        claim = min(claim, waited + wait + 15 * SECOND - claimed)
        group.append((wait, claim))
        waited, claimed = waited + wait, claimed + claim
        if cut:
            groups.append(group)
            group, waited, claimed = [], 0, 0
    if group:
        groups.append(group)
    return groups


@PROPERTY_SETTINGS
@given(viewings())
def test_splitting_a_viewing_into_more_beats_never_earns_more(make_world, groups):
    """Same times and positions, some beats left out; valid while no merged beat is a seek and
    the allowance stays under its cap (see the report: otherwise splitting can earn more)."""
    chosen = SETTINGS_VARIANTS[2]
    split, merged = make_world(chosen), make_world(chosen)
    pages = {id(split): split.open(), id(merged): merged.open()}
    for world in (split, merged):
        pages[id(world)].send("play")
    position = 0
    for group in groups:
        for index, (wait, claim) in enumerate(group):
            position += claim
            for world in (split, merged):
                world.advance(wait)
            split_page = pages[id(split)]
            split_page.send(position_ms=position)
            if index == len(group) - 1:
                pages[id(merged)].send(position_ms=position)
    assert split.credited() <= merged.credited()


# --- honest viewers ---------------------------------------------------------------------------

honest_plans = st.lists(
    st.one_of(
        st.tuples(st.just("play"), st.integers(1 * SECOND, 8 * MINUTE)),
        st.tuples(st.just("pause"), st.integers(1 * SECOND, 10 * MINUTE)),
        # shorter than a check's timeout: a check raised as the network drops is still answered
        st.tuples(st.just("cut"), st.integers(1 * SECOND, 4 * MINUTE)),
    ),
    min_size=1,
    max_size=30,
)


@settings(max_examples=examples(120), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(honest_plans, st.integers(0, 2**32))
def test_honest_viewer_earns_what_it_watched_whatever_the_resumes(
    make_world, honest_viewer, plan, seed
):
    """N +- 2 s for an honest viewer as the player behaves (a pause beat when the pause happens,
    every request 0-10 s late, live or queued), across any number of pauses, resumes, network
    cuts and answered checks: the loss does not grow with them (rule 3's resume grace)."""
    world = make_world(AccountingSettings(attention_min_minutes=2, attention_max_minutes=6))
    viewer = honest_viewer(world.open(duration_ms=10 * 60 * MINUTE), random.Random(seed))
    viewer.start()
    for action, ms in plan:
        if action == "play":
            viewer.play(ms)
        elif action == "pause":
            viewer.pause(ms)
        else:
            viewer.network_cut(0, ms)
            viewer.play(ms + 15 * SECOND)
    viewer.close()
    credited = world.credited()
    # what was played in the credited state: up to the end, or to a due point that the closing
    # beat itself reached (the person left before the check could be shown)
    pending = world.pending()
    watched = viewer.position_ms if pending is None else pending.resume_at_ms
    assert watched - 2 * SECOND <= credited <= watched
    assert world.ledger.coverage("e1", "v1").to_list() == ([[0, credited]] if credited else [])
    assert world.not_credited("seek") == 0


# --- dropped and reordered beats, with seeks and rate changes ------------------------------------

player_moves = st.lists(
    st.tuples(
        st.integers(0, 20 * SECOND),  # wall time since the previous beat
        st.sampled_from(["tick", "tick", "tick", "seek_ahead", "seek_back", "rate", "pause"]),
        st.sampled_from([500, 1000, 1500, 2000]),  # the rate a "rate" move sets
    ),
    min_size=5,
    max_size=60,
)
deliveries = st.tuples(
    st.lists(st.booleans(), min_size=60, max_size=60),  # which beats are dropped
    st.randoms(use_true_random=False),  # how the rest are reordered
    st.integers(0, 6),  # how far a beat may be overtaken
)


def _player_beats(moves) -> list[tuple[int, Beat]]:
    """``(made at, beat)`` of a player at its own rate: positions advance by wall time times the
    rate while playing; seeks say where they came from; a pause holds the position."""
    made, position, rate, paused, beats = T0, 0, 1000, False, []
    for seq, (wait, kind, new_rate) in enumerate(moves, start=1):
        made += wait
        if not paused:
            position += wait * rate // 1000
        extras, event = {}, "tick"
        if kind in ("seek_ahead", "seek_back"):
            event, extras["from_ms"] = "seeked", position
            position = position + 90 * SECOND if kind == "seek_ahead" else max(0, position - 60_000)
        elif kind == "rate":
            event, rate = "ratechange", new_rate
        elif kind == "pause":
            paused = not paused
            event = "pause" if paused else "play"
        beats.append((made, Beat(seq, position, rate, paused, True, event, **extras)))
    return beats


def _deliver_all(make_world, chosen, beats) -> object:
    world = make_world(chosen)
    page = world.open(duration_ms=30 * MINUTE)
    for at, beat in beats:
        world.now = max(world.now, at)
        page.deliver(beat, world.now)
    return world


@PROPERTY_SETTINGS
@given(player_moves, deliveries)
def test_dropped_and_reordered_beats_never_earn_more_than_the_allowance(
    make_world, moves, delivery
):
    """Whatever is lost or overtaken on the way, with seeks and rate changes in the stream:
    nothing is credited twice (coverage is the credit) and the credit stays within the
    allowance: the wall-clock time plus the slack and the resume grace."""
    dropped, rng, reach = delivery
    chosen = SETTINGS_VARIANTS[2]
    beats = [pair for pair, drop in zip(_player_beats(moves), dropped, strict=False) if not drop]
    order = sorted(range(len(beats)), key=lambda index: index + rng.uniform(0, reach))
    arrivals = [(beats[index][0] + rng.randint(0, 10 * SECOND), beats[index][1]) for index in order]
    world = _deliver_all(make_world, chosen, arrivals)
    credited = world.credited()
    covered = sum(end - start for pairs in world.totals().coverage.values() for start, end in pairs)
    assert covered == credited
    assert credited <= world.now - T0 + chosen.slack_ms + chosen.resume_grace_ms


@PROPERTY_SETTINGS
@given(player_moves)
def test_reporting_a_lower_rate_only_lowers_the_credit(make_world, moves):
    """The reported rate is the client's own claim on the allowance: claiming less never pays."""
    chosen = SETTINGS_VARIANTS[2]
    honest = _player_beats(moves)
    modest = [(at, replace(beat, rate_milli=min(beat.rate_milli, 500))) for at, beat in honest]
    assert (
        _deliver_all(make_world, chosen, modest).credited()
        <= _deliver_all(make_world, chosen, honest).credited()
    )
