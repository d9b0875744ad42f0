"""A demo training body: videos in every programme, two classes, users of every role.

Deterministic (a fixed random seed), so two runs give the same people.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from learning.models import Payment, Role, TraineeCategory, TrainingClass, User
from learning.services import accounts, catalogue, classes, enrolments, videos
from learning.services.identity import check_digit

DEMO_PASSWORD = "demo1234"
DEMO_MEDIA = Path(__file__).resolve().parent.parent / "demo_media"
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
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN_NAMES = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "磊",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "建华",
    "志强",
    "晓东",
    "海燕",
    "丽华",
]
EMPLOYERS = [
    "广州发电有限公司",
    "佛山陶瓷集团",
    "深圳低碳咨询有限公司",
    "广东环境科学研究院",
    "珠海银行绿色金融部",
    "东莞造纸厂",
    "广州碳排放权交易所",
    None,
]
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
    trainee_count: int = 40,
) -> None:
    rng = random.Random(20260302)
    _import_videos(session, upload_folder, now)

    def user(
        username: str, role: Role, name: str, profile: accounts.ProfileData | None = None
    ) -> User:
        return accounts.create_user(
            session,
            username=username,
            password=DEMO_PASSWORD,
            role=role,
            display_name=name,
            now=now,
            hash_method=hash_method,
            profile=profile,
        )

    user("admin", Role.ADMIN, "班务组 管理员")
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
    for number in range(1, trainee_count + 1):
        name = rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)
        trainee = user(f"trainee{number:02d}", Role.TRAINEE, name, _profile(rng, name))
        _enrol_in_varied_state(
            session, rng, trainee, number, class_list, now, standard_hour_minutes
        )


def _import_videos(session: Session, upload_folder: str | Path, now: datetime) -> None:
    codes = [row.code for row in catalogue.list_programmes(session)]
    for filename, title in DEMO_VIDEOS:
        videos.import_video_file(
            session,
            upload_folder=upload_folder,
            source=DEMO_MEDIA / filename,
            title=title,
            programme_codes=codes,
            now=now,
        )


def _profile(rng: random.Random, name: str) -> accounts.ProfileData:
    return accounts.ProfileData(
        real_name=name,
        id_number=_fake_id_number(rng),
        phone=f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}",
        employer=rng.choice(EMPLOYERS),
        category=rng.choice(list(TraineeCategory)).value,
    )


def _fake_id_number(rng: random.Random) -> str:
    """A well-formed Guangdong ID number with a valid check digit (not a real person's)."""
    region = rng.choice(["440103", "440106", "440304", "440604", "441900"])
    birthday = date(1975, 1, 1) + timedelta(days=rng.randint(0, 25 * 365))
    first17 = f"{region}{birthday:%Y%m%d}{rng.randint(0, 999):03d}"
    return first17 + check_digit(first17)


def _enrol_in_varied_state(
    session: Session,
    rng: random.Random,
    trainee: User,
    number: int,
    class_list: list[tuple[TrainingClass, str, int]],
    now: datetime,
    standard_hour_minutes: int,
) -> None:
    """Most trainees in a class with the fee paid; some unpaid, some outside any class."""
    training_class: TrainingClass | None
    training_class, work_type, level = class_list[number % len(class_list)]
    if number % 10 == 0:
        training_class, work_type, level = None, rng.choice(["trading", "monitoring"]), 4
    enrolment = enrolments.enrol(
        session,
        trainee=trainee,
        programme=catalogue.programme_for(session, work_type, level),
        training_class=training_class,
        now=now,
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
                paid_on=(now - timedelta(days=rng.randint(3, 60))).date(),
                method="bank transfer",
                receipt_no=f"DEMO-{number:05d}",
                recorded_at=now,
            )
        )
    if number % 13 == 0:  # left the training body: history kept, log-in refused
        trainee.active = False
        trainee.deactivated_at = now
