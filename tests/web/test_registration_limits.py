"""The public registration cannot be flooded: applications and proof files per address, bytes
per application, one open application per mobile number (ASVS 11.1, 12.1)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from learning.domain.eligibility import Evidence
from learning.models import Application, ThrottleHit, User
from learning.services import ServiceError, accounts, applications, catalogue, throttle
from learning.services.identity import check_digit
from tests.conftest import Client
from tests.factories import Factory
from tests.web.test_registration import PNG, form

PHONE = "13900001111"


def id_number(n: int) -> str:
    first17 = f"11010519800101{n:03d}"
    return first17 + check_digit(first17)


def person(n: int, **changes: str) -> dict[str, str]:
    return {
        "username": f"person{n}",
        "id_number": id_number(n),
        "phone": f"1390000{n:04d}",
        **changes,
    }


def new_client(app: Flask) -> Client:
    app.test_client_class = Client
    return app.test_client()  # type: ignore[return-value]


def send(
    client: Client, files: list[tuple[bytes, str]], address: str = "127.0.0.1", **changes: str
):
    data = form(client, **changes)
    data["documents"] = [(io.BytesIO(content), name) for content, name in files]
    return client.post(
        "/register",
        data=data,
        content_type="multipart/form-data",
        environ_base={"REMOTE_ADDR": address},
    )


def held_files(app: Flask) -> list[Path]:
    return sorted((Path(app.config["UPLOAD_FOLDER"]) / "held-proofs").glob("*/*.bin"))


def count(db_session: Session, statement) -> int:
    db_session.expire_all()
    return db_session.scalar(statement) or 0


def hits(db_session: Session, kind: str) -> int:
    return count(db_session, select(func.count(ThrottleHit.id)).where(ThrottleHit.kind == kind))


def test_the_application_past_the_address_limit_is_refused_in_words_and_nothing_written(
    app: Flask, db_session: Session, clock
) -> None:
    app.config["APPLICATIONS_PER_ADDRESS"] = 2
    for n in range(2):
        response = send(new_client(app), [(PNG, "id.png")], **person(n))
        assert response.status_code == 303, response.get_data(as_text=True)[-2000:]

    response = send(new_client(app), [(PNG, "id.png")], **person(2))

    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 24 * 3600
    page = response.get_data(as_text=True)
    assert "今天从您所在网络提交的报名过多" in page and "小时后再试" in page
    assert 'name="real_name"' in page  # the form again, as typed
    assert count(db_session, select(func.count(Application.id))) == 2
    assert count(db_session, select(User.id).where(User.username == "person2")) == 0
    assert held_files(app) == []  # its proof was not kept either
    assert hits(db_session, throttle.APPLICATION_ADDRESS) == 2
    assert hits(db_session, throttle.PROOF_UPLOAD_ADDRESS) == 2

    other = send(new_client(app), [(PNG, "id.png")], address="198.51.100.9", **person(3))
    assert other.status_code == 303  # another network is not held up

    clock.advance(hours=24)
    later = send(new_client(app), [(PNG, "id.png")], **person(2))
    assert later.status_code == 303  # a day on, the address may send again


def test_proof_files_past_the_address_limit_are_refused_in_words_and_not_kept(
    app: Flask, db_session: Session, clock
) -> None:
    app.config["PROOF_UPLOADS_PER_ADDRESS"] = 3
    client = new_client(app)
    mistake = {"confirm": "other1234", **person(1)}
    first = send(client, [(PNG, "a.png"), (PNG, "b.png")], **mistake)
    assert first.status_code == 200 and len(held_files(app)) == 2

    second = send(client, [(PNG, "c.png"), (PNG, "d.png")], **mistake)

    assert second.status_code == 429
    assert int(second.headers["Retry-After"]) == 3600  # the clock stood still: a whole hour
    page = second.get_data(as_text=True)
    assert "最近一小时从您所在网络上传的文件过多" in page and "分钟后再试" in page
    assert len(held_files(app)) == 2
    assert hits(db_session, throttle.PROOF_UPLOAD_ADDRESS) == 2

    another = new_client(app)  # a new session from the same address counts the same
    refused = send(another, [(PNG, "e.png"), (PNG, "f.png")], **person(2, confirm="x"))
    assert refused.status_code == 429

    clock.advance(hours=1)
    accepted = send(client, [(PNG, "c.png"), (PNG, "d.png")], **person(1))
    assert accepted.status_code == 303
    db_session.expire_all()
    application = db_session.scalar(select(Application))
    assert len(application.documents) == 4


def test_proofs_past_the_bytes_of_one_application_are_refused_in_words(
    app: Flask, db_session: Session
) -> None:
    app.config["APPLICATION_MAX_BYTES"] = 1000  # stands in for 30 MB (see test_registration)
    client = new_client(app)
    file = PNG + b"\0" * (400 - len(PNG))

    at_once = send(client, [(file, "a.png"), (file, "b.png"), (file, "c.png")], **person(1))
    assert at_once.status_code == 200
    assert "一份报名的证明材料合计不超过" in at_once.get_data(as_text=True)
    assert held_files(app) == []

    mistake = {"confirm": "other1234", **person(1)}
    assert send(client, [(file, "a.png"), (file, "b.png")], **mistake).status_code == 200
    added = send(client, [(file, "c.png")], **person(1))
    assert added.status_code == 200
    assert "一份报名的证明材料合计不超过" in added.get_data(as_text=True)
    assert len(held_files(app)) == 2
    assert count(db_session, select(func.count(Application.id))) == 0

    assert send(client, [], **person(1)).status_code == 303  # the two held ones fit


def test_a_returned_application_takes_no_more_bytes_than_its_budget(
    app: Flask, db_session: Session, make: Factory, login
) -> None:
    app.config["APPLICATION_MAX_BYTES"] = 1000
    file = PNG + b"\0" * (400 - len(PNG))
    assert send(new_client(app), [(file, "a.png"), (file, "b.png")], **person(1)).status_code == 303
    application = db_session.scalar(select(Application))
    applications.return_for_changes(
        make.session, application, note="请补充", now=make.clock.now(), actor_id=make.admin().id
    )
    make.commit()
    applicant = new_client(app)
    assert applicant.log_in("person1", "orchard kite pebble").status_code == 303
    data = {**form(applicant), "documents": [(io.BytesIO(file), "c.png")]}
    response = applicant.post(
        f"/me/applications/{application.id}/edit", data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 200
    assert "一份报名的证明材料合计不超过" in response.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(Application, application.id).status == "returned"


def test_a_phone_number_opens_one_application_at_a_time(
    app: Flask, db_session: Session, make: Factory
) -> None:
    assert send(new_client(app), [(PNG, "id.png")], **person(1, phone=PHONE)).status_code == 303

    for phone in (PHONE, "１３９００００１１１１"):  # full-width digits are the same number
        response = send(new_client(app), [(PNG, "id.png")], **person(2, phone=phone))
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "该手机号码已用于一份尚未结束的报名" in page
        assert "person1" not in page and id_number(1) not in page  # whose is not said
        assert count(db_session, select(User.id).where(User.username == "person2")) == 0
    assert count(db_session, select(func.count(Application.id))) == 1

    first = db_session.scalar(select(Application))
    applications.reject(
        make.session, first, reason="证明不足", now=make.clock.now(), actor_id=make.admin().id
    )
    make.commit()
    again = send(new_client(app), [(PNG, "id.png")], **person(2, phone=PHONE))
    assert again.status_code == 303  # a closed application no longer holds the number


def test_an_account_applying_again_cannot_take_a_number_with_an_open_application(
    app: Flask, db_session: Session, make: Factory, login
) -> None:
    assert send(new_client(app), [(PNG, "id.png")], **person(1, phone=PHONE)).status_code == 303
    trainee = make.trainee()
    trainee.profile.phone = PHONE
    client = login(trainee)
    data = {**form(client), "documents": [(io.BytesIO(PNG), "id.png")]}
    response = client.post("/me/applications/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 200
    assert "该手机号码已用于一份尚未结束的报名" in response.get_data(as_text=True)
    assert count(db_session, select(func.count(Application.id))) == 1


def test_the_service_refuses_a_second_open_application_with_the_number(
    app: Flask, make: Factory
) -> None:
    programme = catalogue.programme_by_code(make.session, "accounting-4")

    def submit(n: int, phone: str) -> Application:
        return applications.submit(
            make.session,
            username=f"svc{n}",
            password="orchard kite pebble",
            profile=accounts.ProfileData(real_name="某人", phone=phone),
            programme=programme,
            evidence=Evidence(years_of_work=6),
            uploads=[],
            upload_folder=app.config["UPLOAD_FOLDER"],
            now=make.clock.now(),
            hash_method="pbkdf2:sha256:1000",
        )

    assert submit(1, "139 0000 1111").phone == PHONE
    with pytest.raises(ServiceError) as refused:
        submit(2, PHONE)
    assert refused.value.code == "phone_has_application"
