"""Unmasked personal data: who saw an ID-card or phone number in full is written down.

Everywhere else ID-card and phone numbers are masked (`accounts.mask_id_number`,
`mask_phone`): on the admin review of an application, in an applicant's documents and in an
export an admin asks for unmasked, they are shown whole, and each such view is an entry of the
audit log (`personal_data_viewed`: by whom, whose, where).

Such a view is a GET (a page, a picture in it, a file), so a link on another site could make an
admin's browser open one and write an audit entry in the admin's name. A view is therefore
recorded, and shown, only when the browser says the request came from this site or from the
admin's own hands (`Sec-Fetch-Site`; the referrer for browsers that do not send it); otherwise
the admin is asked first.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, make_response, render_template, request
from flask_login import current_user

from learning.db import SAFE_METHODS, get_session, writing
from learning.extensions import get_clock
from learning.permissions import may_export_unmasked
from learning.services import audit

PERSONAL_DATA_VIEWED = "personal_data_viewed"


def record_unmasked_view(where: str, trainee_ids: list[int], **details: object) -> None:
    """Write the view to the audit log before the data leaves, in the request's session: a
    page that only reads ends its reading transaction and writes in a writing one (on SQLite,
    a reading transaction may not turn into a writing one once others have written)."""
    if request.method in SAFE_METHODS and not came_from_this_site():
        page = render_template("privacy/confirm_unmasked.html", target=_this_address())
        abort(make_response(page))
    subject = f"users {','.join(str(id_) for id_ in trainee_ids[:20])}"
    if len(trainee_ids) > 20:
        subject = f"{len(trainee_ids)} users"
    entry = {
        "at": get_clock().now(),
        "actor_id": current_user.id,
        "action": PERSONAL_DATA_VIEWED,
        "subject": subject[:100],
        "details": {"where": where, "users": trainee_ids, **details},
    }
    session = get_session()
    if request.method in SAFE_METHODS:
        session.commit()  # nothing was written: this only ends the reading transaction
        with writing():
            audit.record(session, **entry)
            session.commit()
    else:
        audit.record(session, **entry)
        session.commit()


def unmasked_export(trainee_ids: list[int], where: str, **details: object) -> bool:
    """Whether this export shows ID-card and phone numbers whole: only when an admin asked
    with `?unmasked=1`, and then the view is logged before the file is made."""
    if request.args.get("unmasked") != "1" or not may_export_unmasked(current_user):
        return False
    record_unmasked_view(where, trainee_ids, **details)
    return True


def came_from_this_site() -> bool:
    """Whether this request was made by a page of this site or typed by the user (a bookmark,
    the address bar), not by a page elsewhere. A client that sends neither header (a browser
    older than 2023, a script with the admin's cookie) is believed (SECURITY.md)."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site in {"same-origin", "none"}
    referrer = request.referrer
    return not referrer or urlsplit(referrer).netloc == request.host


def _this_address() -> str:
    query = request.query_string.decode("latin-1")
    return f"{request.path}?{query}" if query else request.path
