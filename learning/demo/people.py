"""Made-up people for the demo: Chinese names, employers and well-formed ID numbers."""

from __future__ import annotations

import random
from datetime import date, timedelta

from learning.services.identity import check_digit

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


def name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)


def fake_id_number(rng: random.Random) -> str:
    """A well-formed Guangdong ID number with a valid check digit (not a real person's)."""
    region = rng.choice(["440103", "440106", "440304", "440604", "441900"])
    birthday = date(1975, 1, 1) + timedelta(days=rng.randint(0, 25 * 365))
    first17 = f"{region}{birthday:%Y%m%d}{rng.randint(0, 999):03d}"
    return first17 + check_digit(first17)


def distinct_id_numbers(rng: random.Random, count: int, *, taken: set[str | None]) -> list[str]:
    """`count` fake ID numbers, none in `taken` nor twice (one account per ID number)."""
    found: list[str] = []
    seen = set(taken)
    while len(found) < count:
        number = fake_id_number(rng)
        if number not in seen:
            seen.add(number)
            found.append(number)
    return found
