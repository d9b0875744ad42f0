"""The course outline: a programme's videos grouped by chapter, and where to go on studying.

Pure decisions on the per-video progress of `records.video_progress`: no database, no Flask.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby

from learning.services.records import VideoProgress


@dataclass(frozen=True)
class Chapter:
    """Consecutive videos of a programme under one heading (None: videos without a chapter)."""

    title: str | None
    videos: list[VideoProgress]

    @property
    def duration_s(self) -> int:
        return sum(video.duration_s for video in self.videos)

    @property
    def covered_s(self) -> int:
        return sum(min(video.covered_s, video.duration_s) for video in self.videos)

    @property
    def completed_count(self) -> int:
        return sum(video.completed for video in self.videos)

    @property
    def finished(self) -> bool:
        return self.completed_count == len(self.videos)


@dataclass(frozen=True)
class NextStep:
    """The video the 继续学习 button opens, and the second it starts at.

    `review` is true when every video is watched: the button then opens the first video from its
    start, and says that this is going over the course again (no new time is credited for parts
    already covered), so it is not shown as the way forward.
    """

    video: VideoProgress
    start_s: int
    review: bool = False


def chapters(videos: list[VideoProgress]) -> list[Chapter]:
    """The videos in programme order, in runs of the same chapter heading."""
    return [
        Chapter(title=title, videos=list(run))
        for title, run in groupby(videos, key=lambda video: video.chapter)
    ]


def next_step(videos: list[VideoProgress]) -> NextStep | None:
    """The first video not completed, at its first uncovered second; None without videos."""
    for video in videos:
        if not video.completed:
            return NextStep(video=video, start_s=video.first_uncovered_s)
    return NextStep(video=videos[0], start_s=0, review=True) if videos else None


def current_chapter(outline: list[Chapter], step: NextStep | None) -> Chapter | None:
    """The chapter the trainee is in: the one holding the next video (none when reviewing)."""
    if step is None or step.review:
        return None
    return next((chapter for chapter in outline if step.video in chapter.videos), None)
