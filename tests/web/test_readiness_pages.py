"""The readiness page of a class, for its instructors and admins, and of a programme for admins:
the figures in words, the charts' data, the table per trainee, the worst questions."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from learning.models import Enrolment, TrainingClass, User
from learning.services import readiness
from tests.factories import Factory


def _world(make: Factory) -> tuple[TrainingClass, User, list[Enrolment]]:
    instructor = make.instructor()
    training_class = make.training_class(instructor)
    people = [
        make.enrolment(make.trainee(display_name=name), "accounting-4", training_class)
        for name in ("王芳", "李强", "张伟")
    ]
    start = make.clock.now()
    for day, (first, second) in enumerate([(70, 80), (65, 75), (62, 48)]):
        make.mock_exam(people[day], score=first, started_at=start + timedelta(days=day))
        make.mock_exam(people[day], score=second, started_at=start + timedelta(days=day + 3))
    weak = make.question(knowledge_point="排放因子", stem="排放因子的单位是什么？")
    strong = make.question(knowledge_point="温室气体种类")
    make.answers(people[0], weak, right=1, wrong=5)
    make.answers(people[1], strong, right=5, source="mock")
    make.answers(people[2], make.question(knowledge_point="核查程序"), wrong=2)
    make.commit()
    return training_class, instructor, people


def _figure(page: str, name: str) -> dict:
    found = re.search(rf'<script type="application/json" id="figure-{name}">(.*?)</script>', page)
    assert found, name
    return json.loads(found.group(1))


def test_the_instructor_sees_the_class_readiness(login, make: Factory) -> None:
    training_class, instructor, _people = _world(make)
    client = login(instructor)
    dashboard = client.get(f"/classes/{training_class.id}").get_data(as_text=True)
    assert f"/classes/{training_class.id}/readiness" in dashboard
    response = client.get(f"/classes/{training_class.id}/readiness")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "3 名学员中有 2 名最近两次模拟考试均及格；0 名还没有交过模拟考试试卷。" in page
    assert "知识点至少有 5 次作答才参与排名" in page and "另有 1 个知识点作答次数不足" in page
    scores = _figure(page, "scores")
    assert sorted(trace["name"] for trace in scores["data"]) == sorted(["张伟", "李强", "王芳"])
    assert sorted(trace["y"][-1] for trace in scores["data"]) == [48, 75, 80]
    assert scores["layout"]["shapes"][0]["y0"] == 60  # the pass mark
    points = _figure(page, "points")
    assert points["data"][0]["y"] == ["排放因子", "温室气体种类"]  # the weakest first
    assert points["data"][0]["orientation"] == "h"
    assert "排放因子的单位是什么？" in page and "17% (1/6)" in page
    assert "/admin/questions/" not in page  # the question's page is the admins'
    assert "48 / 100" in page and "未通过" in page


def test_the_admin_sees_it_with_links_to_the_questions(login, make: Factory) -> None:
    training_class, _instructor, people = _world(make)
    client = login(make.admin())
    page = client.get(f"/classes/{training_class.id}/readiness").get_data(as_text=True)
    weakest = readiness.of_class(make.session, training_class.id).questions[0]
    assert f'/admin/questions/{weakest.question_id}"' in page
    programme_page = client.get(f"/admin/programmes/{people[0].programme_id}")
    assert "/readiness" in programme_page.get_data(as_text=True)
    by_programme = client.get(f"/admin/programmes/{people[0].programme_id}/readiness")
    assert by_programme.status_code == 200
    assert "3 名学员中有 2 名" in by_programme.get_data(as_text=True)


def test_others_may_not_see_it(login, make: Factory) -> None:
    training_class, _instructor, people = _world(make)
    url = f"/classes/{training_class.id}/readiness"
    assert login(make.instructor()).get(url).status_code == 404
    assert login(people[0].trainee).get(url).status_code == 403
    programme_url = f"/admin/programmes/{people[0].programme_id}/readiness"
    assert login(make.instructor()).get(programme_url).status_code == 403


def test_empty_states_in_words(login, make: Factory) -> None:
    instructor = make.instructor()
    training_class = make.training_class(instructor)
    empty = make.training_class(instructor)
    make.enrolment(make.trainee(), "accounting-4", training_class)
    make.commit()
    client = login(instructor)
    page = client.get(f"/classes/{training_class.id}/readiness").get_data(as_text=True)
    assert "还没有交卷的模拟考试。" in page and "还没有练习：尚无任何作答。" in page
    assert "还没有题目达到 5 次作答。" in page and "暂无" in page
    assert 'id="figure-' not in page
    nobody = client.get(f"/classes/{empty.id}/readiness").get_data(as_text=True)
    assert "这里还没有学员。" in nobody
