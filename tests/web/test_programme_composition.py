"""Admins compose programmes: order the videos, add one to several programmes, retire one."""

from __future__ import annotations

from sqlalchemy import select

from learning.models import Enrolment, Programme
from learning.services import catalogue
from tests.api.player import Player
from tests.factories import Factory


def _titles(db_session, programme_id: int) -> list[str]:
    db_session.expire_all()
    return [video.title for video in catalogue.programme_videos(db_session, programme_id)]


def _programme(db_session, code: str) -> Programme:
    return db_session.scalars(select(Programme).where(Programme.code == code)).one()


def test_reordering_persists_and_is_what_trainees_see(login, make: Factory, db_session) -> None:
    first, second, third = (
        make.video("monitoring-4", title=t) for t in ("视频A1", "视频B2", "视频C3")
    )
    admin = login(make.admin())
    programme = _programme(db_session, "monitoring-4")
    token = admin.csrf_token()
    url = f"/admin/programmes/{programme.id}/videos"
    assert admin.post(f"{url}/{third.id}/up", data={"csrf_token": token}).status_code == 303
    admin.post(f"{url}/{third.id}/up", data={"csrf_token": token})
    admin.post(f"{url}/{first.id}/down", data={"csrf_token": token})
    assert _titles(db_session, programme.id) == ["视频C3", "视频B2", "视频A1"]
    trainee = make.trainee()
    enrolment = make.enrolment(trainee, "monitoring-4")
    page = login(trainee).get(f"/enrolments/{enrolment.id}").get_data(as_text=True)
    assert page.index("视频C3") < page.index("视频B2") < page.index("视频A1")
    assert second.id  # the middle one moved by the others


def test_a_video_added_to_a_second_programme_serves_both(login, make: Factory, db_session) -> None:
    video = make.video("monitoring-4", title="共用")
    admin = login(make.admin())
    other = _programme(db_session, "monitoring-3")
    form = {"video_id": video.id}
    assert admin.post_form(f"/admin/programmes/{other.id}/videos", form).status_code == 303
    assert "共用" in _titles(db_session, other.id)
    assert "共用" in _titles(db_session, _programme(db_session, "monitoring-4").id)
    again = admin.post_form(f"/admin/programmes/{other.id}/videos", form, follow_redirects=True)
    assert "该视频已在 碳排放监测员 · 三级/高级工 中" in again.get_data(as_text=True)


def test_a_retired_video_leaves_the_course_but_keeps_its_hours(
    login, make: Factory, db_session, clock
) -> None:
    video = make.video("monitoring-4", title="将退役", duration_s=3600)
    trainee = make.trainee()
    enrolment = make.enrolment(trainee, "monitoring-4")
    make.commit()
    player = Player(login(trainee), clock, enrolment.id, video.id)
    player.open()
    player.play(300)
    db_session.expire_all()
    earned = db_session.get(Enrolment, enrolment.id).online_s
    assert earned >= 290
    admin = login(make.admin())
    response = admin.post_form(f"/admin/videos/{video.id}/retire")
    assert response.status_code == 303
    course = login(trainee).get(f"/enrolments/{enrolment.id}").get_data(as_text=True)
    assert "将退役" not in course
    db_session.expire_all()
    assert db_session.get(Enrolment, enrolment.id).online_s == earned
    reopened = player.client.post_json(
        "/api/v1/playbacks", {"enrolment_id": enrolment.id, "video_id": video.id}
    )
    assert reopened.status_code == 404  # no new viewing of a retired video


def test_the_programme_page_warns_when_videos_cannot_reach_the_minimum(
    login, make: Factory, db_session
) -> None:
    make.video("monitoring-2", duration_s=62 * 2700 + 900)  # 62.3 standard hours of 45 min
    admin = login(make.admin())
    programme = _programme(db_session, "monitoring-2")
    page = admin.get(f"/admin/programmes/{programme.id}").get_data(as_text=True)
    assert "视频合计 62.3 学时，要求 100 学时" in page
