"""A programme's mock-exam format (模拟考试): questions and points of each kind, minutes, pass
mark, and the optional score a mock exam must reach before the exam registration (off unless
the training body sets it). A programme nobody has set yet has the table's defaults."""

from __future__ import annotations

from dataclasses import MISSING, asdict, dataclass, fields
from datetime import datetime

from sqlalchemy.orm import Session

from learning.domain.exam_practice import Kind, PaperFormat
from learning.models import MockExamFormat, Programme
from learning.services import ServiceError, audit

MAX_COUNT = 200  # questions of one kind on a paper
MAX_POINTS = 100  # points of one question
DURATIONS = range(5, 301)  # minutes, as the table's check allows


@dataclass(frozen=True)
class FormatData:
    true_false_count: int
    true_false_points: int
    single_count: int
    single_points: int
    multiple_count: int
    multiple_points: int
    duration_minutes: int
    pass_mark: int
    exam_gate_score: int | None = None

    @property
    def paper(self) -> PaperFormat:
        return PaperFormat(
            counts={kind: getattr(self, f"{kind.value}_count") for kind in Kind},
            points={kind: getattr(self, f"{kind.value}_points") for kind in Kind},
            duration_minutes=self.duration_minutes,
            pass_mark=self.pass_mark,
        )


def _default(name: str) -> int:
    default = MockExamFormat.__table__.c[name].default
    if default is None:
        raise TypeError(f"mock_exam_formats.{name} has no default")
    return int(default.arg)


# The table's defaults, for the fields that have none of their own (exam_gate_score: none).
DEFAULT = FormatData(
    **{f.name: _default(f.name) for f in fields(FormatData) if f.default is MISSING}
)


def format_of(session: Session, programme_id: int) -> FormatData:
    """The programme's format: the one set, or the defaults."""
    row = session.get(MockExamFormat, programme_id)
    if row is None:
        return DEFAULT
    return FormatData(**{f.name: getattr(row, f.name) for f in fields(FormatData)})


def check(data: FormatData) -> None:
    """Refuse a format no paper can follow, naming the setting (`part`)."""
    for kind in Kind:
        count, points = f"{kind.value}_count", f"{kind.value}_points"
        if not 0 <= getattr(data, count) <= MAX_COUNT:
            raise ServiceError("mock_count_out_of_range", part=count, most=MAX_COUNT)
        if not 1 <= getattr(data, points) <= MAX_POINTS:
            raise ServiceError("mock_points_out_of_range", part=points, most=MAX_POINTS)
    paper = data.paper
    if paper.question_count == 0:
        raise ServiceError("mock_no_questions", part="true_false_count")
    if data.duration_minutes not in DURATIONS:
        raise ServiceError(
            "mock_duration_out_of_range", part="duration_minutes", least=5, most=DURATIONS[-1]
        )
    if not 1 <= data.pass_mark <= paper.total_points:
        raise ServiceError("mock_pass_mark_out_of_range", part="pass_mark", most=paper.total_points)
    gate = data.exam_gate_score
    if gate is not None and not data.pass_mark <= gate <= paper.total_points:
        raise ServiceError(
            "mock_gate_out_of_range",
            part="exam_gate_score",
            least=data.pass_mark,
            most=paper.total_points,
        )


def set_format(
    session: Session, programme: Programme, data: FormatData, *, now: datetime, actor_id: int
) -> None:
    """Keep the programme's format; audited with the before and after of each setting
    changed. Papers drawn already keep the points and pass mark they were drawn with."""
    check(data)
    before = asdict(format_of(session, programme.id))
    after = asdict(data)
    changes = {
        name: [before[name], value] for name, value in after.items() if before[name] != value
    }
    row = session.get(MockExamFormat, programme.id)
    if row is None:
        row = MockExamFormat(programme_id=programme.id, updated_at=now)
        session.add(row)
    elif not changes:
        return
    for name, value in after.items():
        setattr(row, name, value)
    row.updated_at = now
    if changes:
        audit.record(
            session,
            at=now,
            actor_id=actor_id,
            action="programme.mock_exam",
            subject=f"programme:{programme.code}",
            details=changes,
        )
