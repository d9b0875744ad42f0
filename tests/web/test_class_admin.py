"""Admins create and rename classes, set their instructors, and move trainees between them;
the hours follow the enrolment."""

from __future__ import annotations

from sqlalchemy import select

from learning.models import AuditEntry, Enrolment, TrainingClass
from tests.api.player import Player
from tests.factories import Factory


def test_a_class_is_created_renamed_and_given_instructors(login, make: Factory, db_session) -> None:
    wang, li = make.instructor(), make.instructor()
    admin = login(make.admin())
    form = {
        "csrf_token": admin.csrf_token(),
        "name": "2026冬季核算员四级班",
        "instructors": [wang.id],
    }
    created = admin.post("/admin/classes", data=form)
    assert created.status_code == 303
    training_class = db_session.scalars(
        select(TrainingClass).where(TrainingClass.name == "2026冬季核算员四级班")
    ).one()
    assert [user.id for user in training_class.instructors] == [wang.id]
    again = admin.post("/admin/classes", data=form)
    assert (
        "已有名为 2026冬季核算员四级班 的班级" in again.get_data(as_text=True)
        or again.status_code == 200
    )
    renamed = {
        "csrf_token": admin.csrf_token(),
        "name": "2026冬季核算员四级一班",
        "instructors": [wang.id, li.id],
    }
    assert admin.post(f"/admin/classes/{training_class.id}", data=renamed).status_code == 303
    db_session.expire_all()
    training_class = db_session.get(TrainingClass, training_class.id)
    assert training_class.name == "2026冬季核算员四级一班"
    assert {user.id for user in training_class.instructors} == {wang.id, li.id}
    assert login(li).get(f"/classes/{training_class.id}").status_code == 200  # li teaches it now


def test_a_trainee_moved_to_another_class_takes_the_hours_along(
    login, make: Factory, db_session, clock
) -> None:
    first_teacher, second_teacher = make.instructor(), make.instructor()
    first, second = make.training_class(first_teacher), make.training_class(second_teacher)
    trainee = make.trainee()
    enrolment = make.enrolment(trainee, "accounting-4", first)
    video = make.video("accounting-4", duration_s=3600)
    make.commit()
    player = Player(login(trainee), clock, enrolment.id, video.id)
    player.open()
    player.play(600)
    db_session.expire_all()
    earned = db_session.get(Enrolment, enrolment.id).online_s
    admin = login(make.admin())
    moved = admin.post(
        f"/admin/classes/move/{enrolment.id}",
        data={"csrf_token": admin.csrf_token(), "class_id": second.id},
    )
    assert moved.status_code == 303
    db_session.expire_all()
    after = db_session.get(Enrolment, enrolment.id)
    assert (after.class_id, after.online_s) == (second.id, earned)
    roster = login(second_teacher).get(f"/api/v1/classes/{second.id}/progress").get_json()
    assert [row["enrolment_id"] for row in roster] == [enrolment.id]
    assert login(first_teacher).get(f"/enrolments/{enrolment.id}").status_code == 404
    entry = db_session.scalars(
        select(AuditEntry).where(AuditEntry.action == "enrolment.move_class")
    ).one()
    assert entry.details == {"from_class": first.id, "to_class": second.id}
