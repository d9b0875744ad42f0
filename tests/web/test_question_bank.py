"""The question bank's pages, used as an admin does: questions added, edited, retired and
brought back through the forms (with their CSRF tokens), the list with its filters and
statistics, the import from Excel checked and confirmed, and a programme's mock-exam format."""

from __future__ import annotations

import io
import re

from flask import Flask
from markupsafe import escape
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from learning.domain.exam_practice import Kind
from learning.models import AuditEntry, MockExamFormat, PracticeAnswer, Question
from learning.services import ServiceError, catalogue
from learning.texts.messages import describe
from tests.factories import Factory
from tests.unit.test_question_import import good_rows, row, workbook
from tests.web.forms import forms_of


def _message(app: Flask, reason: str, /, **params: object) -> str:
    """The words a page shows for a refusal, as the page escapes them."""
    with app.test_request_context():
        return escape(describe(ServiceError(reason, **params)))


def _token(page: str, action: str = "") -> str:
    [form] = forms_of(page, action, "post")
    return form["values"]["csrf_token"]


def _question_form(session: Session, token: str, **changes: object) -> dict:
    accounting_4 = catalogue.programme_by_code(session, "accounting-4")
    verification_4 = catalogue.programme_by_code(session, "verification-4")
    return {
        "csrf_token": token,
        "kind": "multiple",
        "stem": "下列哪些属于温室气体？",
        "option_a": "二氧化碳",
        "option_b": "氮气",
        "option_c": "甲烷",
        "option_d": "氧气",
        "right": ["A", "C"],
        "explanation": "二氧化碳和甲烷是温室气体。",
        "chapter": "第一章",
        "knowledge_point": "温室气体种类",
        "difficulty": "2",
        "programmes": [str(accounting_4.id), str(verification_4.id)],
        **changes,
    }


def _audits(session: Session, action: str) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Question)) or 0


def test_an_admin_adds_a_question_on_the_page(login, make: Factory, db_session: Session) -> None:
    admin_user = make.admin()
    admin = login(admin_user)
    assert 'href="/admin/questions"' in admin.get("/admin").get_data(as_text=True)
    page = admin.get("/admin/questions/new").get_data(as_text=True)
    response = admin.post("/admin/questions/new", data=_question_form(db_session, _token(page)))
    assert response.status_code == 303
    [question] = db_session.scalars(select(Question))
    assert (question.kind, question.answer, question.options[2]) == ("multiple", "AC", "甲烷")
    assert sorted(p.code for p in question.programmes) == ["accounting-4", "verification-4"]
    [entry] = _audits(db_session, "question.add")
    assert entry.actor_id == admin_user.id and entry.subject == f"question:{question.id}"


def test_a_bad_field_is_answered_with_its_reason(
    app: Flask, login, make: Factory, db_session: Session
) -> None:
    admin = login(make.admin())
    token = _token(admin.get("/admin/questions/new").get_data(as_text=True))
    existing = make.question(stem="已有的题")
    make.commit()
    cases = [
        (
            {"right": ["A"]},
            _message(app, "question_answer_invalid", reason="one_right", letters="ABCD"),
        ),
        ({"kind": "true_false", "truth": "A"}, _message(app, "question_true_false_options")),
        ({"option_b": ""}, _message(app, "question_option_empty")),
        ({"stem": "已有的题"}, _message(app, "question_stem_exists", id=existing.id)),
        ({"programmes": []}, _message(app, "question_programmes_missing")),
        ({"kind": "essay"}, 'class="error"'),
        ({"difficulty": "九"}, 'class="error"'),
    ]
    for changes, shown in cases:
        response = admin.post(
            "/admin/questions/new", data=_question_form(db_session, token, **changes)
        )
        assert response.status_code == 422, changes
        assert shown in response.get_data(as_text=True), changes
    forged = _question_form(db_session, "forged")
    assert admin.post("/admin/questions/new", data=forged).status_code == 400
    assert _count(db_session) == 1  # only the one made above


def test_an_admin_edits_retires_and_restores_a_question(
    login, make: Factory, db_session: Session
) -> None:
    admin = login(make.admin())
    question = make.question("accounting-4", kind=Kind.SINGLE, answer="B")
    make.commit()
    url = f"/admin/questions/{question.id}"
    page = admin.get(url).get_data(as_text=True)
    ticked = re.findall(r'<input [^>]*name="right"[^>]*>', page)
    assert ["checked" in tick for tick in ticked] == [False, True, False, False, False, False]
    assert f"{question.stem}</textarea>" in page
    changes = {"kind": "single", "right": ["C"], "stem": "改过的题", "option_e": "", "option_f": ""}
    response = admin.post(url, data=_question_form(db_session, _token(page), **changes))
    assert response.status_code == 303
    db_session.refresh(question)
    assert (question.stem, question.answer, question.kind) == ("改过的题", "C", "single")
    [entry] = _audits(db_session, "question.update")
    assert entry.details["changes"]["answer"] == ["B", "C"]
    for action in ("retire", "restore"):
        page = admin.get(url).get_data(as_text=True)
        target = f"{url}/{action}"
        assert admin.post(target, data={"csrf_token": _token(page, target)}).status_code == 303
        db_session.refresh(question)
        assert (question.retired_at is not None) == (action == "retire")
    assert len(_audits(db_session, "question.retire")) == 1
    assert len(_audits(db_session, "question.restore")) == 1
    assert admin.post(f"{url}/retire", data={}).status_code == 400  # no CSRF token, no change


def _answer(make: Factory, question: Question, *, right: bool) -> None:
    trainee = make.trainee()
    enrolment = make.enrolment(trainee)
    make.session.add(
        PracticeAnswer(
            trainee_id=trainee.id,
            enrolment_id=enrolment.id,
            question_id=question.id,
            chosen="A",
            right=right,
            source="practice",
            answered_at=make.clock.now(),
        )
    )


def test_the_list_shows_statistics_and_narrows_by_its_filters(login, make: Factory) -> None:
    admin = login(make.admin())
    lower = make.question("accounting-4", stem="低等级的题")
    higher = make.question("accounting-2", kind=Kind.TRUE_FALSE, stem="高等级的题")
    other = make.question("verification-4", stem="别的工种的题")
    for right in (True, False, False, False):
        _answer(make, lower, right=right)
    make.commit()

    def stems(query: str = "") -> set[str]:
        page = admin.get(f"/admin/questions{query}")
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        return {q.stem for q in (lower, higher, other) if q.stem in text}

    assert stems() == {lower.stem, higher.stem, other.stem}
    assert "25%" in admin.get("/admin/questions").get_data(as_text=True)
    assert stems("?programme=accounting-2") == {lower.stem, higher.stem}
    assert stems("?kind=true_false") == {higher.stem}
    assert stems("?q=别的") == {other.stem}
    assert stems("?programme=nowhere&kind=essay&status=x&order=y&page=-3") == {
        lower.stem,
        higher.stem,
        other.stem,
    }  # a value the filters do not offer narrows nothing


def _upload(client, data: bytes):
    return client.post_form(
        "/admin/questions/import",
        {"file": (io.BytesIO(data), "题库.xlsx")},
    )


def test_the_import_lists_every_bad_cell_then_imports_on_confirmation(
    app: Flask, login, make: Factory, db_session: Session
) -> None:
    admin = login(make.admin())
    bad = workbook([row(kind="填空", stem="题一"), row(stem="题二", programmes="nowhere-9")])
    page = _upload(admin, bad).get_data(as_text=True)
    assert _message(app, "question_kind_unknown", value="填空") in page
    assert _message(app, "unknown_programme", code="nowhere-9") in page
    assert "/admin/questions/import/" not in page  # no button to import
    checked = _upload(admin, workbook(good_rows())).get_data(as_text=True)
    assert _count(db_session) == 0
    action = checked.split('action="/admin/questions/import/')[1].split('"')[0]
    done = admin.post_form(f"/admin/questions/import/{action}")
    assert done.status_code == 303 and _count(db_session) == 4
    again = admin.post_form(f"/admin/questions/import/{action}")
    assert again.status_code == 303 and _count(db_session) == 4  # used once
    assert len(_audits(db_session, "question.import")) == 1


def test_the_template_downloaded_imports_once_filled_in(
    login, make: Factory, db_session: Session
) -> None:
    admin = login(make.admin())
    template = admin.get("/admin/questions/import-template.xlsx")
    assert template.status_code == 200
    book = load_workbook(io.BytesIO(template.get_data()))
    for values in good_rows():
        book.worksheets[0].append(values)
    data = io.BytesIO()
    book.save(data)
    checked = _upload(admin, data.getvalue()).get_data(as_text=True)
    action = checked.split('action="/admin/questions/import/')[1].split('"')[0]
    admin.post_form(f"/admin/questions/import/{action}")
    assert _count(db_session) == 4


def test_an_empty_or_foreign_file_is_explained(app: Flask, login, make: Factory) -> None:
    admin = login(make.admin())
    missing = admin.post_form("/admin/questions/import")
    assert _message(app, "file_required") in missing.get_data(as_text=True)
    foreign = _upload(admin, b"PK not really").get_data(as_text=True)
    assert "/admin/questions/import/" not in foreign and 'class="flash flash-error"' in foreign


def test_the_mock_exam_format_is_saved_audited_and_checked_against_the_bank(
    app: Flask, login, make: Factory, db_session: Session
) -> None:
    admin_user = make.admin()
    admin = login(admin_user)
    programme = catalogue.programme_by_code(db_session, "accounting-4")
    for _ in range(2):
        make.question("accounting-4", kind=Kind.TRUE_FALSE)
    make.commit()
    url = f"/admin/programmes/{programme.id}"
    action = f"{url}/mock-exam"
    page = admin.get(url).get_data(as_text=True)
    assert 'id="mock-exam"' in page and 'role="alert"' in page  # 2 of the 10 a paper needs
    [form] = forms_of(page, action, "post")
    assert form["values"]["duration_minutes"] == "90"
    values = {
        **form["values"],
        "true_false_count": "2",
        "single_count": "0",
        "multiple_count": "0",
        "true_false_points": "50",
        "pass_mark": "50",
    }
    refused = admin.post(action, data={**values, "pass_mark": "101"})
    assert refused.status_code == 422
    assert _message(app, "mock_pass_mark_out_of_range", most=100) in refused.get_data(as_text=True)
    assert db_session.get(MockExamFormat, programme.id) is None
    saved = admin.post(action, data=values)
    assert saved.status_code == 303 and saved.location.endswith("#mock-exam")
    kept = db_session.get(MockExamFormat, programme.id)
    assert (kept.true_false_count, kept.single_count, kept.pass_mark) == (2, 0, 50)
    [entry] = _audits(db_session, "programme.mock_exam")
    assert entry.actor_id == admin_user.id
    assert entry.details["single_count"] == [20, 0]
    after = admin.get(url).get_data(as_text=True)
    mock_section = after.split('id="mock-exam"')[1].split("<form")[0]
    assert 'role="alert"' not in mock_section  # the bank has what the format needs now
    audit_page = admin.get("/admin/audit").get_data(as_text=True)
    assert "Traceback" not in audit_page
