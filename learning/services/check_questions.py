"""Presence checks that ask a question of the programme's bank (弹题).

Where a programme's presence check asks a question (`Programme.presence_check`: `question`, or
`both` with the code), the player asks for one once a check is pending (`ask`): a question of
the programme's pool, from the chapter of the video being watched when the pool has some there,
and not one this check has asked already. Asking again before answering gives the same question,
so reloading does not shop for an easy one.

The answer (`answer`) is judged here against the question's key; the answer beat is recorded
through `beats.record_beat` with the outcome on it, and the accounting rules clear the check only
on a recorded `right` (with the right code too, for `both`). A wrong answer counts against the
same throttle as a wrong code; the trainee reads the explanation and the player asks for another
question. Every answer also enters the trainee's practice record (source `video`) and, when
wrong, their wrong-answer book.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from learning.domain.accounting import Beat
from learning.domain.exam_practice import Kind, is_right, normalise
from learning.models import (
    CheckQuestion,
    Enrolment,
    Playback,
    ProgrammeVideo,
    Question,
    TraineeStudyState,
)
from learning.services import ServiceError, beats, practice, question_bank, throttle

SOURCE = "video"


@dataclass(frozen=True)
class QuestionAnswer:
    beat: beats.BeatAnswer
    outcome: str | None  # right | wrong; None: not an answer to the question asked
    question: Question | None


def ask(
    session: Session,
    *,
    trainee_id: int,
    playback_id: str,
    check_id: str,
    now: datetime,
    rng: random.Random,
) -> Question:
    """The question the trainee's pending check asks now; `ServiceError("not_found")` unless
    the check is theirs, pending, and asks a question."""
    playback = _questioning_playback(session, trainee_id, playback_id, check_id)
    asked = _asked(session, trainee_id, check_id)
    if asked and asked[-1].outcome is None:
        return asked[-1].question
    question = _draw(session, playback, {row.question_id for row in asked}, rng)
    session.add(
        CheckQuestion(
            trainee_id=trainee_id,
            check_id=check_id,
            playback_id=playback_id,
            question_id=question.id,
            asked_at=now,
        )
    )
    return question


def answer(
    session: Session,
    *,
    trainee_id: int,
    playback_id: str,
    beat: Beat,
    client_ts: str | None,
    question_id: int,
    chosen: str,
    answer_limit: throttle.Limit,
    now_ms: int,
    now: datetime,
) -> QuestionAnswer:
    """Record the answer beat (an `attention_ok`) with how the question asked was answered.

    Throttled like a wrong code: past the limit, `ServiceError("too_many_attempts")` before
    anything is judged. An answer to a question this check is not asking now is recorded
    without an outcome (the rules leave the check pending)."""
    beats.check_answer_limit(session, answer_limit, trainee_id, now_ms)
    asked = _asked(session, trainee_id, beat.attention_id or "")
    current = asked[-1] if asked and asked[-1].outcome is None else None
    outcome, question = None, None
    if current is not None and current.question_id == question_id:
        question = current.question
        outcome = _judge(question, chosen)
        current.chosen, current.outcome, current.answered_at = chosen[:8], outcome, now
        playback = session.get(Playback, playback_id)
        if playback is not None and playback.trainee_id == trainee_id:
            enrolment = session.get_one(Enrolment, playback.enrolment_id)
            letters = _letters(question, chosen) or chosen[:8]
            practice.record(session, enrolment, question, letters, source=SOURCE, now=now)
    recorded = beats.record_beat(
        session,
        trainee_id=trainee_id,
        playback_id=playback_id,
        beat=replace(beat, question_outcome=outcome),
        client_ts=client_ts,
        now_ms=now_ms,
        answer_limit=answer_limit,
        question_id=question.id if question is not None else None,
    )
    return QuestionAnswer(beat=recorded, outcome=outcome, question=question)


def _questioning_playback(
    session: Session, trainee_id: int, playback_id: str, check_id: str
) -> Playback:
    state = session.get(TraineeStudyState, trainee_id, with_for_update=True)  # first, always
    playback = session.get(Playback, playback_id)
    if (
        playback is None
        or playback.trainee_id != trainee_id
        or state is None
        or state.pending_id != check_id
        or playback.settings.get("face_checks")
        or playback.settings.get("presence_check", "code") not in {"question", "both"}
    ):
        raise ServiceError("not_found")
    return playback


def _asked(session: Session, trainee_id: int, check_id: str) -> list[CheckQuestion]:
    return list(
        session.scalars(
            select(CheckQuestion)
            .where(CheckQuestion.trainee_id == trainee_id, CheckQuestion.check_id == check_id)
            .order_by(CheckQuestion.id)
        )
    )


def _draw(
    session: Session, playback: Playback, asked_ids: set[int], rng: random.Random
) -> Question:
    """A question of the pool not asked by this check, from the video's chapter if it can be;
    when every question was asked, any but the last one asked."""
    programme = session.get_one(Enrolment, playback.enrolment_id).programme
    chapter = session.scalar(
        select(ProgrammeVideo.chapter).where(
            ProgrammeVideo.programme_id == programme.id,
            ProgrammeVideo.video_id == playback.video_id,
        )
    )
    pool = list(session.scalars(question_bank.pool(programme).order_by(Question.id)))
    fresh = [question for question in pool if question.id not in asked_ids]
    in_chapter = [question for question in fresh if chapter and question.chapter == chapter]
    choices = in_chapter or fresh or pool
    if not choices:
        raise ServiceError("no_questions")
    return rng.choice(choices)


def _letters(question: Question, chosen: str) -> str | None:
    return normalise(Kind(question.kind), len(question.options), chosen)


def _judge(question: Question, chosen: str) -> str:
    letters = _letters(question, chosen)
    return "right" if letters is not None and is_right(question.answer, letters) else "wrong"
