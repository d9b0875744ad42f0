"""The question bank for admins: the list with its filters and each question's statistics,
a question added or edited on a form, retired or brought back, and a bank imported from Excel
(checked first, nothing written, then imported when the admin confirms)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import Field

from learning.db import get_session
from learning.domain.exam_practice import Kind
from learning.extensions import get_clock
from learning.models import Programme, Question, Role
from learning.permissions import role_required
from learning.services import ServiceError, catalogue, question_bank, question_import
from learning.services.question_bank import Filters, Order, QuestionData
from learning.texts.labels import DIFFICULTY_LABELS, QUESTION_KIND_LABELS, programme_label
from learning.texts.messages import describe
from learning.web import downloads, roster
from learning.web.forms import QuestionFilterForm, QuestionForm, add_error, choices
from learning.web.refusals import shown

blueprint = Blueprint("questions", __name__, url_prefix="/admin/questions")

PER_PAGE = 50


@blueprint.before_request
@role_required(Role.ADMIN)
def _admins_only() -> None:
    """Every page of this blueprint is for admins only."""


def _programme_name(programme: Programme) -> str:
    work_type = programme.work_type
    return programme_label(work_type.name_zh, work_type.name_en, programme.level)


@blueprint.route("")
def index() -> ResponseReturnValue:
    session = get_session()
    programmes = catalogue.programmes(session)
    form, filters = _filters(programmes)
    page = min(max(1, request.args.get("page", 1, type=int) or 1), 100_000)
    listing = question_bank.search(session, filters, page=page, per_page=PER_PAGE)
    arguments = {name: value for name, value in form.data.items() if value}
    return render_template(
        "questions/index.html",
        form=form,
        listing=listing,
        arguments=arguments,
        filtered=bool(request.args),
    )


def _filters(programmes: list[Programme]) -> tuple[QuestionFilterForm, Filters]:
    """The filter form of this request and what it narrows to; a value the form refuses
    narrows nothing."""
    session = get_session()
    form = QuestionFilterForm(request.args)
    form.programme.choices = [("", _("All programmes"))] + [
        (p.code, _programme_name(p)) for p in programmes
    ]
    form.kind.choices = [("", _("All kinds")), *choices(QUESTION_KIND_LABELS)]
    form.chapter.choices = [("", _("All chapters"))] + [
        (name, name) for name in question_bank.chapters(session)
    ]
    form.knowledge_point.choices = [("", _("All knowledge points"))] + [
        (name, name) for name in question_bank.knowledge_points(session)
    ]
    form.status.choices = [("active", _("In use")), ("retired", _("Retired")), ("all", _("All"))]
    form.order.choices = [
        (Order.NEWEST, _("Newest first")),
        (Order.LEAST_RIGHT, _("Least often answered right first")),
    ]
    form.validate()

    def valid(field: Field) -> str:
        return "" if field.errors else field.data or ""

    code = valid(form.programme)
    return form, Filters(
        programme=next((p for p in programmes if p.code == code), None),
        kind=Kind(valid(form.kind)) if valid(form.kind) else None,
        chapter=valid(form.chapter) or None,
        knowledge_point=valid(form.knowledge_point) or None,
        text=valid(form.q) or None,
        retired={"active": False, "retired": True}.get(valid(form.status) or "active"),
        order=valid(form.order) or Order.NEWEST,
    )


def _question_form(question: Question | None = None) -> QuestionForm:
    """The form with its choices, filled from `question` when one is shown, not posted."""
    form = QuestionForm()
    form.kind.choices = choices(QUESTION_KIND_LABELS)
    form.difficulty.choices = choices(DIFFICULTY_LABELS)
    form.programmes.choices = [
        (p.id, _programme_name(p)) for p in catalogue.programmes(get_session())
    ]
    if question is not None and not form.is_submitted():
        form.kind.data = question.kind
        form.stem.data = question.stem
        for slot, text in zip(form.option_fields(), question.options, strict=False):
            slot.data = text
        if question.kind == Kind.TRUE_FALSE:
            form.truth.data = question.answer
        else:
            form.right.data = list(question.answer)
        form.explanation.data = question.explanation
        form.chapter.data = question.chapter or ""
        form.knowledge_point.data = question.knowledge_point
        form.difficulty.data = question.difficulty
        form.programmes.data = [programme.id for programme in question.programmes]
    return form


def _posted(form: QuestionForm) -> tuple[QuestionData, list[Programme]]:
    kind = Kind(form.kind.data)
    right = [form.truth.data or ""] if kind == Kind.TRUE_FALSE else form.right.data or []
    data = QuestionData(
        kind=kind,
        stem=form.stem.data or "",
        options=question_bank.options_of([slot.data or "" for slot in form.option_fields()]),
        answer="".join(right),
        explanation=form.explanation.data or "",
        chapter=form.chapter.data or None,
        knowledge_point=form.knowledge_point.data or "",
        difficulty=form.difficulty.data,
    )
    chosen = set(form.programmes.data or [])
    return data, [p for p in catalogue.programmes(get_session()) if p.id in chosen]


def _field(form: QuestionForm, part: str) -> Field:
    """The field that shows a fault of `part` (question_bank.Fault)."""
    if part == "answer":
        return form.truth if form.kind.data == Kind.TRUE_FALSE else form.right
    if part.startswith("option:"):
        return getattr(form, f"option_{part.partition(':')[2].lower()}", form.option_a)
    return getattr(form, part, form.stem)


def _faults_shown(form: QuestionForm, data: QuestionData) -> bool:
    """Each fault of the question beside its field; True when there was one."""
    found = question_bank.faults(data)
    for fault in found:
        add_error(_field(form, fault.part), describe(ServiceError(fault.code, **fault.params)))
    return bool(found)


def _page(form: QuestionForm, question: Question | None = None) -> ResponseReturnValue:
    session = get_session()
    return render_template(
        "questions/edit.html",
        form=form,
        question=question,
        stats=question_bank.stats_of(session, question.id) if question else None,
        chapters=question_bank.chapters(session),
        knowledge_points=question_bank.knowledge_points(session),
    ), 422 if form.is_submitted() else 200


@blueprint.route("/new", methods=["GET", "POST"])
def create() -> ResponseReturnValue:
    form = _question_form()
    if form.validate_on_submit():
        data, programmes = _posted(form)
        if not _faults_shown(form, data):
            with shown(lambda error: _field(form, str(error.params.get("part", "")))):
                question = question_bank.add_question(
                    get_session(),
                    data,
                    programmes,
                    now=get_clock().now(),
                    actor_id=current_user.id,
                )
                flash(_("Question %(id)s added.", id=question.id), "success")
                return redirect(url_for("questions.index"), code=303)
    return _page(form)


@blueprint.route("/<int:question_id>", methods=["GET", "POST"])
def edit(question_id: int) -> ResponseReturnValue:
    session = get_session()
    question = session.get(Question, question_id) or abort(404)
    form = _question_form(question)
    if form.validate_on_submit():
        data, programmes = _posted(form)
        if not _faults_shown(form, data):
            with shown(lambda error: _field(form, str(error.params.get("part", "")))):
                changed = question_bank.update_question(
                    session,
                    question,
                    data,
                    programmes,
                    now=get_clock().now(),
                    actor_id=current_user.id,
                )
                if changed:
                    flash(_("Question %(id)s saved.", id=question.id), "success")
                else:
                    flash(_("Nothing was changed."), "info")
                return redirect(url_for("questions.index"), code=303)
    return _page(form, question)


@blueprint.route("/<int:question_id>/<any(retire, restore):action>", methods=["POST"])
def retire(question_id: int, action: str) -> ResponseReturnValue:
    session = get_session()
    question = session.get(Question, question_id) or abort(404)
    with shown():
        question_bank.set_retired(
            session,
            question,
            retired=action == "retire",
            now=get_clock().now(),
            actor_id=current_user.id,
        )
        if action == "retire":
            flash(
                _(
                    "Question %(id)s retired: it is drawn no more; answers given to it stay.",
                    id=question.id,
                ),
                "success",
            )
        else:
            flash(_("Question %(id)s is in use again.", id=question.id), "success")
    return redirect(url_for("questions.edit", question_id=question.id), code=303)


@blueprint.route("/import-template.xlsx")
def import_template() -> ResponseReturnValue:
    return downloads.download(
        question_import.template_workbook(), "题库导入模板.xlsx", downloads.XLSX
    )


def _run_import(data: bytes, *, dry_run: bool) -> question_import.Outcome:
    """Read and import a bank in the request's session (committed with the request unless a
    dry run or a bad row: then nothing is kept)."""
    session = get_session()
    outcome = question_import.import_questions(
        session,
        question_import.read(data),
        dry_run=dry_run,
        now=get_clock().now(),
        actor_id=current_user.id,
    )
    if dry_run or outcome.problems:
        session.rollback()
    return outcome


@blueprint.route("/import", methods=["GET", "POST"])
def import_bank() -> ResponseReturnValue:
    """Upload a bank: it is checked first (nothing written), then imported on confirmation."""
    checked = roster.check_upload(_run_import, worth_keeping=lambda outcome: outcome.count > 0)
    return checked.render("questions/import.html")


@blueprint.route("/import/<token>", methods=["POST"])
def confirm_import(token: str) -> ResponseReturnValue:
    return roster.confirm_upload(
        token,
        _run_import,
        page=url_for("questions.import_bank"),
        changed=_("The file no longer passes its check; nothing was imported."),
        done=lambda outcome: _("Imported: %(count)s questions.", count=outcome.count),
        then=url_for("questions.index"),
    )
