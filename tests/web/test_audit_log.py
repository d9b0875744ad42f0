"""The audit log as people read it: each entry a sentence in the page's language, with who did it
and when, on the enrolment's page and on the admins' whole log, which filters by the kind of
action, the actor and the days and answers every query string without failing."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session

from learning.services import audit, classes, enrolments, exam_sessions, exams, fees
from tests.conftest import Client
from tests.factories import Factory

CODES = re.compile(r"\b[a-z_]+\.[a-z_]+\b")  # eligibility.unlock, fee.record, ...


def seen(html: str) -> str:
    """The text a person reads: no tags, no scripts."""
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def english(client: Client) -> Client:
    answer = client.post_form("/language", {"language": "en"})
    assert answer.status_code == 303
    return client


@pytest.fixture
def history(make: Factory, db_session: Session):
    """An enrolment with one entry of each main kind: unlock, payment, move, results; and an
    exam session edited and cancelled."""
    admin = make.admin(display_name="王主任")
    first = make.training_class(make.instructor(), name="一班")
    second = make.training_class(make.instructor(), name="二班")
    enrolment = make.enrolment(make.trainee(display_name="李明"), "accounting-4", first)
    now, today = make.clock.now(), make.clock.now().date()
    enrolments.set_exam_unlock(
        make.session, enrolment, unlocked=True, reason="企业内训学时已核实", now=now,
        actor_id=admin.id,
    )  # fmt: skip
    fees.record_payment(
        make.session, enrolment=enrolment, amount_fen=120000, paid_on=today, method="银行转账",
        receipt_no="R-001", kind="training", today=today, now=now, actor_id=admin.id,
    )  # fmt: skip
    classes.move_enrolment(make.session, enrolment, second, now=now, actor_id=admin.id)
    sitting = make.exam_session(starts_on=today, registration_closes_on=today)
    registration = make.registration(enrolment, sitting)
    exams.record_results(
        make.session, registration, scores={"theory": 78, "skill": 85},
        certificate_no="Y" + "1" * 21, certificate_issued_on=today, today=today, now=now,
        actor_id=admin.id,
    )  # fmt: skip
    later = make.exam_session(starts_on=today + timedelta(days=60))
    schedule = exam_sessions.schedule_of(later)
    exam_sessions.update_session(
        make.session, later, exam_sessions.Schedule(**{**schedule.__dict__, "capacity": 40}),
        today=today, now=now, actor_id=admin.id,
    )  # fmt: skip
    exam_sessions.cancel_session(
        make.session, later, reason="考点装修", today=today, now=now, actor_id=admin.id
    )
    make.commit()
    return admin, enrolment


WORDS = {
    "zh": [
        "解锁考试报名：原因 企业内训学时已核实",
        "登记缴费：培训费 ¥1,200.00（收据 R-001），缴费日期 2026-03-02，银行转账",
        "调班：从「一班」到「二班」",
        "记录成绩：理论 78 分、技能 85 分，合格，证书编号 Y111111111111111111111",
        "修改考试批次：2026-05-01 碳排放核算员 · 四级/中级工，名额：5 → 40",
        "取消考试批次：2026-05-01 碳排放核算员 · 四级/中级工，原因 考点装修",
        "王主任",
    ],
    "en": [
        "Exam registration unlocked: reason 企业内训学时已核实",
        "Payment recorded: training fee ¥1,200.00 (receipt R-001); paid on 2026-03-02; 银行转账",
        "Moved to another class: from 一班 to 二班",
        "Results recorded: theory 78, skill 85; Passed; certificate number Y111111111111111111111",
        "Exam session changed: Carbon emission accountant · Level 4 / Intermediate on 2026-05-01;"
        " seats: 5 → 40",
        "Exam session cancelled: Carbon emission accountant · Level 4 / Intermediate on"
        " 2026-05-01; reason 考点装修",
    ],
}


def test_the_enrolment_page_tells_its_entries_in_words(login, history) -> None:
    admin, enrolment = history
    client = login(admin)
    page = seen(client.get(f"/enrolments/{enrolment.id}").get_data(as_text=True))
    for words in WORDS["zh"][:4]:
        assert words in page
    assert "王主任" in page
    assert not CODES.findall(page.split("审计日志", 1)[1]), CODES.findall(page)
    assert '"amount_fen"' not in page and "{" not in page.split("审计日志", 1)[1]
    page = seen(english(client).get(f"/enrolments/{enrolment.id}").get_data(as_text=True))
    for words in WORDS["en"][:4]:
        assert words in page


def test_the_whole_log_tells_every_entry_in_words_in_either_language(login, history) -> None:
    admin, enrolment = history
    client = login(admin)
    html = client.get("/admin/audit").get_data(as_text=True)
    page = seen(html)
    for words in WORDS["zh"]:
        assert words in page, words
    assert f'href="/enrolments/{enrolment.id}">李明 · 碳排放核算员 · 四级/中级工</a>' in html
    log = page.split("操作内容", 1)[1]
    assert not CODES.findall(log), CODES.findall(log)
    assert "accounting-4" not in log
    page = seen(english(client).get("/admin/audit").get_data(as_text=True))
    for words in WORDS["en"]:
        assert words in page, words


def test_an_action_without_words_of_its_own_is_still_told_in_words(
    login, make: Factory, history
) -> None:
    admin, enrolment = history
    audit.record(
        make.session,
        at=make.clock.now(),
        actor_id=None,
        action="exam_session.postpone",
        details={"before": {"starts_on": "2026-05-01"}, "after": {"starts_on": "2026-06-01"}},
        reason="暴雨",
    )
    audit.record(
        make.session,
        at=make.clock.now(),
        actor_id=admin.id,
        action="ledger.rebalance",
        enrolment_id=enrolment.id,
        details={"weird": {"nested": [1, 2]}, "amount_fen": 5000},
    )
    make.commit()
    client = login(admin)
    page = seen(client.get("/admin/audit").get_data(as_text=True))
    assert "考试批次：其他变更：考试日期：2026-05-01 → 2026-06-01，原因 暴雨" in page
    assert "系统" in page
    assert "其他变更：金额：¥50.00" in page
    assert "ledger" not in page and "weird" not in page and "postpone" not in page
    page = seen(english(client).get("/admin/audit").get_data(as_text=True))
    assert "Exam session: other change: exam day: 2026-05-01 → 2026-06-01; reason 暴雨" in page
    assert "Other change: amount: ¥50.00" in page


def test_the_filters_narrow_the_log(login, make: Factory, history) -> None:
    admin, enrolment = history
    someone = make.admin(display_name="赵会计")
    audit.record(
        make.session,
        at=make.clock.now() - timedelta(days=40),
        actor_id=someone.id,
        action="fee.record",
        enrolment_id=enrolment.id,
        details={"kind": "assessment", "amount_fen": 30000, "receipt_no": "R-OLD"},
    )
    make.commit()
    client = login(admin)

    def rows(query: str) -> str:
        answer = client.get("/admin/audit" + query)
        assert answer.status_code == 200
        return seen(answer.get_data(as_text=True).split("<tbody>", 1)[1])

    page = client.get("/admin/audit").get_data(as_text=True)
    assert '<option value="fee.record">登记缴费</option>' in page
    assert f'<option value="{someone.id}">赵会计</option>' in page
    payments = rows("?action=fee.record")
    assert "R-001" in payments and "R-OLD" in payments and "调班" not in payments
    assert "R-OLD" in rows(f"?actor={someone.id}") and "R-001" not in rows(f"?actor={someone.id}")
    by_the_system = rows("?actor=system")
    assert "新建用户" in by_the_system and "解锁考试报名" not in by_the_system
    today = make.clock.now().date()
    recent = rows(f"?date_from={(today - timedelta(days=7)).isoformat()}")
    assert "R-001" in recent and "R-OLD" not in recent
    old = rows(f"?date_to={(today - timedelta(days=30)).isoformat()}")
    assert "R-OLD" in old and "R-001" not in old
    assert "R-OLD" in rows(f"?date_from={today - timedelta(days=40)}&date_to={today}")


@pytest.mark.parametrize(
    "query",
    [
        "?action=no.such.thing",
        "?action=%00",
        "?actor=999999999999999999999",
        "?actor=-1",
        "?actor=trainees",
        "?actor=system&action=fee.record",
        "?date_from=2026-13-45",
        "?date_from=0001-01-01&date_to=9999-12-31",
        "?date_from=2026-03-02&date_to=2026-01-01",
        "?page=-3",
        "?page=abc",
        "?page=99999999999999999999",
        "?page=500",
        "?date_from=%F0%9F%98%80&actor[]=1&action=fee.record&action=exam.results",
    ],
)
def test_odd_query_strings_never_fail(login, history, query: str) -> None:
    admin, _enrolment = history
    answer = login(admin).get("/admin/audit" + query)
    if "%00" in query:  # a NUL is refused wherever it comes from
        assert answer.status_code == 400
        return
    assert answer.status_code == 200
    assert "审计日志" in answer.get_data(as_text=True)


def test_a_refused_filter_value_is_explained_and_narrows_nothing(login, history) -> None:
    admin, _enrolment = history
    html = login(admin).get("/admin/audit?date_from=2026-03-02&date_to=2026-01-01")
    page = html.get_data(as_text=True)
    assert "结束日期早于开始日期" in page
    assert "调班" in seen(page)


def test_the_log_is_paged_newest_first(login, make: Factory, history) -> None:
    admin, _enrolment = history
    for number in range(60):
        audit.record(
            make.session,
            at=make.clock.now() + timedelta(minutes=number),
            actor_id=admin.id,
            action="user.password",
            subject=f"user:{admin.id}",
            details={"must_change": False},
        )
    make.commit()
    client = login(admin)
    first = client.get("/admin/audit").get_data(as_text=True)
    assert "1 / 2" in first and "?page=2" in first
    assert "设置密码：王主任" in seen(first)
    second = seen(client.get("/admin/audit?page=2").get_data(as_text=True))
    assert "调班" in second  # the oldest entries are on the last page


def test_only_admins_reach_the_log_and_it_is_in_their_navigation(login, make: Factory) -> None:
    admin = login(make.admin())
    assert 'href="/admin/audit"' in admin.get("/admin").get_data(as_text=True)
    assert login(make.instructor()).get("/admin/audit").status_code == 403
    assert login(make.trainee()).get("/admin/audit").status_code == 403


def test_dates_are_the_training_body_s_days(login, make: Factory, history) -> None:
    """An entry at 01:00 UTC on 2 March is on 2 March in Asia/Shanghai (09:00)."""
    admin, _enrolment = history
    client = login(admin)

    def rows(query: str) -> str:
        return seen(client.get("/admin/audit" + query).data.decode().split("<tbody>", 1)[1])

    day = date(2026, 3, 2).isoformat()
    assert "调班" in rows(f"?date_from={day}&date_to={day}")
    assert "调班" not in rows(f"?date_to={date(2026, 3, 1).isoformat()}")
    assert "调班" not in rows(f"?date_from={date(2026, 3, 3).isoformat()}")


def test_a_video_in_many_programmes_says_how_many(login, make: Factory) -> None:
    codes = ["accounting-4", "accounting-3", "accounting-2", "verification-3"]
    make.video(*codes, title="第一讲", duration_s=2700)
    make.video("accounting-4", title="第二讲", duration_s=600)
    make.commit()
    page = seen(login(make.admin()).get("/admin/audit?action=video.add").get_data(as_text=True))
    assert "新增视频：第一讲，45:00，4 个培训项目" in page
    assert "新增视频：第二讲，10:00，碳排放核算员 四级" in page


def test_a_photo_and_a_contact_change_read_as_words(login, make: Factory) -> None:
    trainee = make.trainee(display_name="周敏")
    for replaced in (False, True):
        audit.record(
            make.session,
            at=make.clock.now(),
            actor_id=trainee.id,
            action="profile.photo",
            subject=f"user:{trainee.id}",
            details={"replaced": replaced},
        )
    audit.record(
        make.session,
        at=make.clock.now(),
        actor_id=trainee.id,
        action="profile.contact",
        subject=f"user:{trainee.id}",
        details={"fields": ["phone", "email"]},
    )
    make.commit()
    client = login(make.admin())
    page = seen(client.get("/admin/audit?actor=trainees").get_data(as_text=True))
    assert "上传证件照：周敏" in page and "上传证件照：周敏，替换原有照片" in page
    assert "修改联系方式：手机号、电子邮箱" in page
    page = seen(english(client).get("/admin/audit?actor=trainees").get_data(as_text=True))
    assert "Identity photo uploaded: 周敏; in place of the earlier one" in page
    assert "Contact details changed: mobile phone, e-mail" in page
