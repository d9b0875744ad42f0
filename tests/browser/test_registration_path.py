"""The whole path in Chromium: apply on the public page, get approved, pay, be refused for hours,
get unlocked, register for the exam."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from learning.db import get_database
from learning.models import ExamRegistration, Programme
from learning.services import exam_sessions
from tests.browser.conftest import LiveServer, log_in

SHOTS = Path("/tmp/learning-screenshots")
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 256


def test_apply_approve_pay_refuse_unlock_register(browser, live_server: LiveServer, tmp_path):
    app = live_server.app
    with get_database(app).transaction() as session:
        programme = session.scalar(select(Programme).where(Programme.code == "aviation-3"))
        exam = exam_sessions.create_session(
            session,
            work_type_code="aviation",
            level=3,
            schedule=exam_sessions.Schedule(
                starts_on=_days(app, 40),
                registration_closes_on=_days(app, 30),
                place="白云机场培训中心",
                capacity=20,
                coaching_starts_on=_days(app, 32),
                coaching_hours=21.3,
            ),
            now=app.extensions["clock"].now(),
            actor_id=None,
        )
        exam_id = exam.id
        assert programme is not None
    proof = tmp_path / "毕业证.png"
    proof.write_bytes(PNG)
    SHOTS.mkdir(parents=True, exist_ok=True)

    applicant = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = applicant.new_page()
    page.goto(f"{live_server.url}/register")
    for name, value in {
        "username": "pilot2026",
        "password": "orchard kite pebble",
        "confirm": "orchard kite pebble",
        "real_name": "周航",
        "id_number": "110105197001010011",  # not used by the other browser tests' applicants
        "phone": "13900139000",
        "employer": "南方航空",
        "years_of_work": "11",
    }.items():
        page.fill(f"input[name={name}]", value)
    page.select_option("select[name=programme]", "aviation-3")
    page.set_input_files("input[name=documents]", [str(proof)])
    page.check("input[name=declaration]")
    page.screenshot(path=str(SHOTS / "register-form.png"), full_page=True)
    page.click("form button.primary")
    page.wait_for_url("**/me/applications")
    assert "L3-a 符合" in page.inner_text("main")

    staff = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    admin = staff.new_page()
    log_in(admin, live_server.url, "admin")
    admin.goto(f"{live_server.url}/admin/applications")
    admin.click('table a:text-is("审核")')
    admin.wait_for_load_state("networkidle")
    admin.screenshot(path=str(SHOTS / "review.png"), full_page=True)
    assert admin.input_value("select[name=condition]") == "L3-a"
    admin.click("input[name=approve]")
    admin.wait_for_url("**/admin/applications")

    page.goto(f"{live_server.url}/me/applications")
    page.click("text=进入课程")
    enrolment_url = page.url
    admin.goto(enrolment_url)
    admin.select_option("select[name=kind]", "training")
    admin.fill("input[name=amount_yuan]", "2400")
    admin.fill("input[name=paid_on]", _days(app, 0).isoformat())
    admin.fill("input[name=method]", "银行转账")
    admin.fill("input[name=receipt_no]", "CA-2026-0001")
    admin.click("text=登记缴费")
    admin.wait_for_load_state("networkidle")

    page.goto(enrolment_url)
    page.click("#exams ~ .table-wrap button.primary")
    page.wait_for_load_state("networkidle")
    refusal = page.inner_text(".flash-error")
    assert "报名本次考试还差 58.7 标准学时" in refusal  # 80 - 21.3 of coaching, nothing studied
    page.screenshot(path=str(SHOTS / "exam-refused.png"))

    admin.goto(enrolment_url)
    admin.fill("input[name=reason]", "已在其他机构完成同等学时，材料已核实")
    admin.click("input[name=unlock]")
    admin.wait_for_load_state("networkidle")

    page.goto(enrolment_url)
    page.click("#exams ~ .table-wrap button.primary")
    page.wait_for_load_state("networkidle")
    assert "考试报名成功" in page.inner_text(".flash")
    with get_database(app).transaction() as session:
        assert session.scalar(
            select(ExamRegistration.id).where(ExamRegistration.exam_session_id == exam_id)
        )
    applicant.close()
    staff.close()


def _days(app: Flask, offset: int) -> date:
    return (app.extensions["clock"].now() + timedelta(days=offset)).date()
