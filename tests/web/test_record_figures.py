"""The study record: durations with their units, standard hours beside them that add up."""

from __future__ import annotations

import re
from datetime import timedelta

from tests.factories import Factory


def test_days_show_units_and_standard_hours_that_add_up_to_the_total(
    login, make: Factory, clock
) -> None:
    trainee = make.trainee()
    enrolment = make.enrolment(trainee, "accounting-4")  # 45-minute standard hours
    first, second = make.video("accounting-4"), make.video("accounting-4")
    today = clock.now().date()
    for back in range(1, 11):  # ten days of 6 min 45 s = 0.15 standard hours each
        for video, ms in ((first, 202_600), (second, 202_600)):  # 202.6 s twice: 405 s
            paused = {"paused": 40_000} if back == 1 else {}
            make.study_day(enrolment, video, today - timedelta(days=back), ms, paused)
    make.commit()
    html = login(trainee).get("/me/record").get_data(as_text=True)
    assert html.count("<strong>6 分 45 秒</strong>") == 10
    # each video shows its seconds so that the two add up to the day: 202 + 203
    assert html.count(">3 分 22 秒<") == html.count(">3 分 23 秒<") == 10
    assert '<span class="tag warn">1 分 20 秒</span>' in html  # 40 s on each video
    shown = [float(h) for h in re.findall(r"<br><span[^>]*>([\d.]+) 标准学时</span>", html)]
    assert len(shown) == 10 and all(h in (0.1, 0.2) for h in shown)
    assert "1 小时 7 分 30 秒" in html and "1.5 标准学时" in html  # the total: 4050 s
    assert round(sum(shown), 1) == 1.5  # floored day by day they would show 1.0
