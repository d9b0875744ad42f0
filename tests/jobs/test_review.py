"""The nightly plausibility review flags a script's study and not a person's."""

from __future__ import annotations

import random

from flask import Flask
from sqlalchemy import select

from learning.db import get_database
from learning.jobs import tasks
from learning.models import PlaybackOrigin, ReviewFlag
from tests.api.player import Player
from tests.factories import Factory
from tests.review_study import checks_every_minute, study


def test_the_nightly_review_flags_a_script_and_not_a_person(
    app: Flask, login, make: Factory, clock, db_session
) -> None:
    checks_every_minute(app)
    video = make.video("accounting-4", duration_s=3600)
    bot = make.enrolment(make.trainee())
    person = make.enrolment(make.trainee())
    make.commit()
    rng = random.Random(7)
    for enrolment, scripted in ((bot, True), (person, False)):
        player = Player(login(enrolment.trainee), clock, enrolment.id, video.id)
        study(player, db_session, enrolment.trainee.id, minutes=15, scripted=scripted, rng=rng)
    context = tasks.JobContext(get_database(app), clock.now(), app.config["TIMEZONE"])

    assert tasks.flag_implausible_study(context) == {"suspicious": 1, "flagged": 1}
    flag = db_session.scalars(select(ReviewFlag)).one()
    assert flag.enrolment_id == bot.id and flag.status == "open"
    signals = {finding["signal"]: finding["figures"] for finding in flag.findings}
    assert set(signals) == {"fast_answers", "regular_beats"}
    assert signals["fast_answers"]["fast"] >= 10
    assert signals["regular_beats"]["spread_ms"] == 0
    # the next night brings the open flag up to date instead of raising another
    assert tasks.flag_implausible_study(context) == {"suspicious": 1, "flagged": 0}
    # where each playback was opened from is on record (by the opening, not by the beats)
    assert len(db_session.scalars(select(PlaybackOrigin)).all()) == 2
    assert "review_flags" in {job.name for job in tasks.schedule(app.config)}
