"""Study through the API as a person or as a script, for the plausibility review's tests."""

from __future__ import annotations

import random
from dataclasses import replace

from flask import Flask
from sqlalchemy.orm import Session

from learning.models import TraineeStudyState
from tests.api.player import Player


def checks_every_minute(app: Flask) -> None:
    settings = app.extensions["accounting_settings"]
    app.extensions["accounting_settings"] = replace(
        settings, attention_min_minutes=1, attention_max_minutes=1
    )


def study(
    player: Player,
    db_session: Session,
    trainee_id: int,
    *,
    minutes: int,
    scripted: bool,
    rng: random.Random,
) -> None:
    """Play `minutes` at 1x, a tick every 15 s, answering each presence check. A script ticks on
    the dot and answers as soon as the rules allow; a person's ticks wander with the network
    and the answer takes seconds."""
    player.open()
    player.send("play")
    played = 0.0
    while played < minutes * 60:
        step = 15.0 if scripted else 15.0 + rng.uniform(0, 0.8)
        player.clock.advance(step)
        played += step
        player.position += step
        player.send("tick")
        check = player.last.get("attention_check")
        if check:
            player.client.get(check["image_url"])  # the picture is shown
            player.clock.advance(1.05 if scripted else rng.uniform(4, 9))
            db_session.expire_all()
            code = db_session.get(TraineeStudyState, trainee_id).pending_code
            player.position = check["resume_at_s"]
            player.send("attention_ok", attention_id=check["id"], attention_code=code)
    player.send("close", paused=True)
