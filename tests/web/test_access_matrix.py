"""Who may open what: every URL rule of the app x every kind of visitor.

A route missing from ROUTES fails `test_every_route_has_a_rule`, so nobody can add a page or
an endpoint without deciding who may use it.
"""

from __future__ import annotations

from collections.abc import Iterator

import plotly
import pytest
from flask import Flask
from sqlalchemy import Connection

from learning.api import limits
from learning.clock import FakeClock
from learning.db import get_database
from tests.conftest import Client, app_in_transaction
from tests.factories import Factory
from tests.web.conftest import World, build_world

VISITORS = ["anonymous", "trainee", "other_trainee", "instructor", "other_instructor", "admin"]


def _first_beat(w: World) -> dict:
    return {"seq": 1, "position_s": 0, "rate": 1, "paused": False, "visible": True, "event": "play"}


def _row(anonymous, trainee, other_trainee, instructor, other_instructor, admin):
    return dict(
        zip(
            VISITORS,
            (anonymous, trainee, other_trainee, instructor, other_instructor, admin),
            strict=True,
        )
    )


UNKNOWN_UPLOAD = "0" * 32
HEALTH = {200, 503}  # depends on the database and scheduler, never on who asks
# endpoint -> (method, url builder, expected status per visitor[, JSON body builder])
ROUTES = {
    "auth.login": ("GET", lambda w: "/login", _row(200, 302, 302, 302, 302, 302)),
    "auth.logout": ("POST", lambda w: "/logout", _row(303, 303, 303, 303, 303, 303)),
    "auth.change_password": (
        "GET",
        lambda w: "/account/password",
        _row(302, 200, 200, 200, 200, 200),
    ),
    "auth.profile": (
        "GET",
        lambda w: "/account/profile",
        _row(302, 200, 200, 200, 200, 200),
    ),
    "auth.set_language": ("POST", lambda w: "/language", _row(303, 303, 303, 303, 303, 303)),
    "home.index": ("GET", lambda w: "/", _row(302, 200, 200, 200, 200, 302)),
    "courses.course": (
        "GET",
        lambda w: f"/enrolments/{w.enrolment.id}",
        _row(302, 200, 404, 200, 404, 200),
    ),
    "classes.dashboard": (
        "GET",
        lambda w: f"/classes/{w.training_class.id}",
        _row(302, 403, 403, 200, 404, 200),
    ),
    "player.play": (
        "GET",
        lambda w: f"/enrolments/{w.enrolment.id}/videos/{w.video_id}",
        _row(302, 200, 404, 403, 403, 403),
    ),
    "player.video_file": (
        "GET",
        lambda w: f"/videos/{w.file_video_id}/file",
        _row(302, 200, 200, 200, 200, 200),  # both trainees are in its programme
    ),
    "player.video_poster": (
        "GET",
        lambda w: f"/videos/{w.file_video_id}/poster.png",
        _row(302, 200, 200, 200, 200, 200),
    ),
    "notices.mine": ("GET", lambda w: "/me/notifications", _row(302, 200, 200, 403, 403, 403)),
    "notices.mark_read": (
        "POST",
        lambda w: "/me/notifications/read",
        _row(302, 303, 303, 403, 403, 403),
    ),
    "certificates.certificate": (
        "GET",
        lambda w: f"/enrolments/{w.enrolment.id}/certificate",
        _row(302, 200, 404, 200, 404, 200),
    ),
    "certificates.verify": (
        "GET",
        lambda w: "/verify/1-NOTACODE00",
        _row(404, 404, 404, 404, 404, 404),  # a made-up code; genuine ones are tested apart
    ),
    "record.my_record": ("GET", lambda w: "/me/record", _row(302, 200, 200, 403, 403, 403)),
    "classes.add_coaching_day": (
        "POST",
        lambda w: f"/classes/{w.training_class.id}/coaching-days",
        _row(302, 403, 403, 200, 404, 200),
    ),
    "classes.export_xlsx": (
        "GET",
        lambda w: f"/classes/{w.training_class.id}/export.xlsx",
        _row(302, 403, 403, 200, 404, 200),
    ),
    "classes.export_csv": (
        "GET",
        lambda w: f"/classes/{w.training_class.id}/export.csv",
        _row(302, 403, 403, 200, 404, 200),
    ),
    "classes.attendance": (
        "GET",
        lambda w: f"/classes/{w.training_class.id}/coaching-days/{w.coaching_day_id}",
        _row(302, 403, 403, 200, 404, 200),
    ),
    "courses.add_offline_time": (
        "POST",
        lambda w: f"/enrolments/{w.enrolment.id}/offline",
        _row(302, 403, 403, 403, 403, 200),
    ),
    "courses.revoke_offline_time": (
        "POST",
        lambda w: f"/enrolments/{w.enrolment.id}/offline/{w.credit_id}/revoke",
        _row(302, 403, 403, 403, 403, 303),
    ),
    "courses.record_results": (
        "POST",
        lambda w: f"/enrolments/{w.enrolment.id}/registrations/999999/results",
        _row(302, 403, 403, 403, 403, 404),
    ),
    "api.record_results": (
        "POST",
        lambda w: "/api/v1/admin/exam-registrations/999999/results",
        _row(401, 403, 403, 403, 403, 404),
        lambda w: {"absent": True},
    ),
    "exams.sessions": (
        "GET",
        lambda w: "/admin/exam-sessions",
        _row(302, 403, 403, 403, 403, 200),
    ),
    "exams.candidates": (
        "GET",
        lambda w: "/admin/exam-sessions/999999",
        _row(302, 403, 403, 403, 403, 404),
    ),
    "exams.edit": (
        "POST",
        lambda w: "/admin/exam-sessions/999999/edit",
        _row(302, 403, 403, 403, 403, 404),
    ),
    "exams.cancel": (
        "POST",
        lambda w: "/admin/exam-sessions/999999/cancel",
        _row(302, 403, 403, 403, 403, 404),
    ),
    "exam_results.save_table": (
        "POST",
        lambda w: "/admin/exam-sessions/999999/results",
        _row(302, 403, 403, 403, 403, 404),
    ),
    "exam_results.sheet": (
        "GET",
        lambda w: "/admin/exam-sessions/999999/results.xlsx",
        _row(302, 403, 403, 403, 403, 404),
    ),
    "exam_results.upload": (
        "POST",
        lambda w: "/admin/exam-sessions/999999/results/upload",
        _row(302, 403, 403, 403, 403, 404),
    ),
    "exam_results.confirm_upload": (
        "POST",
        lambda w: f"/admin/exam-sessions/999999/results/upload/{UNKNOWN_UPLOAD}",
        _row(302, 403, 403, 403, 403, 404),
    ),
    "tickets.ticket": (
        "GET",
        lambda w: f"/enrolments/{w.enrolment.id}/registrations/999999/ticket",
        _row(302, 404, 404, 404, 404, 404),  # the enrolment's viewers, but no such registration
    ),
    "tickets.session_tickets": (
        "GET",
        lambda w: "/admin/exam-sessions/999999/tickets",
        _row(302, 403, 403, 403, 403, 404),
    ),
    "tickets.photo": (
        "GET",
        lambda w: f"/users/{w.users['trainee'].id}/photo.jpg",
        _row(302, 404, 404, 404, 404, 404),  # no photo given; who may see one: test_tickets.py
    ),
    "tickets.upload_photo": (
        "POST",
        lambda w: "/profile/photo",
        _row(302, 303, 303, 403, 403, 403),
    ),
    "face_reference.consent": (
        "POST",
        lambda w: "/account/face/consent",
        _row(302, 400, 400, 403, 403, 403),  # no answer chosen; the answers: tests/faces
    ),
    "face_reference.set_reference": (
        "POST",
        lambda w: "/account/face/reference",
        _row(302, 303, 303, 403, 403, 403),  # no picture sent: said on the profile page
    ),
    "face_reference.picture": (
        "GET",
        lambda w: f"/users/{w.users['trainee'].id}/face.jpg",
        _row(302, 404, 404, 404, 404, 404),  # none given; who may see one: tests/faces
    ),
    "face_reference.approve": (
        "POST",
        lambda w: f"/admin/users/{w.users['trainee'].id}/face/approve",
        _row(302, 403, 403, 403, 403, 303),
    ),
    "face_reference.reset": (
        "POST",
        lambda w: f"/admin/users/{w.users['trainee'].id}/face/reset",
        _row(302, 403, 403, 403, 403, 303),
    ),
    "face_snapshots.trainee": (
        "GET",
        lambda w: f"/admin/users/{w.users['trainee'].id}/face-snapshots",
        _row(302, 403, 403, 403, 403, 200),
    ),
    "face_snapshots.image": (
        "GET",
        lambda w: "/admin/face-snapshots/999999.jpg",
        _row(302, 403, 403, 403, 403, 404),  # a real one, audited: tests/faces
    ),
    "review.queue": ("GET", lambda w: "/admin/review/", _row(302, 403, 403, 403, 403, 200)),
    "review.flag": (
        "GET",
        lambda w: "/admin/review/999999",
        _row(302, 403, 403, 403, 403, 404),  # real flags: tests/web/test_review.py
    ),
    "review.clear": (
        "POST",
        lambda w: "/admin/review/999999/clear",
        _row(302, 403, 403, 403, 403, 404),
    ),
    "review.void": (
        "POST",
        lambda w: "/admin/review/999999/void",
        _row(302, 403, 403, 403, 403, 404),
    ),
    "payments.index": ("GET", lambda w: "/admin/payments", _row(302, 403, 403, 403, 403, 200)),
    "payments.sheet": (
        "GET",
        lambda w: "/admin/payments/sheet.xlsx",
        _row(302, 403, 403, 403, 403, 200),
    ),
    "payments.confirm": (
        "POST",
        lambda w: f"/admin/payments/{UNKNOWN_UPLOAD}",
        _row(302, 403, 403, 403, 403, 303),
    ),
    "exams.subsidies": (
        "POST",
        lambda w: "/admin/subsidies",
        _row(302, 403, 403, 403, 403, 303),
    ),
    "exams.register": (
        "POST",
        lambda w: f"/enrolments/{w.enrolment.id}/exam-registrations",
        _row(302, 303, 404, 403, 403, 403),
    ),
    "courses.unlock": (
        "POST",
        lambda w: f"/enrolments/{w.enrolment.id}/unlock",
        _row(302, 403, 403, 403, 403, 200),
    ),
    "courses.record_payment": (
        "POST",
        lambda w: f"/enrolments/{w.enrolment.id}/payments",
        _row(302, 403, 403, 403, 403, 200),
    ),
    "admissions.register": ("GET", lambda w: "/register", _row(200, 302, 302, 302, 302, 302)),
    "admissions.my_applications": (
        "GET",
        lambda w: "/me/applications",
        _row(302, 200, 200, 403, 403, 403),
    ),
    "admissions.evaluation": (
        "GET",
        lambda w: "/register/evaluation?programme=accounting-4&years_of_work=6",
        _row(200, 200, 200, 200, 200, 200),
    ),
    "admissions.apply": (
        "GET",
        lambda w: "/me/applications/new",
        _row(302, 200, 200, 403, 403, 403),
    ),
    "admissions.correct": (  # the applicant is none of these: tests/web/test_application_loop
        "GET",
        lambda w: f"/me/applications/{w.application_id}/edit",
        _row(302, 404, 404, 403, 403, 403),
    ),
    "admissions.document": (  # the applicant is none of these; owners are tested elsewhere
        "GET",
        lambda w: f"/applications/{w.application_id}/documents/{w.document_id}",
        _row(302, 404, 404, 404, 404, 200),
    ),
    "admissions.queue": (
        "GET",
        lambda w: "/admin/applications",
        _row(302, 403, 403, 403, 403, 200),
    ),
    "admissions.review": (
        "GET",
        lambda w: f"/admin/applications/{w.application_id}",
        _row(302, 403, 403, 403, 403, 200),
    ),
    "admissions.qr_page": (
        "GET",
        lambda w: "/admin/registration-qr",
        _row(302, 403, 403, 403, 403, 200),
    ),
    "admissions.qr_image": (
        "GET",
        lambda w: "/admin/registration-qr.png",
        _row(302, 403, 403, 403, 403, 200),
    ),
    "admin.dashboard": ("GET", lambda w: "/admin", _row(302, 403, 403, 403, 403, 200)),
    "admin.users": ("GET", lambda w: "/admin/users", _row(302, 403, 403, 403, 403, 200)),
    "admin.jobs": ("GET", lambda w: "/admin/jobs", _row(302, 403, 403, 403, 403, 200)),
    "audit.log": ("GET", lambda w: "/admin/audit", _row(302, 403, 403, 403, 403, 200)),
    "admin.video_library": ("GET", lambda w: "/admin/videos", _row(302, 403, 403, 403, 403, 200)),
    "class_admin.index": ("GET", lambda w: "/admin/classes", _row(302, 403, 403, 403, 403, 200)),
    "class_admin.edit": (
        "GET",
        lambda w: f"/admin/classes/{w.training_class.id}",
        _row(302, 403, 403, 403, 403, 200),
    ),
    "class_admin.move": (
        "POST",
        lambda w: f"/admin/classes/move/{w.enrolment.id}",
        _row(302, 403, 403, 403, 403, 303),
    ),
    "admin.import_template": (
        "GET",
        lambda w: "/admin/trainees/import-template.xlsx",
        _row(302, 403, 403, 403, 403, 200),
    ),
    "admin.import_trainees": (
        "GET",
        lambda w: "/admin/trainees/import",
        _row(302, 403, 403, 403, 403, 200),
    ),
    "admin.confirm_import": (
        "POST",
        lambda w: "/admin/trainees/import/" + "0" * 32,
        _row(302, 403, 403, 403, 403, 303),
    ),
    "api.import_trainees": (
        "POST",
        lambda w: "/api/v1/admin/trainees/import?dry_run=1",
        _row(401, 403, 403, 403, 403, 422),
    ),
    "admin.set_mock_format": (  # an empty form is refused with its reasons
        "POST",
        lambda w: f"/admin/programmes/{w.programme_id}/mock-exam",
        _row(302, 403, 403, 403, 403, 422),
    ),
    "questions.index": ("GET", lambda w: "/admin/questions", _row(302, 403, 403, 403, 403, 200)),
    "questions.create": (
        "GET",
        lambda w: "/admin/questions/new",
        _row(302, 403, 403, 403, 403, 200),
    ),
    "questions.edit": (
        "GET",
        lambda w: f"/admin/questions/{w.question_id}",
        _row(302, 403, 403, 403, 403, 200),
    ),
    "questions.retire": (
        "POST",
        lambda w: f"/admin/questions/{w.question_id}/retire",
        _row(302, 403, 403, 403, 403, 303),
    ),
    "questions.import_template": (
        "GET",
        lambda w: "/admin/questions/import-template.xlsx",
        _row(302, 403, 403, 403, 403, 200),
    ),
    "questions.import_bank": (
        "GET",
        lambda w: "/admin/questions/import",
        _row(302, 403, 403, 403, 403, 200),
    ),
    "questions.confirm_import": (
        "POST",
        lambda w: "/admin/questions/import/" + "0" * 32,
        _row(302, 403, 403, 403, 403, 303),
    ),
    "admin.add_programme_video": (
        "POST",
        lambda w: f"/admin/programmes/{w.programme_id}/videos",
        _row(302, 403, 403, 403, 403, 303),
    ),
    "admin.move_programme_video": (
        "POST",
        lambda w: f"/admin/programmes/{w.programme_id}/videos/{w.video_id}/down",
        _row(302, 403, 403, 403, 403, 303),
    ),
    "admin.set_programme_chapters": (
        "POST",
        lambda w: f"/admin/programmes/{w.programme_id}/chapters",
        _row(302, 403, 403, 403, 403, 303),
    ),
    "admin.retire_video": (
        "POST",
        lambda w: f"/admin/videos/{w.file_video_id}/retire",
        _row(302, 403, 403, 403, 403, 303),
    ),
    "admin.create_user": ("GET", lambda w: "/admin/users/new", _row(302, 403, 403, 403, 403, 200)),
    "admin.create_programme": (
        "GET",
        lambda w: "/admin/programmes/new",
        _row(302, 403, 403, 403, 403, 200),
    ),
    "admin.create_work_type": (
        "GET",
        lambda w: "/admin/work-types/new",
        _row(302, 403, 403, 403, 403, 200),
    ),
    "admin.edit_user": (
        "GET",
        lambda w: f"/admin/users/{w.users['trainee'].id}",
        _row(302, 403, 403, 403, 403, 200),
    ),
    "admin.unlock_login": (
        "POST",
        lambda w: f"/admin/users/{w.users['trainee'].id}/unlock-login",
        _row(302, 403, 403, 403, 403, 303),  # no reason given: said on the user's page
    ),
    "admin.export_programme": (
        "GET",
        lambda w: f"/admin/programmes/{w.programme_id}/export.xlsx",
        _row(302, 403, 403, 403, 403, 200),
    ),
    "readiness.of_class": (
        "GET",
        lambda w: f"/classes/{w.training_class.id}/readiness",
        _row(302, 403, 403, 200, 404, 200),
    ),
    "readiness.of_programme": (
        "GET",
        lambda w: f"/admin/programmes/{w.programme_id}/readiness",
        _row(302, 403, 403, 403, 403, 200),
    ),
    "admin.edit_programme": (
        "GET",
        lambda w: f"/admin/programmes/{w.programme_id}",
        _row(302, 403, 403, 403, 403, 200),
    ),
    "people.search": (
        "GET",
        lambda w: f"/people?q={w.users['trainee'].username}",
        _row(302, 403, 403, 200, 200, 200),
    ),
    "announcements.index": (
        "GET",
        lambda w: "/announcements",
        _row(302, 403, 403, 200, 200, 200),
    ),
    "announcements.withdraw": (  # none to withdraw; who may is tested with the announcements
        "POST",
        lambda w: "/announcements/999999/withdraw",
        _row(302, 403, 403, 404, 404, 404),
    ),
    "vendor.plotly_js": (
        "GET",
        lambda w: f"/vendor/plotly-{plotly.__version__}.min.js",
        _row(200, 200, 200, 200, 200, 200),
    ),
    "public.healthz": ("GET", lambda w: "/healthz", _row(*[HEALTH] * 6)),
    "api.me": ("GET", lambda w: "/api/v1/me", _row(401, 200, 200, 200, 200, 200)),
    "api.openapi_document": (
        "GET",
        lambda w: "/api/v1/openapi.json",
        _row(200, 200, 200, 200, 200, 200),
    ),
    "api.open_playback": (
        "POST",
        lambda w: "/api/v1/playbacks",
        _row(401, 201, 404, 403, 403, 403),
        lambda w: {"enrolment_id": w.enrolment.id, "video_id": w.video_id},
    ),
    "api.heartbeat": (
        "POST",
        lambda w: f"/api/v1/playbacks/{w.playback_id}/heartbeats",
        _row(401, 200, 404, 403, 403, 403),
        _first_beat,
    ),
    "api.check_image": (
        "GET",
        lambda w: f"/api/v1/playbacks/{w.playback_id}/checks/nocheck.png",
        _row(401, 404, 404, 403, 403, 403),
    ),
    "api.check_question": (
        "GET",
        lambda w: f"/api/v1/playbacks/{w.playback_id}/checks/nocheck/question",
        _row(401, 404, 404, 403, 403, 403),
    ),
    "api.answer_check_question": (
        "POST",
        lambda w: f"/api/v1/playbacks/{w.playback_id}/checks/nocheck/question",
        _row(401, 400, 400, 403, 403, 403),  # no token sent; real answers: tests/api
    ),
    "api.answer_face_check": (
        "POST",
        lambda w: f"/api/v1/playbacks/{w.playback_id}/checks/nocheck/face",
        _row(401, 400, 400, 403, 403, 403),  # no beat sent; real answers: tests/api
    ),
    "api.enrolment_videos": (
        "GET",
        lambda w: f"/api/v1/enrolments/{w.enrolment.id}/videos",
        _row(401, 200, 404, 200, 404, 200),
    ),
    "api.my_study_record": (
        "GET",
        lambda w: "/api/v1/me/study-record",
        _row(401, 200, 200, 403, 403, 403),
    ),
    "api.class_progress": (
        "GET",
        lambda w: f"/api/v1/classes/{w.training_class.id}/progress",
        _row(401, 403, 403, 200, 404, 200),
    ),
    "api.exam_sessions": (
        "GET",
        lambda w: "/api/v1/exam-sessions",
        _row(401, 200, 200, 200, 200, 200),
    ),
    "api.register_for_exam": (
        "POST",
        lambda w: "/api/v1/exam-registrations",
        _row(401, 404, 404, 403, 403, 403),
        lambda w: {"enrolment_id": w.enrolment.id, "exam_session_id": 999_999},
    ),
    "api.create_exam_session": (
        "POST",
        lambda w: "/api/v1/admin/exam-sessions",
        _row(401, 403, 403, 403, 403, 201),
        lambda w: {
            "work_type": "accounting",
            "level": 4,
            "starts_on": "2026-05-20",
            "registration_closes_on": "2026-05-01",
            "capacity": 30,
            "place": "考点",
            "coaching_hours": 0,
        },
    ),
    "api.unlock_enrolment": (
        "POST",
        lambda w: f"/api/v1/admin/enrolments/{w.enrolment.id}/unlock",
        _row(401, 403, 403, 403, 403, 200),
        lambda w: {"reason": "材料齐全"},
    ),
    "api.record_payment": (
        "POST",
        lambda w: f"/api/v1/admin/enrolments/{w.enrolment.id}/payments",
        _row(401, 403, 403, 403, 403, 201),
        lambda w: {
            "amount_fen": 100,
            "paid_on": "2026-03-01",
            "method": "cash",
            "receipt_no": "M-1",
            "kind": "training",
        },
    ),
    "api.audit_log": (
        "GET",
        lambda w: f"/api/v1/admin/audit?enrolment_id={w.enrolment.id}",
        _row(401, 403, 403, 403, 403, 200),
    ),
    "api.add_video": ("POST", lambda w: "/api/v1/admin/videos", _row(401, 403, 403, 403, 403, 422)),
    "api.start_upload": (
        "POST",
        lambda w: "/api/v1/admin/uploads",
        _row(401, 403, 403, 403, 403, 201),
        lambda w: {"name": "第一讲.webm", "size": 10},
    ),
    "api.upload_state": (
        "GET",
        lambda w: f"/api/v1/admin/uploads/{UNKNOWN_UPLOAD}",
        _row(401, 403, 403, 403, 403, 404),
    ),
    "api.upload_chunk": (
        "PUT",
        lambda w: f"/api/v1/admin/uploads/{UNKNOWN_UPLOAD}?offset=0",
        _row(401, 403, 403, 403, 403, 404),
    ),
    "api.finish_upload": (
        "POST",
        lambda w: f"/api/v1/admin/uploads/{UNKNOWN_UPLOAD}/video",
        _row(401, 403, 403, 403, 403, 404),
        lambda w: {"title": "第一讲", "programmes": ["accounting-4"]},
    ),
    "practice.hub": (
        "GET",
        lambda w: f"/enrolments/{w.enrolment.id}/practice",
        _row(302, 200, 404, 403, 403, 403),
    ),
    "practice.question": (
        "GET",
        lambda w: f"/enrolments/{w.enrolment.id}/practice/question?mode=chapter&value=第一章",
        _row(302, 200, 404, 403, 403, 403),
    ),
    "practice.answer": (
        "POST",
        lambda w: f"/enrolments/{w.enrolment.id}/practice/answers",
        _row(302, 303, 404, 403, 403, 403),  # no question named: back to the hub
    ),
    "practice.judged": (
        "GET",
        lambda w: f"/enrolments/{w.enrolment.id}/practice/answers/{w.practice_answer_id}",
        _row(302, 200, 404, 403, 403, 403),
    ),
    "practice.wrong_book": (
        "GET",
        lambda w: f"/enrolments/{w.enrolment.id}/practice/wrong-answers",
        _row(302, 200, 404, 403, 403, 403),
    ),
    "mock_exams.start": (
        "POST",
        lambda w: f"/enrolments/{w.enrolment.id}/mock-exams",
        _row(302, 303, 404, 403, 403, 403),  # the open paper
    ),
    "mock_exams.paper": (
        "GET",
        lambda w: f"/enrolments/{w.enrolment.id}/mock-exams/{w.mock_exam_id}",
        _row(302, 200, 404, 403, 403, 403),
    ),
    "mock_exams.answers": (
        "POST",
        lambda w: f"/enrolments/{w.enrolment.id}/mock-exams/{w.mock_exam_id}",
        _row(302, 303, 404, 403, 403, 403),
    ),
    "mock_exams.review": (
        "GET",
        lambda w: f"/enrolments/{w.enrolment.id}/mock-exams/{w.handed_in_mock_exam_id}/review",
        _row(302, 200, 404, 403, 403, 403),
    ),
    "api.save_mock_exam_answer": (
        "PUT",
        lambda w: f"/api/v1/mock-exams/{w.mock_exam_id}/answers/1",
        _row(401, 200, 404, 403, 403, 403),
        lambda w: {"chosen": "A"},
    ),
    "api.my_enrolments": (
        "GET",
        lambda w: "/api/v1/me/enrolments",
        _row(401, 200, 200, 403, 403, 403),
    ),
}


@pytest.fixture(scope="module")
def built(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Flask, Connection, World]]:
    """The app and its world, built once for the module's hundreds of tests."""
    uploads = tmp_path_factory.mktemp("matrix") / "uploads"
    with app_in_transaction(database_url, uploads) as (app, connection):
        session = get_database(app).session_factory()
        world = build_world(Factory(session, app.extensions["clock"]), app)
        session.close()  # the world's objects keep what they loaded
        yield app, connection, world


@pytest.fixture
def app(built: tuple[Flask, Connection, World]) -> Iterator[Flask]:
    """The module's app, each test inside a savepoint rolled back after it, with what the app
    keeps in memory (the clock, the rate limits) as new as the world."""
    app, connection, _world = built
    clock = app.extensions["clock"]
    app.extensions["clock"] = FakeClock(clock.now())
    limits.init_app(app)
    savepoint = connection.begin_nested()
    yield app
    savepoint.rollback()
    app.extensions["clock"] = clock


@pytest.fixture
def world(built: tuple[Flask, Connection, World], app: Flask) -> World:
    return built[2]


def test_every_route_has_a_rule(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - {"static"}
    missing = endpoints - ROUTES.keys()
    assert not missing, f"add these endpoints to ROUTES with who may use them: {sorted(missing)}"
    assert not ROUTES.keys() - endpoints, "ROUTES names endpoints that no longer exist"


@pytest.mark.parametrize("visitor", VISITORS)
@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_access(endpoint: str, visitor: str, world: World, app: Flask, login) -> None:
    method, url_for_world, expected, *json_body = ROUTES[endpoint]
    if visitor == "anonymous":
        app.test_client_class = Client
        client: Client = app.test_client()  # type: ignore[assignment]
    else:
        client = login(world.users[visitor])
    url = url_for_world(world)
    if method == "GET":
        response = client.get(url)
    elif json_body:
        headers = {"X-CSRFToken": client.csrf_token()}
        response = client.open(url, method=method, json=json_body[0](world), headers=headers)
    else:
        response = client.open(url, method=method, data={"csrf_token": client.csrf_token()})
    allowed = expected[visitor]
    allowed = allowed if isinstance(allowed, set) else {allowed}
    with response:
        assert response.status_code in allowed, f"{visitor} {method} {url}"
        if url.startswith("/api/") and response.status_code >= 400:
            assert response.is_json and "error" in response.get_json()


def test_an_unknown_object_looks_like_a_forbidden_one(world: World, login) -> None:
    client = login(world.users["other_trainee"])
    assert client.get("/enrolments/999999").status_code == 404
    assert client.get(f"/enrolments/{world.enrolment.id}").status_code == 404
