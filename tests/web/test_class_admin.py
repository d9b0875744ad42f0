"""Admins create and rename classes, set their instructors, and move trainees between them;
the hours follow the enrolment."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from learning.models import AuditEntry, Enrolment, TrainingClass
from tests.api.player import Player
from tests.factories import Factory
from tests.web.forms import forms_of, submit


def test_a_class_is_created_renamed_and_given_instructors(login, make: Factory, db_session) -> None:
    wang, li = make.instructor(), make.instructor()
    admin = login(make.admin())
    form = {
        "name": "2026冬季核算员四级班",
        "instructors": [wang.id],
    }
    created = admin.post_form("/admin/classes", form)
    assert created.status_code == 303
    training_class = db_session.scalars(
        select(TrainingClass).where(TrainingClass.name == "2026冬季核算员四级班")
    ).one()
    assert [user.id for user in training_class.instructors] == [wang.id]
    again = admin.post_form("/admin/classes", form)
    assert (
        "已有名为 2026冬季核算员四级班 的班级" in again.get_data(as_text=True)
        or again.status_code == 200
    )
    renamed = {
        "name": "2026冬季核算员四级一班",
        "instructors": [wang.id, li.id],
    }
    assert admin.post_form(f"/admin/classes/{training_class.id}", renamed).status_code == 303
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
    moved = admin.post_form(
        f"/admin/classes/move/{enrolment.id}",
        {"class_id": second.id, "confirm": "yes"},
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


def _moves(db_session) -> list[dict]:
    db_session.expire_all()
    statement = select(AuditEntry).where(AuditEntry.action == "enrolment.move_class")
    return [entry.details for entry in db_session.scalars(statement)]


def _class_of(db_session, enrolment_id: int) -> int | None:
    db_session.expire_all()
    return db_session.get(Enrolment, enrolment_id).class_id


def test_the_move_offers_the_current_class_first_and_moves_only_once_confirmed(
    login, make: Factory, db_session
) -> None:
    first = make.training_class(make.instructor(), name="一班")
    second = make.training_class(make.instructor(), name="二班")
    enrolment = make.enrolment(make.trainee(display_name="赵敏"), "accounting-4", first)
    admin = login(make.admin())
    page = admin.get(f"/admin/classes/{first.id}").get_data(as_text=True)
    (move,) = forms_of(page, f"/admin/classes/move/{enrolment.id}")
    assert move["method"] == "get"
    assert move["options"]["class_id"] == [str(first.id), str(second.id), ""]  # current first
    assert move["values"]["class_id"] == str(first.id)  # and chosen
    assert "一班（当前）" in page

    asked = submit(admin, move, class_id=second.id)
    assert asked.status_code == 200
    confirmation = asked.get_data(as_text=True)
    assert "赵敏" in confirmation and "一班" in confirmation and "调至 二班" in confirmation
    assert (_class_of(db_session, enrolment.id), _moves(db_session)) == (first.id, [])

    (confirm,) = forms_of(confirmation, f"/admin/classes/move/{enrolment.id}")
    assert confirm["method"] == "post"
    moved = submit(admin, confirm)
    assert moved.status_code == 303 and moved.location.endswith(f"/admin/classes/{first.id}")
    assert _class_of(db_session, enrolment.id) == second.id
    assert _moves(db_session) == [{"from_class": first.id, "to_class": second.id}]
    assert "已调至 二班" in admin.get(moved.location).get_data(as_text=True)


def test_pressing_move_as_the_page_offers_it_moves_nothing_and_says_so(
    login, make: Factory, db_session
) -> None:
    first = make.training_class(make.instructor(), name="一班")
    make.training_class(make.instructor(), name="二班")
    enrolment = make.enrolment(make.trainee(display_name="赵敏"), "accounting-4", first)
    admin = login(make.admin())
    page = admin.get(f"/admin/classes/{first.id}").get_data(as_text=True)
    (move,) = forms_of(page, f"/admin/classes/move/{enrolment.id}")
    answer = submit(admin, move)  # the current class, as offered
    assert answer.status_code == 303
    assert "赵敏 已在 一班，未作任何更改" in admin.get(answer.location).get_data(as_text=True)
    posted = admin.post_form(
        f"/admin/classes/move/{enrolment.id}",
        {"class_id": first.id, "confirm": "yes"},
    )
    assert posted.status_code == 303
    assert (_class_of(db_session, enrolment.id), _moves(db_session)) == (first.id, [])


def test_a_move_posted_without_its_confirmation_only_asks(login, make: Factory, db_session):
    first = make.training_class(make.instructor())
    enrolment = make.enrolment(make.trainee(), "accounting-4", first)
    admin = login(make.admin())
    for class_id in ("", str(make.training_class().id)):
        make.commit()
        answer = admin.post_form(
            f"/admin/classes/move/{enrolment.id}",
            {"class_id": class_id},
        )
        assert answer.status_code == 303
        assert f"/admin/classes/move/{enrolment.id}?class_id={class_id}" in answer.location
        assert admin.get(answer.location).status_code == 200  # the confirmation page
    assert (_class_of(db_session, enrolment.id), _moves(db_session)) == (first.id, [])


@pytest.mark.parametrize(
    "class_id", ["abc", "-1", "0", "1e3", "²", "٣", "99999999999999999999", "1\x00", " ", "９"]
)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_an_odd_class_is_refused_without_moving(login, make: Factory, db_session, class_id, method):
    first = make.training_class(make.instructor())
    enrolment = make.enrolment(make.trainee(), "accounting-4", first)
    admin = login(make.admin())
    url = f"/admin/classes/move/{enrolment.id}"
    if method == "GET":
        answer = admin.get(url, query_string={"class_id": class_id})
    else:
        answer = admin.post_form(url, {"class_id": class_id, "confirm": "yes"})
    assert answer.status_code in (200, 303, 400)  # a NUL is refused before the view
    assert (_class_of(db_session, enrolment.id), _moves(db_session)) == (first.id, [])


@pytest.mark.parametrize(
    "asked", ["//evil.example/x", "https://evil.example/", "/people\r\nX-A: b", "/\\evil", "x"]
)
def test_the_way_back_stays_on_the_site(login, make: Factory, asked) -> None:
    first, second = make.training_class(), make.training_class()
    enrolment = make.enrolment(make.trainee(), "accounting-4", first)
    admin = login(make.admin())
    page = admin.get(
        f"/admin/classes/move/{enrolment.id}", query_string={"class_id": second.id, "next": asked}
    )
    assert page.status_code == 200
    (confirm,) = forms_of(page.get_data(as_text=True), f"/admin/classes/move/{enrolment.id}")
    assert "next" not in confirm["values"]
    assert f'href="/admin/classes/{first.id}">取消' in page.get_data(
        as_text=True
    )  # back: its class
    moved = submit(admin, confirm, next=asked)
    assert moved.status_code == 303
    assert moved.location.endswith(f"/admin/classes/{first.id}")


def test_the_classes_page_lists_the_enrolments_in_no_class_and_places_them(
    login, make: Factory, db_session
) -> None:
    taught = make.training_class(make.instructor(), name="一班")
    placed = make.enrolment(make.trainee(display_name="已分班"), "accounting-4", taught)
    waiting = make.trainee(display_name="待分班")
    first = make.enrolment(waiting, "accounting-4")
    second = make.enrolment(waiting, "trading-3")
    alone = make.enrolment(make.trainee(display_name="另一位"), "monitoring-4")
    admin = login(make.admin())
    page = admin.get("/admin/classes").get_data(as_text=True)
    assert "3 个报名不在任何班级" in page
    (shown,) = forms_of(page, "", "get")
    assert shown["options"]["unclassed"] == ["", "1"]
    listed = submit(admin, shown, at="/admin/classes", unclassed=1).get_data(as_text=True)
    linked = set(map(int, re.findall(r'href="/enrolments/(\d+)"', listed)))
    assert linked == {first.id, second.id, alone.id} and placed.id not in linked

    (assign, *_) = forms_of(listed, f"/admin/classes/move/{first.id}")
    assert assign["options"]["class_id"][0] == "" and assign["values"]["class_id"] == ""
    confirmation = submit(admin, assign, class_id=taught.id)
    assert "不分班" in confirmation.get_data(as_text=True)
    (confirm,) = forms_of(confirmation.get_data(as_text=True), f"/admin/classes/move/{first.id}")
    back = submit(admin, confirm)
    assert back.status_code == 303 and back.location.endswith("/admin/classes?unclassed=1")
    assert _class_of(db_session, first.id) == taught.id
    assert _moves(db_session) == [{"from_class": None, "to_class": taught.id}]
    again = admin.get(back.location).get_data(as_text=True)
    assert f'href="/enrolments/{first.id}"' not in again
    assert f'href="/enrolments/{second.id}"' in again


@pytest.mark.parametrize("query", ["unclassed=yes", "unclassed=1&unclassed=0", "unclassed=%FF"])
def test_odd_filters_of_the_classes_page_answer(login, make: Factory, query) -> None:
    assert login(make.admin()).get(f"/admin/classes?{query}").status_code == 200


def test_an_instructor_reaches_neither_the_list_nor_the_move(login, make: Factory) -> None:
    teacher = make.instructor()
    mine = make.training_class(teacher)
    enrolment = make.enrolment(make.trainee(), "accounting-4", mine)
    unclassed = make.enrolment(make.trainee(), "accounting-4")
    client = login(teacher)
    assert client.get("/admin/classes?unclassed=1").status_code == 403
    assert client.get(f"/admin/classes/move/{enrolment.id}?class_id=").status_code == 403
    assert client.get(f"/admin/classes/move/{unclassed.id}?class_id={mine.id}").status_code == 403
