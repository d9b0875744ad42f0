"""An exam session run from its page: edited, cancelled with a reason, every candidate told."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from learning.models import AuditEntry, ExamRegistration, ExamSession, Notification
from learning.services import exam_sessions, exams
from tests.factories import Factory


def _edit(admin, exam: ExamSession, **changes: str):
    data = {
        "starts_on": "2026-05-20",
        "starts_at": "09:00",
        "registration_closes_on": "2026-05-01",
        "place": "考点",
        "capacity": "5",
        "coaching_starts_on": "",
        "coaching_hours": "0",
        **changes,
    }
    return admin.post_form(f"/admin/exam-sessions/{exam.id}/edit", data)


def test_an_edit_of_day_and_place_tells_every_candidate(
    login, make: Factory, db_session: Session
) -> None:
    exam = make.exam_session()
    one, two = (make.enrolment(make.trainee(), "accounting-4") for _ in range(2))
    make.registration(one, exam)
    make.registration(two, exam)
    make.commit()
    admin = login(make.admin())
    page = admin.get(f"/admin/exam-sessions/{exam.id}").get_data(as_text=True)
    assert "编辑考试批次" in page and "取消考试批次" in page

    saved = _edit(admin, exam, starts_on="2026-05-27", starts_at="14:30", place="广州市黄埔区考点")
    assert saved.status_code == 303
    db_session.expire_all()
    changed = db_session.get(ExamSession, exam.id)
    assert (changed.starts_on.isoformat(), changed.place) == ("2026-05-27", "广州市黄埔区考点")
    told = db_session.scalars(
        select(Notification).where(Notification.kind == "exam_session_changed")
    )
    assert sorted(n.user_id for n in told) == sorted([one.trainee_id, two.trainee_id])
    audit = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "exam_session.update"))
    assert audit.details["before"]["starts_on"] == "2026-05-20"
    assert audit.details["after"]["starts_at"] == "14:30"
    log = admin.get("/admin/audit").get_data(as_text=True)
    assert "广州市黄埔区考点" in log and "14:30" in log and "starts_on" not in log
    message = login(one.trainee).get("/me/notifications").get_data(as_text=True)
    assert "2026-05-27 14:30" in message and "广州市黄埔区考点" in message

    # seats only: nobody is told again
    assert (
        _edit(
            admin,
            exam,
            starts_on="2026-05-27",
            starts_at="14:30",
            place="广州市黄埔区考点",
            capacity="8",
        ).status_code
        == 303
    )
    assert len(db_session.scalars(select(Notification)).all()) == 2


def test_an_edit_is_refused_with_its_reason_and_keeps_what_was_typed(
    login, make: Factory, db_session: Session
) -> None:
    exam = make.exam_session(capacity=5)
    for _ in range(3):
        make.registration(make.enrolment(make.trainee(), "accounting-4"), exam)
    make.commit()
    admin = login(make.admin())
    fewer = _edit(admin, exam, capacity="2", place="新考点")
    assert fewer.status_code == 422
    html = fewer.get_data(as_text=True)
    assert "已有 3 个座位被占用" in html and 'value="新考点"' in html
    past = _edit(admin, exam, starts_on="2026-02-01", registration_closes_on="2026-01-20")
    assert "考试日期不能早于今天" in past.get_data(as_text=True)
    db_session.expire_all()
    assert (
        db_session.get(ExamSession, exam.id).capacity,
        db_session.get(ExamSession, exam.id).place,
    ) == (5, "考点")


def test_cancelling_asks_for_a_reason_and_a_yes_then_tells_each_candidate(
    login, make: Factory, db_session: Session, clock
) -> None:
    exam = make.exam_session()
    enrolment = make.enrolment(make.trainee(), "accounting-4")
    make.registration(enrolment, exam)
    make.commit()
    admin = login(make.admin())
    url = f"/admin/exam-sessions/{exam.id}/cancel"
    no_yes = admin.post_form(url, {"reason": "考场检修"})
    assert no_yes.status_code == 422
    no_reason = admin.post_form(url, {"reason": " ", "confirm": "y"})
    assert no_reason.status_code == 422
    db_session.expire_all()
    assert db_session.get(ExamSession, exam.id).status == "open"

    done = admin.post_form(
        url,
        {"reason": "考场检修", "confirm": "y"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "已通知 1 名考生" in done and "考场检修" in done
    assert "编辑考试批次" not in done  # nothing more to do with it
    message = login(enrolment.trainee).get("/me/notifications").get_data(as_text=True)
    assert "考场检修" in message and "2026-05-20" in message
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "exam_session.cancel"))
    assert entry.reason == "考场检修"
    log = admin.get("/admin/audit").get_data(as_text=True)
    assert (
        "取消考试批次：2026-05-20 碳排放核算员 · 四级/中级工，已有 1 名考生报名，原因 考场检修"
        in log
    )
    again = admin.post_form(
        url,
        {"reason": "再取消", "confirm": "y"},
        follow_redirects=True,
    )
    assert "该考试批次已取消" in again.get_data(as_text=True)
    # the scheduler never turns a cancelled session into a held one
    clock.set(datetime(2026, 6, 1, 8, tzinfo=UTC))
    db_session.expire_all()
    exam_sessions.advance_states(db_session, clock.now().date())
    assert db_session.get(ExamSession, exam.id).status == "cancelled"


def test_a_cancelled_sitting_is_no_earlier_sitting(make: Factory, db_session: Session) -> None:
    """A candidate of a cancelled session registers for the next as a first sitting: the
    training package still covers it, no assessment fee is due."""
    cancelled = make.exam_session()
    later = make.exam_session(
        starts_on=datetime(2026, 6, 20).date(), registration_closes_on=datetime(2026, 6, 1).date()
    )
    enrolment = make.enrolment(make.trainee(), "accounting-4")
    enrolment.online_s = 80 * 45 * 60
    make.payment(enrolment, amount_fen=10**7)
    make.registration(enrolment, cancelled)
    exam_sessions.cancel_session(
        db_session,
        cancelled,
        reason="改期",
        today=make.clock.now().date(),
        now=make.clock.now(),
        actor_id=make.admin().id,
    )
    found = exams.blockers(db_session, enrolment, later, today=make.clock.now().date())
    assert found.reasons == []


def _sitting(make: Factory, *names: str) -> tuple[ExamSession, list]:
    """A session held on 2026-05-20 with a candidate of each name, in seat order."""
    exam = make.exam_session()
    registrations = []
    for name in names:
        enrolment = make.enrolment(make.trainee(display_name=name), "accounting-4")
        registrations.append(make.registration(enrolment, exam))
    make.commit()
    return exam, registrations


def test_the_results_table_saves_every_candidate_at_once_or_nothing(
    login, make: Factory, db_session: Session, clock
) -> None:
    exam, (first, second, third) = _sitting(make, "甲", "乙", "丙")
    admin = login(make.admin())
    before = admin.get(f"/admin/exam-sessions/{exam.id}").get_data(as_text=True)
    assert "成绩从考试当天（2026-05-20）起登记" in before and "保存全部成绩" not in before
    clock.set(datetime(2026, 5, 21, 8, tzinfo=UTC))
    url = f"/admin/exam-sessions/{exam.id}/results"
    form = {
        "registration": [str(first.id), str(second.id), str(third.id)],
        f"r{first.id}-theory": "78",
        f"r{first.id}-skill": "85",
        f"r{first.id}-certificate_no": "S204400000001260400012",
        f"r{first.id}-certificate_issued_on": "2026-05-21",
        f"r{second.id}-theory": "55",
        f"r{second.id}-skill": "9O",  # a letter O typed for a zero
    }
    refused = admin.post_form(url, form)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "技能考核成绩：成绩须在 0 至 100 之间" in html and 'value="9O"' in html
    assert html.count('aria-invalid="true"') == 1  # the one bad cell is marked, not its row
    assert 'value="S204400000001260400012"' in html  # nothing typed is lost
    db_session.expire_all()
    assert {r.outcome for r in db_session.scalars(select(ExamRegistration))} == {None}

    form[f"r{second.id}-skill"] = "90"
    form[f"r{third.id}-absent"] = "y"
    saved = admin.post_form(url, form, follow_redirects=True).get_data(as_text=True)
    assert "成绩已保存：3 条有变化" in saved
    db_session.expire_all()
    outcomes = [db_session.get(ExamRegistration, r.id).outcome for r in (first, second, third)]
    assert outcomes == ["passed", "failed", "absent"]
    assert db_session.get(ExamRegistration, first.id).certificate_no == "S204400000001260400012"
    again = admin.post_form(url, form, follow_redirects=True).get_data(as_text=True)
    assert "成绩已保存：0 条有变化" in again  # the same values are not written twice
    audits = db_session.scalars(select(AuditEntry).where(AuditEntry.action == "exam.results"))
    assert len(audits.all()) == 3


def _filled(sheet: bytes, fill: dict[str, dict[str, object]]) -> bytes:
    """The downloaded sheet with cells filled in by candidate name and header."""
    book = load_workbook(io.BytesIO(sheet))
    rows = book.active.iter_rows()
    header = [cell.value for cell in next(rows)]
    for row in rows:
        name = row[header.index("姓名")].value
        for column, value in fill.get(name, {}).items():
            row[header.index(column)].value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_results_sheet_round_trip_shows_every_bad_cell_and_saves_once_right(
    login, make: Factory, db_session: Session, clock
) -> None:
    exam, (first, second) = _sitting(make, "张三", "李四")
    clock.set(datetime(2026, 5, 22, 8, tzinfo=UTC))
    admin = login(make.admin())
    downloaded = admin.get(f"/admin/exam-sessions/{exam.id}/results.xlsx")
    assert downloaded.status_code == 200
    header = [c.value for c in next(load_workbook(io.BytesIO(downloaded.data)).active.rows)]
    assert header[:3] == ["报名号", "座位号", "姓名"] and "理论知识考试成绩" in header
    bad = _filled(
        downloaded.data,
        {
            "张三": {"理论知识考试成绩": 88, "技能考核成绩": 101},
            "李四": {"缺考": "是", "技能考核成绩": 70, "证书编号": "S1"},
        },
    )
    upload = f"/admin/exam-sessions/{exam.id}/results/upload"
    checked = admin.post_form(
        upload,
        {"file": (io.BytesIO(bad), "成绩.xlsx")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    print(checked[checked.find('id="results"') :][:6000])
    assert "3 个问题，未保存任何内容" in checked
    assert "成绩须在 0 至 100 之间" in checked and "缺考者没有成绩" in checked
    assert "只有认定合格才能登记证书" in checked
    db_session.expire_all()
    assert db_session.get(ExamRegistration, first.id).outcome is None

    good = _filled(
        downloaded.data,
        {"张三": {"理论知识考试成绩": 88, "技能考核成绩": 91}, "李四": {"缺考": "是"}},
    )
    checked = admin.post_form(
        upload,
        {"file": (io.BytesIO(good), "成绩.xlsx")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "每一行都正确：将保存 2 条成绩" in checked
    db_session.expire_all()
    assert db_session.get(ExamRegistration, first.id).outcome is None  # not before the yes
    token = checked.split("/results/upload/", 1)[1].split('"', 1)[0]
    done = admin.post_form(
        f"/admin/exam-sessions/{exam.id}/results/upload/{token}",
        {},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "成绩已保存：2 条有变化" in done
    db_session.expire_all()
    assert db_session.get(ExamRegistration, first.id).scores == {"theory": 88, "skill": 91}
    assert db_session.get(ExamRegistration, second.id).outcome == "absent"
    reused = admin.post_form(
        f"/admin/exam-sessions/{exam.id}/results/upload/{token}",
        {},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "请重新上传" in reused


def test_a_sheet_with_rows_moved_or_of_another_kind_is_refused(login, make: Factory, clock) -> None:
    exam, _candidates = _sitting(make, "张三", "李四")
    clock.set(datetime(2026, 5, 22, 8, tzinfo=UTC))
    admin = login(make.admin())
    sheet = admin.get(f"/admin/exam-sessions/{exam.id}/results.xlsx").data
    scores = {"理论知识考试成绩": 80, "技能考核成绩": 80}
    swapped = _filled(
        sheet, {"张三": {"姓名": "李四", **scores}, "李四": {"姓名": "张三", **scores}}
    )
    upload = f"/admin/exam-sessions/{exam.id}/results/upload"

    def check(data: bytes, name: str = "成绩.xlsx") -> str:
        return admin.post_form(
            upload,
            {"file": (io.BytesIO(data), name)},
            content_type="multipart/form-data",
        ).get_data(as_text=True)

    assert check(swapped).count("姓名与报名号不符") == 2
    assert "不是从本页下载的成绩表" in check(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"0" * 100)
    assert "不是从本页下载的成绩表" in check(b"not a workbook", "x.xlsx")
