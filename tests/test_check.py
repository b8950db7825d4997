"""Static checks of a policy (issue 3, part 4)."""

from __future__ import annotations

import pytest

import erpsales
from erpsales.policy import check_policy


def _with_rules(*rules: dict[str, object], **settings: object) -> erpsales.Policy:
    return erpsales.policy_from_dict(
        {"extends": "seed", "rules": list(rules), "settings": settings}
    )


def _rule(rule_id: str, when: str, zh: str = "中文") -> dict[str, object]:
    return {"id": rule_id, "kind": "info", "when": when, "message": {"en": "text", "zh": zh}}


def test_the_seed_policy_has_no_errors_and_says_what_it_cannot_reach() -> None:
    problems = check_policy(erpsales.seed_policy())
    assert [p for p in problems if p.severity == "error"] == []
    unreachable = [p for p in problems if p.code == "rule.unreachable"]
    assert [p.rule_id for p in unreachable] == ["CX-RC-1"]  # no capabilities are set in the seed
    assert "settings.capabilities.modules is not set" in unreachable[0].message


def test_capabilities_make_cx_rc_1_reachable() -> None:
    policy = _with_rules(capabilities={"modules": ["财务"]})
    assert "CX-RC-1" not in [
        p.rule_id for p in check_policy(policy) if p.code == "rule.unreachable"
    ]


@pytest.mark.parametrize(
    ("when", "why"),
    [
        ("budget.amount < 0", "budget.amount would have to be ≥ 0 and ≤ -1"),
        ("requirement.module_count > 5 and requirement.module_count < 3", "≥ 6 and ≤ 2"),
        ('budget.mode == "budgeted" and budget.mode == "unknown"', "no value of budget.mode"),
        ("unknown(budget.amount) and budget.amount > 3", "budget.amount must be unknown"),
        (
            "decision.makers_known and not decision.makers_known",
            "no value of decision.makers_known",
        ),
    ],
)
def test_rules_that_can_never_fire_are_named_with_the_reason(when: str, why: str) -> None:
    problems = check_policy(_with_rules(_rule("OPS-1", when)))
    found = [p for p in problems if p.rule_id == "OPS-1" and p.code == "rule.unreachable"]
    assert len(found) == 1
    assert why in found[0].message
    assert found[0].severity == "warning"


@pytest.mark.parametrize(
    "when",
    [
        "budget.amount < 1",
        "requirement.module_count > 5 or requirement.module_count < 3",
        'budget.mode != "budgeted" and budget.mode != "unknown"',
        "unknown(budget.amount) or budget.amount > 3",
    ],
)
def test_rules_that_can_fire_are_not_reported(when: str) -> None:
    problems = check_policy(_with_rules(_rule("OPS-1", when)))
    assert not [p for p in problems if p.rule_id == "OPS-1"]


def test_grade_descriptors_that_can_fire_together_are_noted() -> None:
    problems = check_policy(erpsales.seed_policy())
    overlap = [p for p in problems if p.code == "rule.overlap" and p.rule_id == "GR-A-NEW"]
    assert overlap
    assert overlap[0].severity == "info"
    assert "GR-B-NEW" in overlap[0].message


def test_literal_band_edges_are_noted_as_overlaps() -> None:
    """AMB-02 ``literal_inclusive``: exactly 1亿 holds in two bands."""
    policy = _with_rules(band_boundary="literal_inclusive")
    notes = {
        (p.rule_id, p.message.split(":")[0])
        for p in check_policy(policy)
        if p.code == "rule.overlap"
    }
    assert ("TM-ERP1-REVENUE", "can hold together with TM-ERP2-REVENUE") in notes
    assert ("TM-ERP2-REVENUE", "can hold together with TM-TIPTOP-REVENUE") in notes
    seed_notes = {
        p.rule_id for p in check_policy(erpsales.seed_policy()) if p.code == "rule.overlap"
    }
    assert "TM-ERP1-REVENUE" not in seed_notes  # half-open bands never overlap


def test_profit_floors_that_fall_are_a_warning() -> None:
    """R-TM-09: floors rise with the bands."""
    policy = erpsales.policy_from_dict(
        {
            "extends": "seed",
            "settings": {"products": [{"id": "TIPTOP", "profit_min_rmb": 2_000_000}]},
        }
    )
    problems = [p for p in check_policy(policy) if p.code == "band.profit_floor_order"]
    assert len(problems) == 1
    assert (
        "TIPTOP (2,000,000) is below that of the smaller product ERP2 (5,000,000)"
        in problems[0].message
    )


def test_untranslated_messages_are_a_warning() -> None:
    problems = check_policy(_with_rules(_rule("OPS-1", "budget.amount > 1", zh="text")))
    assert [p.code for p in problems if p.rule_id == "OPS-1"] == ["message.untranslated"]
