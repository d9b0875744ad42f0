"""A trainee's mock exams (模拟考试): start a paper, answer it on one page timed by the server,
hand it in, review it. Each answer is saved as it is given (`api.mock_exams`); without
JavaScript the page is one form posting every answer."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from learning.db import get_session, writes_on_get
from learning.domain.exam_practice import seconds_left
from learning.extensions import get_clock
from learning.models import MockExam, Role
from learning.permissions import role_required
from learning.services import ServiceError, enrolments, mock_exams
from learning.web.forms import MockExamForm
from learning.web.practice import QuestionView, own_enrolment, question_view
from learning.web.refusals import shown

blueprint = Blueprint("mock_exams", __name__)


@dataclass(frozen=True)
class ItemView:
    position: int
    points: int
    question: QuestionView
    chosen: str | None
    right: bool | None


def _items(exam: MockExam) -> list[ItemView]:
    return [
        ItemView(item.position, item.points, question_view(item.question), item.chosen, item.right)
        for item in exam.items
    ]


def _paper(enrolment_id: int, exam_id: int) -> MockExam:
    """The trainee's own paper (handed in by the clock first when its time is up); 404 for
    another's."""
    session = get_session()
    enrolment = own_enrolment(session, enrolment_id)
    try:
        return mock_exams.paper_of(session, enrolment, exam_id, now=get_clock().now())
    except ServiceError:
        abort(404)


def _to_review(exam: MockExam) -> Response:
    return redirect(
        url_for("mock_exams.review", enrolment_id=exam.enrolment_id, exam_id=exam.id), code=303
    )


@blueprint.route("/enrolments/<int:enrolment_id>/mock-exams", methods=["POST"])
@role_required(Role.TRAINEE)
def start(enrolment_id: int) -> ResponseReturnValue:
    session = get_session()
    enrolment = own_enrolment(session, enrolment_id)
    hub = redirect(url_for("practice.hub", enrolment_id=enrolment.id), code=303)
    if not MockExamForm().validate_on_submit():
        flash(_("The form had expired. Please try again."), "error")
        return hub
    with shown():
        exam = mock_exams.start(session, enrolment, now=get_clock().now())
        return redirect(
            url_for("mock_exams.paper", enrolment_id=enrolment.id, exam_id=exam.id), code=303
        )
    return hub


@blueprint.route("/enrolments/<int:enrolment_id>/mock-exams/<int:exam_id>")
@writes_on_get  # a paper whose time is up is handed in before it is shown
@role_required(Role.TRAINEE)
def paper(enrolment_id: int, exam_id: int) -> ResponseReturnValue:
    exam = _paper(enrolment_id, exam_id)
    if exam.handed_in_at is not None:
        return _to_review(exam)
    return _paper_page(exam, MockExamForm())


def _paper_page(exam: MockExam, form: MockExamForm) -> str:
    session = get_session()
    return render_template(
        "practice/mock_exam.html",
        enrolment=enrolments.summary(session, exam.enrolment),
        exam=exam,
        items=_items(exam),
        seconds_left=seconds_left(get_clock().now(), exam.deadline_at),
        form=form,
    )


@blueprint.route("/enrolments/<int:enrolment_id>/mock-exams/<int:exam_id>", methods=["POST"])
@role_required(Role.TRAINEE)
def answers(enrolment_id: int, exam_id: int) -> ResponseReturnValue:
    """The whole paper posted: saved, or handed in (the hand-in button)."""
    exam = _paper(enrolment_id, exam_id)
    if exam.handed_in_at is not None:
        flash(_("This paper was handed in already."), "error")
        return _to_review(exam)
    form = MockExamForm()
    if not form.validate_on_submit():
        return _paper_page(exam, form)
    posted = {
        item.position: "".join(request.form.getlist(f"q{item.position}")) for item in exam.items
    }
    now = get_clock().now()
    if form.action.data == "hand_in":
        in_time = mock_exams.hand_in(get_session(), exam, posted, now=now)
    else:
        in_time = mock_exams.save_all(get_session(), exam, posted, now=now)
    if not in_time:
        flash(_("The time was up: the paper was handed in at its deadline."), "error")
        return _to_review(exam)
    if exam.handed_in_at is not None:
        flash(_("Handed in."), "success")
        return _to_review(exam)
    flash(_("Answers saved."), "success")
    return redirect(url_for("mock_exams.paper", enrolment_id=enrolment_id, exam_id=exam_id), 303)


@blueprint.route("/enrolments/<int:enrolment_id>/mock-exams/<int:exam_id>/review")
@writes_on_get
@role_required(Role.TRAINEE)
def review(enrolment_id: int, exam_id: int) -> ResponseReturnValue:
    exam = _paper(enrolment_id, exam_id)
    if exam.handed_in_at is None:
        return redirect(url_for("mock_exams.paper", enrolment_id=enrolment_id, exam_id=exam_id))
    items = _items(exam)
    return render_template(
        "practice/review.html",
        enrolment=enrolments.summary(get_session(), exam.enrolment),
        exam=exam,
        items=items,
        right_count=sum(1 for item in items if item.right),
    )
