"""Fees recorded for many enrolments from the payments sheet, as the training office does."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from learning.models import AuditEntry, Payment
from tests.factories import Factory


def _filled(sheet: bytes, fill: dict[str, dict[str, object]], extra=()) -> bytes:
    book = load_workbook(io.BytesIO(sheet))
    rows = book.active.iter_rows()
    header = [cell.value for cell in next(rows)]
    for row in rows:
        for column, value in fill.get(row[header.index("姓名")].value, {}).items():
            row[header.index(column)].value = value
    for values in extra:
        book.active.append([values.get(h) for h in header])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _check(admin, data: bytes):
    return admin.post_form(
        "/admin/payments",
        {"file": (io.BytesIO(data), "缴费.xlsx")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)


PAID = {"费用类型": "培训费", "缴费日期": "2026-03-01", "缴费方式": "银行转账"}


def test_the_sheet_lists_fees_owed_and_records_them_once_right(
    login, make: Factory, db_session: Session
) -> None:
    owing = [make.enrolment(make.trainee(display_name=n), "accounting-4") for n in "甲乙丙"]
    paid = make.enrolment(make.trainee(display_name="已缴"), "accounting-4")
    make.payment(paid, amount_fen=10**7)
    make.enrolment(make.trainee(display_name="未审核"), "accounting-4", approved=False)
    make.commit()
    admin = login(make.admin())
    page = admin.get("/admin/payments").get_data(as_text=True)
    assert "下载欠费名单" in page
    sheet = admin.get("/admin/payments/sheet.xlsx")
    names = [row[1] for row in load_workbook(io.BytesIO(sheet.data)).active.values][1:]
    assert sorted(names) == ["丙", "乙", "甲"]  # neither the paid nor the unapproved

    bad = _filled(
        sheet.data,
        {
            "甲": {**PAID, "金额（元）": "2200", "收据号": "R-1"},
            "乙": {**PAID, "金额（元）": "22.005", "收据号": "R-1"},
            "丙": {**PAID, "金额（元）": 1800, "缴费日期": "2026-13-01", "收据号": "R-3"},
        },
    )
    checked = _check(admin, bad)
    assert "4 个问题，未保存任何内容" in checked
    assert "金额以元为单位，最多精确到分" in checked and "日期格式为 YYYY-MM-DD" in checked
    assert checked.count("收据 R-1 已登记") == 2
    assert db_session.scalar(select(func.count(Payment.id))) == 1

    good = _filled(
        sheet.data,
        {
            "甲": {**PAID, "金额（元）": "2200", "收据号": "R-1"},
            "乙": {**PAID, "金额（元）": "2,200.50", "收据号": "R-2"},
        },
        extra=[
            {
                "报名编号": owing[2].id,
                "姓名": "丙",
                **PAID,
                "费用类型": "考试费",
                "金额（元）": 300,
                "收据号": "R-3",
            }
        ],
    )
    checked = _check(admin, good)
    assert "将登记 3 笔缴费，共 ¥4,700.50" in checked
    assert db_session.scalar(select(func.count(Payment.id))) == 1  # nothing before the yes
    token = checked.split('action="/admin/payments/', 1)[1].split('"', 1)[0]
    done = admin.post_form(f"/admin/payments/{token}", follow_redirects=True).get_data(as_text=True)
    assert "已登记 3 笔缴费，共 ¥4,700.50" in done
    amounts = dict(
        db_session.execute(
            select(Payment.receipt_no, Payment.amount_fen).where(
                Payment.receipt_no.in_(["R-1", "R-2", "R-3"])
            )
        ).all()
    )
    assert amounts == {"R-1": 220000, "R-2": 220050, "R-3": 30000}
    assert (
        db_session.scalar(select(Payment.kind).where(Payment.receipt_no == "R-3")) == "assessment"
    )
    audits = db_session.scalars(select(AuditEntry).where(AuditEntry.action == "fee.record"))
    assert len(audits.all()) == 3
    again = _check(admin, good)
    assert "收据 R-1 已登记" in again  # a sheet uploaded twice records nothing twice


def test_a_sheet_naming_the_wrong_person_or_of_another_kind_is_refused(
    login, make: Factory
) -> None:
    enrolment = make.enrolment(make.trainee(display_name="张三"), "accounting-4")
    make.commit()
    admin = login(make.admin())
    sheet = admin.get("/admin/payments/sheet.xlsx").data
    wrong = _filled(sheet, {"张三": {"姓名": "李四", **PAID, "金额（元）": 10, "收据号": "X"}})
    assert "姓名与报名号不符（应为 张三）" in _check(admin, wrong)
    stranger = _filled(
        sheet,
        {},
        extra=[
            {
                "报名编号": enrolment.id + 999,
                "姓名": "王五",
                **PAID,
                "金额（元）": 10,
                "收据号": "Y",
            }
        ],
    )
    assert "没有这个报名编号" in _check(admin, stranger)
    assert "这不是按模板填写的缴费表" in _check(admin, b"PK\x03\x04 broken")
    assert "请选择文件" in admin.post_form("/admin/payments").get_data(as_text=True)


def test_only_admins_reach_the_payments_pages(login, make: Factory) -> None:
    for user in (make.trainee(), make.instructor()):
        make.commit()
        client = login(user)
        assert client.get("/admin/payments").status_code in (403, 404)
        assert client.get("/admin/payments/sheet.xlsx").status_code in (403, 404)


def test_an_amount_with_parts_of_a_fen_is_refused_not_rounded(
    login, make: Factory, db_session: Session
) -> None:
    """The payment form turned 2200.009 yuan into 2200.00 without a word, the programme's fee
    form likewise; the subsidies rounded it."""
    enrolment = make.enrolment(make.trainee(), "accounting-4")
    make.commit()
    admin = login(make.admin())
    page = admin.post_form(
        f"/enrolments/{enrolment.id}/payments",
        {
            "kind": "training",
            "amount_yuan": "2200.009",
            "paid_on": "2026-03-01",
            "method": "现金",
            "receipt_no": "FEN-1",
        },
    ).get_data(as_text=True)
    assert "最多精确到分" in page
    assert db_session.scalar(select(func.count(Payment.id))) == 0
