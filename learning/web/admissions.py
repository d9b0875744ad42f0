"""Registration (报名): the public application, the applicant's status, the admin review queue,
the proofs (owner and admins only) and the QR code that points people to the form."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import segno
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import Field, StringField

from learning import session_expiry
from learning.db import get_session
from learning.domain import eligibility
from learning.extensions import auth_version, get_clock, now_ms
from learning.models import (
    Application,
    ApplicationDocument,
    ApplicationStatus,
    EligibilityCondition,
    Role,
    TrainingClass,
)
from learning.permissions import login_required, may_see_document, role_required
from learning.services import (
    ServiceError,
    accounts,
    applications,
    catalogue,
    held_proofs,
    passwords,
    throttle,
)
from learning.services.identity import normalise_id_number, normalise_phone
from learning.texts.labels import format_datetime_local, localized, programme_label
from learning.texts.messages import describe
from learning.web.files import send_stored_file
from learning.web.forms import (
    ApplicationForm,
    DecisionForm,
    EvidenceForm,
    RegistrationForm,
    ResubmitForm,
    add_error,
    choices,
    filled,
)
from learning.web.links import absolute_url_for
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
    _programme_choices(form)
    proofs = _HeldProofs("register", form, limits=_address_limits())
    valid = form.validate_on_submit()
    if form.is_submitted():
        try:
            proofs.within_limits()
        except ServiceError as error:  # nothing is held, counted or written
            form.form_errors.append(describe(error))
            return _too_many(_register_page(form, proofs), error)
        _account_checks(form)
        proofs.take(form)
    if valid and not _has_errors(form):
        with shown(lambda error: _field_for(form, error)):
            application = _submit(form, proofs.uploads())
            db.commit()
            proofs.discard()
            session.clear()
            login_user(application.applicant)
            session["auth_version"] = auth_version(application.applicant)
            session_expiry.start()
            return _submitted()
    return _register_page(form, proofs)


def _register_page(form: RegistrationForm, proofs: _HeldProofs) -> str:
    return render_template(
        "admissions/register.html",
        form=form,
        held=proofs.held(),
        evaluation=_declared_evaluation(form) if form.is_submitted() else None,
        id_known=describe(ServiceError("id_number_known")) in form.id_number.errors,
    )


def _address_limits() -> applications.AddressLimits:
    """The public form's limits for the address the request comes from (`PROXY_HOPS` decides
    whether that is the proxy's word)."""
    config = current_app.config
    return applications.AddressLimits(
        address=request.remote_addr or "unknown",
        applications=throttle.Limit(
            throttle.APPLICATION_ADDRESS, config["APPLICATIONS_PER_ADDRESS"], 24 * 3600
        ),
        uploads=throttle.Limit(
            throttle.PROOF_UPLOAD_ADDRESS, config["PROOF_UPLOADS_PER_ADDRESS"], 3600
        ),
    )


def _too_many(page: str, error: ServiceError) -> ResponseReturnValue:
    """The form again, saying in words how long to wait; 429 with `Retry-After`, so the request
    commits nothing (learning.db)."""
    response = make_response(page, 429)
    response.headers["Retry-After"] = str(error.params["seconds"])
    return response


@blueprint.route("/register/evaluation")
def evaluation() -> ResponseReturnValue:
    """What the evidence being typed meets, drawn beside the form as it changes (evidence.js),
    so the warning comes before submitting, without a round trip."""
    form = EvidenceForm(formdata=request.args, meta={"csrf": False})
    form.validate()
    programme = catalogue.programme_by_code(get_session(), request.args.get("programme", ""))
    found = _evaluation_of(form, programme.level) if programme is not None else None
    return render_template("admissions/_declared.html", evaluation=found)


def _programme_choices(form: ApplicationForm) -> None:
    form.programme.choices = choices(
        {
            row.code: programme_label(row.work_type_zh, row.work_type_en, row.level)
            for row in catalogue.list_programmes(get_session())
            if row.active
        }
    )


def _account_checks(form: RegistrationForm) -> None:
    """The account's own rules, checked with every other field, so that one submission shows
    every mistake at once (each costs the applicant typing the password again)."""
    checks: list[tuple[StringField, Callable[[str], None]]] = [
        (form.username, lambda name: accounts.check_username(get_session(), name.strip())),
        (form.password, lambda password: passwords.check(password, _personal_details(form))),
        (form.id_number, _id_number_free),
        (form.phone, lambda phone: _phone_valid(phone.strip())),
    ]
    for field, check in checks:
        if field.errors or not field.data:
            continue
        try:
            check(field.data)
        except ServiceError as error:
            add_error(field, describe(error))


def _personal_details(form: RegistrationForm) -> passwords.PersonalDetails:
    return passwords.PersonalDetails(
        username=(form.username.data or "").strip(),
        real_name=(form.real_name.data or "").strip(),
        phone=(form.phone.data or "").strip(),
        id_number=normalise_id_number(form.id_number.data or ""),
    )


def _id_number_free(text: str) -> None:
    if accounts.id_number_known(get_session(), normalise_id_number(text)):
        raise ServiceError("id_number_known")


def _phone_valid(phone: str) -> None:
    if not accounts.PHONE_PATTERN.match(normalise_phone(phone)):
        raise ServiceError("phone_invalid")
    applications.check_phone_free(get_session(), phone)


def _has_errors(form: FlaskForm) -> bool:
    return bool(form.form_errors) or any(field.errors for field in form)


class _HeldProofs:
    """The proofs of one form held on the server between submissions (`held_proofs`), under
    a token kept in the session. On the public form (`limits`) the files count against the
    address's uploads of the hour; `stored_bytes` are what the application holds already."""

    def __init__(
        self,
        purpose: str,
        form: EvidenceForm,
        *,
        limits: applications.AddressLimits | None = None,
        stored_bytes: int = 0,
    ) -> None:
        self.key = f"held_proofs:{purpose}"
        self.folder = current_app.config["UPLOAD_FOLDER"]
        self.limits = limits
        self.stored_bytes = stored_bytes
        self.chosen = [
            applications.Upload(name=file.filename or "document", data=file.read())
            for file in form.documents.data or []
            if file and file.filename
        ]

    def within_limits(self) -> None:
        """Refuse (`too_many_applications`, `too_many_uploads`) a public form from an address
        past its limits, before anything of it is kept."""
        if self.limits is not None:
            applications.check_address(
                get_session(), self.limits, uploads=len(self.chosen), now_ms=now_ms()
            )

    def take(self, form: EvidenceForm) -> None:
        """Drop the proofs ticked for removal, hold the newly chosen files; a refused file is
        said beside the field. Nothing is held from a forged or expired form."""
        if form.csrf_token.errors:
            return
        token = session.setdefault(self.key, held_proofs.new_token())
        held_proofs.remove(self.folder, token, request.form.getlist("remove_proof"))
        chosen = self.chosen
        try:
            held_proofs.hold(
                self.folder,
                token,
                chosen,
                now=get_clock().now(),
                stored_bytes=self.stored_bytes,
                max_bytes=current_app.config["APPLICATION_MAX_BYTES"],
            )
        except ServiceError as error:
            add_error(form.documents, describe(error))
            return
        if self.limits is not None and chosen:
            # Committed now: the files are held whatever becomes of the rest of the form.
            applications.count_uploads(get_session(), self.limits, len(chosen), now_ms=now_ms())
            get_session().commit()

    def held(self) -> list[held_proofs.HeldProof]:
        token = session.get(self.key)
        return held_proofs.held(self.folder, token) if token else []

    def uploads(self) -> list[applications.Upload]:
        token = session.get(self.key)
        return held_proofs.uploads(self.folder, token) if token else []

    def discard(self) -> None:
        token = session.pop(self.key, None)
        if token:
            held_proofs.discard(self.folder, token)


def _submit(form: RegistrationForm, uploads: list[applications.Upload]) -> Application:
    db = get_session()
    programme = catalogue.programme_by_code(db, form.programme.data)
    return applications.submit(
        db,
        username=filled(form.username.data).strip(),
        password=filled(form.password.data),
        profile=accounts.ProfileData(
            real_name=filled(form.real_name.data).strip(),
            id_number=normalise_id_number(filled(form.id_number.data)),
            phone=normalise_phone(filled(form.phone.data)),
            employer=(form.employer.data or "").strip() or None,
            category=form.category.data,
        ),
        programme=programme,
        evidence=_evidence(form),
        uploads=uploads,
        upload_folder=current_app.config["UPLOAD_FOLDER"],
        now=get_clock().now(),
        hash_method=current_app.config["PASSWORD_HASH_METHOD"],
        max_bytes=current_app.config["APPLICATION_MAX_BYTES"],
        limits=_address_limits(),
    )


def _evidence(form: EvidenceForm) -> eligibility.Evidence:
    """The declared evidence. A ticked box without its date is refused by the form; here (the
    live evaluation of a half-filled form) it is left out."""
    certificates, titles, education = [], [], []
    if form.has_certificate.data and form.certificate_issued_on.data is not None:
        certificates.append(
            eligibility.Certificate(
                form.certificate_occupation.data,
                form.certificate_level.data,
                form.certificate_issued_on.data,
            )
        )
    if form.has_title.data and form.title_obtained_on.data is not None:
        titles.append(
            eligibility.Title(
                form.title_level.data, form.title_matches_field.data, form.title_obtained_on.data
            )
        )
    graduated = form.education_graduated_on.data is not None or form.education_final_year.data
    if form.education_kind.data and graduated:
        education.append(
            eligibility.Education(
                form.education_kind.data,
                form.education_major.data,
                form.education_graduated_on.data,
                form.education_final_year.data,
                form.education_evaluated.data,
            )
        )
    years = 0.0 if form.years_of_work.errors else float(form.years_of_work.data or 0)
    return eligibility.Evidence(
        years_of_work=years,
        certificates=tuple(certificates),
        titles=tuple(titles),
        education=tuple(education),
    )


def _fill(form: EvidenceForm, evidence: eligibility.Evidence) -> None:
    """The form as the application declared it, to be corrected (the form has one of each)."""
    form.years_of_work.data = Decimal(evidence.years_of_work)
    for certificate in evidence.certificates[:1]:
        form.has_certificate.data = True
        form.certificate_occupation.data = certificate.occupation
        form.certificate_level.data = certificate.level
        form.certificate_issued_on.data = certificate.issued_on
    for title in evidence.titles[:1]:
        form.has_title.data = True
        form.title_level.data = title.level
        form.title_matches_field.data = title.matches_field
        form.title_obtained_on.data = title.obtained_on
    for education in evidence.education[:1]:
        form.education_kind.data = education.kind
        form.education_major.data = education.major
        form.education_graduated_on.data = education.graduated_on
        form.education_final_year.data = education.final_year
        form.education_evaluated.data = education.evaluated_programme


Evaluation = list[tuple[EligibilityCondition, eligibility.ConditionResult]]


def _evaluation_of(form: EvidenceForm, level: int) -> Evaluation:
    return applications.evaluate(get_session(), level, _evidence(form), get_clock().now().date())


def _declared_evaluation(form: ApplicationForm) -> Evaluation | None:
    """The conditions the declared evidence meets, beside a refused form; none while the
    programme or the evidence is not valid yet (their fields say why)."""
    try:
        programme = catalogue.programme_by_code(get_session(), form.programme.data or "")
        return _evaluation_of(form, programme.level)
    except (ServiceError, ValueError):
        return None


def _field_for(form: RegistrationForm, error: ServiceError) -> Field | FlaskForm:
    if error.code.startswith("username"):
        return form.username
    if error.code.startswith("password"):
        return form.password
    if _about_proofs(error):
        return form.documents
    if error.code in ("phone_invalid", "phone_has_application"):
        return form.phone
    if error.code == "id_number_known":
        return form.id_number
    return form


def _about_proofs(error: ServiceError) -> bool:
    return "document" in error.code or error.code == "application_too_large"


# --- the applicant's own applications ---------------------------------------------------------


@blueprint.route("/me/applications")
@role_required(Role.TRAINEE)
def my_applications() -> ResponseReturnValue:
    db = get_session()
    mine = applications.applications_of(db, current_user.id)
    return render_template(
        "admissions/mine.html",
        applications=[(a, _evaluation(a)) for a in mine],
        may_apply=not any(a.status in applications.OPEN_STATUSES for a in mine),
    )


@blueprint.app_template_global()
def applicant_news() -> Application | None:
    """For the trainee's home page: called only where a template asks."""
    return applications.news_for(get_session(), current_user.id, get_clock().now())


def _evaluation(application: Application) -> Evaluation:
    evidence = applications.evidence_from_json(application.evidence)
    return applications.evaluate(
        get_session(), application.programme.level, evidence, application.submitted_at.date()
    )


def _submitted() -> ResponseReturnValue:
    """After a new application: to the applicant's applications, saying what happens next."""
    flash(_("Your application has been submitted. The training office reviews it."), "success")
    return redirect(url_for("admissions.my_applications"), code=303)


@blueprint.route("/me/applications/new", methods=["GET", "POST"])
@role_required(Role.TRAINEE)
def apply() -> ResponseReturnValue:
    """A new application from an account: after a rejection, or for another programme."""
    db = get_session()
    form = ApplicationForm()
    _programme_choices(form)
    proofs = _HeldProofs("apply", form)
    valid = form.validate_on_submit()
    if form.is_submitted():
        proofs.take(form)
    if valid and not _has_errors(form):
        with shown(lambda error: form.documents if _about_proofs(error) else form):
            applications.apply_again(
                db,
                current_user,
                programme=catalogue.programme_by_code(db, form.programme.data),
                evidence=_evidence(form),
                uploads=proofs.uploads(),
                upload_folder=current_app.config["UPLOAD_FOLDER"],
                now=get_clock().now(),
                max_bytes=current_app.config["APPLICATION_MAX_BYTES"],
            )
            db.commit()
            proofs.discard()
            return _submitted()
    return render_template(
        "admissions/apply.html",
        form=form,
        held=proofs.held(),
        evaluation=_declared_evaluation(form) if form.is_submitted() else None,
    )


@blueprint.route("/me/applications/<int:application_id>/edit", methods=["GET", "POST"])
@role_required(Role.TRAINEE)
def correct(application_id: int) -> ResponseReturnValue:
    """A returned application: the evidence corrected, proofs added, submitted again."""
    db = get_session()
    application = db.get(Application, application_id)
    if application is None or application.applicant_id != current_user.id:
        abort(404)
    if application.status != ApplicationStatus.RETURNED.value:
        return redirect(url_for("admissions.my_applications"), code=303)
    form = ResubmitForm()
    if not form.is_submitted():
        _fill(form, applications.evidence_from_json(application.evidence))
    proofs = _HeldProofs(
        f"correct:{application.id}", form, stored_bytes=applications.stored_bytes(application)
    )
    valid = form.validate_on_submit()
    if form.is_submitted():
        proofs.take(form)
    if valid and not _has_errors(form):
        with shown(lambda error: form.documents if _about_proofs(error) else form):
            applications.resubmit(
                db,
                application,
                evidence=_evidence(form),
                uploads=proofs.uploads(),
                upload_folder=current_app.config["UPLOAD_FOLDER"],
                now=get_clock().now(),
                max_bytes=current_app.config["APPLICATION_MAX_BYTES"],
            )
            db.commit()
            proofs.discard()
            flash(_("Your corrected application is back with the training office."), "success")
            return redirect(url_for("admissions.my_applications"), code=303)
    return render_template(
        "admissions/correct.html",
        form=form,
        application=application,
        held=proofs.held(),
        evaluation=_evaluation_of(form, application.programme.level),
    )


@blueprint.route("/applications/<int:application_id>/documents/<int:document_id>")
@login_required
def document(application_id: int, document_id: int) -> ResponseReturnValue:
    db = get_session()
    doc = db.get(ApplicationDocument, document_id)
    if doc is None or doc.application_id != application_id:
        abort(404)
    if not may_see_document(current_user, doc):
        abort(404)
    owner = doc.application.applicant_id == current_user.id
    if doc.deleted_at is not None:
        return _deleted(doc, doc.deleted_at)
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
    # An attachment under a neutral name; the review page still shows an image through <img>.
    response = send_stored_file(
        path,
        mimetype=applications.served_type(doc),
        as_attachment=True,
        download_name=applications.download_name(doc),
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _deleted(doc: ApplicationDocument, deleted_at: datetime) -> ResponseReturnValue:
    """A proof deleted after the retention period: 410, saying when and why, not a 404."""
    message = _(
        "%(name)s was deleted on %(day)s, %(days)s days after it was uploaded: the proofs of an "
        "application that does not go on are kept for a limited time only.",
        name=doc.original_name,
        day=format_datetime_local(deleted_at)[:10],
        days=doc.kept_days,
    )
    return render_template("errors/error.html", code=410, message=message), 410


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
        with shown(form.note if form.return_.data else form):
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
    if form.return_.data:
        applications.return_for_changes(
            db, application, note=form.note.data or "", now=now, actor_id=current_user.id
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
    return absolute_url_for("admissions.register")
