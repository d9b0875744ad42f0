"""What the JSON API answers, as pydantic models: the responses of the OpenAPI document.

The request bodies are the models the views take (`PlaybackOpen`, `Heartbeat`, ...); these
describe what comes back, bound at each route with its request models (`contract.py`), so
clients (and the fuzzing in the test suite) can check every answer against the document.
Dates are ``YYYY-MM-DD``, times ISO 8601 with their offset.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict


class Answer(BaseModel):
    """An object of the API; fields may be added in later versions, never taken away.

    So the document lets clients expect more fields (`additionalProperties`), while the models
    refuse a field they do not declare: every answer is validated against its model
    (`contract.py`), and a view cannot send what the document does not say."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"additionalProperties": True})


class Error(Answer):
    """Every refusal: a code to act on and a message to show; some add fields."""

    error: str
    message: str


class RateLimited(Error):
    """429, with the Retry-After header: the seconds to wait, also in the body."""

    retry_after_s: int


class FieldProblem(Answer):
    field: str
    message: str


class ValidationFailed(Error):
    """422: the failing fields of a body or query; a refusal by the rules names none."""

    fields: list[FieldProblem] = []


class NotEligible(Error):
    """409: not eligible (with every blocking reason), or registered or passed already."""

    blocking_reasons: list[str] = []
    hours_missing: float | None = None


class Me(Answer):
    id: int
    username: str
    display_name: str
    role: Literal["trainee", "instructor", "admin"]


class ProgrammeRef(Answer):
    code: str
    work_type: str
    level: int
    required_hours: int


class Enrolment(Answer):
    id: int
    programme: ProgrammeRef
    online_hours: float
    offline_hours: float
    credited_hours: float
    exam_eligible: bool
    blocking_reasons: list[str]


class VideoProgress(Answer):
    id: int
    title: str
    duration_s: int
    covered_s: int
    completed: bool


class DayVideo(Answer):
    video_id: int
    title: str
    credited_s: int


class DayOffline(Answer):
    kind: str
    seconds: int
    reason: str | None


class StudyDay(Answer):
    date: date
    credited_s: int
    online_s: int
    offline_s: int
    not_credited_s: dict[str, int]
    videos: list[DayVideo]
    offline: list[DayOffline]


class TraineeRef(Answer):
    id: int
    display_name: str


class ClassProgressRow(Answer):
    enrolment_id: int
    trainee: TraineeRef
    programme_code: str
    required_hours: int
    credited_hours: float
    online_hours: float
    offline_hours: float
    status: str
    last_studied_on: date | None
    exam_eligible: bool


class AttentionCheck(Answer):
    """A pending presence check. A `code` check has the picture of its code; a `question`
    check where to fetch its question (and send the answer); a `both` check has both; a `face`
    check the action to do before the camera and where its frames go. `resume_at_s` is null for
    the face check a playback opens with (nothing was credited yet)."""

    id: str
    resume_at_s: float | None
    kind: Literal["code", "question", "both", "face"]
    image_url: str | None = None
    question_url: str | None = None
    action: Literal["blink", "turn"] | None = None
    answer_url: str | None = None


class PlaybackOpened(Answer):
    playback_id: str
    heartbeat_interval_s: int
    resume_position_s: float
    first_uncovered_s: float
    max_rate: float
    attention_check: AttentionCheck | None


class BeatAnswer(Answer):
    credited_s: int
    not_credited_s: dict[str, int]
    reason: str | None
    covered_s: int
    enrolment_online_hours: float
    attention_check: AttentionCheck | None


class BeatRefused(BeatAnswer):
    """409: the playback was superseded or has ended; the beat may still have earned some."""

    error: Literal["superseded", "ended"]
    message: str


class FaceOutcome(Answer):
    """What the frames of a face-check answer showed, and what to do about it, in words; null
    when the answer was not to the trainee's pending check."""

    face_outcome: str | None
    face_message: str | None


class FaceCheckAnswer(BeatAnswer, FaceOutcome):
    pass


class FaceCheckRefused(BeatRefused, FaceOutcome):
    pass


class QuestionOption(Answer):
    letter: str
    text: str


class CheckQuestion(Answer):
    """The question a presence check asks (never its answer)."""

    id: int
    kind: Literal["true_false", "single", "multiple"]
    stem: str
    options: list[QuestionOption]


class QuestionJudgement(Answer):
    answer: str
    explanation: str
    message: str


class QuestionOutcome(Answer):
    """How the check's question was answered: null when the answer was not to the question
    the check asks now (another was asked since, or the check is not pending)."""

    question_outcome: Literal["right", "wrong"] | None
    question: QuestionJudgement | None


class QuestionCheckAnswer(BeatAnswer, QuestionOutcome):
    pass


class QuestionCheckRefused(BeatRefused, QuestionOutcome):
    pass


class ExamSession(Answer):
    id: int
    work_type: str
    level: int
    starts_on: date
    registration_closes_on: date
    capacity: int
    seats_left: int
    coaching_hours: float
    coaching_starts_on: date | None
    place: str
    parts: list[str]
    status: str


class ExamRegistration(Answer):
    id: int
    enrolment_id: int
    exam_session_id: int
    retake: bool


class Unlock(Answer):
    enrolment_id: int
    exam_unlocked: bool


class Payment(Answer):
    id: int
    enrolment_id: int
    amount_fen: int
    paid_on: date
    method: str
    receipt_no: str
    kind: Literal["training", "assessment"]


class AuditEntry(Answer):
    at: datetime
    actor: str | None
    action: str
    reason: str | None
    details: dict[str, Any]


class ExamResults(Answer):
    id: int
    outcome: str | None
    scores: dict[str, int] | None
    certificate_no: str | None
    certificate_issued_on: date | None


class LibraryVideo(Answer):
    id: int
    title: str
    duration_s: int
    programmes: list[str]


class UploadState(Answer):
    id: str
    name: str
    size: int
    received: int
    chunk_bytes: int


class ImportProblem(Answer):
    row: int
    column: str
    message: str


class ImportReport(Answer):
    created: int
    updated: int
    errors: list[ImportProblem]


class MockExamAnswer(Answer):
    """An answer of a mock exam's paper, saved; the seconds left by the server's clock."""

    position: int
    chosen: str | None
    seconds_left: int


class MockExamClosed(Error):
    """409: the paper is handed in (by the trainee, or by the clock at its deadline)."""

    review_url: str
