"""The demo's question bank: original questions about carbon-emission management, written for
this project (`media/question_bank.json`), for the accounting and verification work types.

A question names the work types it serves; it is linked to their level-4 programme, so every
level of the work type draws it (`question_bank.pool`). The demo's accounting programme asks
questions at its presence checks (弹题) from then on; its history, made before, answered codes.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from learning.domain.exam_practice import Kind
from learning.services import catalogue, question_bank

BANK = Path(__file__).resolve().parent / "media" / "question_bank.json"
LOWEST_LEVEL = 4
QUESTION_CHECK_PROGRAMME = "accounting-4"


def seed(session: Session, *, now: datetime) -> int:
    """Add the demo bank; returns how many questions it has."""
    items = json.loads(BANK.read_text(encoding="utf-8"))
    programmes = {
        work_type: catalogue.programme_for(session, work_type, LOWEST_LEVEL)
        for work_type in {code for item in items for code in item["programmes"]}
    }
    for item in items:
        kind = Kind(item["kind"])
        data = question_bank.QuestionData(
            kind=kind,
            stem=item["stem"],
            options=[] if kind == Kind.TRUE_FALSE else item["options"],  # 正确/错误 are A/B
            answer=item["answer"],
            explanation=item["explanation"],
            chapter=item["chapter"],
            knowledge_point=item["knowledge_point"],
            difficulty=item["difficulty"],
        )
        serving = [programmes[code] for code in item["programmes"]]
        question_bank.add_question(session, data, serving, now=now, actor_id=None)
    catalogue.programme_by_code(session, QUESTION_CHECK_PROGRAMME).presence_check = "question"
    return len(items)
