"""The course outline: chapters in programme order, and where 继续学习 leads (pure, no database)."""

from __future__ import annotations

from learning.services.outline import chapters, current_chapter, next_step
from learning.services.records import VideoProgress


def _video(
    video_id: int, covered_s: int = 0, *, chapter: str | None = None, first_gap_s: int = 0
) -> VideoProgress:
    return VideoProgress(
        id=video_id,
        title=f"第{video_id}讲",
        duration_s=600,
        covered_s=covered_s,
        completed=covered_s >= 598,
        chapter=chapter,
        first_uncovered_s=first_gap_s,
    )


def test_nothing_watched_leads_to_the_first_video_at_its_start() -> None:
    step = next_step([_video(1), _video(2)])
    assert step is not None
    assert (step.video.id, step.start_s, step.review) == (1, 0, False)


def test_a_partly_watched_course_leads_to_the_first_gap_of_the_first_unfinished_video() -> None:
    videos = [_video(1, 600, first_gap_s=600), _video(2, 300, first_gap_s=30), _video(3)]
    step = next_step(videos)
    assert step is not None
    assert (step.video.id, step.start_s, step.review) == (2, 30, False)


def test_a_video_within_the_two_second_tolerance_counts_as_finished() -> None:
    step = next_step([_video(1, 598, first_gap_s=598), _video(2)])
    assert step is not None and step.video.id == 2


def test_everything_watched_offers_a_review_from_the_first_video() -> None:
    step = next_step([_video(1, 600, first_gap_s=600), _video(2, 599, first_gap_s=599)])
    assert step is not None
    assert (step.video.id, step.start_s, step.review) == (1, 0, True)
    assert current_chapter(chapters([_video(1, 600)]), step) is None


def test_no_videos_no_step() -> None:
    assert next_step([]) is None


def test_chapters_are_runs_of_one_heading_with_their_progress() -> None:
    videos = [
        _video(1, 600, chapter="第一章"),
        _video(2, 100, chapter="第一章"),
        _video(3, chapter="第二章"),
        _video(4, chapter=None),
    ]
    outline = chapters(videos)
    assert [(c.title, [v.id for v in c.videos]) for c in outline] == [
        ("第一章", [1, 2]),
        ("第二章", [3]),
        (None, [4]),
    ]
    first = outline[0]
    assert (first.covered_s, first.duration_s, first.completed_count) == (700, 1200, 1)
    assert not first.finished
    assert current_chapter(outline, next_step(videos)) is first


def test_covered_seconds_beyond_a_video_do_not_swell_its_chapter() -> None:
    (chapter,) = chapters([_video(1, 650, chapter="第一章")])
    assert chapter.covered_s == 600
    assert chapter.finished
