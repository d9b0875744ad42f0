"""The trainee's practice pages: a question by chapter judged at once, the wrong-answer book,
the hub's accuracy and the mock exam's format in words."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from learning.domain.exam_practice import Kind
from learning.models import Enrolment, PracticeAnswer
from tests.factories import Factory


def _question_id(page: str) -> int:
    return int(re.search(r'name="question_id" value="(\d+)"', page).group(1))


def _answer(client, enrolment: Enrolment, page: str, chosen: list[str], **choice: str):
    body = {
        "question_id": _question_id(page),
        "mode": choice.get("mode", "random"),
        "value": choice.get("value", ""),
        "chosen": chosen,
    }
    return client.post_form(f"/enrolments/{enrolment.id}/practice/answers", body)


def test_practice_by_chapter_asks_that_chapter_and_judges_at_once(
    login, make: Factory, db_session
) -> None:
    enrolment = make.enrolment(make.trainee())
    inside = make.question(chapter="第二章", stem="第二章的题")
    make.question(chapter="第一章", stem="第一章的题")
    client = login(enrolment.trainee)
    url = f"/enrolments/{enrolment.id}/practice/question?mode=chapter&value=第二章"
    for _ in range(3):
        page = client.get(url).get_data(as_text=True)
        assert "第二章的题" in page and "第一章的题" not in page
        assert _question_id(page) == inside.id
    answered = _answer(client, enrolment, page, ["C"], mode="chapter", value="第二章")
    assert answered.status_code == 303
    judged = client.get(answered.headers["Location"]).get_data(as_text=True)
    assert "✗" in judged and "解析" in judged  # wrong, with the explanation
    assert re.search(r"正确答案：\s*<strong>B</strong>", judged)
    next_link = re.search(r'href="([^"]+)"[^>]*autofocus', judged).group(1)
    assert "mode=chapter" in next_link and "value=" in next_link
    assert client.get(next_link.replace("&amp;", "&")).status_code == 200


def test_an_answer_not_chosen_asks_again_and_keeps_nothing(
    login, make: Factory, db_session
) -> None:
    enrolment = make.enrolment(make.trainee())
    make.question(kind=Kind.MULTIPLE)
    client = login(enrolment.trainee)
    page = client.get(f"/enrolments/{enrolment.id}/practice/question").get_data(as_text=True)
    again = _answer(client, enrolment, page, [])
    assert again.status_code == 200 and "请选择答案" in again.get_data(as_text=True)
    wrong_letter = _answer(client, enrolment, page, ["F"])
    assert wrong_letter.status_code == 200
    assert db_session.scalar(select(func.count()).select_from(PracticeAnswer)) == 0


def test_the_wrong_answer_book_through_the_pages(login, make: Factory) -> None:
    enrolment = make.enrolment(make.trainee())
    make.question(stem="容易错的题")
    client = login(enrolment.trainee)
    book_url = f"/enrolments/{enrolment.id}/practice/wrong-answers"
    ask = f"/enrolments/{enrolment.id}/practice/question?mode=wrong"
    assert "错题本是空的" in client.get(ask).get_data(as_text=True)
    page = client.get(f"/enrolments/{enrolment.id}/practice/question").get_data(as_text=True)
    assert _answer(client, enrolment, page, ["A"]).status_code == 303
    assert "容易错的题" in client.get(book_url).get_data(as_text=True)
    for remaining in ("容易错的题", None):
        page = client.get(ask).get_data(as_text=True)
        assert "容易错的题" in page
        _answer(client, enrolment, page, ["B"], mode="wrong")
        book = client.get(book_url).get_data(as_text=True)
        assert (remaining in book) if remaining else ("容易错的题" not in book)


def test_the_hub_shows_the_format_in_words_the_chapters_and_the_accuracy(
    login, make: Factory
) -> None:
    enrolment = make.enrolment(make.trainee())
    make.question(chapter="第一章", knowledge_point="配额分配")
    client = login(enrolment.trainee)
    page = client.get(f"/enrolments/{enrolment.id}/practice").get_data(as_text=True)
    assert "40 道题" in page and "90 分钟" in page and "及格分 60" in page
    assert "配额分配" in page and "第一章" in page
    assert "答一些题后" in page  # no accuracy yet
    question = client.get(f"/enrolments/{enrolment.id}/practice/question").get_data(as_text=True)
    _answer(client, enrolment, question, ["B"])
    page = client.get(f"/enrolments/{enrolment.id}/practice").get_data(as_text=True)
    assert "1/1" in page and "100%" in page


def test_an_answer_of_another_enrolment_is_not_shown(login, make: Factory) -> None:
    mine = make.enrolment(make.trainee())
    theirs = make.enrolment(make.trainee())
    make.question()
    other = login(theirs.trainee)
    page = other.get(f"/enrolments/{theirs.id}/practice/question").get_data(as_text=True)
    location = _answer(other, theirs, page, ["B"]).headers["Location"]
    answer_id = location.split("/answers/")[1].split("?")[0]
    client = login(mine.trainee)
    assert client.get(f"/enrolments/{mine.id}/practice/answers/{answer_id}").status_code == 404
    for query in ("mode=nonsense", "mode=chapter&value=a%1Bb", f"mode=point&value={'长' * 101}"):
        assert client.get(f"/enrolments/{mine.id}/practice/question?{query}").status_code == 404


def test_the_course_page_and_home_link_to_practice(login, make: Factory) -> None:
    enrolment = make.enrolment(make.trainee())
    client = login(enrolment.trainee)
    hub = f"/enrolments/{enrolment.id}/practice"
    assert hub in client.get(f"/enrolments/{enrolment.id}").get_data(as_text=True)
    home = client.get("/").get_data(as_text=True)
    assert hub in home and "模拟考试：" in home
