"""The plausibility review's decisions, on figures."""

import random

from learning.domain.plausibility import (
    FACE_MISMATCH,
    FAST_ANSWERS,
    NIGHT_STUDY,
    REGULAR_BEATS,
    SHARED_ADDRESS,
    BeatFigure,
    CheckAnswer,
    Evidence,
    Finding,
    Origin,
    Thresholds,
    findings,
    merged,
    shared_origins,
    tick_spread_ms,
)

T0 = 1_772_413_200_000  # 2026-03-02 09:00 Asia/Shanghai
HOUR = 3_600_000
RULES = Thresholds()


def ticks(playback: str, gaps: list[int], start: int = T0, credited: int = 0) -> list[BeatFigure]:
    times = [start]
    for gap in gaps:
        times.append(times[-1] + gap)
    return [BeatFigure(playback, i + 1, "tick", at, credited) for i, at in enumerate(times)]


def test_fast_answers_need_several_under_the_threshold():
    two = [CheckAnswer("p1", T0 + i, 900) for i in range(2)]
    assert findings(Evidence(checks=two), RULES) == []
    three = [*two, CheckAnswer("p2", T0 + 9, 1200), CheckAnswer("p2", T0 + 10, 7000)]
    (finding,) = findings(Evidence(checks=three), RULES)
    assert finding.signal == FAST_ANSWERS
    assert finding.playback_ids == ("p1", "p2")
    assert finding.figures["fast"] == 3 and finding.figures["answered"] == 4
    assert finding.figures["fastest_ms"] == 900


def test_a_fixed_loop_is_regular_and_network_jitter_is_not():
    bot = ticks("bot", [15_000 + (i % 2) for i in range(60)])
    rng = random.Random(1)
    person = ticks("person", [15_000 + int(rng.gauss(0, 40)) for _ in range(60)])
    found = findings(Evidence(beats=[*bot, *person]), RULES)
    assert [f.signal for f in found] == [REGULAR_BEATS]
    assert found[0].playback_ids == ("bot",)
    assert found[0].figures["spread_ms"] <= 2


def test_the_spread_ignores_pauses_but_needs_enough_gaps():
    paused = [15_000] * 50 + [600_000, 3_000_000] + [15_000] * 10
    assert tick_spread_ms(paused) is not None
    assert findings(Evidence(beats=ticks("p", paused)), RULES)[0].signal == REGULAR_BEATS
    assert findings(Evidence(beats=ticks("p", [15_000] * 20)), RULES) == []


def test_face_mismatches_are_counted():
    one = BeatFigure("p1", 3, "attention_ok", T0, face_outcome="mismatch", face_distance_milli=710)
    assert findings(Evidence(beats=[one]), RULES) == []
    two = BeatFigure("p2", 4, "attention_ok", T0 + 5, face_outcome="several_faces")
    (finding,) = findings(Evidence(beats=[one, two]), RULES)
    assert finding.signal == FACE_MISMATCH
    assert finding.figures == {"mismatches": 1, "several_faces": 1, "largest_distance_milli": 710}


def test_accounts_open_at_once_from_one_address_are_shared():
    origins = [
        Origin("a", 1, "10.0.0.1", "ua1", T0, T0 + HOUR),
        Origin("b", 2, "10.0.0.1", "ua1", T0 + HOUR // 2, T0 + 2 * HOUR),
        Origin("c", 3, "10.0.0.1", "ua2", T0 + 3 * HOUR, T0 + 4 * HOUR),  # later: alone
        Origin("d", 4, "10.0.0.2", "ua1", T0, T0 + HOUR),  # elsewhere
        Origin("e", 1, "10.0.0.1", "ua1", T0, T0 + HOUR),  # the same account twice
    ]
    shared = {item.playback_id: item for item in shared_origins(origins)}
    assert set(shared) == {"a", "b", "e"}
    assert shared["a"].other_trainees == (2,) and shared["a"].same_device
    (finding,) = findings(Evidence(shared=[shared["a"]]), RULES)
    assert finding.signal == SHARED_ADDRESS and finding.figures["other_accounts"] == 1


def test_night_study_on_enough_nights():
    zone = {"p": "Asia/Shanghai"}
    night = T0 - 7 * HOUR  # 02:00 in Shanghai
    beats = [
        beat
        for day in range(3)
        for beat in ticks("p", [15_000] * 40, night + day * 24 * HOUR, credited=15_000)
    ]
    rules = Thresholds(beat_gaps_min=10_000)  # this test is about the nights
    (finding,) = findings(Evidence(beats=beats, timezones=zone), rules)
    assert finding.signal == NIGHT_STUDY and finding.figures["nights"] == 3
    assert findings(Evidence(beats=beats[:82], timezones=zone), rules) == []
    evening = [b for day in range(3) for b in ticks("p", [15_000] * 40, T0 + day * 24 * HOUR, 1)]
    assert findings(Evidence(beats=evening, timezones=zone), rules) == []


def test_an_open_flag_keeps_signals_not_seen_again_and_updates_the_others():
    old_fast = Finding(FAST_ANSWERS, ("p1",), T0, T0, {"fast": 3})
    old_night = Finding(NIGHT_STUDY, ("p1",), T0, T0, {"nights": 3})
    new_fast = Finding(FAST_ANSWERS, ("p1", "p2"), T0, T0 + 1, {"fast": 5})
    assert merged([old_fast, old_night], [new_fast]) == [new_fast, old_night]
    assert Finding.from_dict(new_fast.to_dict()) == new_fast
