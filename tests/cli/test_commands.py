"""The command line of shared/api.md, run as an operator would."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash

from learning.demo.seed import DEMO_MEDIA, DEMO_PASSWORD
from learning.domain.exam_practice import BookEntry, after_answer
from learning.models import (
    AuditEntry,
    BeatRecord,
    Enrolment,
    MockExam,
    PracticeAnswer,
    ProgrammeVideo,
    Role,
    User,
    Video,
    WrongBookEntry,
)
from learning.services import ServiceError, passwords
from tests.factories import Factory


def run(app: Flask, *args: str):
    return app.test_cli_runner().invoke(args=list(args), catch_exceptions=False)


def test_create_user_prints_the_id(app: Flask, db_session: Session) -> None:
    result = run(
        app,
        "create-user",
        "zhang",
        "--role",
        "instructor",
        "--password",
        "granite sparrow tune",
        "--display-name",
        "张老师",
    )
    assert result.exit_code == 0, result.output
    user = db_session.get(User, int(result.output.strip()))
    assert (user.username, user.role, user.display_name) == ("zhang", "instructor", "张老师")


def test_create_user_refuses_a_weak_password_and_a_duplicate(app: Flask, make: Factory) -> None:
    result = run(app, "create-user", "zhang", "--role", "trainee", "--password", "short")
    assert result.exit_code == 1
    assert "password_too_short" in result.output
    for weak, reason in (("password1", "password_guessable"), ("zhang.kite.orbit", "username")):
        result = run(app, "create-user", "zhang", "--role", "admin", "--password", weak)
        assert (result.exit_code, reason in result.output) == (1, True), weak
    make.trainee("lisi")
    make.commit()
    result = run(
        app, "create-user", "LISI", "--role", "trainee", "--password", "granite sparrow tune"
    )
    assert result.exit_code == 1
    assert "username_taken" in result.output


def test_enrol_counts_eligibility_as_approved_and_audits_it(
    app: Flask, make: Factory, db_session: Session
) -> None:
    make.trainee("wang")
    teacher = make.instructor()
    make.training_class(teacher, name="一班")
    make.commit()
    result = run(
        app, "enrol", "wang", "--work-type", "accounting", "--level", "3", "--class", "一班"
    )
    assert result.exit_code == 0, result.output
    enrolment = db_session.get(Enrolment, int(result.output.strip()))
    assert enrolment.programme.code == "accounting-3"
    assert enrolment.training_class.name == "一班"
    assert enrolment.eligibility_approved_at is not None
    assert enrolment.standard_hour_minutes == 45
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.enrolment_id == enrolment.id))
    assert entry.action == "enrolment.create"
    assert "off-line" in entry.reason


def test_enrol_explains_what_is_wrong(app: Flask, make: Factory) -> None:
    make.trainee("wang")
    make.instructor("teach")
    make.commit()
    cases = {
        ("nobody", "accounting", "4"): "unknown_user",
        ("teach", "accounting", "4"): "not_a_trainee",
        ("wang", "consulting", "4"): "unknown_programme",
        ("wang", "cooking", "3"): "unknown_programme",
    }
    for (username, work_type, level), code in cases.items():
        result = run(app, "enrol", username, "--work-type", work_type, "--level", level)
        assert result.exit_code == 1 and code in result.output, result.output
    assert run(app, "enrol", "wang", "--work-type", "trading", "--level", "4").exit_code == 0
    again = run(app, "enrol", "wang", "--work-type", "trading", "--level", "4")
    assert again.exit_code == 1 and "already_enrolled" in again.output


def test_create_class_with_instructors(app: Flask, make: Factory, db_session: Session) -> None:
    make.instructor("tch1")
    make.instructor("tch2")
    make.trainee("stu1")
    make.commit()
    result = run(app, "create-class", "核算一班", "--instructor", "tch1", "--instructor", "tch2")
    assert result.exit_code == 0, result.output
    bad = run(app, "create-class", "核算二班", "--instructor", "stu1")
    assert bad.exit_code == 1 and "not_an_instructor" in bad.output
    dup = run(app, "create-class", "核算一班", "--instructor", "tch1")
    assert dup.exit_code == 1 and "class_name_taken" in dup.output


def test_add_video_reads_the_duration_from_the_file(
    app: Flask, db_session: Session, tmp_path: Path
) -> None:
    result = run(
        app,
        "add-video",
        "--programme",
        "accounting-4",
        "--programme",
        "trading-4",
        "--title",
        "导论",
        "--file",
        str(DEMO_MEDIA / "intro.webm"),
    )
    assert result.exit_code == 0, result.output
    video = db_session.get(Video, int(result.output.split()[0]))
    assert video.duration_s == 75
    assert video.mime_type == "video/webm"
    stored = Path(app.config["UPLOAD_FOLDER"]) / video.file_path
    assert stored.read_bytes() == (DEMO_MEDIA / "intro.webm").read_bytes()
    places = db_session.scalars(
        select(ProgrammeVideo).where(ProgrammeVideo.video_id == video.id)
    ).all()
    assert len(places) == 2


def test_add_video_refuses_a_file_that_is_not_a_video(app: Flask, tmp_path: Path) -> None:
    fake = tmp_path / "lecture.webm"
    fake.write_text("not a video at all")
    result = run(
        app, "add-video", "--programme", "accounting-4", "--title", "x", "--file", str(fake)
    )
    assert result.exit_code == 1
    assert "not_a_video" in result.output


def test_add_video_by_url_needs_a_duration(app: Flask, db_session: Session) -> None:
    result = run(
        app,
        "add-video",
        "--programme",
        "accounting-4",
        "--title",
        "外链",
        "--url",
        "https://video.example/a.mp4",
    )
    assert result.exit_code == 2
    result = run(
        app,
        "add-video",
        "--programme",
        "accounting-4",
        "--title",
        "外链",
        "--url",
        "https://video.example/a.mp4",
        "--duration-s",
        "1800",
    )
    assert result.exit_code == 0, result.output
    assert db_session.scalar(select(Video).where(Video.title == "外链")).duration_s == 1800


def _books_left_by(
    answers: Iterable[PracticeAnswer],
) -> dict[tuple[int, int], tuple[int, datetime, datetime]]:
    """The wrong-answer books that the answers, passed to the rule one at a time in the order
    they were kept, leave: (trainee, question) -> (right in a row, added, updated)."""
    books: dict[tuple[int, int], tuple[int, datetime, datetime]] = {}
    for answer in sorted(answers, key=lambda answer: answer.id):
        key = (answer.trainee_id, answer.question_id)
        entry = books.pop(key, None)
        after = after_answer(BookEntry(entry[0]) if entry else None, answer.right)
        if after is not None:
            added = entry[1] if entry else answer.answered_at
            books[key] = (after.right_in_a_row, added, answer.answered_at)
    return books


def test_seed_demo_fills_an_empty_database_once(app: Flask, db_session: Session) -> None:
    result = run(app, "seed-demo", "--history-days", "6")
    assert result.exit_code == 0, result.output
    assert "trainee01" in result.output and DEMO_PASSWORD in result.output
    roles = dict(db_session.execute(select(User.role, func.count()).group_by(User.role)).all())
    assert roles == {"admin": 1, "instructor": 2, "trainee": 40}
    # The demo's well-known password is too weak for the rules: seeding alone goes past them.
    admin = db_session.scalar(select(User).where(User.username == "admin"))
    assert check_password_hash(admin.password_hash, DEMO_PASSWORD)
    with pytest.raises(ServiceError):
        passwords.check(DEMO_PASSWORD, passwords.PersonalDetails(username="admin"))
    assert db_session.scalar(select(func.count(Video.id))) == 5 + 104
    assert db_session.scalar(select(func.count(BeatRecord.id))) > 1000
    studied = db_session.scalars(select(Enrolment.online_s)).all()
    assert max(studied) > 3600 and min(studied) == 0
    assert run(app, "recompute", "--check").exit_code == 0
    assert db_session.scalar(select(func.count(PracticeAnswer.id))) > 1000
    assert db_session.scalar(select(func.count(MockExam.id))) > 10
    stored = {
        (entry.trainee_id, entry.question_id): (
            entry.right_in_a_row,
            entry.added_at,
            entry.updated_at,
        )
        for entry in db_session.scalars(select(WrongBookEntry))
    }
    assert stored == _books_left_by(db_session.scalars(select(PracticeAnswer))) != {}
    enrolments = db_session.scalars(select(Enrolment)).all()
    assert len(enrolments) == 40
    assert {e.class_id is None for e in enrolments} == {True, False}
    assert any(not user.active for user in db_session.scalars(select(User)))
    assert run(app, "seed-demo").exit_code == 1
    assert run(app, "seed-demo", "--if-empty").exit_code == 0
    assert run(app, "recompute", "--check").exit_code == 0
    assert db_session.scalar(select(func.count(User.id)).where(User.role == Role.TRAINEE)) == 40
