"""A video whose presence check is a question of the bank (弹题), on a phone: credit stops at the
due point, a question that did not arrive is asked for again with the button, a wrong answer
shows the right one and the explanation and asks another question, a right answer plays on; the
totals rebuild from the beats."""

from __future__ import annotations

import time
from dataclasses import replace

from sqlalchemy import select

from learning.db import get_database
from learning.domain.exam_practice import Kind
from learning.models import CheckQuestion, Question
from learning.services import catalogue, question_bank
from tests.browser.conftest import log_in
from tests.browser.player import PASSWORD, covered, open_player, play, rebuilds_exactly
from tests.browser.test_player_phone import PORTRAIT, SIZE, shoot

PROGRAMME = "trading-3"


def _bank(app) -> None:
    """Two questions for the programme, and its checks asking one (put back after the test)."""
    now = app.extensions["clock"].now()
    with get_database(app).transaction() as session:
        programme = catalogue.programme_by_code(session, PROGRAMME)
        programme.presence_check = "question"
        for stem, answer in (
            ("碳排放权交易的标的是什么？", "B"),
            ("配额清缴发生在哪个环节？", "C"),
        ):
            data = question_bank.QuestionData(
                kind=Kind.SINGLE,
                stem=stem,
                options=["排污许可", "碳排放配额", "履约清缴", "绿色电力证书"],
                answer=answer,
                explanation="解析：配额是交易标的，清缴是履约环节。",
                chapter=None,
                knowledge_point="配额与履约",
                difficulty=1,
            )
            question_bank.add_question(session, data, [programme], now=now, actor_id=None)


def _codes_off(app) -> None:
    with get_database(app).transaction() as session:
        catalogue.programme_by_code(session, PROGRAMME).presence_check = "code"


def _asked(app, user_id: int) -> tuple[int, str]:
    with get_database(app).transaction() as session:
        asked = select(CheckQuestion).where(CheckQuestion.trainee_id == user_id)
        last = session.scalars(asked.order_by(CheckQuestion.id.desc())).first()
        question = session.get(Question, last.question_id)
        return question.id, question.answer


def _lose_the_first(route, lost: list[str]) -> None:
    """The network drops the first request for the question; the rest go through."""
    if not lost:
        lost.append(route.request.method)
        route.abort()
    else:
        route.continue_()


def test_a_question_check_answered_wrong_then_right_on_a_phone(
    browser, live_server, learner
) -> None:
    app = live_server.app
    settings = app.extensions["accounting_settings"]
    app.extensions["accounting_settings"] = replace(
        settings, attention_min_minutes=0.25, attention_max_minutes=0.25
    )
    _bank(app)
    context = browser.new_context(
        viewport=PORTRAIT, locale="zh-CN", bypass_csp=True, is_mobile=True, has_touch=True
    )
    try:
        phone = context.new_page()
        lost = []
        phone.route("**/checks/*/question", lambda route: _lose_the_first(route, lost))
        log_in(phone, live_server.url, learner.username, PASSWORD)
        open_player(phone, live_server, learner, learner.lecture_id)
        play(phone)
        phone.wait_for_selector("[data-check]:not([hidden])", timeout=40_000)
        phone.wait_for_selector("[data-check-error]:not([hidden])", timeout=10_000)
        assert lost == ["GET"] and phone.is_hidden("[data-check-question]")
        assert "题目未能加载" in phone.inner_text("[data-check-error]")
        assert phone.inner_text("[data-check-submit]") == "重新加载题目"
        shoot(phone, "player-question-lost-390x844")
        phone.click("[data-check-submit]")
        phone.wait_for_selector("[data-check-question]:not([hidden])", timeout=10_000)
        assert phone.is_hidden("[data-check-error]")
        assert phone.inner_text("[data-check-submit]") == "继续学习"
        assert phone.is_hidden("[data-check-code-part]")
        at_check = covered(live_server, learner, learner.lecture_id)
        assert abs(at_check - 15) <= 1
        labels = phone.locator("[data-question-options] label")
        assert labels.count() == 4
        assert all(labels.nth(i).evaluate(SIZE)[1] >= 44 for i in range(4))
        assert phone.evaluate("document.documentElement.scrollWidth - innerWidth") <= 0
        shoot(phone, "player-question-390x844")

        first_id, right = _asked(app, learner.user_id)
        wrong = "A" if right != "A" else "D"
        time.sleep(1.5)  # an answer within 1 s of the check is no person's (rule 7)
        phone.check(f"[data-question-options] input[value='{wrong}']")
        phone.click("[data-check-submit]")
        phone.wait_for_selector("[data-question-judgement]:not([hidden])", timeout=15_000)
        assert f"正确答案：{right}" in phone.inner_text("[data-question-judgement]")
        assert "解析" in phone.inner_text("[data-judgement-explanation]")
        assert phone.is_visible("[data-next-question]") and phone.is_hidden("[data-check-submit]")
        shoot(phone, "player-question-wrong-390x844")
        time.sleep(4)
        assert covered(live_server, learner, learner.lecture_id) == at_check

        phone.click("[data-next-question]")
        # The click hides the answered question until the next one arrives.
        phone.wait_for_selector("[data-check-question]:not([hidden])")
        assert phone.is_visible("[data-check-submit]:enabled")
        assert phone.is_hidden("[data-question-judgement]")
        second_id, right = _asked(app, learner.user_id)
        assert second_id != first_id
        phone.check(f"[data-question-options] input[value='{right}']")
        phone.click("[data-check-submit]")
        phone.wait_for_selector("[data-check]", state="hidden", timeout=15_000)
        phone.wait_for_function("!document.getElementById('video').paused")
        time.sleep(5)
        phone.evaluate("document.getElementById('video').pause()")
        phone.wait_for_function(
            "window.learningPlayer.queue.length === 0 && !window.learningPlayer.sending",
            timeout=30_000,
        )
        assert covered(live_server, learner, learner.lecture_id) >= at_check + 3
        assert rebuilds_exactly(live_server)
    finally:
        context.close()
        _codes_off(app)
        app.extensions["accounting_settings"] = settings
