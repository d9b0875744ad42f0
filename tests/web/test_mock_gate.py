"""The exam gate: where the training body sets a minimum mock-exam score for a programme,
registering for its exam needs a mock exam handed in with that score; the unlock lifts it; off
by default. And the admin sees the candidates' recent mock results."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from learning.models import Enrolment, ExamRegistration, ExamSession
from learning.services import catalogue, exams, mock_formats
from learning.services.enrolments import required_seconds, summary
from tests.factories import Factory


def _gate(make: Factory, score: int | None, programme_code: str = "accounting-4") -> None:
    programme = catalogue.programme_by_code(make.session, programme_code)
    data = replace(mock_formats.format_of(make.session, programme.id), exam_gate_score=score)
    mock_formats.set_format(
        make.session, programme, data, now=make.clock.now(), actor_id=make.admin().id
    )


@pytest.fixture
def ready(make: Factory) -> Enrolment:
    """An enrolment that may register but for the gate: hours, eligibility, fee."""
    enrolment = make.enrolment(make.trainee(), "accounting-4")
    enrolment.online_s = required_seconds(enrolment)
    make.payment(enrolment)
    return enrolment


def _register(make: Factory, enrolment: Enrolment, exam_session: ExamSession) -> None:
    exams.register(
        make.session,
        enrolment=enrolment,
        exam_session_id=exam_session.id,
        today=make.clock.now().date(),
        now=make.clock.now(),
        actor_id=enrolment.trainee_id,
    )


def _registered(make: Factory, enrolment: Enrolment) -> bool:
    found = select(ExamRegistration.id).where(ExamRegistration.enrolment_id == enrolment.id)
    return make.session.scalar(found) is not None


def test_the_gate_refuses_below_the_score_and_allows_at_it(make: Factory, ready) -> None:
    _gate(make, 80)
    exam_session = make.exam_session()
    with pytest.raises(exams.NotEligible) as refused:
        _register(make, ready, exam_session)
    assert refused.value.reasons == ["mock_exam_score"]
    make.mock_exam(ready, score=79)
    make.mock_exam(ready, handed_in=False)  # an open paper has no score yet
    with pytest.raises(exams.NotEligible):
        _register(make, ready, exam_session)
    assert summary(make.session, ready).blocking_reasons == ["mock_exam_score"]
    make.clock.advance(days=1)
    make.mock_exam(ready, score=80)
    _register(make, ready, exam_session)
    assert summary(make.session, ready).exam_eligible


def test_the_gate_is_off_by_default(make: Factory, ready) -> None:
    _register(make, ready, make.exam_session())
    assert summary(make.session, ready).exam_eligible


def test_a_gate_taken_away_asks_nothing(make: Factory, ready) -> None:
    _gate(make, 80)
    _gate(make, None)
    assert summary(make.session, ready).exam_eligible
    _register(make, ready, make.exam_session())
    assert _registered(make, ready)


def test_the_unlock_lifts_the_gate(make: Factory, ready) -> None:
    _gate(make, 80)
    ready.exam_unlocked = True
    make.mock_exam(ready, score=50)
    assert summary(make.session, ready).exam_eligible
    _register(make, ready, make.exam_session())
    assert _registered(make, ready)


def test_the_gate_is_among_every_reason(make: Factory) -> None:
    _gate(make, 80)
    enrolment = make.enrolment(make.trainee(), "accounting-4")
    assert exams.blockers(
        make.session, enrolment, make.exam_session(), make.clock.now().date()
    ).reasons == ["hours", "fee_unpaid", "mock_exam_score"]


def test_the_trainee_page_says_what_the_gate_asks(
    login, make: Factory, ready, db_session: Session
) -> None:
    _gate(make, 80)
    exam_session = make.exam_session()
    make.mock_exam(ready, score=72)
    make.commit()
    trainee = login(ready.trainee)
    course = trainee.get(f"/enrolments/{ready.id}").get_data(as_text=True)
    assert "尚无达到培训机构要求分数的模拟考试" in course
    assert "不低于 80 分的模拟考试；目前最好成绩为 72 分" in course

    def register():
        return trainee.post_form(
            f"/enrolments/{ready.id}/exam-registrations",
            {"exam_session_id": exam_session.id},
            follow_redirects=True,
        ).get_data(as_text=True)

    refused = register()
    assert "报名考试需要一次交卷成绩不低于 80 分的模拟考试；目前最好成绩为 72 分" in refused
    assert db_session.scalar(select(ExamRegistration.id)) is None
    make.mock_exam(ready, score=85)
    make.commit()
    assert "考试报名成功" in register()
    assert db_session.scalar(select(ExamRegistration.enrolment_id)) == ready.id


def test_the_trainee_page_without_a_gate_says_nothing_of_it(login, make: Factory, ready) -> None:
    exam_session = make.exam_session()
    make.commit()
    trainee = login(ready.trainee)
    assert "尚无达到" not in trainee.get(f"/enrolments/{ready.id}").get_data(as_text=True)
    done = trainee.post_form(
        f"/enrolments/{ready.id}/exam-registrations",
        {"exam_session_id": exam_session.id},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "考试报名成功" in done


def test_the_admin_sees_the_candidates_recent_mock_results(login, make: Factory, ready) -> None:
    exam_session = make.exam_session()
    make.registration(ready, exam_session)
    other = make.enrolment(make.trainee(), "accounting-4")
    make.registration(other, exam_session)
    for score in (40, 66, 58, 91):
        make.mock_exam(ready, score=score)
        make.clock.advance(days=1)
    make.commit()
    page = login(make.admin()).get(f"/admin/exam-sessions/{exam_session.id}")
    text = page.get_data(as_text=True)
    assert "最近的模拟考试" in text
    shown = ["91/100 分，及格", "58/100 分，不及格", "66/100 分，及格"]
    assert all(result in text for result in shown)
    assert [text.index(result) for result in shown] == sorted(text.index(r) for r in shown)
    assert "40/100 分" not in text  # the last three only
    assert "暂无" in text  # the other candidate has sat none


def test_the_api_lists_the_gate_among_the_reasons(login, make: Factory, ready) -> None:
    _gate(make, 80)
    exam_session = make.exam_session()
    make.commit()
    client = login(ready.trainee)
    me = client.get("/api/v1/me/enrolments").get_json()
    assert me[0]["blocking_reasons"] == ["mock_exam_score"] and not me[0]["exam_eligible"]
    body = {"enrolment_id": ready.id, "exam_session_id": exam_session.id}
    refused = client.post_json("/api/v1/exam-registrations", body)
    assert refused.status_code == 409
    assert refused.get_json()["blocking_reasons"] == ["mock_exam_score"]
    assert "尚无达到培训机构要求分数的模拟考试" in refused.get_json()["message"]
    make.mock_exam(ready, score=80)
    make.commit()
    assert client.post_json("/api/v1/exam-registrations", body).status_code == 201
