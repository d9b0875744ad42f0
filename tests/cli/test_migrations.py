"""The schema comes from Alembic migrations, from an empty database, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, inspect, select

from learning import migrate
from learning.db import Database, get_database
from learning.models import Base, Programme
from tests.conftest import make_test_app


def test_migrations_build_the_schema_and_catalogue_from_empty(empty_database: Database) -> None:
    migrate.upgrade(empty_database)
    assert migrate.current_revision(empty_database) == migrate.head_revision(empty_database)
    tables = set(inspect(empty_database.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    with empty_database.engine.connect() as connection:
        codes = set(connection.scalars(select(Programme.code)).all())
        hours = dict(connection.execute(select(Programme.code, Programme.required_hours)).all())
    assert len(codes) == 23
    assert "consulting-4" not in codes
    assert hours["accounting-4"] == hours["accounting-3"] == 80
    assert hours["accounting-2"] == hours["aviation-1"] == 100


def test_models_and_migrations_agree(empty_database: Database) -> None:
    migrate.upgrade(empty_database)
    with empty_database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == [], "write a migration for these model changes"


def test_downgrade_to_empty_and_up_again(empty_database: Database) -> None:
    migrate.upgrade(empty_database)
    migrate.downgrade(empty_database, "base")
    assert set(inspect(empty_database.engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(empty_database)
    with empty_database.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Programme)) == 23


def test_init_db_command_creates_and_then_keeps_the_database(empty_database: Database) -> None:
    app = make_test_app(empty_database.url)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["init-db"], catch_exceptions=False)
    assert first.exit_code == 0
    assert f"revision {migrate.head_revision(get_database(app))}" in first.output
    second = runner.invoke(args=["init-db"], catch_exceptions=False)
    assert second.exit_code == 0
    get_database(app).dispose()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'wal.sqlite'}")
    with database.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
    database.dispose()


def test_playbacks_from_before_the_resume_grace_keep_their_rule(empty_database: Database) -> None:
    """Migration 0011: a playback recorded without `resume_grace_s` is judged with none, so a
    rebuild gives what it earned when it was live (a rule change is like a setting change)."""
    from learning.clock import FakeClock
    from learning.domain.accounting import (
        AccountingSettings,
        Beat,
        IntervalSet,
        TraineeState,
        apply_beat,
    )
    from learning.models import Playback
    from learning.services.study import playback_state
    from tests.factories import Factory

    migrate.upgrade(empty_database)
    with empty_database.transaction() as session:  # a paused playback, as 0010 stored it
        make = Factory(session, FakeClock())
        enrolment = make.enrolment(make.trainee("before"), "accounting-4")
        video = make.video("accounting-4", duration_s=3600)
        settings = AccountingSettings().to_dict()
        del settings["resume_grace_s"]
        session.add(
            Playback(
                id="p",
                trainee_id=enrolment.trainee_id,
                enrolment_id=enrolment.id,
                video_id=video.id,
                event_no=1,
                opened_at_ms=0,
                settings=settings,
                duration_ms=3_600_000,
                last_seq=3,
                position_ms=60_000,
                crediting=False,
                paused=True,
                last_beat_at_ms=60_000,
                allowance_ms=-3_000,
            )
        )
    migrate.downgrade(empty_database, "0010")
    migrate.upgrade(empty_database)
    with empty_database.session_factory() as session:
        playback = playback_state(session.get(Playback, "p"))
    assert playback.settings.resume_grace_s == 0
    assert playback.rest_base_ms == -3_000
    play = Beat(
        seq=4, position_ms=60_000, rate_milli=1000, paused=False, visible=True, event="play"
    )
    resumed = apply_beat(TraineeState(seed="s"), playback, IntervalSet(), play, 660_000)
    assert resumed.playback.allowance_ms == -3_000  # ten minutes paused, no grace: as it was


def test_the_exam_and_face_migrations_keep_sessions_registrations_and_programmes(
    empty_database: Database,
) -> None:
    """0013 and 0015 add columns to tables others reference: SQLite's foreign keys refuse the
    copy-and-drop a batch migration makes once a referencing row exists (a registration, an
    enrolment), so they add and drop their columns in place."""
    from learning.clock import FakeClock
    from learning.models import ExamRegistration
    from tests.factories import Factory

    migrate.upgrade(empty_database)
    with empty_database.transaction() as session:
        make = Factory(session, FakeClock())
        enrolment = make.enrolment(make.trainee("sitting"), "accounting-4")
        make.registration(enrolment, make.exam_session())
    migrate.downgrade(empty_database, "0012")
    migrate.upgrade(empty_database)
    with empty_database.session_factory() as session:
        registration = session.scalars(select(ExamRegistration)).one()
    assert registration.seat_no == 1 and registration.enrolment_id == enrolment.id


def _indexes(database: Database, table: str) -> set[str]:
    return {index["name"] for index in inspect(database.engine).get_indexes(table)}


def test_the_beat_path_keeps_no_index_for_nobody(empty_database: Database) -> None:
    """0028: no index on the beats' day (nothing reads beats by day), the active playbacks found
    by (status, trainee_id), an index no beat moves, and on PostgreSQL room on the playbacks'
    pages for HOT updates; down to 0027 and up again."""
    migrate.upgrade(empty_database)
    assert "ix_beats_trainee_id_day" not in _indexes(empty_database, "beats")
    playbacks = _indexes(empty_database, "playbacks")
    assert "ix_playbacks_status_trainee_id" in playbacks
    assert "ix_playbacks_status_last_beat_at_ms" not in playbacks
    query = "SELECT DISTINCT trainee_id FROM playbacks WHERE status = 'active' ORDER BY trainee_id"
    with empty_database.engine.connect() as connection:
        if empty_database.is_sqlite:
            plan = " ".join(
                row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {query}")
            )
            options = ""
        else:  # an empty table is read whole unless told otherwise
            connection.exec_driver_sql("SET enable_seqscan = off")
            plan = " ".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {query}"))
            options = connection.exec_driver_sql(
                "SELECT array_to_string(reloptions, ',') FROM pg_class WHERE relname = 'playbacks'"
            ).scalar()
    assert "ix_playbacks_status_trainee_id" in plan
    assert empty_database.is_sqlite or options == "fillfactor=90"
    migrate.downgrade(empty_database, "0027")
    assert "ix_beats_trainee_id_day" in _indexes(empty_database, "beats")
    assert "ix_playbacks_status_last_beat_at_ms" in _indexes(empty_database, "playbacks")
    migrate.upgrade(empty_database)
    assert "ix_playbacks_status_trainee_id" in _indexes(empty_database, "playbacks")
