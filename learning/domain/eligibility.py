"""Eligibility to sit a level's assessment (报考条件), as data plus one small evaluator.

Each level lists conditions; a candidate needs ONE of them. Each condition is a row of the
table `eligibility_conditions` (the standard's, as the training notice lists them, seeded by
migration 0004: their one definition) with a code (`L3-e`), its level, its wording in Chinese
and English, and a `requirement` written in the JSON vocabulary below. Conditions are data so
that an admin can add or amend one without code when a new edition of the standard changes
them; `validate_condition` refuses a malformed one before it is saved.

The evaluator checks only what the applicant *declares* (`Evidence`); an admin then confirms
the declaration against uploaded documents. It is pure: the date of the check (`as_of`) is
passed in, so that a decision can be reproduced later.

Requirement vocabulary
----------------------
A requirement is a JSON object with exactly one subject key, plus the modifiers that subject
allows. Every "years" value is a number greater than 0.

``{"years": N}``
    At least N accumulated years of work in this occupation or a related one.

``{"certificate": {"min_level": L, "occupation": [...]}, "years_after": N, "held_years": N}``
    A skill-level certificate of level L *or higher*. A smaller number is a higher level
    (level 1 高级技师 is the top), so ``"min_level": 4`` accepts levels 4, 3, 2 and 1.
    ``occupation`` lists the accepted occupations, ``"same"`` and/or ``"related"``
    (default: both). Modifiers, both optional:
    ``years_after`` -- N years of work after the certificate;
    ``held_years`` -- the certificate held for N calendar years, worked or not (L2-e, students).

``{"title": {"level": T, "matches_field": true}, "years_after": N}``
    A professional title (职称) of level T or higher: ``"junior"`` < ``"intermediate"`` <
    ``"senior"``. ``matches_field`` (default true) requires a title matching the field
    (符合专业对应关系); false accepts any title. ``years_after`` is optional, as above.

``{"education": {"kinds": [...], "major": [...], "final_year_ok": false,
"evaluated_programme": false, "studying": false}}``
    A diploma of one of ``kinds`` (see `EDUCATION_KINDS`) in one of the ``major`` values
    ``"this"``, ``"related"``, ``"other"`` (default: any). ``final_year_ok`` also accepts a
    current final-year student (在读应届毕业生); ``evaluated_programme`` requires a programme
    that passed evaluation (经评估论证); ``studying`` requires a *current* student of any year
    instead of a graduate, and excludes ``final_year_ok``.

``{"all": [requirement, ...]}``
    Every listed requirement is met. Alternatives need no "any": they are separate conditions,
    since meeting one condition of the level is enough.

Approximations, because evidence is declared and not a full work history:

* "N years of work after X" counts the time from the earliest qualifying X to `as_of`, capped
  at the declared accumulated years of work: a gap in employment after X is not visible here.
  The admin confirms against the documents.
* Years between dates are calendar years: on the anniversary the count is whole, so a
  certificate of 2023-03-01 gives exactly 3 years on 2026-03-01.
* Anything dated after `as_of` is not obtained yet: such a certificate or title does not count,
  and such a diploma counts as still studying.
"""

from __future__ import annotations

import calendar
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, NamedTuple, TypeAlias, get_args

Occupation = Literal["same", "related"]
TitleLevel = Literal["junior", "intermediate", "senior"]
Major = Literal["this", "related", "other"]
EducationKind = Literal[
    "technical_school",
    "secondary_vocational",
    "higher_vocational",
    "junior_college",
    "bachelor_or_above",
    "advanced_worker_class",
    "technician_college",
    "advanced_technical_school",
    "preparatory_technician_class",
]
Requirement: TypeAlias = dict[str, Any]

OCCUPATIONS: tuple[str, ...] = get_args(Occupation)
TITLE_LEVELS: tuple[str, ...] = get_args(TitleLevel)
MAJORS: tuple[str, ...] = get_args(Major)
EDUCATION_KINDS: tuple[str, ...] = get_args(EducationKind)
CERTIFICATE_LEVELS = range(1, 6)


_TITLE_RANK = {level: rank for rank, level in enumerate(TITLE_LEVELS)}


# --- Evidence: what an applicant declares ---------------------------------------------------


def _require_choice(value: object, allowed: Iterable[object], what: str) -> None:
    allowed = tuple(allowed)
    if value not in allowed:
        raise ValueError(f"{what} must be one of {list(allowed)}, got {value!r}")


@dataclass(frozen=True)
class Certificate:
    """A skill-level certificate (职业技能等级证书): level 1 is the highest, 5 the lowest."""

    occupation: Occupation
    level: int
    issued_on: date

    def __post_init__(self) -> None:
        _require_choice(self.occupation, OCCUPATIONS, "certificate occupation")
        _require_choice(self.level, CERTIFICATE_LEVELS, "certificate level")


@dataclass(frozen=True)
class Title:
    """A professional title (初级/中级/高级职称)."""

    level: TitleLevel
    matches_field: bool
    obtained_on: date

    def __post_init__(self) -> None:
        _require_choice(self.level, TITLE_LEVELS, "title level")


@dataclass(frozen=True)
class Education:
    """A diploma, or a current study when `graduated_on` is None (`final_year` if 应届)."""

    kind: EducationKind
    major: Major
    graduated_on: date | None
    final_year: bool
    evaluated_programme: bool

    def __post_init__(self) -> None:
        _require_choice(self.kind, EDUCATION_KINDS, "education kind")
        _require_choice(self.major, MAJORS, "education major")


@dataclass(frozen=True)
class Evidence:
    """Everything an applicant declares; `years_of_work` counts this or a related occupation."""

    years_of_work: float
    certificates: tuple[Certificate, ...] = ()
    titles: tuple[Title, ...] = ()
    education: tuple[Education, ...] = ()

    def __post_init__(self) -> None:
        if not (math.isfinite(self.years_of_work) and self.years_of_work >= 0):
            raise ValueError(f"years of work must be 0 or more, got {self.years_of_work!r}")
        for name in ("certificates", "titles", "education"):
            object.__setattr__(self, name, tuple(getattr(self, name)))


# --- Results --------------------------------------------------------------------------------


class Reason(NamedTuple):
    """Why a requirement is not met: a code and its parameters, translated by the web layer."""

    code: str
    params: dict[str, Any]


@dataclass(frozen=True)
class Verdict:
    met: bool
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class ConditionResult:
    code: str
    met: bool
    reasons: tuple[Reason, ...]


# --- Validation of requirements and conditions ----------------------------------------------

_MODIFIERS: dict[str, tuple[str, ...]] = {
    "all": (),
    "years": (),
    "certificate": ("years_after", "held_years"),
    "title": ("years_after",),
    "education": (),
}
_ALL_MODIFIERS = {name for names in _MODIFIERS.values() for name in names}
_CODE = re.compile(r"^L([1-5])-[a-z]$")


def validate_requirement(requirement: object, path: str = "requirement") -> None:
    """Raise ValueError naming the faulty key, so a bad condition never reaches the evaluator."""
    if not isinstance(requirement, dict):
        raise ValueError(f"{path}: must be an object, got {type(requirement).__name__}")
    unknown = sorted(set(requirement) - set(_MODIFIERS) - _ALL_MODIFIERS)
    if unknown:
        raise ValueError(f"{path}: unknown key {unknown[0]!r}")
    subjects = [key for key in requirement if key in _MODIFIERS]
    if len(subjects) != 1:
        raise ValueError(f"{path}: needs exactly one of {list(_MODIFIERS)}, got {subjects}")
    subject = subjects[0]
    for modifier in set(requirement) - {subject}:
        if modifier not in _MODIFIERS[subject]:
            raise ValueError(f"{path}: {modifier!r} does not apply to a {subject} requirement")
        _check_years(requirement[modifier], f"{path}.{modifier}")
    _SUBJECT_CHECKS[subject](requirement[subject], f"{path}.{subject}")


def validate_condition(condition: object) -> None:
    """Refuse a condition whose code, level, wording or requirement is malformed."""
    if not isinstance(condition, dict):
        raise ValueError(f"condition: must be an object, got {type(condition).__name__}")
    _check_keys(condition, "condition", {"code", "level", "text_zh", "text_en", "requirement"})
    code = condition["code"]
    match = _CODE.match(code) if isinstance(code, str) else None
    if match is None:
        raise ValueError(f"condition.code: must look like 'L3-e', got {code!r}")
    level = condition["level"]
    if isinstance(level, bool) or level != int(match[1]):
        raise ValueError(f"condition.level: {level!r} does not match code {code}")
    for key in ("text_zh", "text_en"):
        if not isinstance(condition[key], str) or not condition[key].strip():
            raise ValueError(f"condition.{key}: must be a non-empty text")
    validate_requirement(condition["requirement"])


def _check_keys(
    value: object, path: str, required: set[str], optional: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """The object itself once it has every required key and no unknown one."""
    if not isinstance(value, dict):
        raise ValueError(f"{path}: must be an object, got {type(value).__name__}")
    unknown = sorted(set(value) - required - optional)
    if unknown:
        raise ValueError(f"{path}: unknown key {unknown[0]!r}")
    missing = sorted(required - set(value))
    if missing:
        raise ValueError(f"{path}: missing key {missing[0]!r}")
    return value


def _check_years(value: object, path: str) -> None:
    if not (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
    ):
        raise ValueError(f"{path}: must be a number of years greater than 0, got {value!r}")


def _check_bool(value: object, path: str) -> None:
    if not isinstance(value, bool):
        raise ValueError(f"{path}: must be true or false, got {value!r}")


def _check_choices(value: object, allowed: tuple[str, ...], path: str) -> None:
    if not isinstance(value, list) or not value:
        raise ValueError(f"{path}: must be a non-empty list of {list(allowed)}")
    for item in value:
        if item not in allowed:
            raise ValueError(f"{path}: {item!r} is not one of {list(allowed)}")
    if len(set(value)) != len(value):
        raise ValueError(f"{path}: lists a value twice")


def _check_all(value: object, path: str) -> None:
    if not isinstance(value, list) or not value:
        raise ValueError(f"{path}: must be a non-empty list of requirements")
    for index, item in enumerate(value):
        validate_requirement(item, f"{path}[{index}]")


def _check_certificate(value: object, path: str) -> None:
    spec = _check_keys(value, path, {"min_level"}, frozenset({"occupation"}))
    level = spec["min_level"]
    if isinstance(level, bool) or level not in CERTIFICATE_LEVELS:
        raise ValueError(f"{path}.min_level: must be a level from 1 to 5, got {level!r}")
    if "occupation" in spec:
        _check_choices(spec["occupation"], OCCUPATIONS, f"{path}.occupation")


def _check_title(value: object, path: str) -> None:
    spec = _check_keys(value, path, {"level"}, frozenset({"matches_field"}))
    if spec["level"] not in TITLE_LEVELS:
        raise ValueError(
            f"{path}.level: must be one of {list(TITLE_LEVELS)}, got {spec['level']!r}"
        )
    if "matches_field" in spec:
        _check_bool(spec["matches_field"], f"{path}.matches_field")


_EDUCATION_FLAGS = ("final_year_ok", "evaluated_programme", "studying")


def _check_education(value: object, path: str) -> None:
    spec = _check_keys(value, path, {"kinds"}, frozenset({"major", *_EDUCATION_FLAGS}))
    _check_choices(spec["kinds"], EDUCATION_KINDS, f"{path}.kinds")
    if "major" in spec:
        _check_choices(spec["major"], MAJORS, f"{path}.major")
    for flag in _EDUCATION_FLAGS:
        if flag in spec:
            _check_bool(spec[flag], f"{path}.{flag}")
    if spec.get("studying") and spec.get("final_year_ok"):
        raise ValueError(f"{path}: 'studying' already accepts final-year students")


_SUBJECT_CHECKS: dict[str, Callable[[object, str], None]] = {
    "all": _check_all,
    "years": _check_years,
    "certificate": _check_certificate,
    "title": _check_title,
    "education": _check_education,
}


# --- Evaluation -----------------------------------------------------------------------------


def evaluate(requirement: Requirement, evidence: Evidence, as_of: date) -> Verdict:
    """Whether the declared evidence meets the requirement on `as_of`, and if not, why."""
    validate_requirement(requirement)
    reasons = _reasons(requirement, evidence, as_of)
    return Verdict(met=not reasons, reasons=reasons)


def evaluate_level(
    level: int, evidence: Evidence, as_of: date, conditions: list[dict[str, Any]]
) -> list[ConditionResult]:
    """Every condition of `level`, in order; the applicant is eligible if any one is met."""
    results = []
    for condition in conditions:
        if condition["level"] == level:
            verdict = evaluate(condition["requirement"], evidence, as_of)
            results.append(ConditionResult(condition["code"], verdict.met, verdict.reasons))
    return results


def _reasons(requirement: Requirement, evidence: Evidence, as_of: date) -> tuple[Reason, ...]:
    subject = next(key for key in requirement if key in _EVALUATORS)
    return _EVALUATORS[subject](requirement, evidence, as_of)


def _all_reasons(requirement: Requirement, evidence: Evidence, as_of: date) -> tuple[Reason, ...]:
    return tuple(
        reason for part in requirement["all"] for reason in _reasons(part, evidence, as_of)
    )


def _years_reasons(requirement: Requirement, evidence: Evidence, as_of: date) -> tuple[Reason, ...]:
    needed = requirement["years"]
    if evidence.years_of_work >= needed:
        return ()
    return (Reason("years_short", {"needed": needed, "declared": evidence.years_of_work}),)


def _certificate_reasons(
    requirement: Requirement, evidence: Evidence, as_of: date
) -> tuple[Reason, ...]:
    spec = requirement["certificate"]
    min_level = spec["min_level"]
    occupations = spec.get("occupation", list(OCCUPATIONS))
    held = [
        certificate.issued_on
        for certificate in evidence.certificates
        if certificate.level <= min_level
        and certificate.occupation in occupations
        and certificate.issued_on <= as_of
    ]
    if not held:
        return (Reason("certificate_missing", {"min_level": min_level, "occupation": occupations}),)
    return _time_reasons(
        requirement, evidence, min(held), as_of, "certificate", min_level=min_level
    )


def _title_reasons(requirement: Requirement, evidence: Evidence, as_of: date) -> tuple[Reason, ...]:
    spec = requirement["title"]
    matches_field = spec.get("matches_field", True)
    held = [
        title.obtained_on
        for title in evidence.titles
        if _TITLE_RANK[title.level] >= _TITLE_RANK[spec["level"]]
        and (title.matches_field or not matches_field)
        and title.obtained_on <= as_of
    ]
    if not held:
        return (Reason("title_missing", {"level": spec["level"], "matches_field": matches_field}),)
    return _time_reasons(requirement, evidence, min(held), as_of, "title", level=spec["level"])


def _time_reasons(
    requirement: Requirement,
    evidence: Evidence,
    since: date,
    as_of: date,
    subject: str,
    **params: object,
) -> tuple[Reason, ...]:
    """Check `years_after` (capped at the declared work) and `held_years` (calendar years)."""
    elapsed = _years_between(since, as_of)
    counted = {
        "years_after": min(elapsed, evidence.years_of_work),
        "held_years": elapsed,
    }
    codes = {"years_after": f"{subject}_years_short", "held_years": f"{subject}_held_short"}
    return tuple(
        Reason(
            codes[modifier],
            {
                **params,
                "needed": requirement[modifier],
                "counted": math.floor(counted[modifier] * 10) / 10,
                "since": since.isoformat(),
            },
        )
        for modifier in ("years_after", "held_years")
        if modifier in requirement and counted[modifier] < requirement[modifier]
    )


def _education_reasons(
    requirement: Requirement, evidence: Evidence, as_of: date
) -> tuple[Reason, ...]:
    spec = requirement["education"]
    majors = spec.get("major", list(MAJORS))
    if any(
        education.kind in spec["kinds"]
        and education.major in majors
        and (education.evaluated_programme or not spec.get("evaluated_programme", False))
        and _status_accepted(education, spec, as_of)
        for education in evidence.education
    ):
        return ()
    return (
        Reason(
            "education_missing",
            {
                "kinds": spec["kinds"],
                "major": majors,
                "status": _status_wanted(spec),
                "evaluated_programme": spec.get("evaluated_programme", False),
            },
        ),
    )


def _status_wanted(spec: dict[str, Any]) -> str:
    if spec.get("studying", False):
        return "studying"
    return "graduated_or_final_year" if spec.get("final_year_ok", False) else "graduated"


def _status_accepted(education: Education, spec: dict[str, Any], as_of: date) -> bool:
    graduated = education.graduated_on is not None and education.graduated_on <= as_of
    wanted = _status_wanted(spec)
    if wanted == "studying":
        return not graduated
    return graduated or (wanted == "graduated_or_final_year" and education.final_year)


_EVALUATORS: dict[str, Callable[[Requirement, Evidence, date], tuple[Reason, ...]]] = {
    "all": _all_reasons,
    "years": _years_reasons,
    "certificate": _certificate_reasons,
    "title": _title_reasons,
    "education": _education_reasons,
}


def _anniversary(start: date, years: int) -> date:
    """`start` moved on by whole years; 29 February falls on the 28th in common years."""
    year = start.year + years
    return start.replace(year=year, day=min(start.day, calendar.monthrange(year, start.month)[1]))


def _years_between(start: date, end: date) -> float:
    """Calendar years from `start` to `end`: whole on each anniversary, 0 if `end` is earlier."""
    if end <= start:
        return 0.0
    whole = end.year - start.year
    if _anniversary(start, whole) > end:
        whole -= 1
    since, until = _anniversary(start, whole), _anniversary(start, whole + 1)
    return whole + (end - since).days / (until - since).days
