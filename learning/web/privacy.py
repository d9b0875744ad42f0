"""Unmasked personal data: who saw an ID-card or phone number in full is written down.

Everywhere else ID-card and phone numbers are masked (`accounts.mask_id_number`,
`mask_phone`): on the admin review of an application, in an applicant's documents and in an
export an admin asks for unmasked, they are shown whole, and each such view is an entry of the
audit log (`personal_data_viewed`: by whom, whose, where).
"""

from __future__ import annotations

from flask import request
from flask_login import current_user

from learning.db import SAFE_METHODS, get_session, writing
from learning.extensions import get_clock
from learning.models import Role
from learning.services import audit

PERSONAL_DATA_VIEWED = "personal_data_viewed"


def record_unmasked_view(where: str, trainee_ids: list[int], **details: object) -> None:
    """Write the view to the audit log before the data leaves, in the request's session: a
    page that only reads ends its reading transaction and writes in a writing one (on SQLite,
    a reading transaction may not turn into a writing one once others have written)."""
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
    if request.args.get("unmasked") != "1" or current_user.role != Role.ADMIN:
        return False
    record_unmasked_view(where, trainee_ids, **details)
    return True
