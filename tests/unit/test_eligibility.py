"""Eligibility conditions (报考条件) as data, and the evaluator that reads them."""

from __future__ import annotations

import importlib.util
import json
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from learning.domain.eligibility import (
    EDUCATION_KINDS,
    Certificate,
    Education,
    EducationKind,
    Evidence,
    Major,
    Occupation,
    Reason,
    Title,
    TitleLevel,
    evaluate,
    evaluate_level,
    validate_condition,
    validate_requirement,
)
from tests.conftest import examples


def _standard() -> list[dict[str, Any]]:
    """The standard's conditions where they are defined once: the migration that seeds them."""
    path = next((Path(__file__).parents[2] / "migrations" / "versions").glob("0004_*.py"))
    spec = importlib.util.spec_from_file_location("seed_of_the_conditions", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.CONDITIONS


CONDITIONS = _standard()
AS_OF = date(2026, 3, 2)
BY_CODE = {condition["code"]: condition for condition in CONDITIONS}


def ago(years: int, days: int = 0) -> date:
    """`years` anniversaries before AS_OF, then `days` further back."""
    return AS_OF.replace(year=AS_OF.year - years) - timedelta(days=days)


def cert(level: int, years: int, days: int = 0, occupation: Occupation = "same") -> Certificate:
    return Certificate(occupation, level, ago(years, days))


def title(level: TitleLevel, years: int, matches_field: bool = True) -> Title:
    return Title(level, matches_field, ago(years))


def graduate(kind: EducationKind, major: Major = "this", evaluated: bool = False) -> Education:
    return Education(kind, major, ago(1), False, evaluated)


def final_year(kind: EducationKind, major: Major = "this", evaluated: bool = False) -> Education:
    return Education(kind, major, None, True, evaluated)


def student(kind: EducationKind) -> Education:
    """A current student before the final year."""
    return Education(kind, "this", None, False, False)


def result(code: str, evidence: Evidence, as_of: date = AS_OF) -> Any:
    level = BY_CODE[code]["level"]
    return next(r for r in evaluate_level(level, evidence, as_of, CONDITIONS) if r.code == code)


def codes(reasons: tuple[Reason, ...]) -> list[str]:
    return [reason.code for reason in reasons]


PASSING = [
    ("L4-a", Evidence(5)),
    ("L4-b", Evidence(3, certificates=(cert(5, 3),))),
    ("L4-c", Evidence(0, education=(graduate("secondary_vocational"),))),
    ("L4-c", Evidence(0, education=(graduate("bachelor_or_above", major="related"),))),
    ("L3-a", Evidence(10)),
    ("L3-b", Evidence(4, certificates=(cert(5, 4, occupation="related"),))),
    ("L3-c", Evidence(1, titles=(title("junior", 1),))),
    ("L3-d", Evidence(0, education=(graduate("advanced_worker_class"),))),
    ("L3-e", Evidence(0, certificates=(cert(4, 1),), education=(graduate("higher_vocational"),))),
    ("L3-f", Evidence(0, education=(graduate("junior_college", evaluated=True),))),
    ("L2-a", Evidence(5, certificates=(cert(3, 5),))),
    ("L2-b", Evidence(6, titles=(title("junior", 6),), certificates=(cert(3, 1),))),
    ("L2-c", Evidence(1, titles=(title("intermediate", 2),))),
    ("L2-d", Evidence(2, certificates=(cert(3, 1),), education=(graduate("technician_college"),))),
    (
        "L2-e",  # held_years counts calendar years, so a student with no work passes
        Evidence(
            0, certificates=(cert(3, 2),), education=(student("preparatory_technician_class"),)
        ),
    ),
    ("L1-a", Evidence(5, certificates=(cert(2, 5),))),
    ("L1-b", Evidence(1, titles=(title("senior", 1),))),
    ("L1-c", Evidence(5, titles=(title("intermediate", 5),), certificates=(cert(2, 1),))),
]

FAILING = [
    ("L4-a", Evidence(4.9), ["years_short"]),
    ("L4-b", Evidence(10), ["certificate_missing"]),
    ("L4-b", Evidence(10, certificates=(cert(5, 2, days=364),)), ["certificate_years_short"]),
    ("L4-c", Evidence(0, education=(graduate("junior_college", "other"),)), ["education_missing"]),
    ("L3-a", Evidence(9.5), ["years_short"]),
    ("L3-b", Evidence(9, certificates=(cert(5, 2),)), ["certificate_years_short"]),
    ("L3-c", Evidence(5, titles=(title("junior", 3, matches_field=False),)), ["title_missing"]),
    ("L3-d", Evidence(0, education=(graduate("technical_school"),)), ["education_missing"]),
    ("L3-e", Evidence(0, certificates=(cert(4, 1),)), ["education_missing"]),
    ("L3-f", Evidence(0, education=(graduate("junior_college"),)), ["education_missing"]),
    ("L2-a", Evidence(10, certificates=(cert(4, 10),)), ["certificate_missing"]),
    ("L2-b", Evidence(6, titles=(title("junior", 6),)), ["certificate_missing"]),
    ("L2-c", Evidence(5, titles=(title("junior", 5),)), ["title_missing"]),
    (
        "L2-d",
        Evidence(1.5, certificates=(cert(3, 3),), education=(graduate("technician_college"),)),
        ["years_short"],
    ),
    (
        "L2-e",
        Evidence(
            5, certificates=(cert(3, 3),), education=(graduate("preparatory_technician_class"),)
        ),
        ["education_missing"],
    ),
    (
        "L2-e",
        Evidence(
            0, certificates=(cert(3, 1),), education=(student("preparatory_technician_class"),)
        ),
        ["certificate_held_short"],
    ),
    ("L1-a", Evidence(4, certificates=(cert(2, 5),)), ["certificate_years_short"]),
    ("L1-b", Evidence(10, titles=(title("intermediate", 10),)), ["title_missing"]),
    (
        "L1-c",
        Evidence(6, titles=(title("intermediate", 6),), certificates=(cert(2, 0, days=-1),)),
        ["certificate_missing"],
    ),
    (
        "L1-c",
        Evidence(6, titles=(title("intermediate", 6),), certificates=(cert(2, 0, days=180),)),
        ["certificate_years_short"],
    ),
]


@pytest.mark.parametrize(("code", "evidence"), PASSING)
def test_condition_met(code: str, evidence: Evidence) -> None:
    met = result(code, evidence)
    assert met.met and met.reasons == ()


@pytest.mark.parametrize(("code", "evidence", "reason_codes"), FAILING)
def test_condition_not_met(code: str, evidence: Evidence, reason_codes: list[str]) -> None:
    unmet = result(code, evidence)
    assert not unmet.met and codes(unmet.reasons) == reason_codes


def test_every_condition_has_a_passing_and_a_failing_case() -> None:
    assert {code for code, _ in PASSING} == set(BY_CODE)
    assert {code for code, _, _ in FAILING} == set(BY_CODE)


# --- Final-year students ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "education", "certificates"),
    [
        ("L4-c", final_year("technical_school"), ()),
        ("L3-d", final_year("preparatory_technician_class", major="related"), ()),
        ("L3-e", final_year("junior_college"), (cert(4, 0),)),
        ("L3-f", final_year("bachelor_or_above", evaluated=True), ()),
    ],
)
def test_final_year_students_count_where_the_notice_says_so(
    code: str, education: Education, certificates: tuple[Certificate, ...]
) -> None:
    assert result(code, Evidence(0, certificates=certificates, education=(education,))).met


def test_a_student_before_the_final_year_does_not_count() -> None:
    unmet = result("L4-c", Evidence(0, education=(student("higher_vocational"),)))
    assert not unmet.met
    assert unmet.reasons[0].params["status"] == "graduated_or_final_year"


def test_l2_d_wants_graduates_not_final_year_students() -> None:
    evidence = Evidence(
        3, certificates=(cert(3, 1),), education=(final_year("advanced_technical_school"),)
    )
    unmet = result("L2-d", evidence)
    assert codes(unmet.reasons) == ["education_missing"]
    assert unmet.reasons[0].params["status"] == "graduated"


def test_a_graduation_date_after_as_of_still_counts_as_studying() -> None:
    later = Education(
        "preparatory_technician_class", "this", AS_OF + timedelta(days=90), True, False
    )
    evidence = Evidence(0, certificates=(cert(3, 2),), education=(later,))
    assert result("L2-e", evidence).met
    assert result("L4-c", evidence).met  # as a final-year student
    assert not result("L2-e", evidence, as_of=AS_OF + timedelta(days=90)).met  # graduated


# --- Years after: calendar years, capped at the declared work --------------------------------


def test_years_after_are_capped_at_declared_years_of_work() -> None:
    unmet = result("L4-b", Evidence(2, certificates=(cert(5, 10),)))
    assert unmet.reasons == (
        Reason(
            "certificate_years_short",
            {"min_level": 5, "needed": 3, "counted": 2.0, "since": "2016-03-02"},
        ),
    )


def test_years_after_never_exceed_the_time_since_the_certificate() -> None:
    unmet = result("L2-a", Evidence(20, certificates=(cert(3, 4, days=40),)))
    assert unmet.reasons[0].params["counted"] == 4.1


def test_years_after_are_whole_on_the_anniversary() -> None:
    assert result("L4-b", Evidence(3, certificates=(cert(5, 3),))).met
    assert not result("L4-b", Evidence(3, certificates=(cert(5, 3, days=-1),))).met


def test_29_february_has_its_anniversary_on_28_february() -> None:
    evidence = Evidence(3, certificates=(Certificate("same", 5, date(2020, 2, 29)),))
    assert result("L4-b", evidence, as_of=date(2023, 2, 28)).met
    assert not result("L4-b", evidence, as_of=date(2023, 2, 27)).met


def test_the_earliest_qualifying_certificate_counts() -> None:
    evidence = Evidence(5, certificates=(cert(4, 1), cert(5, 4), cert(5, 6, occupation="related")))
    assert result("L4-b", evidence).met
    unmet = result("L2-a", Evidence(5, certificates=(cert(2, 1), cert(4, 6))))
    assert unmet.reasons[0].params["since"] == "2025-03-02"  # the level-2 certificate's date


def test_evidence_dated_after_as_of_is_not_held_yet() -> None:
    evidence = Evidence(10, titles=(title("senior", 0),))
    assert result("L1-b", evidence, as_of=AS_OF - timedelta(days=1)).reasons[0].code == (
        "title_missing"
    )


# --- Higher levels satisfy lower requirements ------------------------------------------------


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_any_certificate_level_satisfies_a_level_5_requirement(level: int) -> None:
    assert result("L4-b", Evidence(3, certificates=(cert(level, 3),))).met


@pytest.mark.parametrize(
    ("level", "met"), [(1, True), (2, True), (3, True), (4, False), (5, False)]
)
def test_a_level_3_requirement_takes_level_3_or_higher(level: int, met: bool) -> None:
    assert result("L2-a", Evidence(5, certificates=(cert(level, 5),))).met is met


@pytest.mark.parametrize(
    ("code", "level"), [("L3-c", "intermediate"), ("L3-c", "senior"), ("L2-c", "senior")]
)
def test_a_higher_title_satisfies_a_lower_one(code: str, level: str) -> None:
    assert result(code, Evidence(1, titles=(title(level, 1),))).met


def test_occupation_and_field_filters_can_be_narrowed_or_widened() -> None:
    related = Evidence(3, certificates=(cert(5, 3, occupation="related"),))
    same_only = {"certificate": {"min_level": 5, "occupation": ["same"]}, "years_after": 3}
    assert not evaluate(same_only, related, AS_OF).met
    unmatched = Evidence(1, titles=(title("junior", 1, matches_field=False),))
    any_title = {"title": {"level": "junior", "matches_field": False}, "years_after": 1}
    assert evaluate(any_title, unmatched, AS_OF).met


# --- all: every part must hold ----------------------------------------------------------------


def test_l3_e_needs_both_certificate_and_diploma() -> None:
    diploma_only = Evidence(0, education=(graduate("junior_college"),))
    assert codes(result("L3-e", diploma_only).reasons) == ["certificate_missing"]
    reasons = result("L3-e", Evidence(0)).reasons
    assert codes(reasons) == ["certificate_missing", "education_missing"]
    assert reasons[0].params == {"min_level": 4, "occupation": ["same", "related"]}


def test_l2_b_needs_five_years_after_the_title_and_one_after_the_certificate() -> None:
    title_short = Evidence(6, titles=(title("junior", 4),), certificates=(cert(3, 2),))
    assert codes(result("L2-b", title_short).reasons) == ["title_years_short"]
    both_short = Evidence(6, titles=(title("junior", 4),), certificates=(cert(3, 0, days=100),))
    assert codes(result("L2-b", both_short).reasons) == [
        "title_years_short",
        "certificate_years_short",
    ]


def test_l1_c_needs_an_intermediate_title_and_a_level_2_certificate() -> None:
    reasons = result("L1-c", Evidence(8, titles=(title("junior", 8),))).reasons
    assert reasons == (
        Reason("title_missing", {"level": "intermediate", "matches_field": True}),
        Reason("certificate_missing", {"min_level": 2, "occupation": ["same", "related"]}),
    )


# --- evaluate_level --------------------------------------------------------------------------


def test_evaluate_level_lists_the_levels_conditions_in_order() -> None:
    results = evaluate_level(3, Evidence(10), AS_OF, CONDITIONS)
    assert [r.code for r in results] == ["L3-a", "L3-b", "L3-c", "L3-d", "L3-e", "L3-f"]
    assert [r.met for r in results] == [True, False, False, False, False, False]
    assert evaluate_level(5, Evidence(10), AS_OF, CONDITIONS) == []


def test_an_admin_added_condition_is_evaluated_without_code() -> None:
    added = {
        "code": "L5-a",
        "level": 5,
        "text_zh": "累计从事本职业或相关职业工作满1年。",
        "text_en": "At least 1 year of work.",
        "requirement": {"years": 1},
    }
    validate_condition(added)
    assert [r.met for r in evaluate_level(5, Evidence(1), AS_OF, [*CONDITIONS, added])] == [True]


def test_reasons_are_json_for_the_web_layer() -> None:
    reasons = [
        [list(reason) for reason in item.reasons]
        for level in (4, 3, 2, 1)
        for item in evaluate_level(level, Evidence(0), AS_OF, CONDITIONS)
    ]
    assert any(reasons)  # with no evidence, conditions are unmet and say why
    assert json.loads(json.dumps(reasons)) == reasons


# --- Validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("requirement", "message"),
    [
        ([{"years": 5}], "must be an object"),
        ({}, "needs exactly one of"),
        ({"yeras": 5}, "unknown key 'yeras'"),
        ({"years": 5, "title": {"level": "junior"}}, "needs exactly one of"),
        ({"years": 0}, "greater than 0"),
        ({"years": -1}, "greater than 0"),
        ({"years": True}, "greater than 0"),
        ({"years": "5"}, "greater than 0"),
        ({"years": float("nan")}, "greater than 0"),
        ({"years": 5, "years_after": 1}, "'years_after' does not apply to a years"),
        ({"title": {"level": "junior"}, "held_years": 1}, "'held_years' does not apply"),
        ({"certificate": {"min_level": 5}, "years_after": 0}, "requirement.years_after"),
        ({"certificate": {}}, "missing key 'min_level'"),
        ({"certificate": {"min_level": 6}}, "min_level: must be a level from 1 to 5"),
        ({"certificate": {"min_level": True}}, "min_level"),
        ({"certificate": {"min_level": 5, "colour": "red"}}, "unknown key 'colour'"),
        ({"certificate": {"min_level": 5, "occupation": ["other"]}}, "'other' is not one of"),
        ({"certificate": {"min_level": 5, "occupation": []}}, "non-empty list"),
        ({"certificate": {"min_level": 5, "occupation": ["same", "same"]}}, "twice"),
        ({"certificate": 5}, "requirement.certificate: must be an object"),
        ({"title": {"level": "master"}}, "title.level: must be one of"),
        ({"title": {"level": "junior", "matches_field": "yes"}}, "true or false"),
        ({"education": {"kinds": ["university"]}}, "'university' is not one of"),
        ({"education": {"kinds": []}}, "non-empty list"),
        ({"education": {"kinds": ["junior_college"], "major": ["any"]}}, "'any' is not one of"),
        ({"education": {"kinds": ["junior_college"], "final_year_ok": 1}}, "true or false"),
        (
            {"education": {"kinds": ["junior_college"], "studying": True, "final_year_ok": True}},
            "'studying' already accepts",
        ),
        ({"all": []}, "non-empty list of requirements"),
        ({"all": {"years": 5}}, "non-empty list of requirements"),
        ({"all": [{"years": 5}, {"years": -1}]}, "requirement.all[1].years"),
    ],
)
def test_validate_requirement_refuses_bad_data(requirement: object, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        validate_requirement(requirement)


def test_evaluate_refuses_a_malformed_requirement() -> None:
    with pytest.raises(ValueError, match="unknown key"):
        evaluate({"years": 5, "months": 3}, Evidence(5), AS_OF)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"code": "L3e"}, "must look like 'L3-e'"),
        ({"code": "L6-a", "level": 6}, "must look like"),
        ({"level": 2}, "does not match code L3-e"),
        ({"level": True}, "does not match"),
        ({"text_zh": " "}, "text_zh: must be a non-empty text"),
        ({"text_en": None}, "text_en"),
        ({"requirement": {"years": 0}}, "requirement.years"),
        ({"note": "x"}, "unknown key 'note'"),
    ],
)
def test_validate_condition_refuses_bad_data(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        validate_condition({**BY_CODE["L3-e"], **change})


def test_validate_condition_refuses_a_missing_key() -> None:
    condition = dict(BY_CODE["L3-e"])
    del condition["requirement"]
    with pytest.raises(ValueError, match="missing key 'requirement'"):
        validate_condition(condition)


@pytest.mark.parametrize("condition", CONDITIONS, ids=lambda c: c["code"])
def test_every_condition_validates(condition: dict[str, Any]) -> None:
    validate_condition(condition)  # a refusal raises ValueError
    assert json.loads(json.dumps(condition, ensure_ascii=False)) == condition


def test_codes_are_unique_and_each_level_has_the_domains_conditions() -> None:
    all_codes = [condition["code"] for condition in CONDITIONS]
    assert len(all_codes) == len(set(all_codes)) == 17
    by_level = {
        level: [c["code"] for c in CONDITIONS if c["level"] == level] for level in (4, 3, 2, 1)
    }
    assert by_level == {
        4: ["L4-a", "L4-b", "L4-c"],
        3: ["L3-a", "L3-b", "L3-c", "L3-d", "L3-e", "L3-f"],
        2: ["L2-a", "L2-b", "L2-c", "L2-d", "L2-e"],
        1: ["L1-a", "L1-b", "L1-c"],
    }


def test_texts_follow_the_standards_wording() -> None:
    assert BY_CODE["L4-a"]["text_zh"] == "累计从事本职业或相关职业工作满5年。"
    assert all(c["text_zh"].endswith("。") for c in CONDITIONS)
    assert all("（含在读应届毕业生）" in BY_CODE[code]["text_zh"] for code in ("L4-c", "L3-f"))


# --- Evidence -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Certificate("same", 6, AS_OF), "certificate level"),
        (lambda: Certificate("other", 5, AS_OF), "certificate occupation"),
        (lambda: Title("master", True, AS_OF), "title level"),
        (lambda: Education("university", "this", None, True, False), "education kind"),
        (lambda: Education("junior_college", "any", None, True, False), "education major"),
        (lambda: Evidence(-1), "years of work"),
        (lambda: Evidence(float("inf")), "years of work"),
    ],
)
def test_evidence_refuses_impossible_declarations(build: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()


def test_evidence_keeps_sequences_as_tuples() -> None:
    evidence = Evidence(1, certificates=[cert(5, 1)])
    assert evidence.certificates == (cert(5, 1),)


def test_every_education_kind_has_a_chinese_and_an_english_label(app) -> None:
    from flask_babel import force_locale

    from learning.texts.labels import EDUCATION_KIND_LABELS

    assert list(EDUCATION_KIND_LABELS) == list(EDUCATION_KINDS)  # the forms' order
    with app.test_request_context():
        for language in ("zh", "en"):
            with force_locale(language):
                said = [str(label) for label in EDUCATION_KIND_LABELS.values()]
            assert all(label.strip() for label in said)
            chinese = all(any("\u4e00" <= c <= "\u9fff" for c in label) for label in said)
            assert chinese is (language == "zh"), said


# --- Property: declaring more never loses a condition ----------------------------------------

_dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2027, 12, 31))
_certificates = st.builds(
    Certificate, st.sampled_from(["same", "related"]), st.integers(1, 5), _dates
)
_titles = st.builds(
    Title, st.sampled_from(["junior", "intermediate", "senior"]), st.booleans(), _dates
)
_educations = st.builds(
    Education,
    st.sampled_from(EDUCATION_KINDS),
    st.sampled_from(["this", "related", "other"]),
    st.none() | _dates,
    st.booleans(),
    st.booleans(),
)
_evidence = st.builds(
    Evidence,
    st.floats(0, 40, allow_nan=False),
    st.lists(_certificates, max_size=3).map(tuple),
    st.lists(_titles, max_size=2).map(tuple),
    st.lists(_educations, max_size=2).map(tuple),
)


@settings(max_examples=examples(200), deadline=None)
@given(_evidence, _evidence, st.floats(0, 10, allow_nan=False))
def test_declaring_more_never_loses_a_condition(
    base: Evidence, extra: Evidence, more_years: float
) -> None:
    richer = Evidence(
        base.years_of_work + more_years,
        base.certificates + extra.certificates,
        base.titles + extra.titles,
        base.education + extra.education,
    )
    for level in (4, 3, 2, 1):
        before = evaluate_level(level, base, AS_OF, CONDITIONS)
        after = evaluate_level(level, richer, AS_OF, CONDITIONS)
        for old, new in zip(before, after, strict=True):
            assert new.met or not old.met, old.code


def test_the_database_holds_the_standards_conditions_as_defined_once(db_session) -> None:
    from sqlalchemy import select

    from learning.models import EligibilityCondition

    stored = {
        row.code: {
            "code": row.code,
            "level": row.level,
            "text_zh": row.text_zh,
            "text_en": row.text_en,
            "requirement": row.requirement,
        }
        for row in db_session.scalars(select(EligibilityCondition))
    }
    assert stored == BY_CODE
    for condition in CONDITIONS:
        validate_condition(condition)
