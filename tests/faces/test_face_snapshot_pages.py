"""Face-check pictures on the admin pages: admins only, every view of a picture audited."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from learning.models import AuditEntry
from learning.services import face_snapshots
from tests.faces.snapshots import snapshot
from tests.factories import Factory


def views(db_session) -> list[AuditEntry]:
    db_session.expire_all()
    statement = select(AuditEntry).where(AuditEntry.action == face_snapshots.VIEWED)
    return list(db_session.scalars(statement))


def test_an_admin_sees_a_trainees_checks_and_each_picture_view_is_audited(
    app: Flask, login, make: Factory, clock, db_session
) -> None:
    folder = app.config["UPLOAD_FOLDER"]
    trainee, admin = make.trainee(), make.admin()
    enrolment = make.enrolment(trainee)
    video = make.video("accounting-4", title="碳核算第一讲")
    playback_id = make.playback(enrolment, video, app.extensions["accounting_settings"])
    shot = snapshot(
        make, folder, trainee.id, taken_at=clock.now() - timedelta(hours=1), playback_id=playback_id
    )
    snapshot(make, folder, trainee.id, taken_at=clock.now(), outcome="mismatch")
    client = login(admin)

    user_page = client.get(f"/admin/users/{trainee.id}").get_data(as_text=True)
    assert f"/admin/users/{trainee.id}/face-snapshots" in user_page
    page = client.get(f"/admin/users/{trainee.id}/face-snapshots").get_data(as_text=True)
    assert "碳核算第一讲" in page and "0.312" in page and "同一人" in page and "非同一人" in page
    assert page.index("0.684") < page.index("0.312")  # newest first
    assert f"/admin/face-snapshots/{shot.id}.jpg" in page
    assert views(db_session) == []  # the page itself shows no picture

    picture = client.get(f"/admin/face-snapshots/{shot.id}.jpg")
    assert picture.status_code == 200 and picture.mimetype == "image/jpeg"
    assert picture.data == (Path(folder) / shot.path).read_bytes()
    assert "no-store" in picture.headers["Cache-Control"]
    client.get(f"/admin/face-snapshots/{shot.id}.jpg")
    seen = views(db_session)
    assert len(seen) == 2
    assert {(entry.actor_id, entry.subject) for entry in seen} == {(admin.id, f"user:{trainee.id}")}
    assert seen[0].details["snapshot_id"] == shot.id

    log = client.get("/admin/audit").get_data(as_text=True)
    assert f'<td class="what">查看人脸核验照片：{trainee.display_name}，' in log


def test_trainees_and_instructors_are_refused(app: Flask, login, make: Factory, clock) -> None:
    trainee = make.trainee()
    instructor = make.instructor()
    make.enrolment(trainee, training_class=make.training_class(instructor))
    shot = snapshot(make, app.config["UPLOAD_FOLDER"], trainee.id, taken_at=clock.now())
    for user in (trainee, instructor):
        client = login(user)
        assert client.get(f"/admin/users/{trainee.id}/face-snapshots").status_code == 403
        picture = client.get(f"/admin/face-snapshots/{shot.id}.jpg")
        assert picture.status_code == 403 and picture.mimetype != "image/jpeg"


def test_a_deleted_picture_is_gone_while_its_check_stays_listed(
    app: Flask, login, make: Factory, clock, db_session
) -> None:
    folder = app.config["UPLOAD_FOLDER"]
    trainee = make.trainee()
    shot = snapshot(make, folder, trainee.id, taken_at=clock.now() - timedelta(days=400))
    face_snapshots.delete_expired(
        make.session, upload_folder=folder, now=clock.now(), retention_days=365
    )
    client = login(make.admin())
    assert client.get(f"/admin/face-snapshots/{shot.id}.jpg").status_code == 404
    assert client.get("/admin/face-snapshots/999999.jpg").status_code == 404
    page = client.get(f"/admin/users/{trainee.id}/face-snapshots").get_data(as_text=True)
    assert "已删除" in page and f"/admin/face-snapshots/{shot.id}.jpg" not in page
    assert views(db_session) == []
    log = client.get("/admin/audit").get_data(as_text=True)
    assert f"人脸核验照片保存期满删除：{trainee.display_name}，1 张照片，保存 365 天" in log
