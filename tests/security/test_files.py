"""The service's files are its own, and a document leaves under a name and type of ours."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from learning import create_app, migrate
from learning.db import get_database
from learning.models import Application
from tests.conftest import Client
from tests.web.test_registration import PDF, PNG, upload


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def usual_umask():
    """The umask a shell gives a service (022) before the application sets its own."""
    before = os.umask(0o022)
    yield
    os.umask(before)


def test_the_database_and_uploads_are_readable_by_the_service_user_only(
    tmp_path: Path, usual_umask
) -> None:
    instance = tmp_path / "instance"
    uploads = instance / "uploads"
    uploads.mkdir(parents=True, mode=0o755)  # an installation made before: open to others
    app = create_app(
        {
            "SECRET_KEY": "files",
            "DATABASE_URL": f"sqlite:///{instance / 'learning.sqlite'}",
            "UPLOAD_FOLDER": str(uploads),
            "TESTING": True,
        }
    )
    database = get_database(app)
    migrate.upgrade(database)  # creates the database file
    database.dispose()
    upload_path = uploads / "documents" / "a.png"  # as the services store a document
    upload_path.parent.mkdir()
    upload_path.write_bytes(PNG)
    assert _mode(instance / "learning.sqlite") == 0o600
    assert _mode(uploads) == 0o700
    assert _mode(upload_path.parent) == 0o700 and _mode(upload_path) == 0o600


@pytest.mark.parametrize(
    ("content", "sent_as", "served_as", "extension"),
    [
        (PNG, "报名表.pdf.exe", "image/png", "png"),
        (PDF, "<script>.html", "application/pdf", "pdf"),
    ],
)
def test_a_document_is_downloaded_under_a_neutral_name_of_its_checked_type(
    client: Client,
    app: Flask,
    db_session: Session,
    login,
    make,
    content: bytes,
    sent_as: str,
    served_as: str,
    extension: str,
) -> None:
    assert upload(client, [(content, sent_as)]).status_code == 303
    application = db_session.scalar(select(Application))
    document = application.documents[0]
    url = f"/applications/{application.id}/documents/{document.id}"
    for who in (client, login(make.admin())):
        with who.get(url) as served:
            assert served.status_code == 200 and served.data == content
            assert served.mimetype == served_as
            name = f"application-{application.id}-document-{document.id}.{extension}"
            assert served.headers["Content-Disposition"] == f"attachment; filename={name}"
            assert served.headers["X-Content-Type-Options"] == "nosniff"
