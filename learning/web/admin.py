"""The admin area: users and programmes."""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from wtforms import Field

from learning.charts import admin as admin_charts
from learning.db import get_session
from learning.extensions import get_clock, now_ms, today
from learning.jobs import lease
from learning.models import Programme, Role, User, Video
from learning.permissions import role_required
from learning.services import (
    ServiceError,
    accounts,
    catalogue,
    classes,
    face_profiles,
    fees,
    job_runs,
    mock_formats,
    overview,
    people,
    question_bank,
    reports,
    trainee_import,
)
from learning.services.identity import normalise_id_number
from learning.texts.labels import LEVEL_LABELS, localized, programme_label
from learning.web import downloads, face_reference, roster
from learning.web.filters import dashboard_filters
from learning.web.forms import (
    MockExamFormatForm,
    ProgrammeCreateForm,
    ProgrammeForm,
    UserCreateForm,
    UserEditForm,
    WorkTypeForm,
    choices,
    filled,
    posted_id,
)
from learning.web.privacy import unmasked_export
from learning.web.refusals import shown

blueprint = Blueprint("admin", __name__, url_prefix="/admin")

USERS_PER_PAGE = 50
MAX_SESSION_BARS = 12  # more exam sessions than this are charted per month


@blueprint.before_request
@role_required(Role.ADMIN)
def _admins_only() -> None:
    """Every page of this blueprint is for admins only."""


@blueprint.route("")
def dashboard() -> ResponseReturnValue:
    session = get_session()
    form, scope = dashboard_filters(catalogue.programmes(session), classes.class_names(session))
    counts = dict(
        session.execute(select(User.role, func.count()).group_by(User.role)).tuples().all()
    )
    programmes = [row for row in overview.programme_figures(session, scope) if row.enrolments]
    sessions = overview.session_figures(session, scope)
    fees = overview.fees_by_month(session, scope, today())
    verify = job_runs.latest_of_each(session).get("verify_totals")
    return render_template(
        "admin/dashboard.html",
        scheduler=lease.status(session, now=get_clock().now()),
        verify=verify,
        form=form,
        scope=scope,
        counts=counts,
        certified=overview.certified(session, scope),
        applications=overview.application_counts(session, scope),
        enrolments=sum(row.enrolments for row in programmes),
        reached=sum(row.reached for row in programmes),
        sessions=sessions,
        fees_fen=sum(fen for _month, fen in fees),
        charts=_charts(programmes, fees, sessions, one_programme=scope.programme is not None),
        programmes=catalogue.list_programmes(session),
        classes=classes.class_rows(
            session, programme_id=scope.programme.id if scope.programme else None
        ),
    )


def _charts(
    programmes: list[overview.ProgrammeFigures],
    fees: list[tuple[str, int]],
    sessions: list[overview.SessionFigures],
    *,
    one_programme: bool,
) -> dict[str, dict]:
    """The training body at a glance, from the kept totals."""
    if len(sessions) > MAX_SESSION_BARS:
        sessions = overview.by_month(sessions)
    return {
        "programmes": admin_charts.enrolments_per_programme(
            [
                programme_label(row.work_type_zh, row.work_type_en, row.level, short=True)
                for row in programmes
            ],
            [row.reached for row in programmes],
            [row.enrolments - row.reached for row in programmes],
            labels={
                "reached": _("reached the minimum"),
                "studying": _("still studying"),
                "enrolments": _("enrolments"),
            },
        ),
        "fees": admin_charts.fees_per_month(
            [month for month, _fen in fees],
            [fen / 100 for _month, fen in fees],
            labels={"yuan": _("yuan")},
        ),
        "sessions": admin_charts.exam_sessions(
            [_session_label(row, with_programme=not one_programme) for row in sessions],
            [row.capacity for row in sessions],
            [row.registered for row in sessions],
            [row.passed for row in sessions],
            [row.failed for row in sessions],
            labels={
                "capacity": _("seats"),
                "registered": _("registered"),
                "passed": _("passed"),
                "failed": _("not passed"),
                "people": _("people"),
            },
        ),
    }


def _session_label(row: overview.SessionFigures, *, with_programme: bool) -> str:
    if row.level is None:
        return row.starts_on.strftime("%Y-%m")
    if not with_programme:
        return row.starts_on.isoformat()
    programme = programme_label(row.work_type_zh, row.work_type_en, row.level, short=True)
    return f"{row.starts_on.isoformat()} {programme}"


@blueprint.route("/jobs")
def jobs() -> ResponseReturnValue:
    """The background jobs: who runs them, and what each recent run did."""
    session = get_session()
    return render_template(
        "admin/jobs.html",
        scheduler=lease.status(session, now=get_clock().now()),
        lease=lease.current(session),
        latest=job_runs.latest_of_each(session),
        runs=job_runs.recent(session),
    )


@blueprint.route("/users")
def users() -> ResponseReturnValue:
    session = get_session()
    role = request.args.get("role", "")
    query = request.args.get("q", "").strip()
    page = min(max(1, request.args.get("page", 1, type=int) or 1), 100_000)
    statement = select(User).order_by(User.role, User.username)
    if role in {r.value for r in Role}:
        statement = statement.where(User.role == role)
    if query:
        pattern = f"%{query.lower()}%"
        statement = statement.where(
            func.lower(User.username).like(pattern) | func.lower(User.display_name).like(pattern)
        )
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = list(
        session.scalars(statement.limit(USERS_PER_PAGE).offset((page - 1) * USERS_PER_PAGE))
    )
    return render_template(
        "admin/users.html",
        users=rows,
        enrolments=people.enrolments_of(session, [user.id for user in rows]),
        role=role,
        q=query,
        page=page,
        pages=max(1, -(-total // USERS_PER_PAGE)),
        total=total,
    )


@blueprint.route("/users/new", methods=["GET", "POST"])
def create_user() -> ResponseReturnValue:
    form = UserCreateForm()
    if form.validate_on_submit():
        session = get_session()
        profile = accounts.ProfileData(
            real_name=filled(form.display_name.data).strip(),
            id_number=normalise_id_number(form.id_number.data) if form.id_number.data else None,
            phone=form.phone.data or None,
            employer=form.employer.data or None,
            category=form.category.data,
        )

        def field_of(error: ServiceError) -> Field:
            if error.code == "id_number_known":
                return form.id_number
            return form.password if error.code.startswith("password") else form.username

        with shown(field_of):
            user = accounts.create_user(
                session,
                username=filled(form.username.data).strip(),
                password=filled(form.password.data),
                role=Role(form.role.data),
                display_name=filled(form.display_name.data),
                now=get_clock().now(),
                hash_method=current_app.config["PASSWORD_HASH_METHOD"],
                profile=profile,
                actor_id=current_user.id,
            )
            user.must_change_password = True
            flash(_("User %(name)s created.", name=user.username), "success")
            return redirect(url_for("admin.users"), code=303)
    return render_template("admin/user_new.html", form=form)


@blueprint.route("/users/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int) -> ResponseReturnValue:
    session = get_session()
    user = session.get(User, user_id) or abort(404)
    form = UserEditForm(obj=user)
    if form.validate_on_submit():
        now = get_clock().now()
        with shown(lambda error: form.new_password if error.code.startswith("password") else form):
            accounts.update_user(
                session,
                user,
                display_name=filled(form.display_name.data).strip(),
                role=Role(form.role.data),
                active=form.active.data,
                now=now,
                actor_id=current_user.id,
            )
            if form.new_password.data:
                accounts.set_password(
                    session,
                    user,
                    form.new_password.data,
                    now=now,
                    hash_method=current_app.config["PASSWORD_HASH_METHOD"],
                    actor_id=current_user.id,
                    must_change=True,
                )
            flash(_("Saved."), "success")
            return redirect(url_for("admin.users"), code=303)
    return render_template(
        "admin/user_edit.html",
        form=form,
        user=user,
        id_number=accounts.mask_id_number(user.profile.id_number) if user.profile else "",
        login_failures=accounts.recent_login_failures(session, user, now_ms=now_ms()),
        **face_reference.admin_section(user.id),
    )


@blueprint.route("/users/<int:user_id>/unlock-login", methods=["POST"])
def unlock_login(user_id: int) -> ResponseReturnValue:
    """Lift every login lock and slowdown on the account (audited with the reason)."""
    session = get_session()
    user = session.get(User, user_id) or abort(404)
    with shown():
        accounts.lift_login_locks(
            session,
            user,
            reason=request.form.get("reason", ""),
            now=get_clock().now(),
            actor_id=current_user.id,
        )
        flash(_("The login locks of %(name)s were lifted.", name=user.username), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id) + "#login-locks", code=303)


@blueprint.route("/programmes/new", methods=["GET", "POST"])
def create_programme() -> ResponseReturnValue:
    session = get_session()
    form = ProgrammeCreateForm()
    form.work_type.choices = choices(
        {row.code: localized(row.name_zh, row.name_en) for row in catalogue.work_types(session)}
    )
    form.level.choices = choices(
        {row.number: LEVEL_LABELS.get(row.number, row.name_zh) for row in catalogue.levels(session)}
    )
    if form.validate_on_submit():
        with shown(form):
            programme = catalogue.create_programme(
                session,
                work_type_code=form.work_type.data,
                level=form.level.data,
                required_hours=form.required_hours.data,
                now=get_clock().now(),
                actor_id=current_user.id,
            )
            flash(_("Programme %(programme)s saved.", programme=_named(programme)), "success")
            return redirect(url_for("admin.dashboard"), code=303)
    return render_template("admin/programme_new.html", form=form)


@blueprint.route("/work-types/new", methods=["GET", "POST"])
def create_work_type() -> ResponseReturnValue:
    form = WorkTypeForm()
    if form.validate_on_submit():
        session = get_session()
        with shown(form.code):
            work_type = catalogue.create_work_type(
                session,
                code=filled(form.code.data),
                name_zh=filled(form.name_zh.data),
                name_en=filled(form.name_en.data),
                now=get_clock().now(),
                actor_id=current_user.id,
            )
            flash(
                _(
                    "Work type %(name)s added. Now open it at the levels you train.",
                    name=localized(work_type.name_zh, work_type.name_en),
                ),
                "success",
            )
            return redirect(url_for("admin.create_programme"), code=303)
    return render_template("admin/work_type_new.html", form=form)


def _programme_form(programme: Programme, *, posted: bool = True) -> ProgrammeForm:
    """The programme's settings form: as posted, or (`posted` False, or not posted) as kept."""
    form = ProgrammeForm(obj=programme) if posted else ProgrammeForm(None, obj=programme)
    if not posted or not form.is_submitted():
        form.training_fee.data = _yuan(programme.training_fee_fen)
        form.assessment_fee.data = _yuan(programme.assessment_fee_fen)
    return form


@blueprint.route("/programmes/<int:programme_id>", methods=["GET", "POST"])
def edit_programme(programme_id: int) -> ResponseReturnValue:
    session = get_session()
    programme = session.get(Programme, programme_id) or abort(404)
    form = _programme_form(programme)
    if form.validate_on_submit():
        with shown(form.required_hours):
            catalogue.update_programme(
                session,
                programme,
                required_hours=filled(form.required_hours.data),
                active=form.active.data,
                now=get_clock().now(),
                actor_id=current_user.id,
                training_fee_fen=_fen(form.training_fee.data),
                assessment_fee_fen=_fen(form.assessment_fee.data),
                face_checks=form.face_checks.data,
                presence_check=form.presence_check.data,
            )
            flash(_("Programme %(programme)s saved.", programme=_named(programme)), "success")
            return redirect(url_for("admin.dashboard"), code=303)
    return _programme_page(programme, form)


@blueprint.route("/programmes/<int:programme_id>/mock-exam", methods=["POST"])
def set_mock_format(programme_id: int) -> ResponseReturnValue:
    """The programme's mock-exam format, a form of its own on the programme's page."""
    session = get_session()
    programme = session.get(Programme, programme_id) or abort(404)
    form = MockExamFormatForm()
    if form.validate_on_submit():
        with shown(lambda error: getattr(form, str(error.params.get("part")), form)):
            mock_formats.set_format(
                session,
                programme,
                mock_formats.FormatData(
                    **{
                        name: getattr(form, name).data
                        for name in mock_formats.FormatData.__dataclass_fields__
                    }
                ),
                now=get_clock().now(),
                actor_id=current_user.id,
            )
            flash(_("Mock exam of %(programme)s saved.", programme=_named(programme)), "success")
            target = url_for("admin.edit_programme", programme_id=programme.id)
            return redirect(f"{target}#mock-exam", code=303)
    page = _programme_page(programme, _programme_form(programme, posted=False), form)
    return page, 422


def _programme_page(
    programme: Programme,
    form: ProgrammeForm,
    format_form: MockExamFormatForm | None = None,
) -> str:
    session = get_session()
    videos = catalogue.programme_videos(session, programme.id)
    kept = mock_formats.format_of(session, programme.id)
    if format_form is None:
        format_form = MockExamFormatForm(None, obj=kept)
    pool = question_bank.pool_counts(session, programme)
    paper = kept.paper
    return render_template(
        "admin/programme_edit.html",
        form=form,
        format_form=format_form,
        pool=pool,
        paper=paper,
        short=[
            (kind, pool[kind], need) for kind, need in paper.counts.items() if pool[kind] < need
        ],
        programme=programme,
        videos=videos,
        content=catalogue.content_time(
            videos, programme, current_app.config["STANDARD_HOUR_MINUTES"]
        ),
        chapters=catalogue.chapter_headings(session, programme.id),
        addable=catalogue.addable_videos(session, programme.id),
        code_check=face_profiles.under_code_check(session, programme.id)
        if programme.face_checks
        else [],
    )


@blueprint.route("/programmes/<int:programme_id>/videos", methods=["POST"])
def add_programme_video(programme_id: int) -> ResponseReturnValue:
    session = get_session()
    programme = session.get(Programme, programme_id) or abort(404)
    video_id = posted_id("video_id")
    with shown():
        if video_id is None:
            raise ServiceError("unknown_video")
        catalogue.add_to_programme(
            session, programme, video_id, now=get_clock().now(), actor_id=current_user.id
        )
        flash(_("The video was added at the end of the programme."), "success")
    return redirect(url_for("admin.edit_programme", programme_id=programme.id), code=303)


@blueprint.route("/programmes/<int:programme_id>/chapters", methods=["POST"])
def set_programme_chapters(programme_id: int) -> ResponseReturnValue:
    session = get_session()
    programme = session.get(Programme, programme_id) or abort(404)
    with shown():
        catalogue.set_chapters(
            session,
            programme,
            _posted_chapters(),
            now=get_clock().now(),
            actor_id=current_user.id,
        )
        flash(_("Chapters saved."), "success")
    target = url_for("admin.edit_programme", programme_id=programme.id)
    return redirect(f"{target}#chapters", code=303)


def _posted_chapters() -> dict[int, str]:
    """The posted `chapter-<video id>` fields, by video id."""
    chapters = {}
    for name, value in request.form.items():
        prefix, _dash, video_id = name.partition("-")
        if prefix == "chapter" and video_id.isascii() and video_id.isdigit() and len(video_id) < 10:
            chapters[int(video_id)] = value
    return chapters


@blueprint.route(
    "/programmes/<int:programme_id>/videos/<int:video_id>/<any(up, down):direction>",
    methods=["POST"],
)
def move_programme_video(programme_id: int, video_id: int, direction: str) -> ResponseReturnValue:
    session = get_session()
    programme = session.get(Programme, programme_id) or abort(404)
    with shown():
        catalogue.move_video(
            session,
            programme,
            video_id,
            step=-1 if direction == "up" else 1,
            now=get_clock().now(),
            actor_id=current_user.id,
        )
    target = url_for("admin.edit_programme", programme_id=programme.id)
    return redirect(f"{target}#video-{video_id}", code=303)


@blueprint.route("/videos/<int:video_id>/<any(retire, restore):action>", methods=["POST"])
def retire_video(video_id: int, action: str) -> ResponseReturnValue:
    session = get_session()
    video = session.get(Video, video_id) or abort(404)
    catalogue.set_retired(
        session, video, retired=action == "retire", now=get_clock().now(), actor_id=current_user.id
    )
    if action == "retire":
        flash(
            _(
                "%(title)s was retired: it left the course pages; hours earned stay.",
                title=video.title,
            ),
            "success",
        )
    else:
        flash(_("%(title)s is back on the course pages.", title=video.title), "success")
    back = request.form.get("next", "")
    return redirect(
        back if back.startswith("/admin/") else url_for("admin.video_library"), code=303
    )


def _yuan(fen: int | None) -> Decimal | None:
    return None if fen is None else Decimal(fen) / 100


def _fen(yuan: Decimal | None) -> int | None:
    return None if yuan is None else fees.fen(yuan)


@blueprint.route("/trainees/import-template.xlsx")
def import_template() -> ResponseReturnValue:
    return downloads.download(
        trainee_import.template_workbook(), "学员导入模板.xlsx", downloads.XLSX
    )


@blueprint.route("/trainees/import", methods=["GET", "POST"])
def import_trainees() -> ResponseReturnValue:
    """Upload a roster: it is checked first (nothing written), then imported on confirmation."""
    checked = roster.check_upload(
        roster.run_import, worth_keeping=lambda outcome: outcome.created + outcome.updated > 0
    )
    return checked.render("admin/import.html")


@blueprint.route("/trainees/import/<token>", methods=["POST"])
def confirm_import(token: str) -> ResponseReturnValue:
    return roster.confirm_upload(
        token,
        roster.run_import,
        page=url_for("admin.import_trainees"),
        changed=_("The roster no longer passes its check; nothing was imported."),
        done=lambda outcome: _(
            "Imported: %(created)s new trainees, %(updated)s updated.",
            created=outcome.created,
            updated=outcome.updated,
        ),
        then=url_for("admin.users"),
    )


@blueprint.route("/videos")
def video_library() -> ResponseReturnValue:
    """The video library: upload a file (resumable, with a progress bar), see every video."""
    session = get_session()
    return render_template(
        "admin/videos.html",
        rows=catalogue.library(session),
        programmes=[
            (
                programme.code,
                programme_label(
                    programme.work_type.name_zh, programme.work_type.name_en, programme.level
                ),
            )
            for programme in catalogue.programmes(session)
            if programme.active
        ],
        max_mb=current_app.config["VIDEO_MAX_MB"],
    )


@blueprint.route("/programmes/<int:programme_id>/export.<any(xlsx, csv):kind>")
def export_programme(programme_id: int, kind: str) -> ResponseReturnValue:
    """Every enrolment of a programme, whatever its class, for the subsidy office."""
    session = get_session()
    programme = session.get(Programme, programme_id) or abort(404)
    rows = reports.programme_progress(session, programme.id, today())
    export = downloads.roster_xlsx if kind == "xlsx" else downloads.roster_csv
    trainees = [row.summary.trainee_id for row in rows]
    unmasked = unmasked_export(trainees, f"programme_export.{kind}", programme_id=programme.id)
    return export(rows, _named(programme, short=True), unmasked=unmasked)


def _named(programme: Programme, *, short: bool = False) -> str:
    work_type = programme.work_type
    return programme_label(work_type.name_zh, work_type.name_en, programme.level, short=short)
