"""What a trainee studied: per video coverage, and the study record (学习记录) per day."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from learning.domain.accounting import IntervalSet, completed
from learning.domain.rounding import shares
from learning.models import Coverage, Enrolment, OfflineCredit, ProgrammeVideo, StudyDay, Video
from learning.services.reports import within_days


@dataclass(frozen=True)
class VideoProgress:
    id: int
    title: str
    duration_s: int
    covered_s: int
    completed: bool
    chapter: str | None = None
    first_uncovered_s: int = 0  # where watching on earns time: the start of the first gap


@dataclass(frozen=True)
class VideoDay:
    video_id: int
    title: str
    credited_s: int


@dataclass(frozen=True)
class OfflineDay:
    kind: str  # coaching | other
    seconds: int
    reason: str | None


@dataclass
class DayRecord:
    """One day of a trainee's study: what was credited and, for the rest, why not."""

    date: date
    online_ms: int = 0
    offline_s: int = 0
    not_credited_ms: dict[str, int] = field(default_factory=dict)
    videos: list[VideoDay] = field(default_factory=list)
    offline: list[OfflineDay] = field(default_factory=list)

    @property
    def online_s(self) -> int:
        return self.online_ms // 1000

    @property
    def credited_s(self) -> int:
        return self.online_s + self.offline_s

    @property
    def not_credited_s(self) -> dict[str, int]:
        return {reason: ms // 1000 for reason, ms in self.not_credited_ms.items() if ms >= 1000}


def video_progress(session: Session, enrolment: Enrolment) -> list[VideoProgress]:
    """The programme's current videos in order, with their chapter and what this enrolment
    covered of each."""
    statement = (
        select(Video, ProgrammeVideo.chapter, Coverage.covered_s, Coverage.intervals)
        .join(ProgrammeVideo, ProgrammeVideo.video_id == Video.id)
        .outerjoin(
            Coverage,
            (Coverage.video_id == Video.id) & (Coverage.enrolment_id == enrolment.id),
        )
        .where(ProgrammeVideo.programme_id == enrolment.programme_id, Video.retired_at.is_(None))
        .order_by(ProgrammeVideo.position, Video.id)
    )
    return [
        VideoProgress(
            id=video.id,
            title=video.title,
            duration_s=video.duration_s,
            covered_s=covered_s or 0,
            completed=completed(covered_s or 0, video.duration_s),
            chapter=chapter,
            first_uncovered_s=_first_uncovered_s(intervals or [], video.duration_s),
        )
        for video, chapter, covered_s, intervals in session.execute(statement)
    ]


def _first_uncovered_s(intervals: list, duration_s: int) -> int:
    gap_ms = IntervalSet.from_list(intervals).first_gap_from(0)
    return min(gap_ms // 1000, duration_s)


def study_record(
    session: Session, trainee_id: int, date_from: date | None = None, date_to: date | None = None
) -> list[DayRecord]:
    """Every day with a beat or offline time, oldest first (dates inclusive)."""
    days: dict[date, DayRecord] = {}

    def day(value: date) -> DayRecord:
        return days.setdefault(value, DayRecord(date=value))

    online = (
        select(StudyDay, Video.title)
        .join(Video, Video.id == StudyDay.video_id)
        .where(StudyDay.trainee_id == trainee_id)
        .order_by(StudyDay.day, StudyDay.video_id)
    )
    online = online.where(*within_days(StudyDay.day, date_from, date_to))
    credited_by_video: dict[date, dict[int, list[Any]]] = defaultdict(dict)
    for row, title in session.execute(online):
        record = day(row.day)
        record.online_ms += row.credited_ms
        for reason, ms in row.not_credited.items():
            record.not_credited_ms[reason] = record.not_credited_ms.get(reason, 0) + ms
        entry = credited_by_video[row.day].setdefault(row.video_id, [title, 0])
        entry[1] += row.credited_ms
    for value, videos in credited_by_video.items():
        credited = [(video_id, title, ms) for video_id, (title, ms) in videos.items() if ms]
        seconds = shares([ms for _id, _title, ms in credited], 1000)  # they add up to online_s
        days[value].videos = [
            VideoDay(video_id=video_id, title=title, credited_s=shown)
            for (video_id, title, _ms), shown in zip(credited, seconds, strict=True)
        ]
    offline = (
        select(OfflineCredit)
        .join(Enrolment, Enrolment.id == OfflineCredit.enrolment_id)
        .where(Enrolment.trainee_id == trainee_id, OfflineCredit.revoked_at.is_(None))
        .order_by(OfflineCredit.day, OfflineCredit.id)
    )
    offline = offline.where(*within_days(OfflineCredit.day, date_from, date_to))
    for credit in session.scalars(offline):
        record = day(credit.day)
        record.offline_s += credit.seconds
        record.offline.append(
            OfflineDay(kind=credit.kind, seconds=credit.seconds, reason=credit.reason)
        )
    return [days[value] for value in sorted(days)]
