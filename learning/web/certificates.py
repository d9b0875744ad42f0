"""The printable study-hour certificate, and the public page that checks its code."""

from __future__ import annotations

import segno
from flask import Blueprint, abort, current_app, render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from learning.db import get_session
from learning.extensions import today
from learning.models import TraineeProfile
from learning.permissions import enrolment_or_404, login_required
from learning.services import certificates
from learning.services.accounts import mask_id_number
from learning.web.links import absolute_url_for

blueprint = Blueprint("certificates", __name__)


@blueprint.route("/enrolments/<int:enrolment_id>/certificate")
@login_required
def certificate(enrolment_id: int) -> ResponseReturnValue:
    session = get_session()
    enrolment = enrolment_or_404(session, current_user, enrolment_id)
    document = certificates.certificate(session, enrolment, current_app.config["CERTIFICATE_KEY"])
    profile = session.get(TraineeProfile, enrolment.trainee_id)
    verify_url = absolute_url_for("certificates.verify", code=document.code)
    return render_template(
        "certificates/certificate.html",
        document=document,
        real_name=profile.real_name if profile else enrolment.trainee.display_name,
        id_number=mask_id_number(profile.id_number if profile else None),
        issued_on=today(),
        verify_url=verify_url,
        verify_qr=_qr_svg(verify_url),
    )


def _qr_svg(url: str) -> Markup:
    """The verification link as a QR code in inline SVG: printed with the page, no request."""
    code = segno.make(url, error="m")
    title = _("Scan to check this certificate: %(url)s", url=url)
    return Markup(code.svg_inline(border=2, omitsize=True, title=title, svgclass="qr-code"))


@blueprint.route("/verify/<code>")
def verify(code: str) -> ResponseReturnValue:
    """Anyone may check a code: programme, masked name, hours and dates, nothing more."""
    session = get_session()
    enrolment = certificates.enrolment_for_code(
        session, code, current_app.config["CERTIFICATE_KEY"]
    )
    if enrolment is None:
        return render_template("certificates/verify.html", document=None, code=code), 404
    document = certificates.certificate(session, enrolment, current_app.config["CERTIFICATE_KEY"])
    profile = session.get(TraineeProfile, enrolment.trainee_id)
    name = profile.real_name if profile else enrolment.trainee.display_name
    if len(name) < 2:
        abort(404)
    return render_template(
        "certificates/verify.html",
        document=document,
        code=code,
        masked_name=name[0] + "*" * (len(name) - 1),
    )
