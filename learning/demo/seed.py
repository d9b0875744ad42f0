"""A demo training body: videos in every programme, two classes, users of every role.

Deterministic (a fixed random seed), so two runs give the same people.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from learning.demo import history as demo_history
from learning.demo import people as demo_people
from learning.demo import practice as demo_practice
from learning.demo import questions as demo_questions
from learning.demo.history import Habit, Learner
from learning.domain.accounting import AccountingSettings
from learning.domain.plausibility import Thresholds
from learning.models import (
    Enrolment,
    Payment,
    Programme,
    Role,
    TraineeCategory,
    TrainingClass,
    User,
    Video,
)
from learning.services import (
    ServiceError,
    accounts,
    announcements,
    catalogue,
    classes,
    enrolments,
    exam_sessions,
    exams,
    offline,
    review,
    videos,
)

# Printed on the demo's login page; far too weak for a real account, so the demo's users are
# created past the password rules (`accounts.create_user_with_hash`), here and nowhere else.
DEMO_PASSWORD = "demo1234"
DEMO_MEDIA = Path(__file__).resolve().parent / "media"
LOGIN_HELP = f"""Demo users (password {DEMO_PASSWORD} for all):
  admin        administrator (班务组)
  teacher1     instructor of 2026春季 碳排放核算员四级班
  teacher2     instructor of 2026春季 碳排放核查员三级班
  trainee01 .. trainee40   trainees in varied states
Open http://127.0.0.1:5000/login"""

DEMO_VIDEOS = [
    ("intro.webm", "课程导论:碳排放管理员职业概述"),
    ("accounting-basics.webm", "温室气体排放核算基础"),
    ("mrv.webm", "监测、报告与核查(MRV)体系"),
    ("trading.webm", "全国碳排放权交易市场规则"),
    ("quota-management.webm", "碳排放配额管理与清缴"),
]
LECTURE_FILE = "lecture.webm"
LECTURE_TOPICS = [
    "碳排放管理员职业道德与法律法规",
    "应对气候变化政策与“双碳”目标",
    "温室气体基础知识",
    "企业温室气体排放核算方法",
    "燃料燃烧排放核算",
    "工业生产过程排放核算",
    "净购入电力和热力排放核算",
    "排放因子与活动数据",
    "碳排放监测计划编制",
    "碳排放数据质量控制",
    "碳排放报告编制",
    "碳排放核查程序与要点",
    "全国碳排放权交易市场",
    "碳排放配额分配与清缴",
    "碳排放权交易实务",
    "国家核证自愿减排量(CCER)",
    "碳资产管理",
    "碳足迹与产品碳标签",
    "企业碳中和路径规划",
    "碳金融工具与绿色金融",
]
# The course page's chapters: the introductions, then twelve lectures a chapter.
DEMO_CHAPTERS = [
    "第一章 碳排放管理基础",
    "第二章 政策法规与温室气体基础",
    "第三章 温室气体排放核算方法",
    "第四章 监测计划与数据质量",
    "第五章 碳排放报告与核查",
    "第六章 碳排放权交易与配额管理",
    "第七章 碳资产管理与碳金融",
    "第八章 碳足迹与碳中和路径",
    "第九章 综合复习（一）",
    "第十章 综合复习（二）",
]
LECTURES_PER_CHAPTER = 12
# Lectures of 45 minutes = one standard hour each, enough online content for the minimum.
LECTURES_PER_LEVEL = {4: 84, 3: 84, 2: 104, 1: 104}
HISTORY_DAYS = 75
# How the demo trainees study, chosen by their number (trainee01 ... trainee40).
HABITS = [
    Habit(study_probability=0.85, minutes_per_session=80),  # done before the exam
    Habit(study_probability=0.7, minutes_per_session=65),  # ahead
    Habit(study_probability=0.6, minutes_per_session=55),  # on track
    Habit(study_probability=0.4, minutes_per_session=40),  # behind
    Habit(study_probability=0.6, minutes_per_session=50, stops_after_days=30),  # inactive
]
# The second learner is a script (beats on the dot, at night), for the study review to find.
SCRIPT = Habit(study_probability=0.9, minutes_per_session=90, scripted=True)

DEMO_ANNOUNCEMENT = """各位学员：
本期职业技能等级认定考试临近，请尚未达到最低学时的学员每天安排时间观看课程视频。
学时以平台记录为准，考前两天的现场辅导出勤计入学时。
如有疑问，请联系班务组。"""

# The second class's programme asks its trainees for face checks: its trainees see the consent
# on their profile page, and the programme's page lists who still studies under the code check.
FACE_CHECK_PROGRAMME = "verification-3"

CLASS_PLAN = [
    ("2026春季 碳排放核算员四级班", "teacher1", "accounting", 4),
    ("2026春季 碳排放核查员三级班", "teacher2", "verification", 3),
]


def seed(
    session: Session,
    *,
    upload_folder: str | Path,
    now: datetime,
    standard_hour_minutes: int,
    hash_method: str,
    settings: AccountingSettings,
    trainee_count: int = 40,
    history_days: int = HISTORY_DAYS,
) -> int:
    """Create the demo; returns the number of synthetic heartbeats in its history."""
    rng = random.Random(20260302)
    history_starts = now - timedelta(days=history_days + 1)  # enrolled before studying
    _import_videos(session, upload_folder, now)
    _set_chapters(session, now)
    catalogue.programme_by_code(session, FACE_CHECK_PROGRAMME).face_checks = True

    # Hashed once for all the demo's users, who skip the password rules (see DEMO_PASSWORD).
    demo_password_hash = generate_password_hash(DEMO_PASSWORD, method=hash_method)

    def user(
        username: str, role: Role, name: str, profile: accounts.ProfileData | None = None
    ) -> User:
        return accounts.create_user_with_hash(
            session,
            username=username,
            password_hash=demo_password_hash,
            role=role,
            display_name=name,
            now=now,
            profile=profile,
        )

    admin = user("admin", Role.ADMIN, "班务组 管理员")
    teachers = {
        "teacher1": user("teacher1", Role.INSTRUCTOR, "王老师"),
        "teacher2": user("teacher2", Role.INSTRUCTOR, "李老师"),
    }
    class_list = [
        (
            classes.create_class(session, name=name, instructors=[teachers[teacher]], now=now),
            work_type,
            level,
        )
        for name, teacher, work_type, level in CLASS_PLAN
    ]
    learners: list[Learner] = []
    id_numbers: set[str] = set()
    for number in range(1, trainee_count + 1):
        name = demo_people.name(rng)
        profile = _profile(rng, name, id_numbers)
        trainee = user(f"trainee{number:02d}", Role.TRAINEE, name, profile)
        enrolment = _enrol_in_varied_state(
            session, rng, trainee, number, class_list, (history_starts, now), standard_hour_minutes
        )
        if enrolment.eligibility_approved_at is not None:
            videos_in_order = _programme_videos(session, enrolment.programme_id)
            habit = SCRIPT if len(learners) == 1 else HABITS[number % len(HABITS)]
            learners.append(Learner(trainee.id, enrolment.id, videos_in_order, habit))
    beats = demo_history.generate(
        session, learners=learners, settings=settings, until=now, days=history_days, rng=rng
    )
    _coaching(session, class_list[0][0], now)
    session.flush()
    found = review.find(
        session, now_ms=int(now.timestamp() * 1000), thresholds=Thresholds(), window_days=7
    )
    review.raise_flags(session, found, now=now)  # as the nightly job would
    _exam_session(session, class_list[0][0], now, admin.id)
    demo_questions.seed(session, now=now)
    demo_practice.seed(session, now=now, rng=rng)
    announcements.publish(
        session,
        title="关于抓紧完成线上学时的通知",
        body=DEMO_ANNOUNCEMENT,
        audience="all",
        target_id=None,
        author_id=admin.id,
        now=now,
    )
    return beats


def _exam_session(
    session: Session, training_class: TrainingClass, now: datetime, admin_id: int
) -> None:
    """An exam session of the first class's programme five weeks ahead, with its on-site
    coaching: the class's trainees who may register for it do, two of them after an unlock."""
    today = now.date()
    exam = exam_sessions.create_session(
        session,
        work_type_code=CLASS_PLAN[0][2],
        level=CLASS_PLAN[0][3],
        schedule=exam_sessions.Schedule(
            starts_on=today + timedelta(days=35),
            starts_at=time(9, 0),
            registration_closes_on=today + timedelta(days=25),
            place="广州市天河区 华南理工大学继续教育学院 考点",
            capacity=60,
            coaching_starts_on=today + timedelta(days=28),
            coaching_hours=21.3,
        ),
        now=now,
        actor_id=admin_id,
    )
    unlocks = 2
    for enrolment in sorted(training_class.enrolments, key=lambda e: e.id):
        if unlocks and exams.blockers(session, enrolment, exam, today).reasons == ["hours"]:
            enrolments.set_exam_unlock(
                session,
                enrolment,
                unlocked=True,
                reason="企业内训学时已核实（演示数据）",
                now=now,
                actor_id=admin_id,
            )
            unlocks -= 1
        try:
            exams.register(
                session,
                enrolment=enrolment,
                exam_session_id=exam.id,
                today=today,
                now=now,
                actor_id=enrolment.trainee_id,
            )
        except ServiceError:
            continue


def _import_videos(session: Session, upload_folder: str | Path, now: datetime) -> None:
    """The short introductions in every programme, then numbered 45-minute lectures: one
    stored file registered under each lecture's title."""
    programmes = list(session.scalars(select(Programme).order_by(Programme.id)))
    codes = [programme.code for programme in programmes]
    for filename, title in DEMO_VIDEOS:
        videos.import_video_file(
            session,
            upload_folder=upload_folder,
            source=DEMO_MEDIA / filename,
            title=title,
            programme_codes=codes,
            now=now,
        )
    first: Video | None = None
    for number in range(1, max(LECTURES_PER_LEVEL.values()) + 1):
        topic = LECTURE_TOPICS[(number - 1) % len(LECTURE_TOPICS)]
        part = (number - 1) // len(LECTURE_TOPICS) + 1
        title = f"第{number}讲 {topic}（{part}）"
        wanted = [p.code for p in programmes if LECTURES_PER_LEVEL.get(p.level, 0) >= number]
        if first is None:
            first = videos.import_video_file(
                session,
                upload_folder=upload_folder,
                source=DEMO_MEDIA / LECTURE_FILE,
                title=title,
                programme_codes=wanted,
                now=now,
            )
            continue
        catalogue.add_video(
            session,
            title=title,
            duration_s=first.duration_s,
            programme_codes=wanted,
            now=now,
            file_path=first.file_path,
            mime_type=first.mime_type,
        )


def _set_chapters(session: Session, now: datetime) -> None:
    """Every programme's videos under the demo chapters: its introductions first, then its
    lectures in order."""
    intros = len(DEMO_VIDEOS)
    for programme in session.scalars(select(Programme).order_by(Programme.id)):
        ids = [video.id for video in catalogue.programme_videos(session, programme.id)]
        chapters = {
            video_id: DEMO_CHAPTERS[
                0 if index < intros else 1 + (index - intros) // LECTURES_PER_CHAPTER
            ]
            for index, video_id in enumerate(ids)
        }
        catalogue.set_chapters(session, programme, chapters, now=now, actor_id=None)


def _programme_videos(session: Session, programme_id: int) -> list[tuple[int, int]]:
    return [(v.id, v.duration_s) for v in catalogue.programme_videos(session, programme_id)]


def _coaching(session: Session, training_class: TrainingClass, now: datetime) -> None:
    """The 1+1 on-site coaching of the first class, held last week; most attended."""
    enrolment_ids = sorted(
        session.scalars(select(Enrolment.id).where(Enrolment.class_id == training_class.id))
    )
    topics = ["第一天：讲解重点考核内容", "第二天：复习题集答疑"]
    for offset, topic in enumerate(topics):
        coaching_day = offline.create_coaching_day(
            session,
            training_class=training_class,
            day=(now - timedelta(days=8 - offset)).date(),
            topic=topic,
            credit_s=8 * 3600,
            now=now,
            actor_id=None,
        )
        present = {eid for index, eid in enumerate(enrolment_ids) if (index + offset) % 6}
        offline.record_attendance(
            session,
            coaching_day=coaching_day,
            present_enrolment_ids=present,
            today=now.date(),
            now=now,
            actor_id=None,
        )


def _profile(rng: random.Random, name: str, taken: set[str]) -> accounts.ProfileData:
    """A trainee's profile whose ID number is not in `taken` (added to it): one account per
    ID number, and among some ten thousand random ones two would likely meet."""
    id_number = demo_people.fake_id_number(rng)
    while id_number in taken:
        id_number = demo_people.fake_id_number(rng)
    taken.add(id_number)
    return accounts.ProfileData(
        real_name=name,
        id_number=id_number,
        phone=f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}",
        employer=rng.choice(demo_people.EMPLOYERS),
        category=rng.choice(list(TraineeCategory)).value,
    )


def _enrol_in_varied_state(
    session: Session,
    rng: random.Random,
    trainee: User,
    number: int,
    class_list: list[tuple[TrainingClass, str, int]],
    enrolled_and_now: tuple[datetime, datetime],
    standard_hour_minutes: int,
) -> Enrolment:
    """Most trainees in a class with the fee paid; some unpaid, some outside any class."""
    enrolled_at, now = enrolled_and_now
    training_class: TrainingClass | None
    training_class, work_type, level = class_list[number % len(class_list)]
    if number % 10 == 0:
        training_class, work_type, level = None, rng.choice(["trading", "monitoring"]), 4
    enrolment = enrolments.enrol(
        session,
        trainee=trainee,
        programme=catalogue.programme_for(session, work_type, level),
        training_class=training_class,
        now=enrolled_at,
        standard_hour_minutes=standard_hour_minutes,
        eligibility_condition=f"L{level}-a" if number % 7 else None,
        reason="demo data",
    )
    if number % 4:
        session.add(
            Payment(
                enrolment_id=enrolment.id,
                kind="training",
                amount_fen=rng.choice([180_000, 220_000]),
                paid_on=(enrolled_at + timedelta(days=rng.randint(0, 14))).date(),
                method="bank transfer",
                receipt_no=f"DEMO-{number:05d}",
                recorded_at=now,
            )
        )
    if number % 13 == 0:  # left the training body: history kept, log-in refused
        trainee.active = False
        trainee.deactivated_at = now
    return enrolment
