"""The world of the page tests: one of every kind of user and object, each owned by someone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from flask import Flask

from learning.demo.seed import DEMO_MEDIA
from learning.domain.eligibility import Evidence
from learning.domain.exam_practice import Kind
from learning.models import Enrolment, TrainingClass, User
from learning.services import accounts, applications, mock_exams, offline, practice, videos
from tests.factories import Factory

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


@dataclass
class World:
    users: dict[str, User]
    enrolment: Enrolment
    training_class: TrainingClass
    programme_id: int
    video_id: int
    playback_id: str
    coaching_day_id: int
    credit_id: int
    file_video_id: int
    application_id: int
    document_id: int
    practice_answer_id: int
    mock_exam_id: int  # open
    handed_in_mock_exam_id: int
    question_id: int


@pytest.fixture
def world(make: Factory, app: Flask) -> World:
    return build_world(make, app)


def build_world(make: Factory, app: Flask) -> World:
    """One of every kind of user and object, committed."""
    trainee, other_trainee = make.trainee(), make.trainee()
    instructor, other_instructor = make.instructor(), make.instructor()
    admin = make.admin()
    training_class = make.training_class(instructor)
    other_class = make.training_class(other_instructor)
    enrolment = make.enrolment(trainee, "accounting-4", training_class)
    make.enrolment(other_trainee, "accounting-4", other_class)
    video = make.video("accounting-4")
    playback_id = make.playback(enrolment, video, app.extensions["accounting_settings"])
    coaching_day = offline.create_coaching_day(
        make.session,
        training_class=training_class,
        day=date(2026, 3, 20),
        topic="考前辅导",
        credit_s=8 * 3600,
        now=make.clock.now(),
        actor_id=instructor.id,
    )
    credit = offline.add_offline_time(
        make.session,
        enrolment=enrolment,
        seconds=3600,
        day=date(2026, 3, 1),
        reason="补录线下学习",
        today=make.clock.now().date(),
        now=make.clock.now(),
        actor_id=admin.id,
    )
    file_video = videos.import_video_file(
        make.session,
        upload_folder=app.config["UPLOAD_FOLDER"],
        source=DEMO_MEDIA / "intro.webm",
        title="导论",
        programme_codes=["accounting-4"],
        now=make.clock.now(),
    )
    application = applications.submit(
        make.session,
        username="applicant1",
        password="orchard kite pebble",
        profile=accounts.ProfileData(real_name="申请人"),
        programme=enrolment.programme,
        evidence=Evidence(years_of_work=6),
        uploads=[applications.Upload("id.png", PNG)],
        upload_folder=app.config["UPLOAD_FOLDER"],
        now=make.clock.now(),
        hash_method="pbkdf2:sha256:1000",
    )
    practice_answer_id, mock_exam_id, handed_in_id = _practice(make, enrolment)
    question = make.question("accounting-4")
    make.commit()
    users = {
        "trainee": trainee,
        "other_trainee": other_trainee,
        "instructor": instructor,
        "other_instructor": other_instructor,
        "admin": admin,
    }
    return World(
        users,
        enrolment,
        training_class,
        enrolment.programme_id,
        video.id,
        playback_id,
        coaching_day.id,
        credit.id,
        file_video.id,
        application.id,
        application.documents[0].id,
        practice_answer_id,
        mock_exam_id,
        handed_in_id,
        question.id,
    )


def _practice(make: Factory, enrolment: Enrolment) -> tuple[int, int, int]:
    """A small bank with a three-question exam: an answer given in practice, a mock exam
    handed in and one open."""
    make.mock_exam_format(enrolment, true_false_count=1, single_count=1, multiple_count=1)
    questions = [make.question(kind=kind) for kind in Kind]
    now = make.clock.now()
    given = practice.answer(make.session, enrolment, questions[1].id, "A", now=now)
    handed_in = mock_exams.start(make.session, enrolment, now=now)
    mock_exams.hand_in(make.session, handed_in, {1: "A"}, now=now)
    open_paper = mock_exams.start(make.session, enrolment, now=now)
    return given.id, open_paper.id, handed_in.id
