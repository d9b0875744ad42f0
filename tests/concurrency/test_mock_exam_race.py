"""A mock exam started from several devices at the same moment: one paper, and every device is
sent to it (the partial unique index holds where the look before the insert cannot)."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from learning.db import get_database
from learning.domain.exam_practice import Kind
from learning.models import MockExam, MockExamFormat
from tests.concurrency.test_races import THREADS, clients, race
from tests.factories import Factory


def test_one_open_paper_whatever_the_race(live_app: Flask) -> None:
    database = get_database(live_app)
    with database.transaction() as session:
        make = Factory(session, live_app.extensions["clock"])
        enrolment = make.enrolment(make.trainee("racer"), "accounting-4")
        session.add(
            MockExamFormat(
                programme_id=enrolment.programme_id,
                true_false_count=2,
                single_count=2,
                multiple_count=2,
                updated_at=make.clock.now(),
            )
        )
        for kind in Kind:
            for _ in range(4):
                make.question(kind=kind)
        enrolment_id = enrolment.id
    devices = clients(live_app, THREADS)
    tokens = [device.csrf_token() for device in devices]
    responses = race(
        [
            lambda d=device, t=token: d.post(
                f"/enrolments/{enrolment_id}/mock-exams", data={"csrf_token": t}
            )
            for device, token in zip(devices, tokens, strict=True)
        ]
    )
    assert [r.status_code for r in responses] == [303] * THREADS
    assert len({r.headers["Location"] for r in responses}) == 1
    with database.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(MockExam)) == 1
