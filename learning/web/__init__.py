"""HTML blueprints, one per audience."""

from __future__ import annotations

from flask import Flask

from learning import errors
from learning.texts import labels
from learning.web import (
    admin,
    admissions,
    announcements,
    audit,
    auth,
    certificates,
    class_admin,
    classes,
    courses,
    exam_results,
    exams,
    face_reference,
    face_snapshots,
    home,
    mock_exams,
    notices,
    payments,
    people,
    player,
    practice,
    public,
    questions,
    readiness,
    record,
    review,
    tickets,
    vendor,
)


def register_blueprints(app: Flask) -> None:
    for module in (
        auth,
        home,
        courses,
        practice,
        mock_exams,
        player,
        certificates,
        record,
        notices,
        classes,
        exams,
        exam_results,
        tickets,
        face_reference,
        admissions,
        admin,
        face_snapshots,
        questions,
        readiness,
        audit,
        payments,
        class_admin,
        announcements,
        people,
        review,
        public,
        vendor,
    ):
        app.register_blueprint(module.blueprint)
    errors.init_app(app)
    auth.init_app(app)
    labels.init_app(app)
    notices.init_app(app)
    vendor.init_app(app)
