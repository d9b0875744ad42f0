"""继续学习 on the home and course pages, chapters set on the programme page and shown grouped."""

from __future__ import annotations

import re

from flask import Flask

from learning.models import Coverage, Enrolment, ProgrammeVideo, Video
from learning.services import catalogue
from tests.factories import Factory


def _course(make: Factory, *chapters: str | None) -> tuple[Enrolment, list[Video]]:
    """A trainee's enrolment in accounting-4 with one 10-minute video per chapter given."""
    enrolment = make.enrolment(make.trainee(), "accounting-4")
    videos = [make.video("accounting-4", title=f"第{n}讲") for n in range(1, len(chapters) + 1)]
    for video, chapter in zip(videos, chapters, strict=True):
        link = make.session.get(ProgrammeVideo, (enrolment.programme_id, video.id))
        link.chapter = chapter
    return enrolment, videos


def _cover(make: Factory, enrolment: Enrolment, video: Video, *pairs: tuple[int, int]) -> None:
    make.session.add(
        Coverage(
            enrolment_id=enrolment.id,
            video_id=video.id,
            intervals=[[start * 1000, end * 1000] for start, end in pairs],
            covered_s=sum(end - start for start, end in pairs),
        )
    )


def _next_step_link(html: str) -> str:
    match = re.search(r'<a class="button[^"]*" data-next-step\s+href="([^"]+)"', html)
    assert match, "no 继续学习 button"
    return match.group(1).replace("&amp;", "&")


def test_nothing_watched_continues_at_the_first_video_from_its_start(login, make: Factory) -> None:
    enrolment, videos = _course(make, None, None)
    client = login(enrolment.trainee)
    for page in ("/", f"/enrolments/{enrolment.id}"):
        html = client.get(page).get_data(as_text=True)
        assert _next_step_link(html) == f"/enrolments/{enrolment.id}/videos/{videos[0].id}?t=0"
        assert "继续学习" in html


def test_a_partly_watched_course_continues_at_the_first_gap(login, make: Factory) -> None:
    enrolment, videos = _course(make, None, None, None)
    _cover(make, enrolment, videos[0], (0, 600))
    _cover(make, enrolment, videos[1], (0, 30), (100, 200))
    html = login(enrolment.trainee).get(f"/enrolments/{enrolment.id}").get_data(as_text=True)
    assert _next_step_link(html) == f"/enrolments/{enrolment.id}/videos/{videos[1].id}?t=30"
    assert "第2讲 · 从 0:30 开始" in html


def test_a_watched_course_offers_a_review_not_a_way_forward(login, make: Factory) -> None:
    enrolment, videos = _course(make, None, None)
    _cover(make, enrolment, videos[0], (0, 600))
    _cover(make, enrolment, videos[1], (0, 599))  # within the 2 s of the end
    html = login(enrolment.trainee).get("/").get_data(as_text=True)
    assert _next_step_link(html) == f"/enrolments/{enrolment.id}/videos/{videos[0].id}?t=0"
    assert '<a class="button" data-next-step' in html  # not the primary button
    assert "复习课程" in html and "继续学习" not in html


def test_staff_see_the_course_without_the_button(login, make: Factory) -> None:
    enrolment, _videos = _course(make, None)
    html = login(make.admin()).get(f"/enrolments/{enrolment.id}").get_data(as_text=True)
    assert "data-next-step" not in html


def test_chapters_set_on_the_programme_page_group_the_course_page(
    app: Flask, login, make: Factory
) -> None:
    enrolment, videos = _course(make, None, None, None)
    _cover(make, enrolment, videos[0], (0, 600))
    _cover(make, enrolment, videos[1], (0, 60))
    admin = login(make.admin())
    programme_page = f"/admin/programmes/{enrolment.programme_id}"
    html = admin.get(programme_page).get_data(as_text=True)
    assert f'name="chapter-{videos[0].id}" form="chapter-form"' in html
    answer = admin.post_form(
        f"{programme_page}/chapters",
        {
            f"chapter-{videos[0].id}": " 第一章  碳排放管理基础 ",
            f"chapter-{videos[1].id}": "第二章 温室气体核算",
            f"chapter-{videos[2].id}": "第二章 温室气体核算",
        },
    )
    assert answer.status_code == 303
    assert catalogue.chapter_headings(make.session, enrolment.programme_id) == {
        videos[0].id: "第一章 碳排放管理基础",
        videos[1].id: "第二章 温室气体核算",
        videos[2].id: "第二章 温室气体核算",
    }
    assert 'value="第一章 碳排放管理基础"' in admin.get(programme_page).get_data(as_text=True)

    html = login(enrolment.trainee).get(f"/enrolments/{enrolment.id}").get_data(as_text=True)
    details = re.findall(
        r"<details class=\"chapter\"( open)?>\s*<summary>(.*?)</summary>", html, re.S
    )
    assert [(opened, re.sub(r"<[^>]+>|\s+", " ", text).split()) for opened, text in details] == [
        (
            "",
            [
                "第一章",
                "碳排放管理基础",
                "已看完",
                "1/1",
                "个视频",
                "·",
                "10:00",
                "/",
                "10:00",
                "600",
            ],
        ),
        (" open", ["第二章", "温室气体核算", "0/2", "个视频", "·", "1:00", "/", "20:00", "60"]),
    ]


def test_a_chapter_too_long_or_with_control_characters_is_refused(login, make: Factory) -> None:
    enrolment, videos = _course(make, "第一章")
    admin = login(make.admin())
    for bad in ("九" * 101, "第一\x1b[31m章", "第一\u200b章"):
        answer = admin.post_form(
            f"/admin/programmes/{enrolment.programme_id}/chapters",
            {f"chapter-{videos[0].id}": bad},
            follow_redirects=True,
        )
        assert 'class="flash flash-error"' in answer.get_data(as_text=True)
        assert catalogue.chapter_headings(make.session, enrolment.programme_id) == {
            videos[0].id: "第一章"
        }
