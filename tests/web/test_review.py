"""The study review queue as an admin uses it: evidence in words, clear with a note, void with a
reason; after a void the hours drop, the trainee's record says why, and a rebuild agrees."""

from __future__ import annotations

import random

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from learning.db import get_database
from learning.jobs import tasks
from learning.models import AuditEntry, Enrolment, PlaybackVoid, ReviewFlag, StudyDay
from learning.services import recompute
from tests.api.player import Player
from tests.factories import Factory
from tests.review_study import checks_every_minute, study


def flagged_script(app: Flask, login, make: Factory, clock, db_session: Session) -> Enrolment:
    """A trainee who studied like a script, flagged by the nightly job."""
    checks_every_minute(app)
    video = make.video("accounting-4", duration_s=3600)
    enrolment = make.enrolment(make.trainee())
    make.commit()
    player = Player(login(enrolment.trainee), clock, enrolment.id, video.id)
    study(player, db_session, enrolment.trainee.id, minutes=15, scripted=True, rng=random.Random())
    clock.advance(minutes=40)  # past the grace period: the playback has ended
    context = tasks.JobContext(get_database(app), clock.now(), app.config["TIMEZONE"])
    assert tasks.flag_implausible_study(context)["flagged"] == 1
    return enrolment


def kept_totals(db_session: Session, enrolment_id: int) -> tuple:
    db_session.expire_all()
    days = db_session.scalars(select(StudyDay).where(StudyDay.enrolment_id == enrolment_id))
    return (
        db_session.get(Enrolment, enrolment_id).online_s,
        sorted((str(day.day), day.credited_ms, sorted(day.not_credited.items())) for day in days),
    )


def test_only_admins_see_the_review(login, make: Factory) -> None:
    for user in (make.trainee(), make.instructor()):
        assert login(user).get("/admin/review/").status_code == 403


def test_an_admin_voids_a_scripts_credit_with_a_reason(
    app: Flask, login, make: Factory, clock, db_session
) -> None:
    enrolment = flagged_script(app, login, make, clock, db_session)
    online_before = kept_totals(db_session, enrolment.id)[0]
    assert online_before >= 14 * 60
    client = login(make.admin())
    queue = client.get("/admin/review/").get_data(as_text=True)
    assert enrolment.trainee.display_name in queue
    flag = db_session.scalars(select(ReviewFlag)).one()
    page = client.get(f"/admin/review/{flag.id}").get_data(as_text=True)
    assert "1.1 s" in page  # the presence checks, answered 1.05 s after their picture

    url = f"/admin/review/{flag.id}/void"
    refused = client.post_form(url, {"note": " "})
    assert refused.status_code == 400
    assert kept_totals(db_session, enrolment.id)[0] == online_before
    response = client.post_form(url, {"note": "脚本刷课"})
    assert response.status_code == 302

    online_after, days = kept_totals(db_session, enrolment.id)
    assert online_after == 0
    assert any(("voided", online_before * 1000) <= item for _d, _c, r in days for item in r)
    assert db_session.scalars(select(PlaybackVoid)).one().reason == "脚本刷课"
    assert db_session.get(ReviewFlag, flag.id).status == "voided"
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "review.void"))
    assert entry.reason == "脚本刷课" and entry.enrolment_id == enrolment.id
    record = login(enrolment.trainee).get("/me/record").get_data(as_text=True)
    assert "脚本刷课" in record
    # rule 11: the stored totals are what replaying the inputs gives, voids included
    now_ms = int(clock.now().timestamp() * 1000)
    assert recompute.compare(db_session, now_ms=now_ms) == []
    before = kept_totals(db_session, enrolment.id)
    rebuilt = recompute.replay(db_session, [enrolment.trainee.id])
    recompute.write_totals(db_session, rebuilt, now_ms=now_ms, trainee_ids=[enrolment.trainee.id])
    db_session.flush()
    assert kept_totals(db_session, enrolment.id) == before
    # decided: no second decision
    again = client.post_form(url, {"note": "again"})
    assert again.status_code == 400


def test_an_admin_clears_a_flag_with_a_note(
    app: Flask, login, make: Factory, clock, db_session
) -> None:
    enrolment = flagged_script(app, login, make, clock, db_session)
    online = kept_totals(db_session, enrolment.id)
    client = login(make.admin())
    flag = db_session.scalars(select(ReviewFlag)).one()
    url = f"/admin/review/{flag.id}/clear"
    assert client.post_form(url, {"note": ""}).status_code == 400
    response = client.post_form(url, {"note": "本人确认在场"})
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(ReviewFlag, flag.id).status == "cleared"
    assert kept_totals(db_session, enrolment.id) == online
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "review.clear"))
    assert entry.reason == "本人确认在场"
    log = client.get("/admin/audit").get_data(as_text=True)
    assert "本人确认在场" in log
    # what a person has judged is not flagged again
    context = tasks.JobContext(get_database(app), clock.now(), app.config["TIMEZONE"])
    assert tasks.flag_implausible_study(context) == {"suspicious": 0, "flagged": 0}
