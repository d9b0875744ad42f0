"""The Chinese catalogue writes Chinese punctuation: full-width ，：；（）！？ and “” or 「」
quotes beside Chinese text, never the half-width marks of English (placeholders such as
%(name)s, addresses and the API's JSON keep theirs)."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

CATALOGUE = Path(__file__).parents[2] / "learning/translations/zh/LC_MESSAGES/messages.po"
HAN = "\u3400-\u9fff"
KEPT = re.compile(r"%\([a-z_]+\)[-0-9.]*[sdf]|https?://\S+|absent: true")
HALF_WIDTH = re.compile(
    rf"[{HAN}]\s*[,:;!?()\"]|[,:;!?()\"]\s*[{HAN}]|\([^()]*[{HAN}][^()]*\)|\"[^\"]*[{HAN}]"
)


def test_chinese_translations_use_full_width_punctuation() -> None:
    with CATALOGUE.open("rb") as file:
        catalogue = read_po(file)
    wrong = [
        message.string
        for message in catalogue
        if message.id
        and isinstance(message.string, str)
        and HALF_WIDTH.search(KEPT.sub("X", message.string))
    ]
    assert not wrong, wrong
