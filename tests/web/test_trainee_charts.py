"""The numbers behind the trainee's charts, checked against a known fixture."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import plotly
from flask import Flask

from learning.models import OfflineCredit
from learning.services import reports
from tests.factories import Factory

HOUR_S = 45 * 60


def known_enrolment(make: Factory, clock):
    trainee = make.trainee()
    enrolment = make.enrolment(trainee, "accounting-4")
    enrolment.created_at = clock.now() - timedelta(days=90)  # enrolled long before
    video = make.video("accounting-4", duration_s=2700)
    today = clock.now().date()
    # 1.5 standard hours online two days ago, 1 on-site day (8 h) yesterday
    make.study_day(enrolment, video, today - timedelta(days=2), int(1.5 * HOUR_S * 1000))
    make.session.add(
        OfflineCredit(
            enrolment_id=enrolment.id,
            kind="coaching",
            day=today - timedelta(days=1),
            seconds=8 * 3600,
            recorded_at=clock.now(),
        )
    )
    enrolment.online_s = int(1.5 * HOUR_S)
    enrolment.offline_s = 8 * 3600
    make.commit()
    return trainee, enrolment


def test_seconds_per_day_adds_online_and_on_site(make: Factory, clock, db_session) -> None:
    _trainee, enrolment = known_enrolment(make, clock)
    today = clock.now().date()
    days = reports.seconds_per_day(db_session, enrolment, days=60, today=today)
    assert len(days) == 60 and days[-1] == (today, 0)
    assert days[-2] == (today - timedelta(days=1), 8 * 3600)
    assert days[-3] == (today - timedelta(days=2), int(1.5 * HOUR_S))
    assert sum(seconds for _day, seconds in days) == enrolment.credited_s


def test_the_course_page_carries_the_charts_data(app: Flask, login, make: Factory, clock) -> None:
    trainee, enrolment = known_enrolment(make, clock)
    html = login(trainee).get(f"/enrolments/{enrolment.id}").get_data(as_text=True)
    assert f"/vendor/plotly-{plotly.__version__}.min.js" in html
    figures = {
        name: json.loads(body)
        for name, body in re.findall(
            r'<script type="application/json" id="figure-(\w+)">(.*?)</script>', html, re.S
        )
    }
    online, offline, missing = (trace["x"][0] for trace in figures["hours"]["data"])
    assert (online, offline) == (1.5, 10.6)  # 8 h on site = 10.6 standard hours (rounded down)
    assert missing == round(80 - 1.5 - 10.6, 1)
    bars = figures["days"]["data"][0]
    assert len(bars["x"]) == 60 and bars["y"][-2] == 10.6 and bars["y"][-3] == 1.5
    assert figures["videos"]["data"][0]["y"] == [0.0]
    assert "最近 14 天内至少有 3 天学习" in html  # two days of study: no date yet


def test_no_study_lately_says_so_instead_of_an_empty_chart(login, make: Factory) -> None:
    enrolment = make.enrolment(make.trainee())
    make.commit()
    html = login(enrolment.trainee).get(f"/enrolments/{enrolment.id}").get_data(as_text=True)
    assert 'id="figure-days"' not in html
    assert "近 60 天没有学习记录。打开下方的课程视频开始学习" in html


def test_plotly_is_served_by_the_app_and_cached(client) -> None:
    with client.get(f"/vendor/plotly-{plotly.__version__}.min.js") as response:
        assert response.status_code == 200
        assert "immutable" in response.headers["Cache-Control"]
        assert response.mimetype == "text/javascript"
    assert client.get("/vendor/plotly-0.0.1.min.js").status_code == 404
