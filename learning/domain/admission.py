"""Who may register for the exam and who may sit it (准考): one rule, used by every page, API
and job that needs it. Pure, like the accounting and eligibility rules: plain figures in, the
reasons out.

The rule: **unlocked, or enough hours; and eligible; and paid.** An admin's unlock lifts the
hours condition, and the mock-exam gate: where the training body sets a minimum mock-exam
score for its programme, registering also needs a mock exam handed in with that score
(`services.readiness.gates`); sitting the exam does not. For registering for a session, the
coaching that session still has to give counts towards "enough hours" (its on-site days come
just before the exam); to sit the exam, only what was really credited counts, coaching
attendance included, so coaching hours are never counted twice nor before they are attended.
"""

from __future__ import annotations

from dataclasses import dataclass

HOURS = "hours"
ELIGIBILITY = "eligibility_not_approved"
FEE = "fee_unpaid"
MOCK_EXAM = "mock_exam_score"


@dataclass(frozen=True)
class Standing:
    """An enrolment's figures as the rule reads them, in seconds.

    ``coaching_to_come_s`` is the planned coaching of the session being registered for that the
    trainee has not attended yet (0 when asking who may sit the exam); ``mock_gate_met`` is
    False only where the programme sets a minimum mock score not reached yet.
    """

    credited_s: int
    required_s: int
    unlocked: bool
    eligibility_approved: bool
    fee_paid: bool
    coaching_to_come_s: int = 0
    mock_gate_met: bool = True


def hours_short_s(standing: Standing) -> int:
    """Seconds still missing, the coaching to come counted; 0 when unlocked."""
    if standing.unlocked:
        return 0
    counted = standing.credited_s + max(0, standing.coaching_to_come_s)
    return max(0, standing.required_s - counted)


def blocking_reasons(standing: Standing) -> list[str]:
    """Every reason the rule says no, in the API's order (shared/api.md)."""
    reasons = []
    if hours_short_s(standing):
        reasons.append(HOURS)
    if not standing.eligibility_approved:
        reasons.append(ELIGIBILITY)
    if not standing.fee_paid:
        reasons.append(FEE)
    if not standing.mock_gate_met and not standing.unlocked:
        reasons.append(MOCK_EXAM)
    return reasons


def admitted(standing: Standing) -> bool:
    """Unlocked, or enough hours; and eligible; and paid."""
    return not blocking_reasons(standing)
