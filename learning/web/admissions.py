"""Registration (报名): the public application, the applicant's status, the admin review queue,
the proofs (owner and admins only) and the QR code that points people to the form."""

from __future__ import annotations

import io
from pathlib import Path

import segno
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    send_file,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_user
from sqlalchemy import select
from wtforms import Field

from learning import eligibility
from learning.db import get_session
from learning.extensions import auth_version, get_clock
from learning.models import (
    Application,
    ApplicationDocument,
    EligibilityCondition,
    Role,
    TrainingClass,
)
from learning.permissions import login_required, role_required
from learning.services import ServiceError, accounts, applications, catalogue
from learning.services.identity import normalise_id_number
from learning.web.forms import DecisionForm, RegistrationForm, choices
from learning.web.labels import localized, programme_label
from learning.web.messages import describe
from learning.web.privacy import record_unmasked_view
from learning.web.refusals import shown

blueprint = Blueprint("admissions", __name__)


# --- the public application ---------------------------------------------------------------


@blueprint.route("/register", methods=["GET", "POST"])
def register() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("admissions.my_applications"))
    db = get_session()
    form = RegistrationForm()
    form.programme.choices = choices(
        {
            row.code: programme_label(row.work_type_zh, row.work_type_en, row.level)
            for row in catalogue.list_programmes(db)
            if row.active
        }
    )
    if form.validate_on_submit():
        try:
            application = _submit(form)
        except (ServiceError, ValueError) as error:
            db.rollback()
            message = describe(error) if isinstance(error, ServiceError) else str(error)
            field = _field_for(form, error)
            (field.errors if field is not None else form.form_errors).append(message)
        else:
            db.commit()
            session.clear()
            login_user(application.applicant)
            session["auth_version"] = auth_version(application.applicant)
            flash(
                _("Your application has been submitted. The training office reviews it."), "success"
            )
            return redirect(url_for("admissions.my_applications"), code=303)
    return render_template("admissions/register.html", form=form)


def _submit(form: RegistrationForm) -> Application:
    db = get_session()
    programme = catalogue.programme_by_code(db, form.programme.data)
    uploads = [
        applications.Upload(name=file.filename or "document", data=file.read())
        for file in form.documents.data or []
        if file and file.filename
    ]
    return applications.submit(
        db,
        username=form.username.data.strip(),
        password=form.password.data,
        profile=accounts.ProfileData(
            real_name=form.real_name.data.strip(),
            id_number=normalise_id_number(form.id_number.data),
            phone=form.phone.data.strip(),
            employer=(form.employer.data or "").strip() or None,
            category=form.category.data,
        ),
        programme=programme,
        evidence=_evidence(form),
        uploads=uploads,
        upload_folder=current_app.config["UPLOAD_FOLDER"],
        now=get_clock().now(),
        hash_method=current_app.config["PASSWORD_HASH_METHOD"],
    )


def _evidence(form: RegistrationForm) -> eligibility.Evidence:
    """The declared evidence; a ticked box without its date is a clear error."""
    certificates, titles, education = [], [], []
    if form.has_certificate.data:
        if form.certificate_issued_on.data is None:
            raise ValueError(_("Give the date the certificate was issued."))
        certificates.append(
            eligibility.Certificate(
                form.certificate_occupation.data,
                form.certificate_level.data,
                form.certificate_issued_on.data,
            )
        )
    if form.has_title.data:
        if form.title_obtained_on.data is None:
            raise ValueError(_("Give the date the title was obtained."))
        titles.append(
            eligibility.Title(
                form.title_level.data, form.title_matches_field.data, form.title_obtained_on.data
            )
        )
    if form.education_kind.data:
        if form.education_graduated_on.data is None and not form.education_final_year.data:
            raise ValueError(_("Give the graduation date, or tick final-year student."))
        education.append(
            eligibility.Education(
                form.education_kind.data,
                form.education_major.data,
                form.education_graduated_on.data,
                form.education_final_year.data,
                form.education_evaluated.data,
            )
        )
    return eligibility.Evidence(
        years_of_work=float(form.years_of_work.data or 0),
        certificates=tuple(certificates),
        titles=tuple(titles),
        education=tuple(education),
    )


def _field_for(form: RegistrationForm, error: Exception) -> Field | None:
    if not isinstance(error, ServiceError):
        return None
    if error.code.startswith("username"):
        return form.username
    if error.code.startswith("password"):
        return form.password
    if error.code.startswith("document") or error.code == "too_many_documents":
        return form.documents
    if error.code == "phone_invalid":
        return form.phone
    return None


@blueprint.route("/me/applications")
@role_required(Role.TRAINEE)
def my_applications() -> ResponseReturnValue:
    db = get_session()
    mine = applications.applications_of(db, current_user.id)
    return render_template(
        "admissions/mine.html",
        applications=[(a, _evaluation(a)) for a in mine],
    )


def _evaluation(
    application: Application,
) -> list[tuple[EligibilityCondition, eligibility.ConditionResult]]:
    evidence = applications.evidence_from_json(application.evidence)
    return applications.evaluate(
        get_session(), application.programme.level, evidence, application.submitted_at.date()
    )


@blueprint.route("/applications/<int:application_id>/documents/<int:document_id>")
@login_required
def document(application_id: int, document_id: int) -> ResponseReturnValue:
    db = get_session()
    doc = db.get(ApplicationDocument, document_id)
    if doc is None or doc.application_id != application_id:
        abort(404)
    owner = doc.application.applicant_id == current_user.id
    if not (owner or current_user.role == Role.ADMIN):
        abort(404)
    path = Path(current_app.config["UPLOAD_FOLDER"]) / doc.stored_path
    if not path.is_file():
        abort(404)
    if not owner:
        record_unmasked_view(
            "application_document",
            [doc.application.applicant_id],
            application_id=application_id,
            document_id=document_id,
        )
    response = send_file(path, mimetype=doc.mime_type, download_name=doc.original_name)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# --- the review -----------------------------------------------------------------------------


@blueprint.route("/admin/applications")
@role_required(Role.ADMIN)
def queue() -> ResponseReturnValue:
    return render_template("admissions/queue.html", applications=applications.queue(get_session()))


@blueprint.route("/admin/applications/<int:application_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def review(application_id: int) -> ResponseReturnValue:
    db = get_session()
    application = db.get(Application, application_id) or abort(404)
    evaluation = _evaluation(application)
    form = DecisionForm()
    form.condition.choices = choices(
        {
            row.code: f"{row.code} {localized(row.text_zh, row.text_en)}"
            for row, _result in evaluation
        }
    )
    form.training_class.choices = choices(
        {
            0: _("No class"),
            **{
                row.id: row.name
                for row in db.scalars(select(TrainingClass).order_by(TrainingClass.name))
            },
        }
    )
    if not form.is_submitted():
        met = [row.code for row, result in evaluation if result.met]
        form.condition.data = met[0] if met else None
    if form.validate_on_submit():
        with shown(form):
            _decide(application, form)
            flash(_("Decision saved."), "success")
            return redirect(url_for("admissions.queue"), code=303)
    record_unmasked_view(
        "application_review", [application.applicant_id], application_id=application.id
    )
    return render_template(
        "admissions/review.html",
        application=application,
        evaluation=evaluation,
        form=form,
        profile=application.applicant.profile,
    )


def _decide(application: Application, form: DecisionForm) -> None:
    db = get_session()
    now = get_clock().now()
    if form.reject.data:
        applications.reject(
            db, application, reason=form.reason.data or "", now=now, actor_id=current_user.id
        )
        return
    training_class = (
        db.get(TrainingClass, form.training_class.data) if form.training_class.data else None
    )
    applications.approve(
        db,
        application,
        condition_code=form.condition.data,
        training_class=training_class,
        now=now,
        actor_id=current_user.id,
        standard_hour_minutes=current_app.config["STANDARD_HOUR_MINUTES"],
    )


# --- the QR code ------------------------------------------------------------------------------


@blueprint.route("/admin/registration-qr")
@role_required(Role.ADMIN)
def qr_page() -> ResponseReturnValue:
    return render_template("admissions/qr.html", url=_register_url())


@blueprint.route("/admin/registration-qr.<any(png, svg):kind>")
@role_required(Role.ADMIN)
def qr_image(kind: str) -> ResponseReturnValue:
    code = segno.make(_register_url(), error="m")
    buffer = io.BytesIO()
    if kind == "png":
        code.save(buffer, kind="png", scale=12, border=4)
        mimetype = "image/png"
    else:
        code.save(buffer, kind="svg", scale=12, border=4, xmldecl=False)
        mimetype = "image/svg+xml"
    return Response(
        buffer.getvalue(),
        mimetype=mimetype,
        headers={"Content-Disposition": f'inline; filename="registration-qr.{kind}"'},
    )


def _register_url() -> str:
    return url_for("admissions.register", _external=True)
