"""The study-hour certificate and the public check of its code."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from learning.models import Coverage, OfflineCredit, ProgrammeVideo
from learning.services import certificates
from tests.factories import Factory

HOUR_S = 45 * 60


def studied(make: Factory, clock):
    trainee = make.trainee(display_name="王芳")
    trainee.profile.real_name = "王芳"
    trainee.profile.id_number = "11010519491231002X"
    enrolment = make.enrolment(trainee, "accounting-4")
    video = make.video("accounting-4", duration_s=2700, title="第1讲 碳排放核算基础")
    make.video("accounting-4", duration_s=2700, title="第2讲 未看")
    today = clock.now().date()
    make.study_day(enrolment, video, today - timedelta(days=10), 2700_000)
    make.session.add(
        Coverage(
            enrolment_id=enrolment.id, video_id=video.id, intervals=[[0, 2700_000]], covered_s=2700
        )
    )
    make.session.add(
        OfflineCredit(
            enrolment_id=enrolment.id,
            kind="coaching",
            day=today - timedelta(days=2),
            seconds=8 * 3600,
            recorded_at=clock.now(),
        )
    )
    enrolment.online_s, enrolment.offline_s = 2700, 8 * 3600
    make.commit()
    return trainee, enrolment


def test_the_certificate_shows_what_a_subsidy_claim_needs(
    app: Flask, login, make: Factory, clock
) -> None:
    trainee, enrolment = studied(make, clock)
    html = login(trainee).get(f"/enrolments/{enrolment.id}/certificate").get_data(as_text=True)
    today = clock.now().date()
    assert "学时证明" in html and "王芳" in html
    assert "110***********002X" in html and "11010519491231002X" not in html
    assert (
        f"{(today - timedelta(days=10)).isoformat()} — {(today - timedelta(days=2)).isoformat()}"
        in html
    )
    assert "1.0" in html and "10.6" in html and "11.6" in html  # online, on-site, in all
    assert "第1讲 碳排放核算基础" not in html  # hours by chapter, not every video: one A4 page
    assert re.search(r"<td>课程视频</td>\s*<td class=\"num\">1 / 2</td>", html)
    assert '<svg viewBox="0 0' in html and 'class="qr-code"' in html  # the QR code, inline
    code = certificates.code_for(enrolment.id, app.config["CERTIFICATE_KEY"])
    verify_url = f"http://localhost/verify/{code}"
    assert f"<title>扫码核验本证明：{verify_url}</title>" in html
    assert "/verify/" in html and "data-print" in html and "<script>" not in html


def test_a_genuine_code_checks_out_and_a_forged_one_does_not(
    app: Flask, client, make: Factory, clock
) -> None:
    _trainee, enrolment = studied(make, clock)
    code = certificates.code_for(enrolment.id, app.config["CERTIFICATE_KEY"])
    page = client.get(f"/verify/{code}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "王*" in html and "王芳" not in html and "11.6 / 80" in html
    assert client.get(f"/verify/{code.lower()}").status_code == 200  # typed in lower case
    other = certificates.code_for(enrolment.id + 1, app.config["CERTIFICATE_KEY"])
    for forged in [f"{enrolment.id}-AAAAAAAAAA", other, "../../etc", "x" * 200, "1-"]:
        assert client.get(f"/verify/{forged}").status_code == 404, forged


def test_codes_depend_on_the_key(make: Factory, clock) -> None:
    assert certificates.code_for(7, "one key") != certificates.code_for(7, "another key")
    assert (
        certificates.code_for(7, "k").startswith("7-") and len(certificates.code_for(7, "k")) == 12
    )


def test_the_certificate_counts_hours_by_chapter(login, make: Factory, clock) -> None:
    trainee, enrolment = studied(make, clock)
    links = make.session.scalars(
        select(ProgrammeVideo)
        .where(ProgrammeVideo.programme_id == enrolment.programme_id)
        .order_by(ProgrammeVideo.position)
    ).all()
    for link, chapter in zip(links, ["第一章 碳排放管理基础", "第二章 配额管理"], strict=True):
        link.chapter = chapter
    make.commit()
    html = login(trainee).get(f"/enrolments/{enrolment.id}/certificate").get_data(as_text=True)
    rows = re.findall(r"<tr><td>(.*?)</td>\s*<td class=\"num\">(.*?)</td>", html)
    assert rows == [("第一章 碳排放管理基础", "1 / 1")]  # a chapter not begun is left out
    assert "各章节学时" in html


def test_the_chapters_hours_add_up_to_the_online_hours(make: Factory) -> None:
    """Two chapters of 0.15 standard hours each: 0.1 and 0.2 beside 0.3, not 0.1 and 0.1."""
    trainee = make.trainee()
    enrolment = make.enrolment(trainee, "accounting-4")
    for chapter in ("第一章", "第二章"):
        video = make.video("accounting-4", duration_s=2700)
        link = make.session.scalar(
            select(ProgrammeVideo).where(
                ProgrammeVideo.programme_id == enrolment.programme_id,
                ProgrammeVideo.video_id == video.id,
            )
        )
        link.chapter = chapter
        make.session.add(
            Coverage(
                enrolment_id=enrolment.id,
                video_id=video.id,
                intervals=[[0, 405_000]],
                covered_s=405,
            )
        )
    enrolment.online_s = 810
    make.commit()
    shown = certificates.certificate(make.session, enrolment, "key")
    assert [line.hours for line in shown.chapters] == [0.1, 0.2]
    assert shown.summary.online_hours == 0.3
