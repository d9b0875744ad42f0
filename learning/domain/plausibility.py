"""What looks like study nobody watched: figures in, findings out (no Flask, no database).

accounting.md promises credit for time a page played, not that a person watched it; that is
left to this review. Each signal below is evidence for a person to weigh, never a verdict: the
nightly job (`services.review`) gathers the figures of each enrolment studied lately, these
functions decide which are unusual enough to show, and an admin clears the flag or voids
credit.

The signals and why their thresholds are where they are:

- **Fast answers.** `answer_ms` runs from the code's picture being served to the right answer
  arriving. A person has to see four digits, read them and type them: well over a second. A
  script that reads the picture answers in a few hundred milliseconds. One fast answer can be
  luck (a person waiting with the keyboard); `fast_answers_min` of them cannot.
- **Machine-regular beats.** The player sends a `tick` every `heartbeat_interval_s`; the server
  stamps each when it is processed. Between a real browser and the server, timers, Wi-Fi,
  mobile networks and the server's own queue spread the gaps by tens of milliseconds, and more.
  A script on a fixed loop close to the server gives gaps within a millisecond or two. The
  statistic is the median absolute deviation (MAD) of the gaps from their median: a pause, a
  check or a network cut makes a few gaps huge, and the MAD ignores them where a standard
  deviation would be blown up by one. It needs `beat_gaps_min` gaps (ten minutes at 15 s) so
  that a short, quiet stretch proves nothing.
- **Face mismatches.** A face check whose picture showed another face (`mismatch`) or several
  faces; a model errs sometimes, so `face_mismatches_min` of them.
- **Shared address.** Several accounts with playbacks open at the same time from one network
  address. An office behind one address is innocent and common, so the finding says how many
  accounts and whether the browser was the same too (a stronger sign), and a person judges.
- **Night study.** Credited time between `night_from_hour` and `night_to_hour` (the playback's
  time zone) of at least `night_min_s` on `night_days_min` days of the window: a person rarely
  studies through several nights; a script does not sleep.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

FAST_ANSWERS = "fast_answers"
REGULAR_BEATS = "regular_beats"
FACE_MISMATCH = "face_mismatch"
SHARED_ADDRESS = "shared_address"
NIGHT_STUDY = "night_study"
SIGNALS = (FAST_ANSWERS, REGULAR_BEATS, FACE_MISMATCH, SHARED_ADDRESS, NIGHT_STUDY)

#: Face-check outcomes that mean somebody else, or somebody else too, was in front of the camera.
DOUBTFUL_FACES = frozenset({"mismatch", "several_faces"})


@dataclass(frozen=True)
class Thresholds:
    fast_answer_ms: int = 1500
    fast_answers_min: int = 3
    beat_spread_ms: int = 2
    beat_gaps_min: int = 40
    face_mismatches_min: int = 2
    night_from_hour: int = 0
    night_to_hour: int = 5
    night_min_s: int = 600
    night_days_min: int = 3


@dataclass(frozen=True)
class CheckAnswer:
    """A presence check answered: how long after its picture, and after how many wrong codes."""

    playback_id: str
    answered_at_ms: int
    answer_ms: int
    wrong_answers: int = 0


@dataclass(frozen=True)
class BeatFigure:
    """One stored beat, as much of it as the review reads."""

    playback_id: str
    seq: int
    event: str
    at_ms: int
    credited_ms: int = 0
    face_outcome: str | None = None
    face_distance_milli: int | None = None


@dataclass(frozen=True)
class Origin:
    """Where a playback was opened from, and the server times it was open between."""

    playback_id: str
    trainee_id: int
    address: str
    device: str
    start_ms: int
    end_ms: int


@dataclass(frozen=True)
class Evidence:
    """Everything the review reads about one enrolment's recent study."""

    checks: Sequence[CheckAnswer] = ()
    beats: Sequence[BeatFigure] = ()
    timezones: dict[str, str] = field(default_factory=dict)  # playback id -> its time zone
    shared: Sequence[SharedOrigin] = ()


@dataclass(frozen=True)
class SharedOrigin:
    """A playback of this trainee open at the same time as other accounts' from its address."""

    playback_id: str
    at_ms: int
    address: str
    other_trainees: tuple[int, ...]
    same_device: bool


@dataclass(frozen=True)
class Finding:
    """One signal with its figures, the playbacks it concerns and when it was seen."""

    signal: str
    playback_ids: tuple[str, ...]
    first_at_ms: int
    last_at_ms: int
    figures: dict[str, int | str]

    def to_dict(self) -> dict[str, object]:
        return {**asdict(self), "playback_ids": list(self.playback_ids)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        return cls(
            signal=data["signal"],
            playback_ids=tuple(data["playback_ids"]),
            first_at_ms=data["first_at_ms"],
            last_at_ms=data["last_at_ms"],
            figures=dict(data["figures"]),
        )


def findings(evidence: Evidence, thresholds: Thresholds) -> list[Finding]:
    """Every signal the evidence shows, in the order of `SIGNALS`."""
    found = [
        fast_answers(evidence.checks, thresholds),
        regular_beats(evidence.beats, thresholds),
        face_mismatches(evidence.beats, thresholds),
        shared_address(evidence.shared),
        night_study(evidence.beats, evidence.timezones, thresholds),
    ]
    return [finding for finding in found if finding is not None]


def fast_answers(checks: Iterable[CheckAnswer], thresholds: Thresholds) -> Finding | None:
    answered = list(checks)
    fast = [check for check in answered if check.answer_ms < thresholds.fast_answer_ms]
    if len(fast) < thresholds.fast_answers_min:
        return None
    return _finding(
        FAST_ANSWERS,
        [(check.playback_id, check.answered_at_ms) for check in fast],
        {
            "fast": len(fast),
            "answered": len(answered),
            "fastest_ms": min(check.answer_ms for check in fast),
            "median_ms": int(statistics.median(check.answer_ms for check in answered)),
            "threshold_ms": thresholds.fast_answer_ms,
        },
    )


def tick_spread_ms(times_ms: Sequence[int]) -> tuple[int, float] | None:
    """(number of gaps, median absolute deviation of the gaps between consecutive ticks), or
    None with fewer than two gaps."""
    gaps = [later - earlier for earlier, later in pairwise(times_ms)]
    if len(gaps) < 2:
        return None
    middle = statistics.median(gaps)
    return len(gaps), statistics.median(abs(gap - middle) for gap in gaps)


def regular_beats(beats: Iterable[BeatFigure], thresholds: Thresholds) -> Finding | None:
    ticks: dict[str, list[BeatFigure]] = defaultdict(list)
    for beat in beats:
        if beat.event == "tick":
            ticks[beat.playback_id].append(beat)
    regular: list[tuple[str, int]] = []
    spreads: list[float] = []
    gap_count = 0
    for playback_id, series in ticks.items():
        series.sort(key=lambda beat: beat.seq)
        spread = tick_spread_ms([beat.at_ms for beat in series])
        if spread is None or spread[0] < thresholds.beat_gaps_min:
            continue
        if spread[1] <= thresholds.beat_spread_ms:
            regular += [(playback_id, series[0].at_ms), (playback_id, series[-1].at_ms)]
            spreads.append(spread[1])
            gap_count += spread[0]
    if not regular:
        return None
    return _finding(
        REGULAR_BEATS,
        regular,
        {
            "playbacks": len(spreads),
            "gaps": gap_count,
            "spread_ms": round(max(spreads)),
            "threshold_ms": thresholds.beat_spread_ms,
        },
    )


def face_mismatches(beats: Iterable[BeatFigure], thresholds: Thresholds) -> Finding | None:
    doubtful = [beat for beat in beats if beat.face_outcome in DOUBTFUL_FACES]
    if len(doubtful) < thresholds.face_mismatches_min:
        return None
    distances = [beat.face_distance_milli for beat in doubtful if beat.face_distance_milli]
    figures: dict[str, int | str] = {
        "mismatches": sum(beat.face_outcome == "mismatch" for beat in doubtful),
        "several_faces": sum(beat.face_outcome == "several_faces" for beat in doubtful),
    }
    if distances:
        figures["largest_distance_milli"] = max(distances)
    return _finding(FACE_MISMATCH, [(beat.playback_id, beat.at_ms) for beat in doubtful], figures)


def shared_origins(origins: Iterable[Origin]) -> list[SharedOrigin]:
    """Per playback, the other accounts that had one open from the same address meanwhile."""
    by_address: dict[str, list[Origin]] = defaultdict(list)
    for origin in origins:
        by_address[origin.address].append(origin)
    shared: list[SharedOrigin] = []
    for address, group in by_address.items():
        group.sort(key=lambda origin: origin.start_ms)
        for origin in group:
            others = [
                other
                for other in group
                if other.trainee_id != origin.trainee_id
                and other.start_ms < origin.end_ms
                and origin.start_ms < other.end_ms
            ]
            if others:
                shared.append(
                    SharedOrigin(
                        playback_id=origin.playback_id,
                        at_ms=origin.start_ms,
                        address=address,
                        other_trainees=tuple(sorted({other.trainee_id for other in others})),
                        same_device=any(other.device == origin.device for other in others),
                    )
                )
    return shared


def shared_address(shared: Iterable[SharedOrigin]) -> Finding | None:
    found = list(shared)
    if not found:
        return None
    others = {trainee for item in found for trainee in item.other_trainees}
    return _finding(
        SHARED_ADDRESS,
        [(item.playback_id, item.at_ms) for item in found],
        {
            "other_accounts": len(others),
            "addresses": ", ".join(sorted({item.address for item in found})),
            "same_device": sum(item.same_device for item in found),
        },
    )


def night_study(
    beats: Iterable[BeatFigure], timezones: dict[str, str], thresholds: Thresholds
) -> Finding | None:
    night_ms: dict[str, int] = defaultdict(int)
    where: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for beat in beats:
        if beat.credited_ms <= 0:
            continue
        local = datetime.fromtimestamp(
            beat.at_ms / 1000, ZoneInfo(timezones.get(beat.playback_id, "UTC"))
        )
        if thresholds.night_from_hour <= local.hour < thresholds.night_to_hour:
            day = local.date().isoformat()
            night_ms[day] += beat.credited_ms
            where[day].append((beat.playback_id, beat.at_ms))
    nights = sorted(day for day, ms in night_ms.items() if ms >= thresholds.night_min_s * 1000)
    if len(nights) < thresholds.night_days_min:
        return None
    return _finding(
        NIGHT_STUDY,
        [item for day in nights for item in where[day]],
        {
            "nights": len(nights),
            "night_s": sum(night_ms[day] for day in nights) // 1000,
            "days": ", ".join(nights),
            "from_hour": thresholds.night_from_hour,
            "to_hour": thresholds.night_to_hour,
        },
    )


def _finding(signal: str, seen: list[tuple[str, int]], figures: dict[str, int | str]) -> Finding:
    """A finding over the (playback id, time) pairs it was seen at."""
    playback_ids = tuple(dict.fromkeys(playback_id for playback_id, _at in seen))
    times = [at for _playback_id, at in seen]
    return Finding(signal, playback_ids, min(times), max(times), figures)


def merged(earlier: Iterable[Finding], later: Iterable[Finding]) -> list[Finding]:
    """An open flag's findings after another night: a signal seen again takes its new figures;
    one not seen again keeps what it had (it was seen, and nobody has looked yet)."""
    by_signal = {finding.signal: finding for finding in earlier}
    by_signal.update({finding.signal: finding for finding in later})
    return [by_signal[signal] for signal in SIGNALS if signal in by_signal]
