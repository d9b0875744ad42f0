"""A setting changes the future, never the past: each accounting setting changed between beats,
through the database path, and the stored totals still rebuild exactly (rule 11). TIMEZONE
too: a trainee's study day never goes backwards, so a change of time zone gives no second cap.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from learning.domain.accounting import AccountingSettings
from learning.models import Enrolment, Playback, StudyDay

pytestmark = pytest.mark.usefixtures("totals_rebuild_exactly")

QUIET = {"attention_min_minutes": 60, "attention_max_minutes": 60}
CHANGES = [
    {"max_rate": 0.5},
    {"slack_s": 0},
    {"resume_grace_s": 0},
    {"heartbeat_interval_s": 5},
    {"attention_min_minutes": 0.5, "attention_max_minutes": 0.5},
    {"attention_timeout_minutes": 0.2},
    {"stale_after_s": 20, "late_beat_grace_s": 40},
    {"daily_cap_s": 200},
    {"timezone": "America/Los_Angeles"},
]


def _use(app: Flask, **changes: object) -> AccountingSettings:
    settings = replace(app.extensions["accounting_settings"], **changes)
    app.extensions["accounting_settings"] = settings
    return settings


@pytest.mark.parametrize("change", CHANGES, ids=lambda change: ",".join(change))
def test_each_setting_changed_between_beats_rebuilds_exactly(
    app, player, clock, db_session: Session, change
) -> None:
    _use(app, **QUIET)
    phone = player()
    phone.play(120)
    phone.send("pause", paused=True)
    _use(app, **change)  # as after a restart with the new setting
    laptop = player()  # the new playback records the new settings...
    laptop.play(300, step=5)
    clock.advance(30)
    phone.send("tick")  # ...the old one is still judged by its own (a superseded late beat)
    laptop.send("pause", paused=True)
    clock.advance(15)
    laptop.play(60, step=5)
    db_session.expire_all()
    recorded = {
        page: db_session.get(Playback, page.playback_id).settings for page in (phone, laptop)
    }
    assert all(recorded[phone][name] != value for name, value in change.items())
    assert all(recorded[laptop][name] == value for name, value in change.items())
    # totals_rebuild_exactly replays every beat with the settings recorded on its playback


def test_a_time_zone_change_gives_no_second_daily_cap(
    app, player, clock, db_session: Session, learner
) -> None:
    """09:00 in Shanghai is 17:00 of the day before in Los Angeles: the cap reached in Shanghai
    stays reached, on the trainee's current day."""
    _use(app, daily_cap_s=600, **QUIET)
    first = player()
    first.play(900)
    assert first.last["covered_s"] == 600
    _use(app, timezone="America/Los_Angeles")
    second = player()
    second.play(600)
    assert second.last["covered_s"] == 600
    assert second.last["not_credited_s"].get("daily_cap", 0) > 0
    db_session.rollback()
    days = db_session.execute(select(StudyDay.day, StudyDay.credited_ms)).all()
    assert {day for day, ms in days if ms} == {date(2026, 3, 2)}
    assert sum(ms for _day, ms in days) == 600_000
    last_studied = db_session.scalar(
        select(Enrolment.last_studied_on).where(Enrolment.id == learner.enrolment.id)
    )
    assert last_studied == date(2026, 3, 2)
