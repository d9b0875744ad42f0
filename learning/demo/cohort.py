"""A large cohort for measuring dashboards at scale: a year of trainees in classes of fifty.

Written in bulk as kept totals (enrolment totals, day sums, coverage, payments, exam
registrations and results), without raw beats: the beats of 10,000 trainees' 80 hours would be
some 200 million rows. `recompute` therefore cannot rebuild these trainees, so a database with a
cohort is for measuring, not for keeping. The demo's own trainees keep their replayable history.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from learning.demo import people as demo_people
from learning.demo.history import insert_in_batches
from learning.domain.results import ExamOutcome
from learning.models import (
    Coverage,
    Enrolment,
    ExamRegistration,
    ExamSession,
    ExamSessionStatus,
    Payment,
    Programme,
    Role,
    StudyDay,
    TraineeProfile,
    TrainingClass,
    User,
    class_instructors,
)
from learning.services import catalogue, exam_sessions

COHORT_DAYS = 365
CLASS_SIZE = 50
CLASSES_PER_INSTRUCTOR = 4
SESSION_EVERY_DAYS = 60
LEVEL_NUMERALS = "一二三四五"


@dataclass(frozen=True)
class Pace:
    """How a cohort trainee studies: chance of studying on a day, minutes when they do."""

    probability: float
    minutes: float
    stops_after_days: int | None = None


PACES = [
    Pace(0.8, 75),
    Pace(0.6, 60),
    Pace(0.5, 50),
    Pace(0.35, 40),
    Pace(0.5, 45, stops_after_days=40),
]


@dataclass
class _Trainee:
    """One trainee's enrolment and the totals their year adds up to."""

    user_id: int
    enrolment: dict
    required_s: int
    days: list[dict] = field(default_factory=list)
    coverage: dict[int, int] = field(default_factory=dict)  # video id -> covered seconds
    done_on: date | None = None


@dataclass(frozen=True)
class CohortFigures:
    trainees: int
    classes: int
    study_days: int
    registrations: int


def seed_cohort(
    session: Session,
    *,
    size: int,
    days: int,
    now: datetime,
    standard_hour_minutes: int,
    password_hash: str,
    rng: random.Random,
) -> CohortFigures:
    """Add `size` trainees whose classes started over the last `days` days."""
    today = now.date()
    first_day = today - timedelta(days=days)
    programmes = list(
        session.scalars(select(Programme).where(Programme.active).order_by(Programme.id))
    )
    videos = {
        p.id: [(v.id, v.duration_s) for v in catalogue.programme_videos(session, p.id)]
        for p in programmes
    }
    programmes = [p for p in programmes if videos[p.id]]
    class_count = math.ceil(size / CLASS_SIZE)
    class_ids = _classes(session, class_count, programmes, password_hash, now)
    trainees: list[_Trainee] = []
    user_ids = _users(session, size, password_hash, now, rng)
    for number, user_id in enumerate(user_ids):
        index = number // CLASS_SIZE
        programme = programmes[index % len(programmes)]
        class_start = first_day + timedelta(days=index * days // class_count)
        started = class_start + timedelta(days=rng.randint(0, 6))
        trainee = _Trainee(
            user_id,
            {
                "trainee_id": user_id,
                "programme_id": programme.id,
                "class_id": class_ids[index],
                "standard_hour_minutes": standard_hour_minutes,
                "eligibility_condition": f"L{programme.level}-a",
                "eligibility_approved_at": _at(started),
                "created_at": _at(started),
            },
            programme.required_hours * standard_hour_minutes * 60,
        )
        _study(trainee, videos[programme.id], started, today, rng.choice(PACES), rng)
        trainees.append(trainee)
    enrolment_ids = _enrolments(session, trainees)
    _write_history(session, trainees, enrolment_ids)
    _payments(session, trainees, enrolment_ids, rng)
    registrations = _exams(session, trainees, enrolment_ids, programmes, first_day, now, rng)
    return CohortFigures(size, class_count, sum(len(t.days) for t in trainees), registrations)


def _at(day: date) -> datetime:
    """Nine in the morning in China, as the aware UTC time the database keeps."""
    return datetime(day.year, day.month, day.day, 1, tzinfo=UTC)


def _classes(
    session: Session, count: int, programmes: list[Programme], password_hash: str, now: datetime
) -> list[int]:
    """`count` classes, each of one programme, with an instructor for every four classes."""
    instructors = [
        session.scalar(
            insert(User).returning(User.id),
            {
                "username": f"cohort-teacher{n + 1:03d}",
                "password_hash": password_hash,
                "role": Role.INSTRUCTOR.value,
                "display_name": f"教师{n + 1:03d}",
                "created_at": now,
            },
        )
        for n in range(math.ceil(count / CLASSES_PER_INSTRUCTOR))
    ]
    class_ids = []
    for index in range(count):
        programme = programmes[index % len(programmes)]
        level = LEVEL_NUMERALS[programme.level - 1]
        name = f"{programme.work_type.name_zh}{level}级班 第{index + 1:03d}期"
        class_id = session.execute(
            insert(TrainingClass).returning(TrainingClass.id), {"name": name, "created_at": now}
        ).scalar_one()
        session.execute(
            insert(class_instructors),
            {"class_id": class_id, "user_id": instructors[index // CLASSES_PER_INSTRUCTOR]},
        )
        class_ids.append(class_id)
    return class_ids


def _users(
    session: Session, size: int, password_hash: str, now: datetime, rng: random.Random
) -> list[int]:
    """The cohort's trainees with their profiles, all with the demo password."""
    names = [demo_people.name(rng) for _ in range(size)]
    taken = set(session.scalars(select(TraineeProfile.id_number)))
    id_numbers = demo_people.distinct_id_numbers(rng, size, taken=taken)
    rows = [
        {
            "username": f"cohort{n + 1:05d}",
            "password_hash": password_hash,
            "role": Role.TRAINEE.value,
            "display_name": name,
            "created_at": now,
        }
        for n, name in enumerate(names)
    ]
    user_ids = list(
        session.scalars(insert(User).returning(User.id, sort_by_parameter_order=True), rows)
    )
    session.execute(
        insert(TraineeProfile),
        [
            {
                "user_id": user_id,
                "real_name": name,
                "id_number": id_numbers[n],
                "phone": f"15{n:09d}",
                "employer": rng.choice(demo_people.EMPLOYERS),
            }
            for n, (user_id, name) in enumerate(zip(user_ids, names, strict=True))
        ],
    )
    return user_ids


def _study(
    trainee: _Trainee,
    videos: list[tuple[int, int]],
    started: date,
    today: date,
    pace: Pace,
    rng: random.Random,
) -> None:
    """Walk the programme's videos in order, evening by evening, until today or the end."""
    video_index, position_s, credited_s = 0, 0, 0
    day = started
    while day < today and video_index < len(videos):
        if pace.stops_after_days is not None and (day - started).days >= pace.stops_after_days:
            break
        if rng.random() < pace.probability:
            budget = int(max(10.0, rng.gauss(pace.minutes, 15)) * 60)
            while budget > 0 and video_index < len(videos):
                video_id, duration_s = videos[video_index]
                watched = min(budget, duration_s - position_s)
                trainee.days.append(
                    {"day": day, "video_id": video_id, "credited_ms": watched * 1000}
                )
                budget -= watched
                position_s += watched
                credited_s += watched
                trainee.coverage[video_id] = position_s
                if position_s >= duration_s:
                    video_index, position_s = video_index + 1, 0
            trainee.enrolment["last_studied_on"] = day
            if trainee.done_on is None and credited_s >= trainee.required_s:
                trainee.done_on = day
        day += timedelta(days=1)
    trainee.enrolment["online_s"] = credited_s


def _enrolments(session: Session, trainees: list[_Trainee]) -> list[int]:
    rows = [{"last_studied_on": None, "online_s": 0, **t.enrolment} for t in trainees]
    return list(
        session.scalars(
            insert(Enrolment).returning(Enrolment.id, sort_by_parameter_order=True), rows
        )
    )


def _write_history(session: Session, trainees: list[_Trainee], enrolment_ids: list[int]) -> None:
    def day_rows() -> Iterator[dict]:
        for trainee, enrolment_id in zip(trainees, enrolment_ids, strict=True):
            for row in trainee.days:
                yield {
                    **row,
                    "trainee_id": trainee.user_id,
                    "enrolment_id": enrolment_id,
                    "not_credited": {},
                }

    def coverage_rows() -> Iterator[dict]:
        for trainee, enrolment_id in zip(trainees, enrolment_ids, strict=True):
            for video_id, covered_s in trainee.coverage.items():
                yield {
                    "enrolment_id": enrolment_id,
                    "video_id": video_id,
                    "intervals": [[0, covered_s * 1000]],
                    "covered_s": covered_s,
                }

    insert_in_batches(session, StudyDay, day_rows())
    insert_in_batches(session, Coverage, coverage_rows())


def _payments(
    session: Session, trainees: list[_Trainee], enrolment_ids: list[int], rng: random.Random
) -> None:
    """Nine in ten paid the training fee within a fortnight of starting."""
    rows = [
        {
            "enrolment_id": enrolment_id,
            "kind": "training",
            "amount_fen": rng.choice([180_000, 220_000]),
            "paid_on": trainee.enrolment["created_at"].date() + timedelta(days=rng.randint(0, 14)),
            "method": "bank transfer",
            "receipt_no": f"COHORT-{enrolment_id:07d}",
            "recorded_at": trainee.enrolment["created_at"],
        }
        for trainee, enrolment_id in zip(trainees, enrolment_ids, strict=True)
        if rng.random() < 0.9
    ]
    insert_in_batches(session, Payment, rows)


def _exams(
    session: Session,
    trainees: list[_Trainee],
    enrolment_ids: list[int],
    programmes: list[Programme],
    first_day: date,
    now: datetime,
    rng: random.Random,
) -> int:
    """Exam sessions every two months per programme; trainees who reached the minimum sit the
    next one, and most pass. Returns the number of registrations."""
    today = now.date()
    ready: dict[int, list[tuple[date, int]]] = {}
    for trainee, enrolment_id in zip(trainees, enrolment_ids, strict=True):
        if trainee.done_on is not None:
            ready.setdefault(trainee.enrolment["programme_id"], []).append(
                (trainee.done_on, enrolment_id)
            )
    registrations: list[dict] = []
    for programme in programmes:
        waiting = sorted(ready.get(programme.id, []))
        starts_on = first_day + timedelta(days=SESSION_EVERY_DAYS)
        while waiting and starts_on <= today + timedelta(days=SESSION_EVERY_DAYS):
            closes_on = starts_on - timedelta(days=14)
            sitting = [eid for done_on, eid in waiting if done_on <= closes_on]
            waiting = [(d, eid) for d, eid in waiting if d > closes_on]
            if sitting:
                exam_session = exam_sessions.create_session(
                    session,
                    work_type_code=programme.work_type_code,
                    level=programme.level,
                    schedule=exam_sessions.Schedule(
                        starts_on=starts_on,
                        registration_closes_on=closes_on,
                        place="广州市天河区 考点",
                        capacity=max(60, len(sitting)),
                        coaching_starts_on=None,
                        coaching_hours=0,
                    ),
                    now=now,
                    actor_id=None,
                )
                exam_session.seats_taken = len(sitting)
                held = starts_on < today
                if held:
                    exam_session.status = ExamSessionStatus.HELD.value
                elif closes_on < today:
                    exam_session.status = ExamSessionStatus.CLOSED.value
                registrations += [
                    _registration(exam_session, eid, seat, held=held, now=now, rng=rng)
                    for seat, eid in enumerate(sitting, start=1)
                ]
            starts_on += timedelta(days=SESSION_EVERY_DAYS)
    insert_in_batches(session, ExamRegistration, registrations)
    return len(registrations)


def _registration(
    exam_session: ExamSession,
    enrolment_id: int,
    seat_no: int,
    *,
    held: bool,
    now: datetime,
    rng: random.Random,
) -> dict:
    row: dict = {
        "enrolment_id": enrolment_id,
        "exam_session_id": exam_session.id,
        "seat_no": seat_no,
        "retake": False,
        "created_at": _at(exam_session.registration_closes_on),
        "outcome": None,
        "scores": {},
        "certificate_no": None,
        "certificate_issued_on": None,
        "results_recorded_at": None,
    }
    if not held:
        return row
    draw = rng.random()
    outcome = ExamOutcome.PASSED if draw < 0.8 else ExamOutcome.FAILED if draw < 0.95 else None
    row["results_recorded_at"] = now
    if outcome is None:
        row["outcome"] = ExamOutcome.ABSENT.value
        return row
    row["outcome"] = outcome.value
    row["scores"] = {part: rng.randint(60, 98) for part in exam_session.parts}
    if outcome == ExamOutcome.FAILED:
        row["scores"][exam_session.parts[0]] = rng.randint(30, 59)
    if outcome == ExamOutcome.PASSED:
        row["certificate_no"] = f"S{rng.randrange(10**20, 10**21):021d}"
        row["certificate_issued_on"] = min(now.date(), exam_session.starts_on + timedelta(days=30))
    return row
