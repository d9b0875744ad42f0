"""The class readiness page draws its charts, on a desktop and on a phone."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from learning.db import get_database
from learning.models import Enrolment, MockExam, PracticeAnswer, Question, User
from learning.services import readiness
from tests.browser.conftest import PHONE, LiveServer, log_in


def _mocks_and_answers(live_server: LiveServer) -> None:
    """Mock exams and answers for the trainees of the demo's first class but trainee01 (beside
    the demo's own practice), on questions of no programme (no other test draws them)."""
    now = live_server.app.extensions["clock"].now()
    with get_database(live_server.app).transaction() as session:
        enrolments = session.scalars(
            select(Enrolment)
            .join(User, User.id == Enrolment.trainee_id)
            .where(Enrolment.class_id == 1, User.username != "trainee01")
        ).all()
        questions = [
            Question(
                kind="true_false",
                stem=f"备考图表测试题{n}",
                options=[],
                answer="A",
                knowledge_point=point,
                created_at=now,
                updated_at=now,
            )
            for n, point in enumerate(["排放因子", "核查程序", "碳市场规则"])
        ]
        session.add_all(questions)
        session.flush()
        for index, enrolment in enumerate(enrolments):
            for day, score in enumerate((50 + 5 * index, 62 + 4 * index)):
                started = now - timedelta(days=4 - 2 * day)
                session.add(
                    MockExam(
                        enrolment_id=enrolment.id,
                        started_at=started,
                        deadline_at=started + timedelta(minutes=90),
                        handed_in_at=started + timedelta(minutes=50),
                        handed_in_by="trainee",
                        total_points=100,
                        pass_mark=60,
                        score=score,
                        passed=score >= 60,
                    )
                )
            for n, question in enumerate(questions):
                for k in range(6):
                    session.add(
                        PracticeAnswer(
                            trainee_id=enrolment.trainee_id,
                            enrolment_id=enrolment.id,
                            question_id=question.id,
                            chosen="A" if k <= n + index % 3 else "B",
                            right=k <= n + index % 3,
                            source="practice",
                            answered_at=now,
                        )
                    )


def _ranked_points(live_server: LiveServer) -> int:
    with get_database(live_server.app).transaction() as session:
        return len(readiness.of_class(session, 1).knowledge_points)


def test_the_readiness_charts_are_drawn(browser, live_server: LiveServer) -> None:
    _mocks_and_answers(live_server)
    ranked = _ranked_points(live_server)
    assert ranked >= 3  # the three points above, and the demo's practice
    for viewport in ({"width": 1280, "height": 900}, PHONE):
        context = browser.new_context(viewport=viewport, locale="zh-CN", bypass_csp=True)
        page = context.new_page()
        log_in(page, live_server.url, "teacher1")
        page.goto(live_server.url + "/classes/1/readiness")
        page.wait_for_selector("[data-figure='figure-points'] .main-svg", timeout=20_000)
        page.wait_for_selector("[data-figure='figure-scores'] .main-svg", timeout=20_000)
        assert page.locator("[data-figure='figure-scores'] .scatterlayer .trace").count() >= 2
        assert page.locator("[data-figure='figure-points'] .barlayer .point").count() == ranked
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
        context.close()
