"""The suite's shared app (tests/conftest.py `SharedApp`): each test sees it as new, and a test
that changes it in a way no snapshot undoes fails instead of passing its change on."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from learning.db import get_database
from learning.models import User
from tests.conftest import SharedApp
from tests.factories import Factory


@pytest.fixture
def shared(database_url: str, tmp_path: Path) -> Iterator[SharedApp]:
    shared = SharedApp(database_url, tmp_path / "built")
    yield shared
    shared.close()


def test_the_next_test_sees_the_app_as_built(shared: SharedApp, tmp_path: Path) -> None:
    with shared.for_test(tmp_path / "first") as app:
        built = app
        pass_mark = app.config["EXAM_PASS_MARK"]
        app.config["EXAM_PASS_MARK"] = pass_mark + 10
        app.config["NEW_SETTING"] = True
        app.extensions["accounting_settings"] = None
        app.extensions["clock"].advance(3600)
        first_clock = app.extensions["clock"]
        beats = app.extensions["beat_limits"]
        while beats.take("playback") is None:
            pass  # the burst is spent
        session = get_database(app).session_factory()
        Factory(session, first_clock).trainee("left_behind")
        session.commit()
        session.close()
    with shared.for_test(tmp_path / "second") as app:
        assert app is built
        assert app.config["EXAM_PASS_MARK"] == pass_mark
        assert "NEW_SETTING" not in app.config
        assert app.config["UPLOAD_FOLDER"] == str(tmp_path / "second")
        assert app.extensions["accounting_settings"] is not None
        assert app.extensions["clock"] is not first_clock
        assert app.extensions["clock"].now() < first_clock.now()
        assert app.extensions["beat_limits"].take("playback") is None
        session = get_database(app).session_factory()
        assert session.scalar(select(User).where(User.username == "left_behind")) is None
        session.close()


def test_a_test_that_changes_the_app_otherwise_fails(shared: SharedApp, tmp_path: Path) -> None:
    failed = pytest.raises(AssertionError, match="before_request_funcs")
    with failed, shared.for_test(tmp_path / "first") as app:
        changed = app
        app.before_request(lambda: None)
    with shared.for_test(tmp_path / "second") as app:
        assert app is not changed  # built anew, without the hook
        assert len(app.before_request_funcs[None]) == len(changed.before_request_funcs[None]) - 1


def test_a_test_that_leaves_a_context_pushed_fails(shared: SharedApp, tmp_path: Path) -> None:
    failed = pytest.raises(AssertionError, match="application context")
    with failed, shared.for_test(tmp_path / "first") as app:
        context = app.app_context()
        context.push()
    context.pop()
