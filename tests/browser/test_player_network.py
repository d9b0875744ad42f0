"""The player when the network drops and when a second tab opens: nothing is lost, nothing
counted twice, one page plays at a time. Times are real: the video really plays."""

from __future__ import annotations

import time

from tests.browser.player import (
    beats,
    covered,
    open_player,
    pause_and_settle,
    play,
    rebuilds_exactly,
)


def test_a_network_cut_loses_nothing_and_counts_nothing_twice(viewer, live_server, learner) -> None:
    open_player(viewer, live_server, learner, learner.lecture_id)
    play(viewer)
    time.sleep(5)
    viewer.route("**/heartbeats", lambda route: route.abort("internetdisconnected"))
    time.sleep(11)
    waiting = viewer.evaluate("window.learningPlayer.queue.length")
    stored = viewer.evaluate(
        "Object.keys(localStorage).filter(k => k.startsWith('learning.beats.'))"
    )
    viewer.unroute("**/heartbeats")
    time.sleep(5)
    pause_and_settle(viewer)
    assert waiting >= 2 and stored, "beats should wait in localStorage while offline"
    assert (
        viewer.evaluate(
            "Object.keys(localStorage).filter(k => k.startsWith('learning.beats.')).length"
        )
        == 0
    )
    assert abs(covered(live_server, learner, learner.lecture_id) - 21) <= 3
    recorded = beats(live_server, learner)
    seqs = [b.seq for b in recorded]
    assert seqs == sorted(set(seqs)), "each beat arrives once, in order"
    assert all(b.status == "ok" for b in recorded)
    credited = sum(b.credited_ms for b in recorded) // 1000
    assert credited == covered(live_server, learner, learner.lecture_id)
    assert rebuilds_exactly(live_server)


def test_a_second_tab_stops_the_first(viewer, live_server, learner, browser) -> None:
    open_player(viewer, live_server, learner, learner.lecture_id)
    play(viewer)
    time.sleep(6)
    second = viewer.context.new_page()
    open_player(second, live_server, learner, learner.intro_id)
    play(second)
    viewer.wait_for_selector("[data-notice]:not([hidden])", timeout=15_000)
    assert "其他窗口" in viewer.inner_text("[data-notice]")
    assert viewer.evaluate("document.getElementById('video').paused")
    time.sleep(6)
    pause_and_settle(second)
    first = covered(live_server, learner, learner.lecture_id)
    second_s = covered(live_server, learner, learner.intro_id)
    assert first >= 6 - 3 and second_s >= 6 - 3  # each page played about six seconds
    assert first + second_s <= 6 + 6 + 5 + 5  # no faster than one page playing, with slack
    viewer.screenshot(path="/tmp/learning-screenshots/player-superseded.png")
    second.close()
    assert rebuilds_exactly(live_server)
