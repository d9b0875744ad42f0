"""Finding a person in seconds: admins find anyone, instructors the trainees of their classes."""

from __future__ import annotations

import re

import pytest

from learning.models import Enrolment, TraineeProfile
from tests.factories import Factory
from tests.web.forms import forms_of, submit


def _trainee_with_numbers(make: Factory, name: str, phone: str, id_number: str):
    trainee = make.trainee(display_name=name)
    profile = trainee.profile or TraineeProfile(user_id=trainee.id)
    profile.real_name, profile.phone, profile.id_number = name, phone, id_number
    make.session.add(profile)
    return trainee


def test_an_admin_finds_a_trainee_by_phone_and_reaches_the_enrolment(login, make: Factory):
    trainee = _trainee_with_numbers(make, "李娜", "13800138000", "44010619900101123X")
    enrolment = make.enrolment(trainee, "accounting-4")  # in no class
    make.enrolment(
        _trainee_with_numbers(make, "张伟", "13900139000", "440106199002021234"), "accounting-4"
    )
    admin = login(make.admin())
    for asked in ("13800138000", "8000", "李娜", trainee.username, "44010619900101123x", "123X"):
        page = admin.get(f"/people?q={asked}").get_data(as_text=True)
        found = page.split("<tbody>", 1)[1]
        assert "李娜" in found and "张伟" not in found, asked
        assert f"/enrolments/{enrolment.id}" in found
        assert "138****8000" in found and "13800138000" not in found  # numbers masked
        assert "440***********123X" in found
    assert "不在任何班级" in page or "in no class" in page
    assert "没有人" in admin.get("/people?q=nobody-at-all").get_data(as_text=True) or (
        "Nobody matches" in admin.get("/people?q=nobody-at-all").get_data(as_text=True)
    )


def test_an_instructor_finds_only_the_trainees_of_their_classes(login, make: Factory):
    teacher = make.instructor()
    mine = make.training_class(teacher)
    ours = _trainee_with_numbers(make, "王芳", "13700137000", "440106199003031234")
    theirs = _trainee_with_numbers(make, "王强", "13700137001", "440106199004041234")
    make.enrolment(ours, "accounting-4", mine)
    make.enrolment(theirs, "accounting-4", make.training_class(make.instructor()))
    elsewhere = make.enrolment(ours, "trading-3", make.training_class(make.instructor()))
    page = login(teacher).get("/people?q=王").get_data(as_text=True)
    assert "王芳" in page and "王强" not in page
    assert f"/enrolments/{elsewhere.id}" not in page  # another class's enrolment is not theirs


def _linked(page: str) -> set[int]:
    return set(map(int, re.findall(r'href="/enrolments/(\d+)"', page)))


def test_an_admin_lists_exactly_the_enrolments_in_no_class(login, make: Factory, db_session):
    taught = make.training_class(make.instructor(), name="一班")
    both = _trainee_with_numbers(make, "陈静", "13600136000", "440106199005051234")
    waiting = make.enrolment(both, "trading-3")
    placed = make.enrolment(both, "accounting-4", taught)
    alone = make.enrolment(make.trainee(display_name="周杰"), "monitoring-4")
    make.enrolment(make.trainee(display_name="吴磊"), "accounting-4", taught)
    admin = login(make.admin())
    search = admin.get("/people").get_data(as_text=True)
    (form,) = forms_of(search, "", "get")
    assert form["options"]["unclassed"] == ["", "1"]
    page = submit(admin, form, at="/people", unclassed=1).get_data(as_text=True)
    assert _linked(page) == {waiting.id, alone.id}  # not the enrolment in a class
    assert "陈静" in page and "周杰" in page and "吴磊" not in page
    assert placed.id not in _linked(page)
    narrowed = admin.get("/people?q=陈&unclassed=1").get_data(as_text=True)
    assert _linked(narrowed) == {waiting.id}

    (assign,) = forms_of(narrowed, f"/admin/classes/move/{waiting.id}")
    assert assign["values"]["class_id"] == ""  # in no class now, and so offered first
    confirmation = submit(admin, assign, class_id=taught.id).get_data(as_text=True)
    back = submit(admin, forms_of(confirmation, f"/admin/classes/move/{waiting.id}")[0])
    assert back.status_code == 303
    assert back.location.endswith("/people?q=%E9%99%88&unclassed=1")
    db_session.expire_all()
    assert db_session.get(Enrolment, waiting.id).class_id == taught.id
    after = admin.get("/people?unclassed=1").get_data(as_text=True)
    assert _linked(after) == {alone.id}


def test_an_instructor_sees_no_enrolment_in_no_class(login, make: Factory) -> None:
    teacher = make.instructor()
    mine = make.training_class(teacher)
    ours = _trainee_with_numbers(make, "王芳", "13700137000", "440106199003031234")
    make.enrolment(ours, "accounting-4", mine)
    elsewhere = make.enrolment(ours, "trading-3")  # the same trainee, in no class
    make.enrolment(make.trainee(display_name="王强"), "monitoring-4")
    client = login(teacher)
    assert 'name="unclassed"' not in client.get("/people").get_data(as_text=True)
    for query in ("unclassed=1", "q=王&unclassed=1", "q=13700137000&unclassed=1"):
        page = client.get(f"/people?{query}").get_data(as_text=True)
        assert _linked(page) == set(), query
        assert "王芳" not in page.split("</form>", 1)[1] and "王强" not in page, query
        assert "不属于您的任何班级" in page, query
    assert client.get(f"/enrolments/{elsewhere.id}").status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        "unclassed=yes",
        "unclassed=1&unclassed=0",
        "unclassed=%FF",
        "unclassed=1&q=%01x",
        "q=%E0%80&unclassed=1",
        "unclassed=1&q=" + "9" * 500,
        "unclassed[]=1",
    ],
)
def test_odd_query_strings_of_the_people_page_answer(login, make: Factory, query) -> None:
    make.enrolment(make.trainee(), "accounting-4")
    for user in (make.admin(), make.instructor()):
        assert login(user).get(f"/people?{query}").status_code == 200, query
