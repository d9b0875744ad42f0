"""The nightly deletion of the proofs of rejected and abandoned applications, and the pages
that show a deleted proof."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from learning.db import get_database
from learning.domain.eligibility import Evidence
from learning.jobs import tasks
from learning.jobs.runner import SchedulerProcess
from learning.models import Application, ApplicationDocument, AuditEntry, JobRun
from learning.services import accounts, application_files, applications, catalogue
from tests.conftest import Client
from tests.factories import Factory

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
PASSWORD = "orchard kite pebble"


def context(app: Flask, clock, retention_days: int = 180, abandoned_days: int = 90):
    return tasks.JobContext(
        get_database(app),
        clock.now(),
        app.config["TIMEZONE"],
        30,
        app.config["UPLOAD_FOLDER"],
        application_files_retention_days=retention_days,
        application_abandoned_days=abandoned_days,
    )


def apply(app: Flask, make: Factory, name: str, at: datetime, files: int = 2) -> Application:
    return applications.submit(
        make.session,
        username=name,
        password=PASSWORD,
        profile=accounts.ProfileData(real_name=name),
        programme=catalogue.programme_by_code(make.session, "accounting-4"),
        evidence=Evidence(years_of_work=6),
        uploads=[applications.Upload(f"{name}-{n}.png", PNG) for n in range(files)],
        upload_folder=app.config["UPLOAD_FOLDER"],
        now=at,
        hash_method="pbkdf2:sha256:1000",
    )


def stored(app: Flask, application: Application) -> list[Path]:
    folder = Path(app.config["UPLOAD_FOLDER"])
    return [folder / doc.stored_path for doc in application.documents]


def world(app: Flask, make: Factory, clock) -> dict[str, Application]:
    """An application of each kind, all submitted 400 days ago."""
    now, admin = clock.now(), make.admin()
    long_ago = now - timedelta(days=400)
    made = {name: apply(app, make, name, long_ago) for name in ("old_rejected", "new_rejected")}
    made["abandoned"] = apply(app, make, "abandoned", long_ago, files=1)
    made["recently_returned"] = apply(app, make, "recently_returned", long_ago)
    made["approved"] = apply(app, make, "approved", long_ago)
    made["waiting"] = apply(app, make, "waiting", long_ago)
    for name, decided in (("old_rejected", 181), ("new_rejected", 179)):
        applications.reject(
            make.session,
            made[name],
            reason="不符合",
            now=now - timedelta(days=decided),
            actor_id=admin.id,
        )
    for name, returned in (("abandoned", 91), ("recently_returned", 89)):
        applications.return_for_changes(
            make.session,
            made[name],
            note="请补充",
            now=now - timedelta(days=returned),
            actor_id=admin.id,
        )
    applications.approve(
        make.session,
        made["approved"],
        condition_code="L4-a",
        training_class=None,
        now=now - timedelta(days=390),
        actor_id=admin.id,
        standard_hour_minutes=45,
    )
    make.commit()
    return made


def deletions(db_session: Session) -> list[AuditEntry]:
    statement = select(AuditEntry).where(AuditEntry.action == application_files.DELETED)
    return list(db_session.scalars(statement.order_by(AuditEntry.id)))


def test_proofs_of_rejected_and_abandoned_applications_are_deleted_after_the_retention(
    app: Flask, make: Factory, clock, db_session: Session
) -> None:
    made = world(app, make, clock)
    files = {name: stored(app, application) for name, application in made.items()}

    assert tasks.delete_expired_application_files(context(app, clock)) == {
        "deleted": 3,
        "applications": 2,
    }

    db_session.expire_all()
    for name in ("old_rejected", "abandoned"):
        assert not any(file.exists() for file in files[name])
        documents = db_session.get(Application, made[name].id).documents
        assert documents and all(doc.deleted_at == clock.now() for doc in documents)
    for name in ("new_rejected", "recently_returned", "approved", "waiting"):
        assert all(file.is_file() for file in files[name])
        assert all(
            doc.deleted_at is None for doc in db_session.get(Application, made[name].id).documents
        )
    entries = deletions(db_session)
    assert [(e.subject, e.actor_id, e.details) for e in entries] == [
        (
            f"application:{made['old_rejected'].id}",
            None,
            {"count": 2, "because": "rejected", "after_days": 180},
        ),
        (
            f"application:{made['abandoned'].id}",
            None,
            {"count": 1, "because": "abandoned", "after_days": 90},
        ),
    ]

    assert tasks.delete_expired_application_files(context(app, clock)) == {
        "deleted": 0,
        "applications": 0,
    }
    assert len(deletions(db_session)) == 2  # one entry per application, not per run


def test_a_file_already_missing_does_not_stop_the_deletion(
    app: Flask, make: Factory, clock, db_session: Session
) -> None:
    made = world(app, make, clock)
    first, second = stored(app, made["old_rejected"])
    first.unlink()
    assert tasks.delete_expired_application_files(context(app, clock))["deleted"] == 3
    assert not second.exists()


def test_a_deleted_proof_is_shown_as_deleted_to_the_applicant_and_the_admin(
    app: Flask, make: Factory, clock, login
) -> None:
    made = world(app, make, clock)
    tasks.delete_expired_application_files(context(app, clock))
    rejected = made["old_rejected"]
    document_url = f"/applications/{rejected.id}/documents/{rejected.documents[0].id}"
    said = "old_rejected-0.png：已于"

    app.test_client_class = Client
    applicant: Client = app.test_client()  # type: ignore[assignment]
    assert applicant.log_in("old_rejected", PASSWORD).status_code == 303
    mine = applicant.get("/me/applications")
    assert mine.status_code == 200
    page = mine.get_data(as_text=True)
    assert said in page and "上传后保存了 400 天" in page
    assert document_url not in page  # no link that would fail

    admin = login(make.admin())
    review = admin.get(f"/admin/applications/{rejected.id}")
    assert review.status_code == 200
    page = review.get_data(as_text=True)
    assert said in page and document_url not in page

    for client in (applicant, admin):
        gone = client.get(document_url)
        assert gone.status_code == 410
        assert "已于" in gone.get_data(as_text=True) and "删除" in gone.get_data(as_text=True)

    abandoned = made["abandoned"]
    owner: Client = app.test_client()  # type: ignore[assignment]
    assert owner.log_in("abandoned", PASSWORD).status_code == 303
    correct = owner.get(f"/me/applications/{abandoned.id}/edit")
    assert correct.status_code == 200 and "abandoned-0.png：已于" in correct.get_data(as_text=True)


def test_the_job_runs_nightly_with_the_retention_settings(app: Flask, make: Factory, clock) -> None:
    config = {
        "JOB_PLAYBACKS_EVERY_S": 60,
        "JOB_EXAM_SESSIONS_EVERY_S": 600,
        "JOB_NOTIFICATIONS_EVERY_S": 60,
        "JOB_MOCK_EXAMS_EVERY_S": 60,
        "JOB_VERIFY_AT": "02:30",
    }
    jobs = {job.name: job for job in tasks.schedule(config)}
    assert jobs["application_files"].at == "02:30"
    assert jobs["application_files"].run is tasks.delete_expired_application_files

    made = world(app, make, clock)
    app.config["APPLICATION_FILES_RETENTION_DAYS"] = 100
    app.config["APPLICATION_ABANDONED_DAYS"] = 80
    run_id = SchedulerProcess(app, holder="test").run(jobs["application_files"])
    with get_database(app).session_factory() as session:
        run = session.get(JobRun, run_id)
        assert (run.outcome, run.figures) == ("ok", {"deleted": 7, "applications": 4})
        kept = session.scalars(
            select(ApplicationDocument).where(ApplicationDocument.deleted_at.is_(None))
        ).all()
        assert {doc.application_id for doc in kept} == {
            made[name].id for name in ("approved", "waiting")
        }
