"""Presence checks that ask a question of the bank (弹题): credit stops at the due point until a
right answer arrives; a wrong answer shows the explanation, counts against the throttle and a
new question is asked; the outcome is in the beat log, and the totals rebuild from it."""

from __future__ import annotations

from dataclasses import replace

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from learning.clock import FakeClock
from learning.domain.exam_practice import Kind
from learning.models import (
    BeatRecord,
    CheckQuestion,
    PracticeAnswer,
    ProgrammeVideo,
    TraineeStudyState,
    WrongBookEntry,
)
from learning.services import catalogue
from tests.api.conftest import Learner
from tests.api.player import Player
from tests.factories import Factory

pytestmark = pytest.mark.usefixtures("totals_rebuild_exactly")


@pytest.fixture
def quick_checks(app: Flask) -> None:
    settings = app.extensions["accounting_settings"]
    app.extensions["accounting_settings"] = replace(
        settings, attention_min_minutes=1, attention_max_minutes=1
    )


def _asks(db_session: Session, mode: str) -> None:
    catalogue.programme_by_code(db_session, "accounting-4").presence_check = mode
    db_session.commit()


def answer(page: Player, question: dict, chosen: str, **beat: object):
    """Answer the check's question as the player does: the answer beat with the letters."""
    check = page.last["attention_check"]
    page.seq += 1
    body = {
        "beat": {
            "seq": page.seq,
            "position_s": check["resume_at_s"],
            "rate": 1.0,
            "paused": False,
            "visible": True,
            "event": "attention_ok",
            "attention_id": check["id"],
            **beat,
        },
        "question_id": question["id"],
        "chosen": chosen,
    }
    response = page.client.post(
        check["question_url"], json=body, headers={"X-CSRFToken": page.token}
    )
    page.last = response.get_json()
    page.position = check["resume_at_s"]
    return response


def _due(page: Player) -> dict:
    page.play(90)
    check = page.last["attention_check"]
    assert check is not None and check["resume_at_s"] == 60.0
    return check


@pytest.mark.usefixtures("quick_checks")
def test_a_question_stops_credit_until_answered_right(
    player, make: Factory, db_session: Session, learner: Learner, clock: FakeClock
) -> None:
    questions = [make.question("accounting-4", stem=f"第{n}题") for n in range(3)]
    _asks(db_session, "question")
    page = player()
    check = _due(page)
    assert check["kind"] == "question" and "image_url" not in check
    asked = page.client.get(check["question_url"]).get_json()
    assert asked["id"] in {q.id for q in questions} and asked["kind"] == "single"
    assert [o["letter"] for o in asked["options"]] == ["A", "B", "C", "D"]
    assert "answer" not in asked and "explanation" not in asked
    again = page.client.get(check["question_url"]).get_json()
    assert again["id"] == asked["id"]  # reloading does not draw an easier one

    clock.advance(3)
    assert answer(page, asked, "A").status_code == 200
    assert page.last["question_outcome"] == "wrong"
    assert page.last["question"]["answer"] == "B" and page.last["question"]["explanation"]
    assert page.last["attention_check"]["id"] == check["id"]
    page.play(30)
    assert page.last["credited_s"] == 0 and page.last["reason"] == "attention_pending"

    second = page.client.get(check["question_url"]).get_json()
    assert second["id"] != asked["id"]  # a wrong answer draws another question
    page.position = check["resume_at_s"]
    answer(page, second, "b")
    assert page.last["question_outcome"] == "right" and page.last["attention_check"] is None
    page.play(30)
    assert page.last["covered_s"] >= 88

    beats = db_session.scalars(
        select(BeatRecord).where(BeatRecord.question_outcome.is_not(None)).order_by(BeatRecord.id)
    ).all()
    assert [(b.question_id, b.question_outcome) for b in beats] == [
        (asked["id"], "wrong"),
        (second["id"], "right"),
    ]
    answers = db_session.scalars(select(PracticeAnswer).order_by(PracticeAnswer.id)).all()
    assert [(a.question_id, a.right, a.source) for a in answers] == [
        (asked["id"], False, "video"),
        (second["id"], True, "video"),
    ]
    assert [e.question_id for e in db_session.scalars(select(WrongBookEntry))] == [asked["id"]]


@pytest.mark.usefixtures("quick_checks")
def test_the_code_alone_does_not_clear_a_question_check(
    player, make: Factory, db_session: Session, learner: Learner, clock: FakeClock
) -> None:
    make.question("accounting-4")
    _asks(db_session, "question")
    page = player()
    check = _due(page)
    code = db_session.get(TraineeStudyState, learner.user.id).pending_code
    clock.advance(3)
    page.position = check["resume_at_s"]
    page.send("attention_ok", attention_id=check["id"], attention_code=code)
    assert page.last["attention_check"] is not None  # a script typing the code gains nothing


@pytest.mark.usefixtures("quick_checks")
def test_both_asks_for_the_code_and_a_right_answer(
    player, make: Factory, db_session: Session, learner: Learner, clock: FakeClock
) -> None:
    make.question("accounting-4", kind=Kind.TRUE_FALSE, answer="B")
    make.question("accounting-4", kind=Kind.TRUE_FALSE, answer="B")
    _asks(db_session, "both")
    page = player()
    check = _due(page)
    assert check["kind"] == "both" and check["image_url"] and check["question_url"]
    code = db_session.get(TraineeStudyState, learner.user.id).pending_code
    clock.advance(3)
    asked = page.client.get(check["question_url"]).get_json()
    assert [o["letter"] for o in asked["options"]] == ["A", "B"]
    answer(page, asked, "B", attention_code="0000" if code != "0000" else "1111")
    assert page.last["question_outcome"] == "right"
    assert page.last["attention_check"] is not None  # the code was wrong
    second = page.client.get(check["question_url"]).get_json()
    answer(page, second, "B", attention_code=code)
    assert page.last["attention_check"] is None


@pytest.mark.usefixtures("quick_checks")
def test_wrong_answers_count_against_the_same_throttle_as_wrong_codes(
    app: Flask, player, make: Factory, db_session: Session, clock: FakeClock
) -> None:
    for n in range(8):
        make.question("accounting-4", stem=f"题{n}")
    _asks(db_session, "question")
    page = player()
    check = _due(page)
    clock.advance(3)
    for _ in range(app.config["CHECK_WRONG_ANSWERS"]):
        asked = page.client.get(check["question_url"]).get_json()
        assert answer(page, asked, "D").status_code == 200
    asked = page.client.get(check["question_url"]).get_json()
    refused = answer(page, asked, "B")
    assert refused.status_code == 429 and refused.get_json()["error"] == "too_many_attempts"


@pytest.mark.usefixtures("quick_checks")
def test_the_question_comes_from_the_chapter_of_the_video(
    player, make: Factory, db_session: Session, learner: Learner, clock: FakeClock
) -> None:
    make.question("accounting-4", chapter="第一章")
    in_chapter = make.question("accounting-4", chapter="第三章")
    placed = db_session.get(ProgrammeVideo, (learner.enrolment.programme_id, learner.video.id))
    placed.chapter = "第三章"
    _asks(db_session, "question")
    page = player()
    check = _due(page)
    assert page.client.get(check["question_url"]).get_json()["id"] == in_chapter.id
    rows = db_session.scalars(select(CheckQuestion)).all()
    assert [(r.check_id, r.question_id, r.outcome) for r in rows] == [
        (check["id"], in_chapter.id, None)
    ]


@pytest.mark.usefixtures("quick_checks")
def test_a_programme_without_questions_keeps_the_code(
    player, db_session: Session, clock: FakeClock
) -> None:
    _asks(db_session, "question")
    page = player()
    check = _due(page)
    assert check["kind"] == "code" and check["image_url"]


@pytest.mark.usefixtures("quick_checks")
def test_nobody_else_can_fetch_or_answer_the_question(
    player, make: Factory, db_session: Session, login, clock: FakeClock
) -> None:
    make.question("accounting-4")
    _asks(db_session, "question")
    page = player()
    check = _due(page)
    other = login(make.trainee())
    assert other.get(check["question_url"]).status_code == 404
    stale = check["question_url"].replace(check["id"], "0" * 20)
    assert page.client.get(stale).status_code == 404


@pytest.mark.usefixtures("quick_checks")
def test_recompute_replays_the_recorded_outcome_exactly(
    app: Flask, player, make: Factory, db_session: Session, clock: FakeClock
) -> None:
    """`recompute --check` rebuilds the totals from the beats with their recorded outcomes;
    the same beats with the right answer recorded as wrong would have earned nothing after it."""
    make.question("accounting-4")
    make.question("accounting-4")
    _asks(db_session, "question")
    page = player()
    check = _due(page)
    clock.advance(3)
    asked = page.client.get(check["question_url"]).get_json()
    answer(page, asked, "B")
    assert page.last["attention_check"] is None
    page.play(60)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["recompute", "--check"]).exit_code == 0
    db_session.execute(
        BeatRecord.__table__.update()
        .where(BeatRecord.question_outcome == "right")
        .values(question_outcome="wrong")
    )
    db_session.commit()
    tampered = runner.invoke(args=["recompute", "--check"])
    assert tampered.exit_code == 1 and "online seconds" in tampered.output
    db_session.execute(
        BeatRecord.__table__.update()
        .where(BeatRecord.question_outcome == "wrong")
        .values(question_outcome="right")
    )
    db_session.commit()  # as recorded again: the fixture's rebuild must hold
