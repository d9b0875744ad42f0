"""Fixtures of the API tests: a trainee with an enrolment and a video, and a player for them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from learning.clock import FakeClock
from learning.models import Enrolment, User, Video
from learning.services import recompute
from tests.api.player import Player
from tests.factories import Factory


@dataclass
class Learner:
    user: User
    enrolment: Enrolment
    video: Video


@pytest.fixture
def learner(make: Factory) -> Learner:
    trainee = make.trainee()
    enrolment = make.enrolment(trainee, "accounting-4")
    video = make.video("accounting-4", duration_s=3600)
    make.commit()
    return Learner(trainee, enrolment, video)


@pytest.fixture
def player(login, clock: FakeClock, learner: Learner) -> Callable[..., Player]:
    """`player()` -> a new page of the learner playing the video (`player(client=...)` to reuse
    a browser's session, as a second tab does)."""
    client = login(learner.user)

    def new(video: Video | None = None, *, enrolment: Enrolment | None = None, client_=None):
        page = Player(
            client_ or client,
            clock,
            (enrolment or learner.enrolment).id,
            (video or learner.video).id,
        )
        page.open()
        return page

    return new


@pytest.fixture
def totals_rebuild_exactly(app: Flask, db_session: Session, clock: FakeClock) -> Iterator[None]:
    """After the test, replaying the raw records must give exactly the stored totals."""
    yield
    db_session.rollback()
    differences = recompute.compare(db_session, now_ms=int(clock.now().timestamp() * 1000))
    assert differences == [], "\n".join(str(d) for d in differences[:20])
