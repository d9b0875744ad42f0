"""The heartbeat's transaction on the database driver's own cursor.

The one hot path (shared/performance.md): with ORM objects a beat cost about three times the
work it does, so here each read and write is one hand-written statement, prepared once per
dialect. The beat still goes through the same pure rules (`accounting.apply_beat`) and writes
the same rows that `recompute` rebuilds and `study.record_beat`'s readers expect; everything
else in the application keeps the ORM. Serialisation per trainee is the same as everywhere:
the trainee's state row, then the playback, are locked (FOR UPDATE on PostgreSQL; on SQLite the
transaction began IMMEDIATE and holds the write lock).

What it reads (the sender's user row, the trainee's state, the playback, the enrolment and the
coverage) is one joined statement on SQLite, two sent together on PostgreSQL; the caller judges
the sender from it (`admit`) before anything is written, so who sent a beat costs no statement
of its own. On PostgreSQL, where every statement is a round trip to the server, what it
writes is one statement too (data-modifying CTEs, the day's sums added in the upsert), so a
beat costs two statements between BEGIN and COMMIT instead of eleven; SQLite, in-process, keeps
one statement per row. A beat that answers no check runs in a transaction of its own on a
driver connection (`record_plain_beat`), with no ORM session around it; a check's answer goes
through the request's session (`record_beat`), since its answer limit is kept with the ORM.

One round trip on PostgreSQL. The rules need the rows before they can say what to write, so a
beat that reads them first costs two round trips. A process therefore remembers, per playback,
the read as its last beat left the rows (`_Remembered`: bounded, thread-safe), decides the next
beat from that, and sends the writes in one statement (with BEGIN ISOLATION LEVEL REPEATABLE
READ and COMMIT in the same flight) in which every write is conditional on a guard: every
column the read would read (the trainee's state, the playback, the enrolment's total, the
coverage, the sender's user row) still equal to what was remembered. What is remembered is
only a guess; the guard alone makes it safe, whoever changed the rows since (another host's
beat, an opening elsewhere, the expiry job, a rebuild, a void, a deactivation or a new
password, a hand-made fix): no writer needs to bump a version for it, since any change to a
value the decision reads fails it. Repeatable read makes the compared and the written rows one
snapshot and refuses a write over a row changed since (a serialization failure); the guard
locks the trainee's row, then the playback, first, as every writer does. If the guard fails
nothing was written, and the beat takes the two round trips, which refreshes the memory; so
does a beat of a playback the process does not remember.

Decided before the writers' lock on SQLite. There, every writer waits for one lock (a file
lock across the processes), and what a beat does while holding it sets how many beats a second
the database takes (bench/RESULTS.md, 2026-12-07 and 2026-12-08). A beat whose playback the
process remembers is therefore decided (the sender judged, the rules applied, the rows to
write built) before the lock is taken; in the transaction, its one read must find every value
it was decided from unchanged (`_unchanged`: the whole read equal to what was remembered), and
only then are the decided rows written. Otherwise nothing of the guess is written and the beat
is decided again from what the read found, as a beat the process does not remember is. The
read is the one every beat makes, so the guard costs no statement.
"""

from __future__ import annotations

import json
import re
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from types import SimpleNamespace
from typing import Any, NamedTuple

import psycopg
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from learning.database import Database
from learning.domain.accounting import (
    Beat,
    BeatOutcome,
    IntervalSet,
    PlaybackState,
    TraineeState,
    apply_beat,
    hours_display,
)
from learning.models import Base
from learning.services import ServiceError, throttle
from learning.services.study import (
    CheckView,
    check_view,
    covered_s,
    playback_state,
    playback_values,
    trainee_state,
    trainee_values,
)


@dataclass(frozen=True)
class BeatAnswer:
    playback_id: str
    status: str  # ok | superseded | ended
    end_reason: str | None  # why the playback cannot go on: superseded, close, grace, ...
    credited_s: int
    not_credited_s: dict[str, int]
    reason: str | None
    covered_s: int
    enrolment_online_hours: float
    attention_check: CheckView | None


class Sender(NamedTuple):
    """The sender's user row, as the beat's first read finds it: the view judges from it
    whether the session still stands (learning/identities.py)."""

    role: str
    active: bool
    password_hash: str
    session_epoch: int
    must_change_password: bool


#: Judges the sender (None: no such user) before anything is written; refuses by raising.
Admit = Callable[[Sender | None], None]


def _end_reason(playback: PlaybackState) -> str | None:
    if playback.status == "superseded":
        return "superseded"
    return playback.end_reason


# --- the statements (written for psycopg's %(name)s; SQLite gets :name and no row locks) ------

_PLAYBACK_COLUMNS = [
    "trainee_id",
    "enrolment_id",
    "video_id",
    "settings",
    "duration_ms",
    "opened_at_ms",
    "status",
    "end_reason",
    "superseded_at_ms",
    "last_seq",
    "position_ms",
    "crediting",
    "rate_milli",
    "last_beat_at_ms",
    "allowance_ms",
    "rest_base_ms",
    "paused",
    "visible",
]
_TRAINEE_COLUMNS = [
    "seed",
    "event_count",
    "clock_ms",
    "checks_answered",
    "played_since_check_ms",
    "next_due_ms",
    "pending_id",
    "pending_code",
    "pending_resume_at_ms",
    "pending_sent_at_ms",
    "day",
    "day_credited_ms",
]

_USER_COLUMNS = ["role", "active", "password_hash", "session_epoch", "must_change_password"]

_STATE = f"""
SELECT {", ".join(f"t.{name}" for name in _TRAINEE_COLUMNS)},
    {", ".join(f"p.{name}" for name in _PLAYBACK_COLUMNS)}"""
_TOTALS_AND_USER = f"""
SELECT e.online_s, e.standard_hour_minutes, c.intervals,
    {", ".join(f"u.{name}" for name in _USER_COLUMNS)}"""
# From the sender's user row, so that a sender is judged whatever playback they name: the rest
# is joined to it (empty where the playback is not theirs).
_FROM_USER = """ FROM users u
LEFT JOIN trainee_study_state t ON t.trainee_id = u.id
LEFT JOIN playbacks p ON p.id = %(id)s AND p.trainee_id = u.id
LEFT JOIN enrolments e ON e.id = p.enrolment_id
LEFT JOIN coverage c ON c.enrolment_id = p.enrolment_id AND c.video_id = p.video_id
WHERE u.id = %(trainee_id)s"""
# SQLite: one read, the whole transaction holding the one writer's lock.
_READ = f"{_STATE}, {_TOTALS_AND_USER.split('SELECT ')[1]}{_FROM_USER}"
# PostgreSQL: the rows locked (the trainee's state, then the playback, in the order of the FROM
# list), then the totals and the sender read by a second statement, sent with it: in READ
# COMMITTED a statement that waited for a lock sees the locked rows as the other transaction
# committed them but every other row as they were when it began, so coverage read in the
# locking statement would miss what the beat it waited for added. (Nor can a row on the outer
# side of a join be locked: the sender's user row is read by the second statement.)
_LOCK = f"""{_STATE} FROM trainee_study_state t
JOIN playbacks p ON p.id = %(id)s AND p.trainee_id = t.trainee_id
WHERE t.trainee_id = %(trainee_id)s FOR UPDATE OF t, p"""
_READ_TOTALS = f"{_TOTALS_AND_USER}{_FROM_USER}"
_TRAINEE_END = len(_TRAINEE_COLUMNS)
_PLAYBACK_END = _TRAINEE_END + len(_PLAYBACK_COLUMNS)
_TOTALS_END = _PLAYBACK_END + 3

_INSERT_BEAT = """
INSERT INTO beats (playback_id, trainee_id, event_no, server_at_ms, day, seq, event,
    position_ms, from_ms, rate_milli, paused, visible, attention_id, attention_code,
    face_outcome, face_distance_milli, question_id, question_outcome, client_ts, status,
    credited_ms, not_credited)
VALUES (%(playback_id)s, %(trainee_id)s, %(event_no)s, %(server_at_ms)s, %(day)s, %(seq)s,
    %(event)s, %(position_ms)s, %(from_ms)s, %(rate_milli)s, %(paused)s, %(visible)s,
    %(attention_id)s, %(attention_code)s, %(face_outcome)s, %(face_distance_milli)s,
    %(question_id)s, %(question_outcome)s, %(client_ts)s, %(status)s, %(credited_ms)s,
    %(not_credited)s)"""


def _assignments(names: list[str]) -> str:
    return ", ".join(f"{name} = %({name})s" for name in names)


_PLAYBACK_CHANGES = [
    n
    for n in _PLAYBACK_COLUMNS
    if n
    not in {"trainee_id", "enrolment_id", "video_id", "settings", "duration_ms", "opened_at_ms"}
]
_UPDATE_PLAYBACK = f"UPDATE playbacks SET {_assignments(_PLAYBACK_CHANGES)} WHERE id = %(id)s"
# Most beats leave a playback's status as it was: their update leaves the status columns out of
# its SET list, since SQLite rewrites the entry of every index on a column in that list (here
# ix_playbacks_status_trainee_id) whether or not its value changed.
_ENDING = ("status", "end_reason", "superseded_at_ms")
_UPDATE_PLAYBACK_KEPT = (
    "UPDATE playbacks SET "
    f"{_assignments([n for n in _PLAYBACK_CHANGES if n not in _ENDING])} WHERE id = %(id)s"
)

_TRAINEE_CHANGES = [n for n in _TRAINEE_COLUMNS if n != "seed"]
_UPDATE_TRAINEE = (
    f"UPDATE trainee_study_state SET {_assignments(_TRAINEE_CHANGES)} "
    "WHERE trainee_id = %(trainee_id)s"
)

_UPSERT_COVERAGE = """
INSERT INTO coverage (enrolment_id, video_id, intervals, covered_s)
VALUES (%(enrolment_id)s, %(video_id)s, %(intervals)s, %(covered_s)s)
ON CONFLICT (enrolment_id, video_id)
DO UPDATE SET intervals = excluded.intervals, covered_s = excluded.covered_s"""

_ADD_TO_ENROLMENT = """
UPDATE enrolments SET online_s = online_s + %(gained_s)s,
    last_studied_on = CASE WHEN last_studied_on IS NULL OR last_studied_on < %(day)s
        THEN %(day)s ELSE last_studied_on END
WHERE id = %(enrolment_id)s"""

_STUDY_DAY = """
SELECT id, credited_ms, not_credited FROM study_days
WHERE trainee_id = %(trainee_id)s AND day = %(day)s AND enrolment_id = %(enrolment_id)s
  AND video_id = %(video_id)s"""

_UPDATE_STUDY_DAY = """
UPDATE study_days SET credited_ms = %(credited_ms)s, not_credited = %(not_credited)s
WHERE id = %(id)s"""

_CHECK_RAISED = """
INSERT INTO presence_checks (trainee_id, check_id, playback_id, raised_at_ms, wrong_answers)
VALUES (%(trainee_id)s, %(check_id)s, %(playback_id)s, %(at_ms)s, 0)"""

_CHECK_ANSWERED = """
UPDATE presence_checks SET answered_at_ms = %(at_ms)s,
    answer_ms = %(at_ms)s - COALESCE(shown_at_ms, raised_at_ms)
WHERE trainee_id = %(trainee_id)s AND check_id = %(check_id)s"""

_CHECK_ANSWERED_WRONGLY = """
UPDATE presence_checks SET wrong_answers = wrong_answers + 1
WHERE trainee_id = %(trainee_id)s AND check_id = %(check_id)s"""

_INSERT_STUDY_DAY = """
INSERT INTO study_days (trainee_id, day, enrolment_id, video_id, credited_ms, not_credited)
VALUES (%(trainee_id)s, %(day)s, %(enrolment_id)s, %(video_id)s, %(credited_ms)s,
    %(not_credited)s)"""


# PostgreSQL only: the day's sums added to in the upsert, reasons summed key by key.
_ADD_TO_STUDY_DAY = """
INSERT INTO study_days (trainee_id, day, enrolment_id, video_id, credited_ms, not_credited)
VALUES (%(trainee_id)s, %(day)s, %(enrolment_id)s, %(video_id)s, %(credited_ms)s,
    %(not_credited)s)
ON CONFLICT (trainee_id, day, enrolment_id, video_id) DO UPDATE SET
    credited_ms = study_days.credited_ms + excluded.credited_ms,
    not_credited = (
        SELECT COALESCE(json_object_agg(reason, ms), '{}'::json) FROM (
            SELECT key AS reason, SUM(value::bigint) AS ms FROM (
                SELECT * FROM json_each_text(study_days.not_credited)
                UNION ALL SELECT * FROM json_each_text(excluded.not_credited)
            ) AS parts GROUP BY key
        ) AS sums
    )"""


@dataclass(frozen=True)
class _Statements:
    read: str
    totals: str  # PostgreSQL's second read ("" on SQLite, whose first reads the totals too)
    insert_beat: str
    update_playback: str
    update_playback_kept: str
    update_trainee: str
    upsert_coverage: str
    add_to_enrolment: str
    study_day: str
    update_study_day: str
    insert_study_day: str
    add_to_study_day: str
    check_raised: str
    check_answered: str
    check_answered_wrongly: str


def _for(dialect: str) -> _Statements:
    postgresql = dialect == "postgresql"

    def adapt(sql: str) -> str:
        return sql if postgresql else re.sub(r"%\((\w+)\)s", r":\1", sql)

    return _Statements(
        *(
            adapt(sql)
            for sql in (
                _LOCK if postgresql else _READ,
                _READ_TOTALS if postgresql else "",
                _INSERT_BEAT,
                _UPDATE_PLAYBACK,
                _UPDATE_PLAYBACK_KEPT,
                _UPDATE_TRAINEE,
                _UPSERT_COVERAGE,
                _ADD_TO_ENROLMENT,
                _STUDY_DAY,
                _UPDATE_STUDY_DAY,
                _INSERT_STUDY_DAY,
                _ADD_TO_STUDY_DAY,
                _CHECK_RAISED,
                _CHECK_ANSWERED,
                _CHECK_ANSWERED_WRONGLY,
            )
        )
    )


_STATEMENTS = {"sqlite": _for("sqlite"), "postgresql": _for("postgresql")}


def _json(value: Any) -> Any:
    """A JSON column as read: text from SQLite, already decoded from psycopg."""
    return json.loads(value) if isinstance(value, str) else value


# --- the transaction ----------------------------------------------------------------------------


def record_beat(
    session: Session,
    *,
    trainee_id: int,
    playback_id: str,
    beat: Beat,
    client_ts: str | None,
    now_ms: int,
    answer_limit: throttle.Limit | None = None,
    face_distance_milli: int | None = None,
    question_id: int | None = None,
    admit: Admit | None = None,
) -> BeatAnswer:
    """Judge one beat, store it with what it earned, and update every kept total (within the
    session's transaction, which the caller commits).

    A presence-check answer counts against `answer_limit` when it leaves the check pending
    (a wrong code, an old check, an answer too soon); past the limit, answers are refused with
    `ServiceError("too_many_attempts", seconds=...)` before they are judged or stored, so the
    four-digit code cannot be guessed by trying them all, nor a face check retried without end.
    `face_distance_milli` is stored beside a face-check answer's outcome (`beat.face_outcome`),
    `question_id` beside a question-check answer's (`beat.question_outcome`). `admit`, if
    given, judges the sender from the beat's first read, before the answer limit."""
    limit = answer_limit if beat.event == "attention_ok" else None

    def gate(sender: Sender | None) -> None:
        if admit is not None:
            admit(sender)
        if limit is not None:
            check_answer_limit(session, limit, trainee_id, now_ms)

    kept = {"face_distance_milli": face_distance_milli, "question_id": question_id}
    connection = session.connection()
    cursor = connection.connection.cursor()
    try:
        answer = _record(
            cursor,
            connection.dialect.name,
            _Beat(trainee_id, playback_id, beat, client_ts, now_ms, kept),
            one_statement=connection.dialect.name == "postgresql",
            admit=gate,
        ).answer
    finally:
        cursor.close()
    if limit is not None and answer.attention_check is not None:
        throttle.record_failure(session, throttle.CHECK_ANSWER, str(trainee_id), now_ms=now_ms)
    return answer


def record_plain_beat(
    database: Database,
    *,
    trainee_id: int,
    playback_id: str,
    beat: Beat,
    client_ts: str | None,
    now_ms: int,
    one_statement: bool | None = None,
    admit: Admit | None = None,
) -> BeatAnswer:
    """`record_beat` for a beat that answers no check, in a transaction of its own on a driver
    connection (committed here; nothing is written if it raises, `admit` refusing the sender
    too). `one_statement` (PostgreSQL only, its default there) writes the beat's rows in one
    statement rather than one each, and lets a beat whose playback this process remembers go
    in one round trip (the module's docstring); on SQLite such a beat is decided before the
    writers' lock is taken, and written as decided only if the rows are unchanged. If the
    server had dropped the pooled connection, the transaction runs again on a new one
    (`Database.driver_transaction`): safe, since a beat whose seq the playback has seen is
    only answered (a duplicate, accounting rule 6), so a beat whose first COMMIT did reach the
    server is not credited twice. `admit` may be called twice: first with the sender as
    remembered, then as read."""
    if beat.event == "attention_ok":
        raise ValueError("a check's answer counts against its limit: use record_beat")
    dialect = database.engine.dialect.name
    kept: dict[str, int | None] = {"face_distance_milli": None, "question_id": None}
    sent = _Beat(trainee_id, playback_id, beat, client_ts, now_ms, kept)
    together = dialect == "postgresql" if one_statement is None else one_statement
    remembered = _remembered(database) if together or dialect == "sqlite" else None
    unanswered = None  # a beat that went in one round trip, with no word of whether it was kept
    guess = None  # SQLite: the remembered read and the beat decided from it, before the lock
    if remembered is not None:
        cached = remembered.take(playback_id, trainee_id)
        tried = _decide_remembered(sent, cached, admit) if cached is not None else None
        if cached is not None and tried is not None and dialect == "sqlite":
            guess = (cached, tried)  # written in the transaction below if the rows are as read
        elif cached is not None and tried is not None:  # PostgreSQL: in one round trip
            written = _write_if_unchanged(database, sent, tried, cached)
            if written:
                remembered.keep(playback_id, trainee_id, tried.after)
                return tried.answer
            unanswered = tried if written is None else None

    def record(connection: Any) -> _Decided:
        cursor = connection.cursor()
        try:
            return _record(
                cursor,
                dialect,
                sent,
                one_statement=together,
                admit=admit,
                unanswered=unanswered,
                guess=guess,
            )
        finally:
            cursor.close()

    decided = database.driver_transaction(record)
    if remembered is not None:
        remembered.keep(playback_id, trainee_id, decided.after)
    return decided.answer


def check_answer_limit(
    session: Session, limit: throttle.Limit, trainee_id: int, now_ms: int
) -> None:
    """`ServiceError("too_many_attempts", seconds=...)` while the trainee's answers are held."""
    wait_s = throttle.retry_after_s(session, limit, str(trainee_id), now_ms=now_ms)
    if wait_s is not None:
        raise ServiceError("too_many_attempts", seconds=wait_s)


@dataclass(frozen=True)
class _Beat:
    """A beat as it arrived: who sent it for which playback, when, and what else to keep."""

    trainee_id: int
    playback_id: str
    beat: Beat
    client_ts: str | None
    now_ms: int
    kept: dict[str, int | None]  # face_distance_milli, question_id of a check's answer


#: A write of the beat's transaction: the statement's name in `_Statements`, its parameters.
_Write = tuple[str, dict[str, Any]]


@dataclass(frozen=True)
class _Decided:
    """What the rules made of a beat: the rows to write, the answer, and the beat's first
    read as it would find the rows once they are written (`after`)."""

    writes: list[_Write]
    answer: BeatAnswer
    after: tuple


def _record(
    cursor: Any,
    dialect: str,
    sent: _Beat,
    *,
    one_statement: bool,
    admit: Admit | None,
    unanswered: _Decided | None = None,
    guess: tuple[tuple, _Decided] | None = None,
) -> _Decided:
    """Read, judge the sender, decide, write. `unanswered`: the same beat decided from a
    remembered state and sent in one round trip that may, its connection dropped, have been
    kept after all: if the rows are as it would have left them, it was, and is only answered
    (not stored again as a duplicate of itself). `guess` (SQLite): a remembered read and the
    beat decided from it before this transaction began; its writes are written if the read
    finds every value it was decided from unchanged (`_unchanged`), else the beat is decided
    again from what the read found."""
    trainee_id, playback_id = sent.trainee_id, sent.playback_id
    sql = _STATEMENTS[dialect]
    row = _read(cursor, sql, {"id": playback_id, "trainee_id": trainee_id})
    if row is None or row[0] is None or row[_TRAINEE_END] is None:
        if admit is not None:
            admit(Sender(*row[_TOTALS_END:]) if row is not None else None)
        raise ServiceError("not_found")  # no such playback, or not this trainee's
    if unanswered is not None and row == unanswered.after:
        if admit is not None:
            admit(Sender(*row[_TOTALS_END:]))
        return unanswered
    if guess is not None and _unchanged(row, guess[0]):
        _write_each(cursor, sql, guess[1].writes)
        return guess[1]
    decided = _decide(sent, row, admit)
    if one_statement:
        _write_at_once(cursor, sql, decided.writes)
    else:
        _write_each(cursor, sql, decided.writes)
    return decided


def _unchanged(row: tuple, remembered: tuple) -> bool:
    """Whether the beat's first read, made in its transaction, finds every value that a beat
    decided beforehand from `remembered` was decided from: the guard of a SQLite beat decided
    before it took the writers' lock."""
    return row == remembered


def _decide_remembered(sent: _Beat, row: tuple, admit: Admit | None) -> _Decided | None:
    """`_decide` from a remembered read; None where the sender is refused: a refusal judged
    from memory is judged again from the rows (the sender's row may have changed since)."""
    try:
        return _decide(sent, row, admit)
    except Exception:  # admit's refusal, whatever its type (the view's)
        return None


def _decide(sent: _Beat, row: tuple, admit: Admit | None) -> _Decided:
    """The sender judged (`admit`) and the beat decided by the rules from the beat's first
    read, as read or as remembered: nothing is read or written here."""
    if admit is not None:
        admit(Sender(*row[_TOTALS_END:]))
    trainee_id, playback_id, beat = sent.trainee_id, sent.playback_id, sent.beat
    trainee_row, playback_row = row[:_TRAINEE_END], row[_TRAINEE_END:_PLAYBACK_END]
    online_s, standard_hour_minutes, intervals = row[_PLAYBACK_END:_TOTALS_END]
    enrolment_id, video_id = playback_row[1], playback_row[2]
    coverage = IntervalSet.from_list(_json(intervals)) if intervals else IntervalSet()
    playback = _playback(playback_id, playback_row)
    now = max(sent.now_ms, trainee_row[2])  # the trainee's clock never goes backwards
    event_no = trainee_row[1] + 1
    before = _trainee(trainee_row)
    outcome = apply_beat(before, playback, coverage, beat, now)
    row_of_beat = _beat_row(playback_id, trainee_id, event_no, beat, sent.client_ts, now, outcome)
    writes: list[_Write] = [("insert_beat", row_of_beat | sent.kept)]
    trainee = outcome.trainee
    changed_playback = dict(zip(_PLAYBACK_COLUMNS, playback_row, strict=True))
    if outcome.duplicate:
        trainee = before  # a repeated seq changes nothing but the trainee's count and clock
    else:
        writes.append(_playback_write(playback_id, playback, outcome.playback))
        changed_playback |= playback_values(outcome.playback)
    trainee_values_after = _trainee_row(trainee_id, event_no, now, trainee)
    writes.append(("update_trainee", trainee_values_after))
    gained_s = 0
    if not outcome.duplicate:
        gained_s = _add_to_totals(
            writes, trainee_id, enrolment_id, video_id, playback, coverage, outcome
        )
        writes += _check_writes(trainee_id, playback_id, beat, before, outcome, now)
    if outcome.credited_ms and not outcome.duplicate:
        intervals = outcome.coverage.to_list()
    after = (
        (trainee_row[0], *(trainee_values_after[name] for name in _TRAINEE_COLUMNS[1:])),
        tuple(changed_playback[name] for name in _PLAYBACK_COLUMNS),
        (online_s + gained_s, standard_hour_minutes, intervals),
        row[_TOTALS_END:],
    )
    answer = BeatAnswer(
        playback_id=playback_id,
        status=outcome.status,
        end_reason=_end_reason(outcome.playback),
        credited_s=outcome.credited_ms // 1000,
        not_credited_s={reason: ms // 1000 for reason, ms in outcome.not_credited_ms.items()},
        reason=outcome.reason,
        covered_s=covered_s(outcome.coverage, playback.duration_ms),
        enrolment_online_hours=hours_display(online_s + gained_s, standard_hour_minutes),
        attention_check=check_view(outcome.trainee.pending, outcome.playback.settings),
    )
    return _Decided(writes, answer, tuple(value for part in after for value in part))


def _read(cursor: Any, sql: _Statements, key: dict[str, Any]) -> tuple | None:
    """The beat's first read: the trainee's state, the playback (None each where the playback
    is not the sender's), the totals, and the sender's user row; None if there is no such user.
    On PostgreSQL the locking statement and the second read go together in the pipeline."""
    cursor.execute(sql.read, key)
    if not sql.totals:
        return _decoded(cursor.fetchone())
    with cursor.connection.cursor() as totals:
        totals.execute(sql.totals, key)  # in a pipeline, sent with the first
        locked, found = cursor.fetchone(), totals.fetchone()
    if found is None:
        return None
    return (locked or (None,) * _PLAYBACK_END) + found


_INTERVALS = _PLAYBACK_END + 2


def _decoded(row: tuple | None) -> tuple | None:
    """SQLite's read with the coverage's intervals decoded from their JSON text, as psycopg
    answers them and as a beat leaves them in what it remembers (`_Decided.after`)."""
    if row is None or not isinstance(row[_INTERVALS], str):
        return row
    return (*row[:_INTERVALS], json.loads(row[_INTERVALS]), *row[_INTERVALS + 1 :])


def _add_to_totals(
    writes: list[_Write],
    trainee_id: int,
    enrolment_id: int,
    video_id: int,
    playback: PlaybackState,
    before: IntervalSet,
    outcome: BeatOutcome,
) -> int:
    """Coverage, the enrolment's online seconds and the day's sums; returns seconds gained."""
    gained_s = 0
    if outcome.credited_ms:
        covered = covered_s(outcome.coverage, playback.duration_ms)
        gained_s = covered - covered_s(before, playback.duration_ms)
        coverage = {
            "enrolment_id": enrolment_id,
            "video_id": video_id,
            "intervals": json.dumps(outcome.coverage.to_list()),
            "covered_s": covered,
        }
        writes.append(("upsert_coverage", coverage))
        enrolment = {"gained_s": gained_s, "day": outcome.day, "enrolment_id": enrolment_id}
        writes.append(("add_to_enrolment", enrolment))
    if outcome.credited_ms or outcome.not_credited_ms:
        day = {
            "trainee_id": trainee_id,
            "day": outcome.day,
            "enrolment_id": enrolment_id,
            "video_id": video_id,
            "credited_ms": outcome.credited_ms,
            "not_credited": dict(outcome.not_credited_ms),
        }
        writes.append(("add_to_study_day", day))
    return gained_s


def _check_writes(
    trainee_id: int,
    playback_id: str,
    beat: Beat,
    before: TraineeState,
    outcome: BeatOutcome,
    now: int,
) -> list[_Write]:
    """The presence-check record: raised, answered rightly (and how long after it was shown),
    or answered wrongly (PresenceCheck)."""
    writes: list[_Write] = []
    if outcome.check_raised and outcome.trainee.pending is not None:
        raised = {
            "trainee_id": trainee_id,
            "check_id": outcome.trainee.pending.id,
            "playback_id": playback_id,
            "at_ms": now,
        }
        writes.append(("check_raised", raised))
    pending = before.pending
    if beat.event != "attention_ok" or pending is None or beat.attention_id != pending.id:
        return writes
    statement = "check_answered" if outcome.check_cleared else "check_answered_wrongly"
    writes.append((statement, {"trainee_id": trainee_id, "check_id": pending.id, "at_ms": now}))
    return writes


def _write_each(cursor: Any, sql: _Statements, writes: list[_Write]) -> None:
    """One statement a row; the day's sums read, added to and written back."""
    for name, values in writes:
        if name != "add_to_study_day":
            cursor.execute(getattr(sql, name), values)
            continue
        key = {k: values[k] for k in ("trainee_id", "day", "enrolment_id", "video_id")}
        cursor.execute(sql.study_day, key)
        found = cursor.fetchone()
        not_credited = dict(_json(found[2])) if found else {}
        for reason, ms in values["not_credited"].items():
            not_credited[reason] = not_credited.get(reason, 0) + ms
        summed = {
            "credited_ms": (found[1] if found else 0) + values["credited_ms"],
            "not_credited": json.dumps(not_credited),
        }
        if found:
            cursor.execute(sql.update_study_day, {"id": found[0], **summed})
        else:
            cursor.execute(sql.insert_study_day, {**key, **summed})


@dataclass(frozen=True)
class _AtOnce:
    """A statement of several writes, with numbered placeholders ($1, $2...), and which value
    of which write each number takes."""

    sql: str
    values: tuple[tuple[int, str], ...]  # (the write's place in the list, the value's name)


_AT_ONCE: dict[tuple[str, ...], _AtOnce] = {}


def _numbered(parts: list[str]) -> tuple[list[str], tuple[tuple[int, str], ...]]:
    """The statements with numbered placeholders shared by all, and which value of which
    statement's parameters each number takes."""
    numbers: dict[tuple[int, str], int] = {}

    def number(place: int, match: re.Match[str]) -> str:
        key = (place, match.group(1))
        return f"${numbers.setdefault(key, len(numbers) + 1)}"

    numbered = [
        re.sub(r"%\((\w+)\)s", partial(number, place), " ".join(part.split()))
        for place, part in enumerate(parts)
    ]
    return numbered, tuple(numbers)


def _at_once(sql: _Statements, names: tuple[str, ...]) -> _AtOnce:
    parts, values = _numbered([getattr(sql, name) for name in names])
    ctes = ", ".join(f"w{place} AS ({part})" for place, part in enumerate(parts[:-1]))
    return _AtOnce(f"WITH {ctes} {parts[-1]}" if ctes else parts[-1], values)


def _write_at_once(cursor: Any, sql: _Statements, writes: list[_Write]) -> None:
    """Every write in one statement (PostgreSQL): the writes but the last as data-modifying
    CTEs, which run once each and to completion. None of them changes a row another reads or
    writes, so that they all see the same snapshot changes nothing. The statement is sent with
    numbered placeholders through psycopg's raw cursor: its usual cursor parses a statement of
    more than 50 parameters anew each time (a millisecond of CPU for this one)."""
    names = tuple(name for name, _values in writes)
    statement = _AT_ONCE.get(names)
    if statement is None:
        statement = _AT_ONCE[names] = _at_once(sql, names)
    rows = _json_rows(writes)
    with psycopg.RawCursor(cursor.connection) as raw:
        raw.execute(statement.sql, [rows[place][name] for place, name in statement.values])


def _json_rows(writes: list[_Write]) -> list[dict[str, Any]]:
    """The writes' parameters, the day's reasons as JSON text."""
    return [
        {**row, "not_credited": json.dumps(row["not_credited"])}
        if name == "add_to_study_day"
        else row
        for name, row in writes
    ]


def _guarded(sql: _Statements, names: tuple[str, ...]) -> _AtOnce:
    """The writes `names` in one statement, each on the condition the guard (`_GUARD`, the
    first statement's parameters) holds; the statement answers 1 if it held, else 0."""
    parts, values = _numbered([_GUARD, *(getattr(sql, name) for name in names)])
    writes = ", ".join(f"w{place} AS ({_if_guarded(part)})" for place, part in enumerate(parts[1:]))
    return _AtOnce(f"WITH g AS ({parts[0]}), {writes} SELECT count(*) FROM g", values)


def _if_guarded(statement: str) -> str:
    """An UPDATE's rows on the condition that `g` has one; an INSERT's values selected from
    `g`, each cast to its column's type (a parameter selected has none of its own)."""
    if statement.startswith("UPDATE "):
        return f"{statement} AND EXISTS (SELECT FROM g)"
    match = re.fullmatch(r"INSERT INTO (\w+) \(([^)]*)\) VALUES \(([^)]*)\)(.*)", statement)
    if match is None:
        raise ValueError(f"not a write this can guard: {statement}")
    table, columns, values, rest = match.groups()
    types = Base.metadata.tables[table].c
    casts = ", ".join(
        f"CAST({value.strip()} AS {types[column.strip()].type.compile(_POSTGRESQL)})"
        for column, value in zip(columns.split(","), values.split(","), strict=True)
    )
    return f"INSERT INTO {table} ({columns}) SELECT {casts} FROM g{rest}"


_POSTGRESQL = postgresql.dialect()


# --- one round trip: a beat decided from what this process remembers, written if unchanged ---

#: Playbacks remembered per process, the least recently beaten forgotten first: a few
#: kilobytes each, for more viewers than a worker serves at once.
REMEMBERED_PLAYBACKS = 4096


class _Remembered:
    """What the last beat of each playback left in the rows the beat's first read reads (the
    read's tuple, as `_Decided.after`), per process and thread-safe. Whatever it holds is
    only a guess: a beat decided from it is written only where the rows still hold it."""

    def __init__(self) -> None:
        self._rows: OrderedDict[str, tuple[int, tuple]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, playback_id: str, trainee_id: int) -> tuple | None:
        """The row remembered for the playback, forgotten (a beat that goes in one round trip
        keeps its own), or None; never another trainee's (theirs is left as it is)."""
        with self._lock:
            kept = self._rows.get(playback_id)
            if kept is None or kept[0] != trainee_id:
                return None
            del self._rows[playback_id]
        return kept[1]

    def forget(self, playback_id: str) -> None:
        with self._lock:
            self._rows.pop(playback_id, None)

    def keep(self, playback_id: str, trainee_id: int, row: tuple) -> None:
        with self._lock:
            self._rows[playback_id] = (trainee_id, row)
            self._rows.move_to_end(playback_id)
            while len(self._rows) > REMEMBERED_PLAYBACKS:
                self._rows.popitem(last=False)


_REMEMBERED: weakref.WeakKeyDictionary[Database, _Remembered] = weakref.WeakKeyDictionary()
_REMEMBERED_LOCK = threading.Lock()


def _remembered(database: Database) -> _Remembered:
    with _REMEMBERED_LOCK:
        remembered = _REMEMBERED.get(database)
        if remembered is None:
            remembered = _REMEMBERED[database] = _Remembered()
        return remembered


def forget_remembered(database: Database, playback_id: str) -> None:
    """Forget what this process remembers of the playback: its next beat reads first."""
    _remembered(database).forget(playback_id)


def _write_if_unchanged(
    database: Database, sent: _Beat, decided: _Decided, before: tuple
) -> bool | None:
    """`decided`'s writes in one statement, each on the condition that every value the beat's
    first read would read is still `before` (what the decision was made from); in one round
    trip, with BEGIN and COMMIT (`Database.driver_attempt`). Whether they were written (if
    not, nothing was), or None if the connection dropped: perhaps they were."""
    names = tuple(name for name, _values in decided.writes)
    statement = _GUARDED.get(names)
    if statement is None:
        statement = _GUARDED[names] = _guarded(_STATEMENTS["postgresql"], names)
    guard = _guard_values(before) | {"id": sent.playback_id, "trainee_id": sent.trainee_id}
    rows = [guard, *_json_rows(decided.writes)]

    def send(driver: Any) -> Callable[[], bool]:
        raw = psycopg.RawCursor(driver)
        raw.execute(statement.sql, [rows[place][name] for place, name in statement.values])

        def read() -> bool:
            with raw:
                found = raw.fetchone()
            return bool(found and found[0])

        return read

    return database.driver_attempt(send, refused=False)


_GUARDED: dict[tuple[str, ...], _AtOnce] = {}

# The beat's first read, as a condition: every column it reads equal to what was remembered
# (`IS NOT DISTINCT FROM`: NULL equals NULL; JSON compared as values; a coverage row absent
# is NULL). Repeatable read (`driver_attempt`) makes the rows compared and the rows written one
# snapshot, and refuses a write over a row changed since. Every write waits for the guard, which
# locks the trainee's state and then the playback, first, in the order every writer of a
# trainee's rows takes them (services/study.py): else a beat's writes could take a day's row
# before another beat, holding the trainee's row, does, and each wait for the other.
_TRAINEE_GUARD = ", ".join(f"%(t_{name})s" for name in _TRAINEE_COLUMNS)
_PLAYBACK_COMPARED = [name for name in _PLAYBACK_COLUMNS if name != "settings"]
_GUARD = f"""SELECT 1 FROM users u
JOIN trainee_study_state t ON t.trainee_id = u.id
JOIN playbacks p ON p.id = %(id)s AND p.trainee_id = u.id
JOIN enrolments e ON e.id = p.enrolment_id
LEFT JOIN coverage c ON c.enrolment_id = p.enrolment_id AND c.video_id = p.video_id
WHERE u.id = %(trainee_id)s
AND ({", ".join(f"t.{name}" for name in _TRAINEE_COLUMNS)})
    IS NOT DISTINCT FROM ({_TRAINEE_GUARD})
AND ({", ".join(f"p.{name}" for name in _PLAYBACK_COMPARED)})
    IS NOT DISTINCT FROM ({", ".join(f"%(p_{name})s" for name in _PLAYBACK_COMPARED)})
AND p.settings::jsonb = %(p_settings)s::jsonb
AND (e.online_s, e.standard_hour_minutes) = (%(online_s)s, %(standard_hour_minutes)s)
AND c.intervals::jsonb IS NOT DISTINCT FROM %(intervals)s::jsonb
AND ({", ".join(f"u.{name}" for name in _USER_COLUMNS)})
    IS NOT DISTINCT FROM ({", ".join(f"%(u_{name})s" for name in _USER_COLUMNS)})
FOR UPDATE OF t, p"""


def _guard_values(row: tuple) -> dict[str, Any]:
    trainee, playback = row[:_TRAINEE_END], row[_TRAINEE_END:_PLAYBACK_END]
    online_s, standard_hour_minutes, intervals = row[_PLAYBACK_END:_TOTALS_END]
    values: dict[str, Any] = {f"t_{n}": v for n, v in zip(_TRAINEE_COLUMNS, trainee, strict=True)}
    values |= {f"p_{n}": v for n, v in zip(_PLAYBACK_COLUMNS, playback, strict=True)}
    values |= {f"u_{n}": v for n, v in zip(_USER_COLUMNS, row[_TOTALS_END:], strict=True)}
    return values | {
        "p_settings": json.dumps(values["p_settings"]),
        "online_s": online_s,
        "standard_hour_minutes": standard_hour_minutes,
        "intervals": None if intervals is None else json.dumps(intervals),
    }


# --- rows to the rules' states and back ---------------------------------------------------------


def _playback(playback_id: str, values: tuple) -> PlaybackState:
    row = SimpleNamespace(id=playback_id, **dict(zip(_PLAYBACK_COLUMNS, values, strict=True)))
    row.settings = _json(row.settings)
    return playback_state(row)


def _trainee(values: tuple) -> TraineeState:
    return trainee_state(SimpleNamespace(**dict(zip(_TRAINEE_COLUMNS, values, strict=True))))


def _playback_row(playback_id: str, state: PlaybackState) -> dict[str, Any]:
    return {"id": playback_id, **playback_values(state)}


def _playback_write(playback_id: str, before: PlaybackState, after: PlaybackState) -> _Write:
    """The playback's update: without the status columns when the beat left them as they were."""
    row = _playback_row(playback_id, after)
    if any(getattr(before, name) != row[name] for name in _ENDING):
        return "update_playback", row
    return "update_playback_kept", {k: v for k, v in row.items() if k not in _ENDING}


def _trainee_row(trainee_id: int, event_no: int, clock_ms: int, state: TraineeState) -> dict:
    return {
        "trainee_id": trainee_id,
        "event_count": event_no,
        "clock_ms": clock_ms,
        **trainee_values(state),
    }


def _beat_row(
    playback_id: str,
    trainee_id: int,
    event_no: int,
    beat: Beat,
    client_ts: str | None,
    now: int,
    outcome: BeatOutcome,
) -> dict[str, Any]:
    return {
        "playback_id": playback_id,
        "trainee_id": trainee_id,
        "event_no": event_no,
        "server_at_ms": now,
        "day": outcome.day,
        "seq": beat.seq,
        "event": beat.event,
        "position_ms": beat.position_ms,
        "from_ms": beat.from_ms,
        "rate_milli": beat.rate_milli,
        "paused": beat.paused,
        "visible": beat.visible,
        "attention_id": beat.attention_id,
        "attention_code": beat.attention_code,
        "face_outcome": beat.face_outcome,
        "question_outcome": beat.question_outcome,
        "client_ts": client_ts,
        "status": "duplicate" if outcome.duplicate else outcome.status,
        "credited_ms": outcome.credited_ms,
        "not_credited": json.dumps(dict(outcome.not_credited_ms)),
    }
