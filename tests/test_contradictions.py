"""Contradictions between key information (R-CX-01..04, R-KI-03, AMB-17, AMB-18, AMB-24).

Every seed contradiction rule gets a minimal prospect on which it fires and a near contrast
on which it must not. Expected evidence values are worked out by hand from the inputs and
the conditions of ``seed.toml`` (AS_OF = 2026-11-28; ``days(n)`` is n days later).
"""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from typing import Any

import pytest

import erpsales
from erpsales import Assessment, Finding, Policy

from .conftest import AS_OF, Qualify, days, fitted

CX_RULES = (
    "CX-SCHED-ORDER",
    "CX-BR-1",
    "CX-BR-2",
    "CX-BR-3",
    "CX-SD-1",
    "CX-SD-2",
    "CX-SD-3",
    "CX-SD-4",
    "CX-RC-1",
    "CX-RC-2",
    "CX-RC-3",
)


# -- helpers ----------------------------------------------------------------------------


def ids(assessment: Assessment) -> set[str]:
    return {f.rule_id for f in assessment.findings}


def cx_ids(assessment: Assessment) -> set[str]:
    return {f.rule_id for f in assessment.findings if f.rule_id.startswith("CX-")}


def only(assessment: Assessment, rule_id: str) -> Finding:
    found = [f for f in assessment.findings if f.rule_id == rule_id]
    assert len(found) == 1, f"expected one {rule_id}, got {assessment.finding_ids()}"
    return found[0]


def assert_crisis_and_turning_point(finding: Finding, between: set[str], severity: str) -> None:
    """R-CX-02/03: a contradiction names its pair and is both a crisis 危机 and a 转机."""
    assert finding.kind == "contradiction"
    assert {part.value for part in finding.between} == between
    assert finding.severity == severity
    assert finding.subject is None
    for text in (finding.message, finding.risk, finding.opportunity, finding.question):
        assert text is not None
        assert text.en.strip()
        assert text.zh.strip()
        assert text.en != text.zh


def budget(**fields: Any) -> dict[str, Any]:
    return {"budget": fields}


def key_info(**parts: Any) -> dict[str, Any]:
    return {"key_info": parts}


def leader(name: str = "恒信软件", *advantages: str) -> dict[str, Any]:
    return {"name": name, "leading": True, "advantages": list(advantages)}


@cache
def _policy(settings_json: str) -> Policy:
    return erpsales.policy_from_dict({"extends": "seed", "settings": json.loads(settings_json)})


def policy(settings: dict[str, Any]) -> Policy:
    """A policy extending the seed with ``settings`` (cached: one engine per settings)."""
    return _policy(json.dumps(settings, sort_keys=True))


def test_seed_declares_every_contradiction_rule_with_its_pair() -> None:
    """R-CX-02 / AMB-18: the seed ships one rule set per seed pair, plus R-KI-03 order."""
    seed = erpsales.seed_policy()
    pairs = {r.id: {p.value for p in r.between} for r in seed.rules if r.kind == "contradiction"}
    assert set(pairs) == set(CX_RULES)
    assert pairs["CX-SCHED-ORDER"] == {"schedule"}
    for rule_id in ("CX-BR-1", "CX-BR-2", "CX-BR-3"):
        assert {"budget", "requirement"} <= pairs[rule_id]
    for rule_id in ("CX-SD-1", "CX-SD-2", "CX-SD-3", "CX-SD-4"):
        assert pairs[rule_id] == {"schedule", "decision"}
    for rule_id in ("CX-RC-1", "CX-RC-2", "CX-RC-3"):
        assert {"requirement", "competition"} <= pairs[rule_id]


def test_bare_prospect_raises_no_contradiction(qualify: Qualify) -> None:
    """R-CX-04 / _expr semantics: with everything unknown, no contradiction can be claimed."""
    assert cx_ids(qualify(fitted())) == set()
    assert cx_ids(qualify()) == set()


# -- CX-SCHED-ORDER (R-KI-03, AMB-17) -----------------------------------------------------


def test_vendor_decision_after_signing_is_schedule_out_of_order(qualify: Qualify) -> None:
    """R-KI-03 / AMB-17: S4 vendor decision must not come after S3 signing."""
    a = qualify(
        fitted(**key_info(schedule={"vendor_decision": days(50), "contract_signing": days(40)}))
    )
    f = only(a, "CX-SCHED-ORDER")
    assert_crisis_and_turning_point(f, {"schedule"}, "medium")
    assert f.evidence["schedule.order_ok"] is False
    violation = f.evidence["schedule.order_violation"]
    assert isinstance(violation, str)
    assert "S4" in violation
    assert "S3" in violation
    assert "2027-01-17" in violation  # AS_OF + 50 days
    assert "2027-01-07" in violation  # AS_OF + 40 days
    assert violation in f.message.en
    assert violation in f.message.zh
    assert f.message.zh.startswith("时间表前后矛盾")


def test_schedule_order_check_spans_unknown_dates(qualify: Qualify) -> None:
    """R-KI-03: S6 ≤ … ≤ S1 is transitive, so S6 after S1 is a violation even with gaps."""
    a = qualify(fitted(**key_info(schedule={"selection_start": days(100), "go_live": days(50)})))
    f = only(a, "CX-SCHED-ORDER")
    assert f.evidence["schedule.order_ok"] is False
    assert "S6" in str(f.evidence["schedule.order_violation"])
    assert "S1" in str(f.evidence["schedule.order_violation"])


def test_schedule_in_order_with_equal_dates_is_consistent(qualify: Qualify) -> None:
    """AMB-17: the chronology is non-strict; equal dates are in order."""
    schedule = {
        "selection_start": days(-30),
        "selection_end": days(40),
        "vendor_decision": days(40),
        "contract_signing": days(40),
        "implementation_start": days(60),
        "go_live": days(200),
    }
    a = qualify(fitted(**key_info(schedule=schedule)))
    assert "CX-SCHED-ORDER" not in ids(a)


def test_single_known_date_cannot_be_out_of_order(qualify: Qualify) -> None:
    """AMB-17 / unknown is false: one known date gives no order to violate."""
    a = qualify(fitted(**key_info(schedule={"go_live": days(-400)})))
    assert "CX-SCHED-ORDER" not in ids(a)


def test_schedule_order_check_switch_off_removes_the_finding(qualify: Qualify) -> None:
    """AMB-17: schedule_order_check is configurable; off, the order is not checked."""
    prospect = fitted(
        **key_info(schedule={"vendor_decision": days(50), "contract_signing": days(40)})
    )
    assert "CX-SCHED-ORDER" in ids(qualify(prospect))
    off = policy({"switches": {"schedule_order_check": False}})
    assert "CX-SCHED-ORDER" not in ids(qualify(prospect, policy=off))


# -- CX-BR-1: budget coverage vs requirement ----------------------------------------------


def test_budget_without_services_contradicts_required_services(qualify: Qualify) -> None:
    """R-CX-02 / AMB-18 CX-BR-1 / R-BU-02: services are required, the budget covers software."""
    a = qualify(
        fitted(
            **key_info(
                budget={"mode": "budgeted", "covers": ["software"]},
                requirement={"services": ["实施", "培训"], "modules": ["财务"]},
            )
        )
    )
    f = only(a, "CX-BR-1")
    assert_crisis_and_turning_point(f, {"budget", "requirement"}, "high")
    assert f.evidence["budget.mode"] == "budgeted"
    assert f.evidence["requirement.needs_services"] is True
    assert f.evidence["budget.covers_services"] is False
    assert f.evidence["requirement.needs_software"] is True
    assert f.evidence["budget.covers_software"] is True


def test_budget_without_software_contradicts_required_modules(qualify: Qualify) -> None:
    """R-CX-02 / AMB-18 CX-BR-1: modules are required, the budget covers services only."""
    a = qualify(
        fitted(
            **key_info(
                budget={"mode": "预算制", "covers": ["服务"]},
                requirement={"modules": ["finance", "inventory"]},
            )
        )
    )
    f = only(a, "CX-BR-1")
    assert f.evidence["budget.covers_software"] is False
    assert f.evidence["requirement.needs_software"] is True
    assert f.evidence["budget.covers_services"] is True


def test_budget_covering_services_and_software_is_no_contradiction(qualify: Qualify) -> None:
    """AMB-18 CX-BR-1 contrast: the budget also covers services."""
    a = qualify(
        fitted(
            **key_info(
                budget={"mode": "budgeted", "covers": ["software", "services", "hardware"]},
                requirement={"services": ["实施"], "modules": ["财务"]},
            )
        )
    )
    assert "CX-BR-1" not in ids(a)


@pytest.mark.parametrize(
    ("budget_part", "requirement_part"),
    [
        ({"mode": "budgeted"}, {"services": ["实施"]}),  # coverage not asked: unknown
        ({"mode": "budgeted", "covers": ["software"]}, {}),  # services not asked: unknown
        ({"mode": "non_budgeted", "affordable_rmb": "100万"}, {"services": ["实施"]}),
        ({"mode": "budgeted", "covers": ["software"]}, {"services": []}),  # none needed
    ],
    ids=["coverage-unknown", "need-unknown", "non-budgeted", "no-services-needed"],
)
def test_budget_coverage_contradiction_needs_known_gap(
    qualify: Qualify, budget_part: dict[str, Any], requirement_part: dict[str, Any]
) -> None:
    """AMB-18 CX-BR-1 / AMB-24 / unknown is false: only a known gap in a budget contradicts."""
    a = qualify(fitted(**key_info(budget=budget_part, requirement=requirement_part)))
    assert "CX-BR-1" not in ids(a)


# -- CX-BR-2: budget vs minimum deal ------------------------------------------------------


def test_budget_below_minimum_deal_contradicts_requirement(qualify: Qualify) -> None:
    """AMB-18 CX-BR-2: 30万 is below ERP2's 60万 minimum deal; zh renders 万 (AMB-25)."""
    a = qualify(fitted(**key_info(budget={"mode": "budgeted", "amount_rmb": "30万"})))
    assert a.product == "ERP2"
    f = only(a, "CX-BR-2")
    assert_crisis_and_turning_point(f, {"budget", "requirement"}, "high")
    assert f.evidence["budget.amount"] == 300_000
    assert f.evidence["fit.min_deal"] == 600_000
    assert f.evidence["fit.product"] == "ERP2"
    assert f.evidence["requirement.module_count"] is None
    assert "30万元" in f.message.zh
    assert "60万元" in f.message.zh
    assert "ERP2" in f.message.zh
    assert "RMB 300,000" in f.message.en
    assert "RMB 600,000" in f.message.en


def test_required_modules_raise_the_minimum_deal(qualify: Qualify) -> None:
    """AMB-18 CX-BR-2: 4 modules × 5万 on top of ERP2's 60万 make 80万 the minimum."""
    modules = ["财务", "库存", "生产", "采购"]
    below = qualify(
        fitted(**key_info(budget={"mode": "budgeted", "amount_rmb": 799_999},
                          requirement={"modules": modules}))
    )  # fmt: skip
    f = only(below, "CX-BR-2")
    assert f.evidence["requirement.module_count"] == 4
    assert f.evidence["budget.amount"] == 799_999
    at = qualify(
        fitted(**key_info(budget={"mode": "budgeted", "amount_rmb": "80万"},
                          requirement={"modules": modules}))
    )  # fmt: skip
    assert "CX-BR-2" not in ids(at)


def test_non_budgeted_affordable_amount_is_checked_like_a_budget(qualify: Qualify) -> None:
    """AMB-24: contradiction rules use the affordable amount when no budget amount exists."""
    a = qualify(fitted(**key_info(budget={"mode": "non_budgeted", "affordable_rmb": "20万"})))
    f = only(a, "CX-BR-2")
    assert f.evidence["budget.amount"] == 200_000
    assert "20万元" in f.message.zh


def test_budget_at_minimum_deal_is_no_contradiction(qualify: Qualify) -> None:
    """AMB-18 CX-BR-2 contrast: exactly the 60万 minimum is not below it."""
    a = qualify(fitted(**key_info(budget={"mode": "budgeted", "amount_rmb": "60万"})))
    assert "CX-BR-2" not in ids(a)


def test_small_budget_without_fitted_product_is_no_contradiction(qualify: Qualify) -> None:
    """AMB-18 CX-BR-2 / AMB-04: no fitted product means no minimum deal; unknown is false."""
    a = qualify(industry="machinery", **key_info(budget={"mode": "budgeted", "amount_rmb": "1万"}))
    assert a.product is None
    assert "CX-BR-2" not in ids(a)


def test_contradiction_message_renders_yi_in_chinese(qualify: Qualify) -> None:
    """AMB-25 / R-CX-02: amounts in messages show as 亿 in zh, integer RMB in en."""
    big = policy({"products": [{"id": "TIPTOP", "min_deal_rmb": 300_000_000}]})
    a = qualify(
        {"industry": "electronics", "revenue": "10亿", "profit": "2亿",
         **key_info(budget={"mode": "budgeted", "amount_rmb": "1.5亿"})},
        policy=big,
    )  # fmt: skip
    assert a.product == "TIPTOP"
    f = only(a, "CX-BR-2")
    assert f.evidence["budget.amount"] == 150_000_000
    assert f.evidence["fit.min_deal"] == 300_000_000
    assert "1.5亿元" in f.message.zh
    assert "3亿元" in f.message.zh
    assert "RMB 150,000,000" in f.message.en


# -- CX-BR-3: scope vs budget --------------------------------------------------------------


def test_multi_site_scope_contradicts_small_budget(qualify: Qualify) -> None:
    """AMB-18 CX-BR-3: two sites need at least 150万; 100万 is short."""
    a = qualify(
        fitted(**key_info(budget={"mode": "budgeted", "amount_rmb": "100万"},
                          requirement={"sites": ["苏州", "昆山"]}))
    )  # fmt: skip
    f = only(a, "CX-BR-3")
    assert_crisis_and_turning_point(f, {"budget", "requirement", "decision"}, "medium")
    assert f.evidence["requirement.site_count"] == 2
    assert f.evidence["requirement.language_count"] is None
    assert f.evidence["decision.group_hq_role_declared"] is False
    assert f.evidence["budget.amount"] == 1_000_000
    assert "100万元" in f.message.zh
    assert "RMB 1,000,000" in f.message.en
    assert "CX-BR-2" not in ids(a)  # 100万 ≥ ERP2's 60万


def test_multi_language_scope_contradicts_small_budget(qualify: Qualify) -> None:
    """AMB-18 CX-BR-3: two languages are a multi-language scope."""
    a = qualify(
        fitted(**key_info(budget={"mode": "budgeted", "amount_rmb": "120万"},
                          requirement={"languages": ["zh", "en"], "sites": ["苏州"]}))
    )  # fmt: skip
    f = only(a, "CX-BR-3")
    assert f.evidence["requirement.language_count"] == 2
    assert f.evidence["requirement.site_count"] == 1


def test_group_hq_role_contradicts_small_budget(qualify: Qualify) -> None:
    """AMB-18 CX-BR-3: group HQ involvement implies a group-wide scope."""
    a = qualify(
        fitted(**key_info(budget={"mode": "budgeted", "amount_rmb": "100万"},
                          decision={"group_hq_role": "集团信息部审批"}))
    )  # fmt: skip
    f = only(a, "CX-BR-3")
    assert f.evidence["decision.group_hq_role_declared"] is True


@pytest.mark.parametrize(
    ("amount", "requirement_part"),
    [
        ("150万", {"sites": ["苏州", "昆山"]}),  # exactly the minimum
        ("100万", {"sites": ["苏州"], "languages": ["zh"]}),  # single scope
        (None, {"sites": ["苏州", "昆山"]}),  # amount unknown
        ("100万", {}),  # scope unknown
    ],
    ids=["at-minimum", "single-site", "amount-unknown", "scope-unknown"],
)
def test_scope_budget_contrast_is_no_contradiction(
    qualify: Qualify, amount: str | None, requirement_part: dict[str, Any]
) -> None:
    """AMB-18 CX-BR-3 contrasts, including unknown values (unknown is false)."""
    a = qualify(
        fitted(**key_info(budget={"mode": "budgeted", "amount_rmb": amount},
                          requirement=requirement_part))
    )  # fmt: skip
    assert "CX-BR-3" not in ids(a)


# -- CX-SD-1: imminent date with unknown deciders -----------------------------------------


def test_imminent_signing_with_unknown_deciders_contradicts(qualify: Qualify) -> None:
    """R-CX-02 / AMB-18 CX-SD-1: signing in 20 days, nobody knows who decides or how."""
    a = qualify(fitted(**key_info(schedule={"contract_signing": days(20)})))
    f = only(a, "CX-SD-1")
    assert_crisis_and_turning_point(f, {"schedule", "decision"}, "high")
    assert f.evidence["schedule.days_to_signing"] == 20
    assert f.evidence["schedule.days_to_vendor_decision"] is None
    assert f.evidence["decision.makers_known"] is False
    assert f.evidence["decision.process_known"] is False
    assert f.evidence["stakeholders.approver_count"] == 0
    assert "30 days" in f.message.en
    assert "30天" in f.message.zh


def test_imminent_vendor_decision_alone_triggers_contradiction(qualify: Qualify) -> None:
    """AMB-18 CX-SD-1: the vendor decision (S4) within 30 days is enough."""
    a = qualify(fitted(**key_info(schedule={"vendor_decision": days(10)})))
    f = only(a, "CX-SD-1")
    assert f.evidence["schedule.days_to_vendor_decision"] == 10
    assert f.evidence["schedule.days_to_signing"] is None


def test_imminent_signing_without_approver_contradicts(qualify: Qualify) -> None:
    """AMB-18 CX-SD-1: makers and process known, but no approver 批准者 identified."""
    a = qualify(
        fitted(
            key_info={
                "schedule": {"contract_signing": days(15)},
                "decision": {"decision_makers": ["李总"], "process": "总经理办公会决定"},
            },
            stakeholders=[
                {"name": "李总", "roles": ["decision_maker"], "influence": 5, "support": 5}
            ],
        )
    )
    f = only(a, "CX-SD-1")
    assert f.evidence["decision.makers_known"] is True
    assert f.evidence["decision.process_known"] is True
    assert f.evidence["stakeholders.approver_count"] == 0


def test_imminent_signing_with_known_deciders_is_no_contradiction(qualify: Qualify) -> None:
    """AMB-18 CX-SD-1 contrast: makers, process and approver are all known."""
    a = qualify(
        fitted(
            key_info={
                "schedule": {"contract_signing": days(15)},
                "decision": {"decision_makers": ["王总"], "process": "董事会审批"},
            },
            stakeholders=[{"name": "王总", "roles": ["approver"], "influence": 5, "support": 4}],
        )
    )
    assert "CX-SD-1" not in ids(a)


def test_signing_in_45_days_is_not_imminent(qualify: Qualify) -> None:
    """AMB-18 CX-SD-1 contrast: 45 days is beyond the default 30-day window."""
    a = qualify(fitted(**key_info(schedule={"contract_signing": days(45)})))
    assert "CX-SD-1" not in ids(a)


def test_unknown_signing_date_is_not_imminent(qualify: Qualify) -> None:
    """AMB-18 CX-SD-1 / unknown is false: no dates, no imminent-date contradiction."""
    a = qualify(fitted(**key_info(decision={"decision_makers": None})))
    assert "CX-SD-1" not in ids(a)


@pytest.mark.parametrize(("offset", "fires"), [(29, True), (30, True), (31, False)])
def test_imminent_boundary_is_inclusive(qualify: Qualify, offset: int, fires: bool) -> None:
    """AMB-18 CX-SD-1: signing exactly imminent_days (30) away fires; one day later not."""
    a = qualify(fitted(**key_info(schedule={"contract_signing": days(offset)})))
    assert ("CX-SD-1" in ids(a)) is fires


@pytest.mark.parametrize(("offset", "fires"), [(45, True), (60, True), (61, False)])
def test_imminent_days_setting_moves_the_boundary(
    qualify: Qualify, offset: int, fires: bool
) -> None:
    """AMB-18 CX-SD-1: settings.params.imminent_days is a user setting (here 60)."""
    sixty = policy({"params": {"imminent_days": 60}})
    a = qualify(fitted(**key_info(schedule={"contract_signing": days(offset)})), policy=sixty)
    assert ("CX-SD-1" in ids(a)) is fires
    if fires:
        f = only(a, "CX-SD-1")
        assert f.evidence["schedule.days_to_signing"] == offset
        assert "60 days" in f.message.en
        assert "60天" in f.message.zh


def test_as_of_date_drives_days_to_signing(qualify: Qualify) -> None:
    """R-KI-02 / AMB-18: days to signing count from the as-of date."""
    prospect = fitted(**key_info(schedule={"contract_signing": days(45)}))
    later = AS_OF + dt.timedelta(days=20)
    f = only(qualify(prospect, as_of=later), "CX-SD-1")
    assert f.evidence["schedule.days_to_signing"] == 25


# -- CX-SD-2: group approval lead time ----------------------------------------------------


def test_parent_company_approval_contradicts_short_schedule(qualify: Qualify) -> None:
    """AMB-18 CX-SD-2: a parent company decides, signing is 45 days away (< 60)."""
    a = qualify(
        fitted(**key_info(schedule={"contract_signing": days(45)},
                          decision={"parent_company_role": "母公司董事会最终审批"}))
    )  # fmt: skip
    f = only(a, "CX-SD-2")
    assert_crisis_and_turning_point(f, {"schedule", "decision"}, "medium")
    assert f.evidence["schedule.days_to_signing"] == 45
    assert f.evidence["decision.parent_role_declared"] is True
    assert f.evidence["decision.group_hq_role_declared"] is False
    assert "45 days" in f.message.en
    assert "45天" in f.message.zh
    assert "60天" in f.message.zh


def test_group_hq_approval_contradicts_short_schedule(qualify: Qualify) -> None:
    """AMB-18 CX-SD-2: the group HQ role counts like the parent's."""
    a = qualify(
        fitted(**key_info(schedule={"contract_signing": days(59)},
                          decision={"group_hq_role": "集团总部备案"}))
    )  # fmt: skip
    f = only(a, "CX-SD-2")
    assert f.evidence["decision.group_hq_role_declared"] is True
    assert f.evidence["schedule.days_to_signing"] == 59


@pytest.mark.parametrize(
    ("schedule", "decision"),
    [
        ({"contract_signing": days(60)}, {"parent_company_role": "审批"}),  # lead time met
        ({"contract_signing": days(45)}, {}),  # no parent / group role
        ({}, {"parent_company_role": "审批"}),  # signing unknown
    ],
    ids=["lead-time-met", "no-group-role", "signing-unknown"],
)
def test_group_approval_contrast_is_no_contradiction(
    qualify: Qualify, schedule: dict[str, Any], decision: dict[str, Any]
) -> None:
    """AMB-18 CX-SD-2 contrasts: 60 days suffice; no role; unknown date is false."""
    a = qualify(fitted(**key_info(schedule=schedule, decision=decision)))
    assert "CX-SD-2" not in ids(a)


# -- CX-SD-3: devil decider with imminent signing -------------------------------------------


def test_devil_approver_with_imminent_signing_contradicts(qualify: Qualify) -> None:
    """AMB-18 CX-SD-3 / R-SM-03: the approver is a devil and signing is 10 days away."""
    a = qualify(
        fitted(
            key_info={"schedule": {"contract_signing": days(10)}},
            stakeholders=[{"name": "王建国", "roles": ["approver"], "influence": 5, "support": 1}],
        )
    )
    f = only(a, "CX-SD-3")
    assert_crisis_and_turning_point(f, {"schedule", "decision"}, "high")
    assert f.evidence["stakeholders.devil_decider_count"] == 1
    assert f.evidence["schedule.days_to_signing"] == 10


def test_neutral_decision_maker_counts_as_devil_for_imminent_signing(qualify: Qualify) -> None:
    """AMB-13 / CX-SD-3: influence 4 and neutral support 3 is a devil by default."""
    a = qualify(
        fitted(
            key_info={"schedule": {"contract_signing": days(30)}},
            stakeholders=[
                {"name": "李副总", "roles": ["decision_maker"], "influence": 4, "support": 3},
                {"name": "赵总", "roles": ["approver"], "influence": 5, "support": 5},
            ],
        )
    )
    assert only(a, "CX-SD-3").evidence["stakeholders.devil_decider_count"] == 1


@pytest.mark.parametrize(
    ("person", "signing"),
    [
        ({"roles": ["approver"], "influence": 5, "support": 1}, 40),  # not imminent
        ({"roles": ["approver"], "influence": 5, "support": 4}, 10),  # an angel
        ({"roles": ["gatekeeper", "influencer"], "influence": 5, "support": 1}, 10),  # no decider
        ({"roles": ["approver"], "influence": None, "support": 1}, 10),  # unscored
    ],
    ids=["not-imminent", "angel-approver", "devil-non-decider", "unscored-approver"],
)
def test_devil_decider_contrast_is_no_contradiction(
    qualify: Qualify, person: dict[str, Any], signing: int
) -> None:
    """AMB-18 CX-SD-3 contrasts: needs a devil approver/decision maker and ≤ 30 days."""
    a = qualify(
        fitted(key_info={"schedule": {"contract_signing": days(signing)}},
               stakeholders=[{"name": "王建国", **person}])
    )  # fmt: skip
    assert "CX-SD-3" not in ids(a)


# -- CX-SD-4: grade A with selection not started ------------------------------------------


def grade_a(**extra: Any) -> dict[str, Any]:
    """A prospect graded A: not computerised, selection started, close within 1 month."""
    return fitted(
        computerisation="not_computerised", selection="started", months_to_close=1, **extra
    )


def test_grade_a_with_unknown_selection_start_contradicts(qualify: Qualify) -> None:
    """AMB-18 CX-SD-4 / R-GR-02: graded A, but S6 (start of selection) is unknown."""
    a = qualify(grade_a())
    assert a.grade == "A"
    f = only(a, "CX-SD-4")
    assert_crisis_and_turning_point(f, {"schedule", "decision"}, "medium")
    assert f.evidence["grading.grade"] == "A"
    assert f.evidence["schedule.days_to_selection_start"] is None


def test_grade_a_with_future_selection_start_contradicts(qualify: Qualify) -> None:
    """AMB-18 CX-SD-4: graded A, but selection starts in 10 days."""
    a = qualify(
        fitted(computerisation="not_computerised", selection="imminent", months_to_close=1,
               key_info={"schedule": {"selection_start": days(10)}})
    )  # fmt: skip
    assert a.grade == "A"
    assert only(a, "CX-SD-4").evidence["schedule.days_to_selection_start"] == 10


@pytest.mark.parametrize("offset", [-10, 0])
def test_grade_a_with_selection_started_is_consistent(qualify: Qualify, offset: int) -> None:
    """AMB-18 CX-SD-4 contrast: selection started in the past or today."""
    a = qualify(grade_a(key_info={"schedule": {"selection_start": days(offset)}}))
    assert a.grade == "A"
    assert "CX-SD-4" not in ids(a)


def test_grade_b_with_unknown_selection_start_is_no_contradiction(qualify: Qualify) -> None:
    """AMB-18 CX-SD-4 contrast: only an A grade implies an imminent close."""
    a = qualify(fitted(computerisation="not_computerised", selection="started", months_to_close=3))
    assert a.grade == "B"
    assert "CX-SD-4" not in ids(a)


# -- CX-RC-1: capability gap while a competitor leads ------------------------------------


CAPS = {"capabilities": {"modules": ["finance", "inventory", "production"]}}


def test_unsupported_module_with_leading_competitor_contradicts(qualify: Qualify) -> None:
    """AMB-18 CX-RC-1: PLM is not in our modules and 恒信软件 is leading."""
    a = qualify(
        fitted(**key_info(requirement={"modules": ["finance", "PLM"]},
                          competition={"competitors": [leader("恒信软件")]})),
        policy=policy(CAPS),
    )  # fmt: skip
    f = only(a, "CX-RC-1")
    assert_crisis_and_turning_point(f, {"requirement", "competition"}, "high")
    assert f.evidence["competition.leader_count"] == 1
    assert f.evidence["requirement.unsupported_module_count"] == 1
    assert f.evidence["requirement.unsupported_language_count"] is None
    assert f.evidence["requirement.unsupported_site_count"] is None


def test_unsupported_language_with_leading_competitor_contradicts(qualify: Qualify) -> None:
    """AMB-18 CX-RC-1: a required language we do not offer counts too."""
    caps = policy({"capabilities": {"languages": ["zh", "en"]}})
    a = qualify(
        fitted(**key_info(requirement={"languages": ["zh", "ja", "vi"]},
                          competition={"competitors": [leader("环球ERP"), {"name": "远航软件"}]})),
        policy=caps,
    )  # fmt: skip
    f = only(a, "CX-RC-1")
    assert f.evidence["requirement.unsupported_language_count"] == 2
    assert f.evidence["competition.leader_count"] == 1


@pytest.mark.parametrize(
    ("modules", "competitors"),
    [
        (["finance", "PLM"], [{"name": "恒信软件", "leading": False}]),  # nobody leads
        (["finance", "inventory"], [leader("恒信软件")]),  # all modules covered
        (["finance", "PLM"], None),  # competition unknown
        (None, [leader("恒信软件")]),  # modules not asked
    ],
    ids=["no-leader", "covered", "competition-unknown", "modules-unknown"],
)
def test_capability_gap_contrast_is_no_contradiction(
    qualify: Qualify, modules: list[str] | None, competitors: list[dict[str, Any]] | None
) -> None:
    """AMB-18 CX-RC-1 contrasts, including unknown values (unknown is false)."""
    a = qualify(
        fitted(**key_info(requirement={"modules": modules},
                          competition={"competitors": competitors})),
        policy=policy(CAPS),
    )  # fmt: skip
    assert "CX-RC-1" not in ids(a)


def test_without_declared_capabilities_no_module_is_unsupported(qualify: Qualify) -> None:
    """AMB-18 CX-RC-1: the seed declares no capabilities, so nothing is a gap."""
    a = qualify(
        fitted(**key_info(requirement={"modules": ["PLM"]},
                          competition={"competitors": [leader("恒信软件")]}))
    )  # fmt: skip
    assert "CX-RC-1" not in ids(a)


# -- CX-RC-2: top factor is the leader's advantage ----------------------------------------


def test_top_factor_matching_leader_advantage_contradicts(qualify: Qualify) -> None:
    """AMB-18 CX-RC-2 / R-KE-01: the customer values 本地服务 most, the leader's strength."""
    a = qualify(
        fitted(
            **key_info(
                competition={
                    "competitors": [leader("恒信软件", "本地服务", "价格"), {"name": "远航软件"}]
                },
                key_evaluation={"factors": ["价格", "本地服务"], "top_factor": "本地服务"},
            )
        )
    )
    f = only(a, "CX-RC-2")
    assert_crisis_and_turning_point(f, {"requirement", "competition", "key_evaluation"}, "high")
    assert f.evidence["competition.top_factor_is_leader_advantage"] is True


@pytest.mark.parametrize(
    ("competitors", "top"),
    [
        ([{"name": "远航软件", "leading": False, "advantages": ["本地服务"]}], "本地服务"),
        ([leader("恒信软件", "价格")], "本地服务"),
        ([leader("恒信软件", "本地服务")], None),
        (None, "本地服务"),
    ],
    ids=["advantage-of-laggard", "other-advantage", "top-unknown", "competition-unknown"],
)
def test_top_factor_contrast_is_no_contradiction(
    qualify: Qualify, competitors: list[dict[str, Any]] | None, top: str | None
) -> None:
    """AMB-18 CX-RC-2 contrasts: only a *leading* competitor's advantage, when known."""
    a = qualify(
        fitted(**key_info(competition={"competitors": competitors},
                          key_evaluation={"factors": ["价格", "本地服务"], "top_factor": top}))
    )  # fmt: skip
    assert "CX-RC-2" not in ids(a)


# -- CX-RC-3: no differentiator while a competitor leads ----------------------------------


def test_leading_competitor_without_differentiator_contradicts(qualify: Qualify) -> None:
    """AMB-18 CX-RC-3 / R-CO-02: a competitor leads and 'why us?' has no answer."""
    a = qualify(
        fitted(**key_info(competition={"competitors": [leader("鼎捷"), {"name": "远航软件"}]}))
    )
    f = only(a, "CX-RC-3")
    assert_crisis_and_turning_point(f, {"requirement", "competition"}, "medium")
    assert f.evidence["competition.leader_count"] == 1
    assert f.evidence["competition.differentiator_count"] == 0


@pytest.mark.parametrize(
    "competition",
    [
        {"competitors": [leader("鼎捷")], "differentiators": ["机械行业模板与本地实施团队"]},
        {"competitors": [{"name": "鼎捷", "leading": False}]},
        {"competitors": None},
    ],
    ids=["differentiator-recorded", "nobody-leads", "competition-unknown"],
)
def test_differentiator_contrast_is_no_contradiction(
    qualify: Qualify, competition: dict[str, Any]
) -> None:
    """AMB-18 CX-RC-3 contrasts: a recorded answer, no leader, or unknown competition."""
    a = qualify(fitted(**key_info(competition=competition)))
    assert "CX-RC-3" not in ids(a)


# -- across rules ------------------------------------------------------------------------


def test_removing_a_contradiction_rule_keeps_the_others(qualify: Qualify) -> None:
    """AMB-18: contradiction_rules are add / remove / replace; removing one drops only it."""
    trimmed = erpsales.policy_from_dict({"extends": "seed", "remove_rules": ["CX-RC-3"]})
    prospect = fitted(
        **key_info(
            competition={"competitors": [leader("恒信软件", "本地服务")]},
            key_evaluation={"factors": ["本地服务"], "top_factor": "本地服务"},
        )
    )
    assert {"CX-RC-2", "CX-RC-3"} <= ids(qualify(prospect))
    after = ids(qualify(prospect, policy=trimmed))
    assert "CX-RC-3" not in after
    assert "CX-RC-2" in after
