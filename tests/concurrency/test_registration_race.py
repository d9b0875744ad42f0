"""Registrations racing: with one ID-card number, one account; with one mobile number, one open
application; the others told plainly (unique indexes hold where the checks before the inserts
cannot)."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from learning.db import get_database
from learning.models import Application, TraineeProfile
from tests.concurrency.test_races import THREADS, race
from tests.conftest import Client
from tests.web.test_registration import VALID_ID, form
from tests.web.test_registration_limits import PHONE, id_number


def test_one_account_per_id_number_under_a_race(live_app: Flask) -> None:
    clients: list[Client] = [live_app.test_client() for _ in range(THREADS)]  # type: ignore[misc]
    bodies = [
        form(client, username=f"racer{n:02d}", phone=f"1380013{n:04d}")
        for n, client in enumerate(clients)
    ]
    responses = race(
        [
            lambda c=client, b=body: c.post("/register", data=b, content_type="multipart/form-data")
            for client, body in zip(clients, bodies, strict=True)
        ]
    )
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] * (THREADS - 1) + [303]
    for response in responses:
        if response.status_code == 200:
            assert "该身份证号码已有账号" in response.get_data(as_text=True)
    with get_database(live_app).session_factory() as session:
        count = select(func.count()).where(TraineeProfile.id_number == VALID_ID)
        assert session.scalar(count) == 1


def test_one_open_application_per_phone_under_a_race(live_app: Flask) -> None:
    """Different people (accounts, ID numbers) giving one mobile number at the same moment:
    one application, and the others told plainly (the partial unique index holds)."""
    clients: list[Client] = [live_app.test_client() for _ in range(THREADS)]  # type: ignore[misc]
    bodies = [
        form(client, username=f"racer{n:02d}", id_number=id_number(n), phone=PHONE)
        for n, client in enumerate(clients)
    ]
    responses = race(
        [
            lambda c=client, b=body: c.post("/register", data=b, content_type="multipart/form-data")
            for client, body in zip(clients, bodies, strict=True)
        ]
    )
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] * (THREADS - 1) + [303]
    for response in responses:
        if response.status_code == 200:
            assert "该手机号码已用于一份尚未结束的报名" in response.get_data(as_text=True)
    with get_database(live_app).session_factory() as session:
        assert session.scalar(select(func.count(Application.id))) == 1
        assert session.scalar(select(func.count(TraineeProfile.user_id))) == 1
