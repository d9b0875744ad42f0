"""What the concurrency tests share: an app on a migrated database of its own that really
commits, so threads and requests meet as they would in production."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from learning import migrate
from learning.db import Database, get_database
from tests.conftest import Client, make_test_app


@pytest.fixture
def live_app(empty_database: Database, tmp_path: Path) -> Iterator[Flask]:
    """The app on `empty_database`, migrated; who a trainee is comes from the database on every
    request."""
    migrate.upgrade(empty_database)
    app = make_test_app(empty_database.url, UPLOAD_FOLDER=str(tmp_path / "uploads"))
    app.test_client_class = Client
    yield app
    get_database(app).dispose()
