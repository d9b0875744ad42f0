"""A mock exam through the pages and the JSON endpoint: started, answers saved and restored on a
reload, the same paper on a second device, handed in by the trainee or by the server's clock,
reviewed."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import select

from learning.db import get_database
from learning.domain.exam_practice import Kind
from learning.jobs import tasks
from learning.models import Enrolment, MockExam, WrongBookEntry
from tests.factories import Factory


def setup(make: Factory, **counts: int) -> Enrolment:
    """A trainee, a bank of two questions of each kind, and an exam of one of each (2, 2 and 4
    points), 10 minutes, pass mark 7."""
    enrolment = make.enrolment(make.trainee())
    make.mock_exam_format(
        enrolment,
        true_false_count=counts.get("true_false", 1),
        single_count=counts.get("single", 1),
        multiple_count=counts.get("multiple", 1),
        duration_minutes=10,
        pass_mark=7,
    )
    for kind in Kind:
        for n in range(2):
            make.question(kind=kind, stem=f"{kind.value}题{n}")
    return enrolment


def start(client, enrolment: Enrolment) -> str:
    response = client.post_form(f"/enrolments/{enrolment.id}/mock-exams")
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.headers["Location"]


def exam_id(url: str) -> int:
    return int(url.rstrip("/").split("/")[-1])


def save(client, exam: int, position: int, chosen: str):
    return client.put(
        f"/api/v1/mock-exams/{exam}/answers/{position}",
        json={"chosen": chosen},
        headers={"X-CSRFToken": client.csrf_token()},
    )


def checked(page: str) -> dict[str, str]:
    """The options checked on the page, per question: {"q1": "A", ...}."""
    found: dict[str, str] = {}
    for name, letter in re.findall(r'name="(q\d+)" value="([A-H])" checked', page):
        found[name] = found.get(name, "") + letter
    return found


def test_answers_are_saved_as_given_and_restored_on_a_reload(login, make: Factory) -> None:
    enrolment = setup(make)
    client = login(enrolment.trainee)
    paper_url = start(client, enrolment)
    page = client.get(paper_url).get_data(as_text=True)
    assert checked(page) == {}
    assert "剩余时间" in page and "10:00" in page
    answered = save(client, exam_id(paper_url), 1, "b")
    assert answered.status_code == 200
    assert answered.get_json() == {"position": 1, "chosen": "B", "seconds_left": 600}
    save(client, exam_id(paper_url), 3, "CA")
    save(client, exam_id(paper_url), 2, "A")
    save(client, exam_id(paper_url), 2, "C")  # the last one counts
    make.clock.advance(minutes=3)
    again = client.get(paper_url).get_data(as_text=True)
    assert checked(again) == {"q1": "B", "q2": "C", "q3": "AC"}
    assert "7:00" in again  # the server's clock, not the page's


def test_a_second_device_gets_the_same_paper(login, make: Factory, app: Flask) -> None:
    enrolment = setup(make)
    phone = login(enrolment.trainee)
    paper_url = start(phone, enrolment)
    save(phone, exam_id(paper_url), 1, "A")
    laptop = login(enrolment.trainee)
    hub = laptop.get(f"/enrolments/{enrolment.id}/practice").get_data(as_text=True)
    assert "继续模拟考试" in hub and paper_url in hub
    assert start(laptop, enrolment) == paper_url
    assert checked(laptop.get(paper_url).get_data(as_text=True)) == {"q1": "A"}


def test_answers_after_the_deadline_are_refused_and_the_clock_hands_the_paper_in(
    login, make: Factory, db_session
) -> None:
    enrolment = setup(make)
    client = login(enrolment.trainee)
    paper_url = start(client, enrolment)
    save(client, exam_id(paper_url), 1, "A")
    make.clock.advance(minutes=10)
    late = save(client, exam_id(paper_url), 2, "B")
    assert late.status_code == 409
    refusal = late.get_json()
    assert refusal["error"] == "mock_exam_closed"
    assert refusal["review_url"] == f"{paper_url}/review"
    db_session.expire_all()
    exam = db_session.get(MockExam, exam_id(paper_url))
    assert (exam.handed_in_by, exam.handed_in_at) == ("clock", exam.deadline_at)
    assert [item.chosen for item in exam.items] == ["A", None, None]
    shown = client.get(paper_url)
    assert shown.status_code == 303 and shown.headers["Location"].endswith("/review")


def test_a_paper_opened_after_its_deadline_is_handed_in_at_the_deadline(
    login, make: Factory, db_session
) -> None:
    enrolment = setup(make)
    client = login(enrolment.trainee)
    paper_url = start(client, enrolment)
    make.clock.advance(hours=2)
    review = client.get(paper_url, follow_redirects=True).get_data(as_text=True)
    assert "考试时间已到" in review and "0</strong> / 8" in review
    exam = db_session.get(MockExam, exam_id(paper_url))
    assert exam.handed_in_at == exam.deadline_at and exam.handed_in_by == "clock"


def test_the_job_hands_in_a_paper_left_open(
    app: Flask, login, make: Factory, clock, db_session
) -> None:
    enrolment = setup(make)
    client = login(enrolment.trainee)
    paper_url = start(client, enrolment)
    context = lambda: tasks.JobContext(get_database(app), clock.now(), app.config["TIMEZONE"])  # noqa: E731
    clock.advance(minutes=9)
    assert tasks.hand_in_overdue_mock_exams(context()) == {"handed_in": 0}
    clock.advance(minutes=2)
    assert tasks.hand_in_overdue_mock_exams(context()) == {"handed_in": 1}
    exam = db_session.get(MockExam, exam_id(paper_url))
    assert exam.handed_in_by == "clock" and exam.handed_in_at == exam.deadline_at
    assert "mock_exams" in {job.name for job in tasks.schedule(app.config)}


def test_without_javascript_the_form_saves_then_hands_in_and_the_review_shows_it_all(
    login, make: Factory, db_session
) -> None:
    enrolment = setup(make)
    client = login(enrolment.trainee)
    paper_url = start(client, enrolment)
    exam = db_session.get(MockExam, exam_id(paper_url))
    keys = [item.question.answer for item in exam.items]
    token = client.csrf_token()
    saved = client.post(paper_url, data={"csrf_token": token, "q1": keys[0], "action": "save"})
    assert saved.status_code == 303 and saved.headers["Location"] == paper_url
    assert checked(client.get(paper_url).get_data(as_text=True)) == {"q1": keys[0]}
    wrong = "B" if keys[1] != "B" else "C"
    body = {"csrf_token": token, "q1": keys[0], "q2": wrong, "q3": list(keys[2])}
    handed = client.post(paper_url, data={**body, "action": "hand_in"})
    assert handed.headers["Location"] == f"{paper_url}/review"
    review = client.get(f"{paper_url}/review").get_data(as_text=True)
    assert "6</strong> / 8" in review and "未通过" in review  # 2 + 0 + 4, pass mark 7
    assert review.count("<strong>解析</strong>") == 3 and review.count("正确答案：") == 3
    assert "你的选择" in review
    db_session.expire_all()
    book = db_session.scalars(select(WrongBookEntry.question_id)).all()
    assert book == [exam.items[1].question_id]
    again = client.post(paper_url, data={**body, "action": "hand_in"})
    assert again.headers["Location"].endswith("/review")  # handed in already: nothing changes
    assert save(client, exam.id, 1, "A").status_code == 409
    home = client.get("/").get_data(as_text=True)
    assert "6/8" in home


def test_a_bank_too_small_is_told_plainly(login, make: Factory, db_session) -> None:
    enrolment = setup(make, multiple=3)
    client = login(enrolment.trainee)
    response = client.post_form(
        f"/enrolments/{enrolment.id}/mock-exams",
        {},
        follow_redirects=True,
    )
    assert "题库题量不足" in response.get_data(as_text=True)
    assert "多选题只有 2 道" in response.get_data(as_text=True)
    assert db_session.scalars(select(MockExam)).all() == []


def test_another_trainees_paper_is_not_found_anywhere(login, make: Factory) -> None:
    enrolment = setup(make)
    owner = login(enrolment.trainee)
    paper_url = start(owner, enrolment)
    other = make.enrolment(make.trainee())
    client = login(other.trainee)
    stolen = paper_url.replace(f"/enrolments/{enrolment.id}/", f"/enrolments/{other.id}/")
    assert client.get(stolen).status_code == 404
    assert client.get(f"{stolen}/review").status_code == 404
    assert client.post_form(stolen).status_code == 404
    assert save(client, exam_id(paper_url), 1, "A").status_code == 404


def test_the_endpoint_refuses_what_is_not_an_answer(login, make: Factory) -> None:
    enrolment = setup(make)
    client = login(enrolment.trainee)
    exam = exam_id(start(client, enrolment))
    assert save(client, exam, 1, "AB").status_code == 422  # a true/false question
    assert save(client, exam, 9, "A").status_code == 404
    assert save(client, exam, 1, "ABCDEFGHI").status_code == 422
    no_token = client.put(f"/api/v1/mock-exams/{exam}/answers/1", json={"chosen": "A"})
    assert no_token.status_code == 400 and no_token.get_json()["error"] == "csrf"
    assert save(client, exam, 3, "").get_json()["chosen"] is None
