"""Figures shown side by side add up (issue 18): online and offline standard hours are rounded
once, on their total, on every page that shows them with the credited hours."""

from __future__ import annotations

from learning.services.enrolments import summarise
from tests.factories import Factory


def test_online_and_offline_add_up_to_the_credited_hours(login, make: Factory) -> None:
    """0.15 standard hours online and 0.15 offline: 0.1 and 0.2 beside 0.3, not 0.1 and 0.1."""
    trainee = make.trainee()
    enrolment = make.enrolment(trainee, "accounting-4")
    enrolment.online_s, enrolment.offline_s = 405, 405  # 0.15 of a 45-minute hour each
    make.commit()
    shown = summarise(enrolment, training_fee_paid=False)
    assert (shown.online_hours, shown.offline_hours, shown.credited_hours) == (0.1, 0.2, 0.3)
    page = login(trainee).get(f"/enrolments/{enrolment.id}").get_data(as_text=True)
    assert "0.1" in page and "0.2" in page and "0.3" in page
