"""The trainee's server clock never goes backwards (shared/accounting.md, "The state that is
kept"): a beat is timed at the later of now and the trainee's last event, so a clock stepped
back, or two app servers whose clocks differ, never pay the same seconds twice.

The fake clock plays the servers' clocks: `clock.advance(-60)` is an NTP step back, or a beat
reaching a server whose clock is a minute behind the previous one's.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from learning.clock import FakeClock
from learning.models import BeatRecord, Playback
from tests.api.conftest import Learner

pytestmark = pytest.mark.usefixtures("totals_rebuild_exactly")


def server_times(db_session: Session, playback_id: str) -> list[int]:
    db_session.expire_all()
    statement = (
        select(BeatRecord.server_at_ms)
        .where(BeatRecord.playback_id == playback_id)
        .order_by(BeatRecord.event_no)
    )
    return list(db_session.scalars(statement))


def test_two_servers_a_minute_apart_pay_wall_clock_time_only(
    player, clock: FakeClock, db_session: Session, learner: Learner
) -> None:
    """The page's beats go to a server a minute fast, one a minute behind it, then the fast one
    again, 15 s of wall time apart. Between its first and last beat 30 s passed: a claim of 45 s
    earns 30 s plus the 5 s slack, not the 75 s the slow server's clock would open up."""
    clock.advance(60)  # the fast server opens the playback and takes the first beat
    page = player()
    page.send("play")
    clock.advance(15 - 60)  # the slow server, 15 s later
    assert page.send("tick").status_code == 200  # buffering: the position has not moved
    assert page.last["credited_s"] == 0
    clock.advance(15 + 60)  # the fast server, 15 s later again
    page.position = 45
    assert page.send("tick").status_code == 200
    assert page.last["credited_s"] == 30 + 5
    assert page.last["not_credited_s"] == {"rate_limited": 10}
    opened_at = server_times(db_session, page.playback_id)[0]
    assert server_times(db_session, page.playback_id) == [
        opened_at,
        opened_at,
        opened_at + 30_000,
    ]


def test_a_clock_stepped_back_does_not_pay_the_minute_again(
    player, clock: FakeClock, db_session: Session, learner: Learner
) -> None:
    """An NTP correction steps the server's clock back a minute after 15 s of play; the page
    plays on at 1x. Beats are timed at the trainee's last time until the clock passes it again,
    so the repeated minute pays only the slack, and the stored beat times never decrease."""
    page = player()
    page.send("play")
    clock.advance(15)
    page.position = 15
    assert page.send("tick").status_code == 200
    assert page.last["credited_s"] == 15
    clock.advance(-60)
    credited = []
    for _ in range(6):  # 90 s of wall time, of which the trainee's clock shows 30 s
        clock.advance(15)
        page.position += 15
        assert page.send("tick").status_code == 200
        credited.append(page.last["credited_s"])
    assert credited == [5, 0, 0, 0, 15, 15]
    times = server_times(db_session, page.playback_id)
    started = times[0]
    assert times == [started, *[started + 15_000] * 5, started + 30_000, started + 45_000]


def test_a_reload_on_a_slow_server_opens_at_the_trainees_time(
    player, clock: FakeClock, db_session: Session, learner: Learner
) -> None:
    """Opening a playback is timed by the same clock as the beats: a reload reaching a server a
    minute behind opens the new playback, and supersedes the old one, at the old one's last
    beat time, not before it."""
    clock.advance(60)  # the fast server
    first = player()
    first.send("play")
    clock.advance(15)
    first.position = 15
    assert first.send("tick").status_code == 200
    last_beat = server_times(db_session, first.playback_id)[-1]
    clock.advance(15 - 60)  # 15 s later the reload reaches the slow server
    second = player()
    db_session.expire_all()
    assert db_session.get(Playback, second.playback_id).opened_at_ms == last_beat
    assert db_session.get(Playback, first.playback_id).superseded_at_ms == last_beat
    clock.advance(60)  # 15 s later again, the fast server
    second.send("play")
    clock.advance(15)
    second.position = 60
    assert second.send("tick").status_code == 200
    assert second.last["credited_s"] == 30
    assert server_times(db_session, second.playback_id) == [last_beat + 15_000, last_beat + 30_000]
