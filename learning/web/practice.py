"""A trainee's practice (仿真题练习): the hub of an enrolment, one question at a time judged at
once, and the wrong-answer book (错题本). Only the trainee of the enrolment sees them."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import Session

from learning.db import get_session, writes_on_get
from learning.domain.exam_practice import FALSE, TRUE, Kind, letters_of, seconds_left
from learning.extensions import get_clock
from learning.models import Enrolment, Question, Role
from learning.permissions import enrolment_or_404, role_required
from learning.services import ServiceError, enrolments, mock_exams, practice
from learning.services.practice import Mode
from learning.web.forms import MockExamForm, PracticeAnswerForm, filled
from learning.web.refusals import shown

blueprint = Blueprint("practice", __name__)

MAX_VALUE = 100  # a chapter or knowledge point is at most this long


@dataclass(frozen=True)
class QuestionView:
    """A question as the pages show it: its options with their letters."""

    id: int
    kind: str
    stem: str
    options: list[tuple[str, str]]
    answer: str
    explanation: str
    chapter: str | None
    knowledge_point: str

    @property
    def multiple(self) -> bool:
        return self.kind == Kind.MULTIPLE

    def words(self, letters: str | None) -> str:
        """An answer in words: True/False, or its letters."""
        if not letters:
            return _("not answered")
        if self.kind == Kind.TRUE_FALSE:
            return dict(self.options).get(letters, letters)
        return "、".join(letters)


def question_view(question: Question) -> QuestionView:
    kind = Kind(question.kind)
    if kind == Kind.TRUE_FALSE:
        options = [(TRUE, _("True")), (FALSE, _("False"))]
    else:
        options = list(zip(letters_of(kind, len(question.options)), question.options, strict=True))
    return QuestionView(
        question.id,
        kind.value,
        question.stem,
        options,
        question.answer,
        question.explanation,
        question.chapter,
        question.knowledge_point,
    )


def own_enrolment(session: Session, enrolment_id: int) -> Enrolment:
    """The trainee's own enrolment (another's is answered 404, as if there were none)."""
    return enrolment_or_404(session, current_user, enrolment_id)


@blueprint.route("/enrolments/<int:enrolment_id>/practice")
@writes_on_get  # a paper whose time is up is handed in before the hub shows the results
@role_required(Role.TRAINEE)
def hub(enrolment_id: int) -> ResponseReturnValue:
    session = get_session()
    enrolment = own_enrolment(session, enrolment_id)
    now = get_clock().now()
    paper = mock_exams.open_paper(session, enrolment)
    if paper is not None and mock_exams.close_if_overdue(session, paper, now=now):
        paper = None
    return render_template(
        "practice/hub.html",
        enrolment=enrolments.summary(session, enrolment),
        topics=practice.topics(session, enrolment),
        accuracy=practice.accuracy_by_chapter(session, enrolment),
        wrong_count=len(practice.wrong_book(session, enrolment)),
        paper_format=mock_exams.paper_format(session, enrolment.programme),
        open_paper=paper,
        seconds_left=seconds_left(now, paper.deadline_at) if paper else 0,
        results=mock_exams.recent_results(session, [enrolment.id], limit=10)[enrolment.id],
        form=MockExamForm(),
    )


def _choice() -> tuple[Mode, str]:
    """How the next question is chosen, from the query string (an unknown mode, or a chapter
    no chapter can be: 404)."""
    try:
        mode = Mode(request.args.get("mode", Mode.RANDOM.value))
    except ValueError:
        abort(404)
    value = request.args.get("value", "")
    if len(value) > MAX_VALUE or not value.isprintable():
        abort(404)
    return mode, value


@blueprint.route("/enrolments/<int:enrolment_id>/practice/question")
@role_required(Role.TRAINEE)
def question(enrolment_id: int) -> ResponseReturnValue:
    session = get_session()
    enrolment = own_enrolment(session, enrolment_id)
    mode, value = _choice()
    found = practice.next_question(session, enrolment, mode, value)
    form = PracticeAnswerForm(mode=mode.value, value=value)
    return _question_page(session, enrolment, found, form)


def _question_page(
    session: Session, enrolment: Enrolment, found: Question | None, form: PracticeAnswerForm
) -> str:
    if found is not None:
        form.question_id.data = found.id
    return render_template(
        "practice/question.html",
        enrolment=enrolments.summary(session, enrolment),
        question=question_view(found) if found else None,
        mode=form.mode.data,
        value=form.value.data or "",
        form=form,
    )


@blueprint.route("/enrolments/<int:enrolment_id>/practice/answers", methods=["POST"])
@role_required(Role.TRAINEE)
def answer(enrolment_id: int) -> ResponseReturnValue:
    session = get_session()
    enrolment = own_enrolment(session, enrolment_id)
    form = PracticeAnswerForm()
    if form.validate_on_submit():
        with shown(form):
            given = practice.answer(
                session,
                enrolment,
                filled(form.question_id.data),
                "".join(filled(form.chosen.data)),
                now=get_clock().now(),
            )
            return redirect(
                url_for(
                    "practice.judged",
                    enrolment_id=enrolment.id,
                    answer_id=given.id,
                    mode=form.mode.data,
                    value=form.value.data or "",
                ),
                code=303,
            )
    asked = _asked(session, enrolment, form)
    if asked is None:
        return redirect(url_for("practice.hub", enrolment_id=enrolment.id), code=303)
    return _question_page(session, enrolment, asked, form)


def _asked(session: Session, enrolment: Enrolment, form: PracticeAnswerForm) -> Question | None:
    """The question a refused answer was for, to ask it again; None when it is not one."""
    if form.question_id.errors or form.question_id.data is None:
        return None
    try:
        return practice.question_for(session, enrolment, form.question_id.data)
    except ServiceError:
        return None


@blueprint.route("/enrolments/<int:enrolment_id>/practice/answers/<int:answer_id>")
@role_required(Role.TRAINEE)
def judged(enrolment_id: int, answer_id: int) -> ResponseReturnValue:
    session = get_session()
    enrolment = own_enrolment(session, enrolment_id)
    given = practice.answer_of(session, enrolment, answer_id)
    if given is None:
        abort(404)
    mode, value = _choice()
    return render_template(
        "practice/judged.html",
        enrolment=enrolments.summary(session, enrolment),
        question=question_view(given.question),
        chosen=given.chosen,
        right=given.right,
        mode=mode.value,
        value=value,
    )


@blueprint.route("/enrolments/<int:enrolment_id>/practice/wrong-answers")
@role_required(Role.TRAINEE)
def wrong_book(enrolment_id: int) -> ResponseReturnValue:
    session = get_session()
    enrolment = own_enrolment(session, enrolment_id)
    entries = practice.wrong_book(session, enrolment)
    return render_template(
        "practice/wrong_book.html",
        enrolment=enrolments.summary(session, enrolment),
        entries=[(question_view(entry.question), entry) for entry in entries],
    )
