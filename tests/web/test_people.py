"""Finding a person in seconds: admins find anyone, instructors the trainees of their classes."""

from __future__ import annotations

from learning.models import TraineeProfile
from tests.factories import Factory


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
