"""The heartbeat API against honest and hostile clients (shared/accounting.md), no sleeping.

Every test ends with a rebuild of the totals from the raw beats, which must match exactly.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from learning.models import BeatRecord, Coverage, Enrolment, TraineeStudyState
from tests.api.conftest import Learner
from tests.factories import Factory

pytestmark = pytest.mark.usefixtures("totals_rebuild_exactly")


def covered(db_session: Session, learner: Learner) -> int:
    db_session.expire_all()
    row = db_session.get(Coverage, (learner.enrolment.id, learner.video.id))
    return row.covered_s if row else 0


def test_open_answers_the_contract(player) -> None:
    page = player()
    assert set(page.opened) == {
        "playback_id",
        "heartbeat_interval_s",
        "resume_position_s",
        "first_uncovered_s",
        "max_rate",
        "attention_check",
    }
    assert page.opened["heartbeat_interval_s"] == 15
    assert page.opened["max_rate"] == 1.0
    assert page.opened["attention_check"] is None
    assert len(page.playback_id) >= 32


def test_an_honest_viewer_earns_what_they_watched(player, db_session, learner) -> None:
    page = player()
    page.play(300)
    assert page.last["credited_s"] == 15
    assert page.last["reason"] is None
    assert abs(covered(db_session, learner) - 300) <= 2
    enrolment = db_session.get(Enrolment, learner.enrolment.id)
    assert enrolment.online_s == covered(db_session, learner)
    assert page.last["enrolment_online_hours"] == 0.1  # 300 s of a 2700 s hour, rounded down


def test_an_honest_viewer_with_network_jitter(player, db_session, learner) -> None:
    page = player()
    page.play(240, step=15, jitter=0.7)
    assert abs(covered(db_session, learner) - 240) <= 2


def test_claiming_double_speed_earns_wall_clock_time_only(player, db_session, learner) -> None:
    page = player()
    page.rate = 2.0
    page.play(120)
    # 120 s of wall time, claimed 240 s of video: the wall-clock time, at most 120 s + slack
    assert 120 <= covered(db_session, learner) <= 120 + 5
    assert page.last["not_credited_s"].get("rate_limited", 0) > 0


def test_a_seek_ahead_credits_nothing_skipped(player, db_session, learner) -> None:
    page = player()
    page.play(60)
    page.position = 600
    response = page.send("seeked", from_s=60)
    assert response.status_code == 200
    page.play(30)
    assert abs(covered(db_session, learner) - 90) <= 2
    videos = page.client.get(f"/api/v1/enrolments/{learner.enrolment.id}/videos").get_json()
    assert abs(videos[0]["covered_s"] - 90) <= 2


def test_an_unreported_jump_is_marked_seek(player, db_session, learner) -> None:
    page = player()
    page.play(30)
    page.clock.advance(15)
    page.position += 1200
    page.send("tick")
    assert page.last["reason"] == "seek"
    assert page.last["credited_s"] == 0
    assert abs(covered(db_session, learner) - 30) <= 2


def test_a_flood_of_beats_earns_at_most_the_slack(player, db_session, learner) -> None:
    page = player()
    page.send("play")
    for _ in range(100):
        page.clock.advance(0.01)
        page.position += 10
        page.send("tick")
    # one second of wall time: the slack, and no more than that second besides
    assert 5 <= covered(db_session, learner) <= 5 + 1


def test_a_retried_beat_earns_nothing_twice(player, db_session, learner) -> None:
    page = player()
    page.send("play")
    page.clock.advance(15)
    page.position = 15
    first = page.send("tick").get_json()
    again = page.send("tick", seq=page.seq).get_json()
    assert first["credited_s"] == 15
    assert again["credited_s"] == 0 and again["covered_s"] == first["covered_s"]
    assert covered(db_session, learner) == 15


def test_a_second_tab_supersedes_the_first(player, db_session, learner) -> None:
    first = player()
    first.play(60)
    second = player(client_=first.client)
    response = first.send("tick")
    assert response.status_code == 409
    body = response.get_json()
    assert body["error"] == "superseded" and body["reason"] == "superseded"
    assert "credited_s" in body and "message" in body
    second.position = 60
    second.play(60)
    assert abs(covered(db_session, learner) - 120) <= 2


def test_two_tabs_playing_together_earn_no_more_than_one(player, db_session, learner) -> None:
    one, two = player(), player()
    one.send("play")
    two.send("play")
    two.position = 1000
    for _ in range(8):
        one.clock.advance(15)
        one.position += 15
        two.position += 15
        one.send("tick")
        two.send("tick")
    # the first tab, superseded as the second opened, earns nothing; the second earns its two
    # minutes less the first beat's jump to 1000 s (an unreported seek)
    assert covered(db_session, learner) == 120 - 15


def test_queued_beats_after_a_network_gap_lose_nothing(player, db_session, learner) -> None:
    page = player()
    page.play(60)
    queued = []
    for _ in range(8):  # two minutes without network: the page keeps the beats
        page.clock.advance(15)
        page.position += 15
        page.seq += 1
        queued.append((page.seq, page.position))
    page.clock.advance(5)
    for seq, position in queued:
        page.position = position
        assert page.send("tick", seq=seq).status_code == 200
    assert abs(covered(db_session, learner) - 180) <= 2


def test_queued_beats_arriving_out_of_order_earn_nothing_extra(player, db_session, learner) -> None:
    page = player()
    page.send("play")
    beats = []
    for _ in range(4):
        page.clock.advance(15)
        page.position += 15
        page.seq += 1
        beats.append((page.seq, page.position))
    for seq, position in reversed(beats):
        page.position = position
        page.send("tick", seq=seq)
    # the last beat, arriving first, claims the whole minute; the earlier ones are stale
    assert covered(db_session, learner) == 60


def test_a_superseded_page_late_queue_earns_only_its_allowance(player, db_session, learner) -> None:
    old = player()
    old.play(30)
    old.clock.advance(15)  # the old page played 15 s more, unsent
    player()  # another device opens
    old.position += 15
    response = old.send("tick")
    assert response.status_code == 409
    assert response.get_json()["credited_s"] == 15  # the 15 s grown before it was superseded
    for _ in range(5):  # the old page's further queue earns nothing more
        old.position += 15
        assert old.send("tick").get_json()["credited_s"] == 0
    assert covered(db_session, learner) == 45


def test_pausing_then_bursting_earns_nothing_for_the_pause(player, db_session, learner) -> None:
    page = player()
    page.play(30)
    page.send("pause", paused=True)
    page.clock.advance(600)
    page.send("play", paused=False)
    page.clock.advance(1)
    page.position += 600
    page.send("tick")
    # the burst claims far more than the allowance left plus grace and slack: an unreported
    # seek that earns nothing, so only the 30 s before the pause count
    assert page.last["reason"] == "seek"
    assert covered(db_session, learner) == 30


def test_a_hidden_page_earns_nothing(player, db_session, learner) -> None:
    page = player()
    page.play(30)
    page.send("hidden", visible=False)
    page.clock.advance(60)
    page.position += 60
    page.send("tick", visible=False)
    assert page.last["not_credited_s"] == {"hidden": 60}
    assert abs(covered(db_session, learner) - 30) <= 1


def test_rewatching_earns_nothing_new(player, db_session, learner) -> None:
    page = player()
    page.play(60)
    page.position = 0
    page.send("seeked", from_s=60)
    page.play(60)
    assert page.last["not_credited_s"] == {"rewatch": 15}
    assert covered(db_session, learner) == 60


def test_a_presence_check_stops_credit_until_answered(
    app: Flask, player, db_session, learner
) -> None:
    settings = app.extensions["accounting_settings"]
    app.extensions["accounting_settings"] = replace(
        settings, attention_min_minutes=1, attention_max_minutes=1
    )
    page = player()
    page.play(90)
    check = page.last["attention_check"]
    assert check is not None and check["resume_at_s"] == 60.0
    assert abs(covered(db_session, learner) - 60) <= 1
    image = page.client.get(check["image_url"])
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert image.data.startswith(b"\x89PNG")
    state = db_session.get(TraineeStudyState, learner.user.id)  # the code is only on the server
    # the random hex ids may hold the four digits by chance (it happened): look past them
    without_ids = {**page.last, "attention_check": {"resume_at_s": check["resume_at_s"]}}
    assert state.pending_code not in str(without_ids)
    wrong = "0000" if state.pending_code != "0000" else "1111"
    page.position = check["resume_at_s"]
    page.send("attention_ok", attention_id=check["id"], attention_code=wrong)
    assert page.last["attention_check"] is not None
    page.send("attention_ok", attention_id=check["id"], attention_code=state.pending_code)
    assert page.last["attention_check"] is None
    page.play(30)
    assert abs(covered(db_session, learner) - 90) <= 2


def test_a_check_is_drawn_anew_each_time_and_its_answer_time_is_recorded(
    app: Flask, player, db_session, learner
) -> None:
    """The picture's noise never leaves the server: two fetches of one check differ, so no
    script can draw the 10,000 pictures and match. The record keeps when it was raised, first
    shown and answered, and the wrong codes before the right one."""
    from learning.models import PresenceCheck

    app.extensions["accounting_settings"] = replace(
        app.extensions["accounting_settings"], attention_min_minutes=1, attention_max_minutes=1
    )
    page = player()
    page.play(60)
    check = page.last["attention_check"]
    raised_ms = int(page.clock.now().timestamp() * 1000)
    page.clock.advance(3)
    first, second = (page.client.get(check["image_url"]).data for _ in range(2))
    assert first.startswith(b"\x89PNG") and first != second
    code = db_session.get(TraineeStudyState, learner.user.id).pending_code
    page.clock.advance(7)
    page.position = check["resume_at_s"]
    page.send("attention_ok", attention_id=check["id"], attention_code="x")
    page.clock.advance(2)
    page.send("attention_ok", attention_id=check["id"], attention_code=code)
    assert page.last["attention_check"] is None
    record = db_session.scalars(select(PresenceCheck)).one()
    assert (record.check_id, record.playback_id) == (check["id"], page.playback_id)
    assert record.raised_at_ms == raised_ms
    assert record.shown_at_ms == raised_ms + 3_000
    assert record.answered_at_ms == raised_ms + 12_000
    assert record.answer_ms == 9_000  # from the moment it was shown
    assert record.wrong_answers == 1


def test_an_instant_answer_does_not_clear_the_check(
    app: Flask, player, db_session, learner
) -> None:
    from learning.models import TraineeStudyState

    app.extensions["accounting_settings"] = replace(
        app.extensions["accounting_settings"], attention_min_minutes=1, attention_max_minutes=1
    )
    page = player()
    page.send("play")
    page.clock.advance(61)
    page.position = 61
    page.send("tick")
    check = page.last["attention_check"]
    state = db_session.get(TraineeStudyState, learner.user.id)
    page.position = check["resume_at_s"]
    page.send("attention_ok", attention_id=check["id"], attention_code=state.pending_code)
    assert page.last["attention_check"] is not None


def test_an_unanswered_check_ends_the_playback_and_survives_reopening(
    app: Flask, player, db_session, learner
) -> None:
    app.extensions["accounting_settings"] = replace(
        app.extensions["accounting_settings"], attention_min_minutes=1, attention_max_minutes=1
    )
    page = player()
    page.play(75)
    assert page.last["attention_check"] is not None
    page.clock.advance(5 * 60)
    page.position += 15
    response = page.send("tick")
    assert response.status_code == 409
    assert response.get_json()["error"] == "ended"
    assert response.get_json()["reason"] == "attention_timeout"
    again = player()
    assert again.opened["attention_check"]["id"] == page.last["attention_check"]["id"]


def test_the_daily_cap_holds_across_midnight_in_shanghai(
    app: Flask, player, clock, db_session, learner, make: Factory
) -> None:
    app.extensions["accounting_settings"] = replace(
        app.extensions["accounting_settings"], daily_cap_s=120
    )
    clock.set(datetime(2026, 3, 2, 15, 57, tzinfo=UTC))  # 23:57 in Shanghai
    page = player()
    page.play(150)  # 2.5 minutes up to 23:59:30
    first_day = covered(db_session, learner)
    assert first_day == 120  # capped: 150 s played on 2026-03-02
    page.play(300)  # after midnight: a new day with a new cap
    total = covered(db_session, learner)
    assert total == 120 + 120
    days = page.client.get("/api/v1/me/study-record").get_json()
    assert [day["date"] for day in days] == ["2026-03-02", "2026-03-03"]
    assert days[0]["credited_s"] == 120
    assert days[1]["credited_s"] == 120
    # a beat counts on its own day: from the one at 00:00:00, 285 s played on 2026-03-03
    assert days[1]["not_credited_s"]["daily_cap"] == 285 - 120


def test_the_daily_cap_counts_every_enrolment_of_the_trainee(
    app: Flask, player, db_session, learner, make: Factory
) -> None:
    app.extensions["accounting_settings"] = replace(
        app.extensions["accounting_settings"], daily_cap_s=120
    )
    second = make.enrolment(learner.user, "trading-4")
    other_video = make.video("trading-4")
    make.commit()
    player().play(90)
    player(other_video, enrolment=second).play(90)
    db_session.expire_all()
    first = db_session.get(Enrolment, learner.enrolment.id)
    other = db_session.get(Enrolment, second.id)
    assert first.online_s + other.online_s == 120


def test_beats_to_another_trainees_playback_are_404(player, login, make: Factory) -> None:
    page = player()
    intruder = login(make.trainee())
    response = intruder.post(
        f"/api/v1/playbacks/{page.playback_id}/heartbeats",
        json={
            "seq": 1,
            "position_s": 0,
            "rate": 1,
            "paused": False,
            "visible": True,
            "event": "play",
        },
        headers={"X-CSRFToken": intruder.csrf_token()},
    )
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"
    assert (
        intruder.post_json(
            "/api/v1/playbacks",
            {"enrolment_id": page.enrolment_id, "video_id": page.video_id},
        ).status_code
        == 404
    )


def test_a_video_outside_the_programme_is_404(player, make: Factory) -> None:
    page = player()
    stranger = make.video("trading-3")
    make.commit()
    response = page.client.post_json(
        "/api/v1/playbacks", {"enrolment_id": page.enrolment_id, "video_id": stranger.id}
    )
    assert response.status_code == 404


BAD_BEATS = {
    "not a JSON object": ([1, 2, 3], 400),
    "seq as text": ({"seq": "1"}, 422),
    "seq as boolean": ({"seq": True}, 422),
    "seq zero": ({"seq": 0}, 422),
    "seq too large": ({"seq": 10**9 + 1}, 422),
    "negative position": ({"position_s": -1}, 422),
    "rate zero": ({"rate": 0}, 422),
    "negative rate": ({"rate": -1}, 422),
    "unknown event": ({"event": "teleport"}, 422),
    "paused as text": ({"paused": "no"}, 422),
    "seek without origin": ({"event": "seeked"}, 422),
    "unknown field": ({"bonus_s": 100}, 422),
    "huge code": ({"event": "attention_ok", "attention_code": "1" * 1000}, 422),
}


@pytest.mark.parametrize("case", sorted(BAD_BEATS))
def test_malformed_beats_are_refused_and_change_nothing(case, player, db_session) -> None:
    page = player()
    change, status = BAD_BEATS[case]
    good = {"seq": 1, "position_s": 0, "rate": 1, "paused": False, "visible": True, "event": "play"}
    payload = change if isinstance(change, list) else {**good, **change}
    response = page.client.post(
        f"/api/v1/playbacks/{page.playback_id}/heartbeats",
        json=payload,
        headers={"X-CSRFToken": page.token},
    )
    assert response.status_code == status
    assert response.is_json and response.get_json()["error"]
    if status == 422:
        assert response.get_json()["fields"]
    assert db_session.scalar(select(func.count(BeatRecord.id))) == 0


@pytest.mark.parametrize("raw", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_numbers_are_refused(raw: str, player, db_session) -> None:
    page = player()
    body = (
        f'{{"seq": 1, "position_s": {raw}, "rate": 1, "paused": false, "visible": true,'
        ' "event": "play"}'
    )
    response = page.client.post(
        f"/api/v1/playbacks/{page.playback_id}/heartbeats",
        data=body,
        content_type="application/json",
        headers={"X-CSRFToken": page.token},
    )
    assert response.status_code == 422
    assert db_session.scalar(select(func.count(BeatRecord.id))) == 0


def test_broken_json_and_huge_bodies_are_refused(player) -> None:
    page = player()
    url = f"/api/v1/playbacks/{page.playback_id}/heartbeats"
    headers = {"X-CSRFToken": page.token}
    broken = page.client.post(url, data="{seq:", content_type="application/json", headers=headers)
    assert broken.status_code == 400 and broken.get_json()["error"] == "bad_json"
    latin = page.client.post(
        url, data=b"\xff\xfe", content_type="application/json", headers=headers
    )
    assert latin.status_code == 400
    huge = page.client.post(
        url, data="x" * 100_000, content_type="application/json", headers=headers
    )
    assert huge.status_code == 413


def test_beacon_beats_carry_the_token_inside(player, db_session, learner) -> None:
    import json

    page = player()
    page.send("play")
    page.clock.advance(15)
    body = {
        "seq": 2,
        "position_s": 15,
        "rate": 1,
        "paused": True,
        "visible": False,
        "event": "close",
        "csrf_token": page.token,
    }
    url = f"/api/v1/playbacks/{page.playback_id}/heartbeats"
    response = page.client.post(url, data=json.dumps(body), content_type="text/plain")
    assert response.status_code == 200
    assert covered(db_session, learner) == 15
    body["seq"] = 3
    body.pop("csrf_token")
    refused = page.client.post(url, data=json.dumps(body), content_type="text/plain")
    assert refused.status_code == 400 and refused.get_json()["error"] == "csrf"


def test_json_beats_need_the_csrf_header(player) -> None:
    page = player()
    response = page.client.post(
        f"/api/v1/playbacks/{page.playback_id}/heartbeats",
        json={
            "seq": 1,
            "position_s": 0,
            "rate": 1,
            "paused": False,
            "visible": True,
            "event": "play",
        },
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == "csrf"


def test_closing_ends_the_playback_and_reopening_resumes(player, db_session, learner) -> None:
    page = player()
    page.play(45)
    page.clock.advance(5)
    page.position += 5
    assert page.send("close", paused=True).status_code == 200
    assert page.send("tick").status_code == 409
    again = player()
    assert again.opened["resume_position_s"] == 50.0
    assert again.opened["first_uncovered_s"] == 50


def test_an_unparsable_client_timestamp_is_kept_and_ignored(player, db_session) -> None:
    page = player()
    assert page.send("play", client_ts="yesterday-ish").status_code == 200
    record = db_session.scalar(select(BeatRecord))
    assert record.client_ts == "yesterday-ish"


def test_recompute_finds_a_corrupted_total_and_repairs_it(
    app: Flask, player, db_session, learner
) -> None:
    page = player()
    page.play(120)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["recompute", "--check"]).exit_code == 0
    db_session.execute(Coverage.__table__.update().values(intervals=[[0, 500_000]], covered_s=500))
    db_session.execute(Enrolment.__table__.update().values(online_s=9999))
    db_session.commit()
    result = runner.invoke(args=["recompute", "--check"])
    assert result.exit_code == 1
    assert "coverage" in result.output and "online seconds" in result.output
    repaired = runner.invoke(args=["recompute"])
    assert repaired.exit_code == 0 and "corrected" in repaired.output
    assert runner.invoke(args=["recompute", "--check"]).exit_code == 0
    assert abs(covered(db_session, learner) - 120) <= 2
