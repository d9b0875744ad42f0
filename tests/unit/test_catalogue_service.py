"""Adding a video to the catalogue (services/catalogue): at the end of each programme named."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from learning.models import ProgrammeVideo, Video
from learning.services import ServiceError, catalogue
from tests.factories import Factory


def _add(session: Session, make: Factory, codes: list[str]) -> Video:
    return catalogue.add_video(
        session,
        title="第1讲",
        duration_s=60,
        programme_codes=codes,
        now=make.clock.now(),
        url="https://video.example/1.mp4",
    )


def test_a_video_goes_last_in_each_programme_named(db_session: Session, make: Factory) -> None:
    codes = ["accounting-4", "accounting-3", "verification-3"]
    _add(db_session, make, codes[:1])
    _add(db_session, make, codes[:2])
    video = _add(db_session, make, codes)
    places = {
        programme_video.programme.code: programme_video.position
        for programme_video in db_session.scalars(
            select(ProgrammeVideo).where(ProgrammeVideo.video_id == video.id)
        )
    }
    assert places == {"accounting-4": 3, "accounting-3": 2, "verification-3": 1}


def test_an_unknown_programme_refuses_the_video(db_session: Session, make: Factory) -> None:
    with pytest.raises(ServiceError) as refused:
        _add(db_session, make, ["accounting-4", "nowhere-9", "elsewhere-8"])
    assert (refused.value.code, refused.value.params) == (
        "unknown_programme",
        {"code": "nowhere-9"},
    )
    assert db_session.scalar(select(func.count(Video.id))) == 0
