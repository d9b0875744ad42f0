"""Builders of test data that read like the domain: make.trainee(), make.enrolment(...)."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from learning.clock import FakeClock
from learning.domain.accounting import AccountingSettings
from learning.domain.exam_practice import Kind
from learning.models import (
    Enrolment,
    ExamRegistration,
    ExamSession,
    MockExam,
    MockExamFormat,
    Payment,
    PracticeAnswer,
    Question,
    Role,
    StudyDay,
    TrainingClass,
    User,
    Video,
)
from learning.services import (
    accounts,
    catalogue,
    classes,
    enrolments,
    exam_sessions,
    question_bank,
    study,
)

PASSWORD = "tidal copper lantern"
_numbers = itertools.count(1)


class Factory:
    def __init__(self, session: Session, clock: FakeClock) -> None:
        self.session = session
        self.clock = clock

    def commit(self) -> None:
        self.session.commit()

    def user(self, role: Role, username: str | None = None, **kwargs: Any) -> User:
        username = username or f"{role.value}{next(_numbers)}"
        user = accounts.create_user(
            self.session,
            username=username,
            password=kwargs.pop("password", PASSWORD),
            role=role,
            display_name=kwargs.pop("display_name", username.title()),
            now=self.clock.now(),
            hash_method="pbkdf2:sha256:1000",
            **kwargs,
        )
        self.session.flush()
        return user

    def trainee(self, username: str | None = None, **kwargs: Any) -> User:
        return self.user(Role.TRAINEE, username, **kwargs)

    def instructor(self, username: str | None = None, **kwargs: Any) -> User:
        return self.user(Role.INSTRUCTOR, username, **kwargs)

    def admin(self, username: str | None = None, **kwargs: Any) -> User:
        return self.user(Role.ADMIN, username, **kwargs)

    def training_class(self, *instructors: User, name: str | None = None) -> TrainingClass:
        return classes.create_class(
            self.session,
            name=name or f"Class {next(_numbers)}",
            instructors=list(instructors),
            now=self.clock.now(),
        )

    def enrolment(
        self,
        trainee: User,
        programme_code: str = "accounting-4",
        training_class: TrainingClass | None = None,
        *,
        approved: bool = True,
        condition: str = "L4-a",
    ) -> Enrolment:
        """An enrolment whose eligibility is approved under `condition` (a level's code), or
        not yet reviewed."""
        return enrolments.enrol(
            self.session,
            trainee=trainee,
            programme=catalogue.programme_by_code(self.session, programme_code),
            training_class=training_class,
            now=self.clock.now(),
            standard_hour_minutes=45,
            eligibility_condition=condition if approved else None,
        )

    def question(
        self,
        *programme_codes: str,
        kind: Kind = Kind.SINGLE,
        answer: str | None = None,
        chapter: str | None = "第一章",
        knowledge_point: str = "温室气体种类",
        stem: str | None = None,
    ) -> Question:
        """A question of the bank; a single choice of four options with B right by default."""
        options = {
            Kind.TRUE_FALSE: [],
            Kind.SINGLE: ["甲", "乙", "丙", "丁"],
            Kind.MULTIPLE: ["甲", "乙", "丙", "丁", "戊"],
        }[kind]
        default_answer = {Kind.TRUE_FALSE: "A", Kind.SINGLE: "B", Kind.MULTIPLE: "AC"}[kind]
        data = question_bank.QuestionData(
            kind=kind,
            stem=stem or f"题目{next(_numbers)}",
            options=options,
            answer=answer or default_answer,
            explanation="解析",
            chapter=chapter,
            knowledge_point=knowledge_point,
            difficulty=1,
        )
        programmes = [
            catalogue.programme_by_code(self.session, code)
            for code in programme_codes or ["accounting-4"]
        ]
        return question_bank.add_question(
            self.session, data, programmes, now=self.clock.now(), actor_id=None
        )

    def video(
        self, *programme_codes: str, duration_s: int = 600, title: str | None = None
    ) -> Video:
        return catalogue.add_video(
            self.session,
            title=title or f"Video {next(_numbers)}",
            duration_s=duration_s,
            url="https://videos.example/lesson.mp4",
            programme_codes=list(programme_codes or ["accounting-4"]),
            now=self.clock.now(),
        )

    def playback(self, enrolment: Enrolment, video: Video, settings: AccountingSettings) -> str:
        opened = study.open_playback(
            self.session,
            trainee_id=enrolment.trainee_id,
            enrolment_id=enrolment.id,
            video_id=video.id,
            settings=settings,
            now_ms=int(self.clock.now().timestamp() * 1000),
        )
        return opened.playback_id

    def payment(
        self,
        enrolment: Enrolment,
        *,
        kind: str = "training",
        amount_fen: int = 100,
        paid_on: date = date(2026, 3, 1),
        method: str = "cash",
    ) -> Payment:
        """A fee paid (in cash on 2026-03-01 unless told), with a receipt number of its own."""
        payment = Payment(
            enrolment_id=enrolment.id,
            kind=kind,
            amount_fen=amount_fen,
            paid_on=paid_on,
            method=method,
            receipt_no=f"F{next(_numbers)}",
            recorded_at=self.clock.now(),
        )
        self.session.add(payment)
        return payment

    def exam_session(
        self,
        programme_code: str = "accounting-4",
        *,
        starts_on: date = date(2026, 5, 20),
        registration_closes_on: date = date(2026, 5, 1),
        capacity: int = 5,
        coaching_hours: float = 0,
    ) -> ExamSession:
        work_type, level = programme_code.rsplit("-", 1)
        return exam_sessions.create_session(
            self.session,
            work_type_code=work_type,
            level=int(level),
            schedule=exam_sessions.Schedule(
                starts_on=starts_on,
                registration_closes_on=registration_closes_on,
                place="考点",
                capacity=capacity,
                coaching_starts_on=None,
                coaching_hours=coaching_hours,
            ),
            now=self.clock.now(),
            actor_id=None,
        )

    def registration(self, enrolment: Enrolment, exam_session: ExamSession) -> ExamRegistration:
        """The enrolment registered for the session on the next seat, whatever it lacks."""
        exam_session.seats_taken += 1
        registration = ExamRegistration(
            enrolment_id=enrolment.id,
            exam_session_id=exam_session.id,
            seat_no=exam_session.seats_taken,
            created_at=self.clock.now(),
        )
        self.session.add(registration)
        self.session.flush()
        return registration

    def mock_exam(
        self,
        enrolment: Enrolment,
        *,
        score: int | None = None,
        started_at: datetime | None = None,
        handed_in: bool = True,
        total_points: int = 100,
        pass_mark: int = 60,
    ) -> MockExam:
        """A mock exam of 90 minutes started `started_at` (now by default), handed in after 60
        with `score`, or still open; its paper is left empty."""
        started_at = started_at or self.clock.now()
        paper = MockExam(
            enrolment_id=enrolment.id,
            started_at=started_at,
            deadline_at=started_at + timedelta(minutes=90),
            total_points=total_points,
            pass_mark=pass_mark,
        )
        if handed_in:
            paper.handed_in_at = started_at + timedelta(minutes=60)
            paper.handed_in_by = "trainee"
            paper.score = score or 0
            paper.passed = paper.score >= pass_mark
        self.session.add(paper)
        self.session.flush()
        return paper

    def study_day(
        self,
        enrolment: Enrolment,
        video: Video,
        day: date,
        credited_ms: int,
        not_credited: dict[str, int] | None = None,
    ) -> StudyDay:
        """A day's credited study of one video, as the heartbeats leave it."""
        row = StudyDay(
            trainee_id=enrolment.trainee_id,
            day=day,
            enrolment_id=enrolment.id,
            video_id=video.id,
            credited_ms=credited_ms,
            not_credited=not_credited or {},
        )
        self.session.add(row)
        return row

    def mock_exam_format(self, enrolment: Enrolment, **values: int) -> MockExamFormat:
        """The mock exam format of the enrolment's programme: the columns' defaults but for
        `values` (true_false_count=1, pass_mark=7, ...)."""
        row = MockExamFormat(
            programme_id=enrolment.programme_id, updated_at=self.clock.now(), **values
        )
        self.session.add(row)
        self.session.flush()
        return row

    def answers(
        self,
        enrolment: Enrolment,
        question: Question,
        *,
        right: int = 0,
        wrong: int = 0,
        source: str = "practice",
    ) -> None:
        """`right` right answers and `wrong` wrong ones given to `question`."""
        for is_right in [True] * right + [False] * wrong:
            self.session.add(
                PracticeAnswer(
                    trainee_id=enrolment.trainee_id,
                    enrolment_id=enrolment.id,
                    question_id=question.id,
                    chosen=question.answer if is_right else "Z",
                    right=is_right,
                    source=source,
                    answered_at=self.clock.now(),
                )
            )
        self.session.flush()
