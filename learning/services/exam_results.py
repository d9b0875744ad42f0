"""Results for every candidate of a session at once, from the table on the session's page or
from its Excel sheet filled in and uploaded back.

Each line is checked as `exams.record_results` would check it, and more (the candidate is of
this session and, in a sheet, still the person named on the row; a certificate number appears
once); every problem is listed and nothing is written until there is none. A line left blank
is not touched; a line whose values are those already recorded is not written again.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from learning.domain import results
from learning.domain.results import ExamOutcome
from learning.models import ExamRegistration, ExamSession, ExamSessionStatus
from learning.services import ServiceError, exams
from learning.services.accounts import mask_id_number
from learning.services.workbooks import Column, Problem, day, read_rows, whole_number, write

PART_HEADERS = {"theory": "理论知识考试成绩", "skill": "技能考核成绩", "review": "综合评审成绩"}
ABSENT_WORDS = {"是", "缺考", "y", "yes", "x", "1", "√"}
SHEET_TITLE = "考试成绩"


@dataclass(frozen=True)
class Line:
    """One candidate's results as a person typed them."""

    row: int  # the sheet's row number, or the table's
    registration_id: int | None
    scores: dict[str, str]  # part -> text
    absent: str = ""
    certificate_no: str = ""
    certificate_issued_on: str = ""
    name: str | None = None  # the sheet names the candidate: checked against the registration

    @property
    def blank(self) -> bool:
        return not (
            any(self.scores.values())
            or self.absent
            or self.certificate_no
            or self.certificate_issued_on
        )


@dataclass(frozen=True)
class Result:
    """A line once checked: what `exams.record_results` is given."""

    registration: ExamRegistration
    scores: dict[str, int] | None  # None: absent
    certificate_no: str | None
    certificate_issued_on: date | None


@dataclass
class Outcome:
    problems: list[Problem]
    results: list[Result]
    saved: int = 0


def column_key(header: str) -> str | None:
    """The field a problem's column names: a part, or absent, certificate_no, ..."""
    keys = {header: part for part, header in PART_HEADERS.items()}
    keys |= {"缺考": "absent", "证书编号": "certificate_no", "发证日期": "certificate_issued_on"}
    return keys.get(header)


def columns(exam_session: ExamSession) -> list[Column]:
    return [
        Column("registration", "报名号", note="不要修改：用来找到考生"),
        Column("seat", "座位号", required=False),
        Column("name", "姓名", note="不要修改：与报名号核对"),
        Column("id_number", "身份证号", required=False, note="已隐去中间位，仅供核对"),
        *(
            Column(part, PART_HEADERS[part], required=False, note="0–100 的整数；缺考则留空")
            for part in exam_session.parts
        ),
        Column("absent", "缺考", required=False, note="缺考填“是”，否则留空"),
        Column("certificate_no", "证书编号", required=False, note="合格者：Y 或 S 加 21 位数字"),
        Column("certificate_issued_on", "发证日期", required=False, note="YYYY-MM-DD"),
    ]


def sheet(session: Session, exam_session: ExamSession) -> bytes:
    """The session's candidates in seat order, with what is recorded already, to fill in."""
    rows = []
    for registration in _registrations(session, exam_session.id):
        trainee = registration.enrolment.trainee
        profile = trainee.profile
        rows.append(
            [
                registration.id,
                registration.seat_no,
                trainee.display_name,
                mask_id_number(profile.id_number if profile else None),
                *(registration.scores.get(part) for part in exam_session.parts),
                "是" if registration.outcome == ExamOutcome.ABSENT.value else None,
                registration.certificate_no,
                registration.certificate_issued_on,
            ]
        )
    return write(SHEET_TITLE, columns(exam_session), rows)


def lines_from_sheet(exam_session: ExamSession, data: bytes) -> list[Line]:
    """The sheet's rows as lines; `ServiceError("not_a_results_sheet", reason=...)` for a file
    that is not such a sheet (see `workbooks.read_rows`)."""
    rows = read_rows(data, columns(exam_session), error_code="not_a_results_sheet")
    return [
        Line(
            row=int(row["_row"]),
            registration_id=whole_number(row.get("registration", "")),
            name=row.get("name", ""),
            scores={part: row.get(part, "") for part in exam_session.parts},
            absent=row.get("absent", ""),
            certificate_no=row.get("certificate_no", ""),
            certificate_issued_on=row.get("certificate_issued_on", ""),
        )
        for row in rows
    ]


def record(
    session: Session,
    exam_session: ExamSession,
    lines: list[Line],
    *,
    dry_run: bool,
    today: date,
    now: datetime,
    actor_id: int,
    pass_mark: int,
) -> Outcome:
    """Check every line; unless `dry_run` or a line is bad, record each line that changes
    something. Refuses the whole session before its exam day or once cancelled."""
    if exam_session.status == ExamSessionStatus.CANCELLED.value:
        raise ServiceError("session_cancelled")
    if today < exam_session.starts_on:
        raise ServiceError("results_before_exam", day=exam_session.starts_on.isoformat())
    registrations = {r.id: r for r in _registrations(session, exam_session.id)}
    outcome = _checked(session, exam_session, lines, registrations, today, pass_mark)
    if outcome.problems or dry_run:
        return outcome
    for result in outcome.results:
        if _unchanged(result):
            continue
        exams.record_results(
            session,
            result.registration,
            scores=result.scores,
            certificate_no=result.certificate_no,
            certificate_issued_on=result.certificate_issued_on,
            today=today,
            now=now,
            actor_id=actor_id,
            pass_mark=pass_mark,
        )
        outcome.saved += 1
    return outcome


def _registrations(session: Session, exam_session_id: int) -> list[ExamRegistration]:
    return list(
        session.scalars(
            select(ExamRegistration)
            .where(ExamRegistration.exam_session_id == exam_session_id)
            .order_by(
                ExamRegistration.seat_no.is_(None), ExamRegistration.seat_no, ExamRegistration.id
            )
        )
    )


def _checked(
    session: Session,
    exam_session: ExamSession,
    lines: list[Line],
    registrations: dict[int, ExamRegistration],
    today: date,
    pass_mark: int,
) -> Outcome:
    outcome = Outcome(problems=[], results=[])
    seen = Counter(line.registration_id for line in lines if line.registration_id is not None)
    certificates = Counter(
        line.certificate_no.strip().upper() for line in lines if line.certificate_no.strip()
    )
    taken = _certificates_of_others(session, set(certificates), exam_session.id)
    for line in lines:
        if line.blank:
            continue
        problems = _line_problems(line, registrations, seen)
        if problems:
            outcome.problems += problems
            continue
        registration = registrations[line.registration_id]  # type: ignore[index]
        result, problems = _result(line, registration, exam_session, today, pass_mark)
        number = result.certificate_no if result else None
        if number and (certificates[number] > 1 or number in taken):
            problems.append(Problem(line.row, "证书编号", "certificate_exists", {"number": number}))
        if problems:
            outcome.problems += problems
        elif result is not None:
            outcome.results.append(result)
    return outcome


def _line_problems(
    line: Line, registrations: dict[int, ExamRegistration], seen: Counter
) -> list[Problem]:
    """Whether the line names a candidate of this session, once, as the person registered."""
    if line.registration_id is None or line.registration_id not in registrations:
        return [Problem(line.row, "报名号", "not_a_candidate")]
    if seen[line.registration_id] > 1:
        return [Problem(line.row, "报名号", "duplicate_in_file")]
    registration = registrations[line.registration_id]
    named = registration.enrolment.trainee.display_name
    if line.name is not None and line.name.strip() != named:
        return [Problem(line.row, "姓名", "name_mismatch", {"name": named})]
    return []


def _result(
    line: Line,
    registration: ExamRegistration,
    exam_session: ExamSession,
    today: date,
    pass_mark: int,
) -> tuple[Result | None, list[Problem]]:
    problems: list[Problem] = []
    absent = line.absent.strip().lower() in ABSENT_WORDS
    if line.absent.strip() and not absent:
        problems.append(Problem(line.row, "缺考", "absent_word"))
    scores: dict[str, int] = {}
    for part in exam_session.parts:
        text = line.scores.get(part, "").strip()
        header = PART_HEADERS[part]
        if absent and text:
            problems.append(Problem(line.row, header, "score_when_absent"))
        elif not absent and not text:
            problems.append(Problem(line.row, header, "required"))
        elif text:
            score = whole_number(text)
            if score is None or not results.score_valid(score):
                problems.append(Problem(line.row, header, "score_out_of_range"))
            else:
                scores[part] = score
    complete = absent or len(scores) == len(exam_session.parts)
    outcome = results.outcome(None if absent else scores, pass_mark)
    number = results.certificate_number(line.certificate_no)
    issued_on = day(line.certificate_issued_on)
    if number:
        passed = complete and outcome == ExamOutcome.PASSED
        for code in results.certificate_problems(
            number, issued_on, passed=passed, exam_day=exam_session.starts_on, today=today
        ):
            header = "发证日期" if code == "certificate_date_invalid" else "证书编号"
            problems.append(Problem(line.row, header, code))
    elif line.certificate_issued_on.strip():
        problems.append(Problem(line.row, "证书编号", "required"))
    if problems:
        return None, problems
    return (
        Result(
            registration=registration,
            scores=None if absent else scores,
            certificate_no=number or None,
            certificate_issued_on=issued_on if number else None,
        ),
        [],
    )


def _certificates_of_others(session: Session, numbers: set[str], exam_session_id: int) -> set[str]:
    """The numbers among `numbers` already given to a candidate of another session."""
    if not numbers:
        return set()
    return set(
        session.scalars(
            select(ExamRegistration.certificate_no).where(
                ExamRegistration.certificate_no.in_(numbers),
                ExamRegistration.exam_session_id != exam_session_id,
            )
        )
    )


def _unchanged(result: Result) -> bool:
    registration = result.registration
    if registration.outcome is None:
        return False
    scores = result.scores if result.scores is not None else {}
    return (
        registration.scores == scores
        and (registration.outcome == ExamOutcome.ABSENT.value) == (result.scores is None)
        and registration.certificate_no == result.certificate_no
        and registration.certificate_issued_on == result.certificate_issued_on
    )
