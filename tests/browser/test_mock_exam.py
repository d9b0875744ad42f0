"""Practice and a mock exam on a phone (390x844): a question judged at once; a paper answered,
the page reloaded mid-way with the answers still chosen, handed in after the confirmation,
reviewed."""

from __future__ import annotations

import itertools
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from learning.db import get_database
from learning.domain.exam_practice import Kind
from learning.models import MockExam, MockExamFormat
from learning.services import catalogue, question_bank
from tests.browser.conftest import PHONE, log_in
from tests.factories import Factory
from tests.live import LiveServer

SHOTS = Path("/tmp/learning-screenshots")
PASSWORD = "lantern tide orchard"
# No other bank serves it (the demo's, another test's), so the paper is this file's questions: a
# question serves its programme and the lower levels of the work type (trading-4's would be asked
# at test_question_check's trading-3 checks).
PROGRAMME = "monitoring-4"
_numbers = itertools.count(1)
NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth - innerWidth"
SIZE = "(el) => { const r = el.getBoundingClientRect(); return [r.width, r.height]; }"
OPTIONS = {
    Kind.TRUE_FALSE: [],
    Kind.SINGLE: ["排放因子法", "物料平衡法", "实测法", "估算法"],
    Kind.MULTIPLE: ["二氧化碳", "甲烷", "氧气", "氧化亚氮", "氮气"],
}
ANSWERS = {Kind.TRUE_FALSE: "A", Kind.SINGLE: "A", Kind.MULTIPLE: "ABD"}


@pytest.fixture
def trainee(live_server: LiveServer) -> tuple[str, int]:
    """A trainee of their own, and a bank for an exam of six questions, 15 minutes (questions
    of their own too: stems are unique in a bank, and the live server serves the whole session)."""
    app = live_server.app
    number = next(_numbers)
    now = app.extensions["clock"].now()
    with get_database(app).transaction() as session:
        programme = catalogue.programme_by_code(session, PROGRAMME)
        session.merge(
            MockExamFormat(
                programme_id=programme.id,
                true_false_count=2,
                single_count=2,
                multiple_count=2,
                duration_minutes=15,
                pass_mark=10,
                updated_at=now,
            )
        )
        for kind, n in itertools.product(Kind, range(3)):
            data = question_bank.QuestionData(
                kind=kind,
                stem=f"（{number}-{kind.value}-{n}）下列关于温室气体核算的说法，哪项符合《核算指南》的要求？",
                options=OPTIONS[kind],
                answer=ANSWERS[kind],
                explanation="依据《企业温室气体排放核算方法与报告指南》，核算边界以法人为单位。",
                chapter=f"第{n + 1}章",
                knowledge_point="核算方法",
                difficulty=1,
            )
            question_bank.add_question(session, data, [programme], now=now, actor_id=None)
        make = Factory(session, app.extensions["clock"])
        user = make.trainee(f"mock{number}", password=PASSWORD, display_name="模考学员")
        enrolment = make.enrolment(user, PROGRAMME)
        return user.username, enrolment.id


def shoot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=name.endswith("full"))


def fits_the_phone(page) -> None:
    assert page.evaluate(NO_SIDEWAYS_SCROLL) <= 0
    for button in page.locator("button:visible, a.button:visible").all():
        assert button.evaluate(SIZE)[1] >= 44, button.inner_text()


def test_practice_then_a_mock_exam_on_a_phone(browser, live_server, trainee) -> None:
    username, enrolment_id = trainee
    context = browser.new_context(
        viewport=PHONE, locale="zh-CN", bypass_csp=True, is_mobile=True, has_touch=True
    )
    try:
        phone = context.new_page()
        log_in(phone, live_server.url, username, PASSWORD)
        hub = f"{live_server.url}/enrolments/{enrolment_id}/practice"

        phone.goto(hub)
        phone.click("text=随机练习")
        phone.locator("label.option").first.click()
        phone.click("text=提交答案")
        phone.wait_for_selector(".verdict")
        assert phone.locator(".explanation").is_visible()
        fits_the_phone(phone)
        shoot(phone, "practice-judged")

        phone.goto(hub)
        assert "共 6 道题" in phone.inner_text(".mock-start")
        fits_the_phone(phone)
        shoot(phone, "practice-hub")
        phone.click("text=开始模拟考试")
        phone.wait_for_selector("[data-countdown]")
        fits_the_phone(phone)
        for position in (1, 3, 5):
            phone.locator(f"#q{position} label.option").first.click()
            phone.wait_for_selector(f"#q{position} .save-state:has-text('已保存')")
        phone.locator("#q5 label.option").nth(1).click()  # a second box of the multiple choice
        phone.wait_for_function(
            "document.querySelector('#q5 .save-state').textContent === '已保存'"
            " && document.querySelector('[data-answered]').textContent === '3'"
        )
        phone.wait_for_timeout(300)  # the last save's answer
        phone.locator("#q3").scroll_into_view_if_needed()
        countdown = phone.locator(".countdown")
        assert countdown.bounding_box()["y"] >= 0  # sticky: still on the screen
        shoot(phone, "mock-exam-midway")

        phone.reload()
        phone.wait_for_selector("[data-countdown]")
        chosen = phone.eval_on_selector_all(
            "input:checked", "(inputs) => inputs.map((i) => i.name + i.value)"
        )
        assert chosen == ["q1A", "q3A", "q5A", "q5B"]
        left = phone.inner_text("[data-countdown]")
        assert left.startswith(("14:", "15:")), left

        phone.locator("#q2 label.option").first.click()
        phone.wait_for_selector("#q2 .save-state:has-text('已保存')")
        phone.once("dialog", lambda dialog: dialog.accept())
        phone.click("[data-hand-in]")
        phone.wait_for_selector(".score-card")
        assert "模拟考试成绩" in phone.inner_text("h1")
        assert phone.locator("article.question").count() == 6
        assert phone.locator(".explanation").count() == 6
        fits_the_phone(phone)
        shoot(phone, "mock-exam-review")

        phone.goto(hub)
        assert "6 / 16" in phone.inner_text("ul.results").replace("\n", " ")
        assert phone.locator("table.accuracy tbody tr").count() >= 2  # q1, q2: two chapters
        fits_the_phone(phone)
        shoot(phone, "practice-hub-after-full")
        phone.goto(f"{live_server.url}/")
        assert phone.locator(".mock-scores a").count() == 1
    finally:
        context.close()


def test_at_zero_the_page_asks_the_server_which_hands_the_paper_in(
    browser, live_server, trainee
) -> None:
    """Also under the content security policy, which the page's script keeps to."""
    username, enrolment_id = trainee
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    try:
        phone = context.new_page()
        broken: list[str] = []
        phone.on("pageerror", lambda error: broken.append(str(error)))
        phone.on(
            "console",
            lambda message: broken.append(message.text) if "Security" in message.text else None,
        )
        log_in(phone, live_server.url, username, PASSWORD)
        phone.goto(f"{live_server.url}/enrolments/{enrolment_id}/practice")
        phone.click("text=开始模拟考试")
        phone.wait_for_selector("[data-countdown]")
        phone.locator("#q1 label.option").first.click()
        phone.wait_for_selector("#q1 .save-state:has-text('已保存')")
        app = live_server.app
        with get_database(app).transaction() as session:  # the paper's time nearly up
            exam = session.scalars(select(MockExam).where(MockExam.enrolment_id == enrolment_id))
            exam.one().deadline_at = app.extensions["clock"].now() + timedelta(seconds=3)
        phone.reload()
        phone.wait_for_url("**/review", timeout=15_000)
        assert "考试时间已到" in phone.inner_text(".score-card")
        assert phone.locator("article.question.right").count() == 1
        assert broken == []
    finally:
        context.close()
