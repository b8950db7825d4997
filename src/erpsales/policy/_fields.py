"""The fact vocabulary: every field a policy condition may name.

A prospect is turned into one *prospect fact* and one *person fact* per stakeholder
(``erpsales._facts``). Conditions refer to their fields by dotted name; each name is
declared here with its type, so that a policy is checked field by field when it loads.

Phase-2 fields (``fit.*`` and ``grading.*``) hold the verdict of product fit and grading:
they exist only for the finding rules, which run after that verdict is known.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["FIELDS", "FieldSpec", "Scope", "fields_for"]

Scope = Literal["prospect", "stakeholder"]
FieldType = Literal["int", "bool", "str"]


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One declared fact field.

    Attributes:
        name: Dotted name used in conditions, e.g. ``budget.amount``.
        type: ``int``, ``bool`` or ``str``.
        scope: ``prospect`` (one per prospect) or ``stakeholder`` (one per person).
        doc: What the field means, with the spec id it comes from.
        values: For ``str`` fields with a closed set of values, that set.
        phase: 1 for facts known before evaluation, 2 for the fit/grading verdict.
    """

    name: str
    type: FieldType
    scope: Scope
    doc: str
    values: tuple[str, ...] | None = None
    phase: int = 1

    @property
    def key(self) -> str:
        """The flat key of the field in a fact dict (dots become ``__``)."""
        return self.name.replace(".", "__")


_INDUSTRIES = (
    "electronics", "electric_machinery", "electrical_appliances", "machinery", "hardware",
    "tools", "transportation_equipment", "chemicals", "pharmaceuticals", "food", "beverages",
    "other_manufacturing", "retail", "wholesale", "construction", "logistics", "finance",
    "it_services", "professional_services", "healthcare", "education", "government",
    "other_non_manufacturing",
)  # fmt: skip
_QUADRANTS = ("devil", "angel", "imp", "sweetheart", "unclassified")


def _p(name: str, type_: FieldType, doc: str, values: tuple[str, ...] | None = None) -> FieldSpec:
    return FieldSpec(name, type_, "prospect", doc, values)


def _v(name: str, type_: FieldType, doc: str, values: tuple[str, ...] | None = None) -> FieldSpec:
    return FieldSpec(name, type_, "prospect", doc, values, phase=2)


def _s(name: str, type_: FieldType, doc: str, values: tuple[str, ...] | None = None) -> FieldSpec:
    return FieldSpec(name, type_, "stakeholder", doc, values)


_ALL: tuple[FieldSpec, ...] = (
    # -- the prospect itself (R-TM, R-GR)
    _p("prospect.industry", "str", "The prospect's sector (R-TM-05).", _INDUSTRIES),
    _p(
        "prospect.industry_class",
        "str",
        "core (one of the 11 of R-TM-05), other_manufacturing or non_manufacturing (AMB-05).",
        ("core", "other_manufacturing", "non_manufacturing"),
    ),
    _p("prospect.revenue", "int", "Annual revenue 「年营业额」, RMB (R-TM-01a)."),
    _p("prospect.profit", "int", "Annual profit 「年利润」, RMB; negative for a loss (R-TM-01b)."),
    _p(
        "prospect.computerisation",
        "str",
        "not_computerised, computerised or unknown (R-GR-01).",
        ("not_computerised", "computerised", "unknown"),
    ),
    _p(
        "prospect.selection",
        "str",
        "started, imminent (starts within the imminent window, AMB-28), waiting, no_action, "
        "unknown; read from schedule S6 when not given.",
        ("started", "imminent", "waiting", "no_action", "unknown"),
    ),
    _p("prospect.waiting_on_named_event", "bool", "Selection waits on a named matter (R-GR-03)."),
    _p(
        "prospect.necessity_affirmed", "bool", "The prospect affirms ERP is necessary (R-GR-03/04)."
    ),
    _p(
        "prospect.pain_vendor_unresponsive",
        "bool",
        "Very dissatisfied; vendor cannot improve (§6.2).",
    ),
    _p("prospect.pain_in_house_unmaintainable", "bool", "In-house system, designer left (§6.2)."),
    _p("prospect.pain_inadequate", "bool", "System inadequate for industry and scale (AMB-10)."),
    _p("prospect.disqualified", "bool", "Marked as no need / no chance (AMB-12)."),
    _p("prospect.system_age_years", "int", "Years since the current system went live (AMB-29)."),
    _p(
        "prospect.matrix_product",
        "str",
        "The product the advisory matrix suggests for the stated process complexity (AMB-06).",
    ),
    _p("prospect.group_complexity", "bool", "Highly complex processes: the group tier (AMB-06)."),
    _p(
        "close.months",
        "int",
        "Expected months to close, rounded by grading.month_rounding (AMB-08); from "
        "months_to_close, else expected_close, else S3; unknown when that date has passed.",
    ),
    _p("close.date_passed", "bool", "The expected close date (or S3) is before the as-of date."),
    _p("close.days_overdue", "int", "Days since the expected close date passed."),
    # -- schedule (R-KI-02/03)
    _p("schedule.known_count", "int", "How many of S1–S6 are known."),
    _p("schedule.order_ok", "bool", "The known dates respect S6 ≤ … ≤ S1 (R-KI-03, AMB-17)."),
    _p("schedule.order_violation", "str", "The first pair of dates out of order, as text."),
    _p("schedule.days_to_signing", "int", "Days from the as-of date to S3 contract signing."),
    _p(
        "schedule.days_to_vendor_decision", "int", "Days from the as-of date to S4 vendor decision."
    ),
    _p(
        "schedule.days_to_selection_start",
        "int",
        "Days from the as-of date to S6 (negative: past).",
    ),
    _p("schedule.days_to_go_live", "int", "Days from the as-of date to S1 go-live."),
    _p("schedule.selection_to_signing_months", "int", "Planned months from S6 to S3 (AMB-30)."),
    # -- budget (R-BU, AMB-24)
    _p(
        "budget.mode",
        "str",
        "budgeted, non_budgeted or unknown.",
        ("budgeted", "non_budgeted", "unknown"),
    ),
    _p("budget.amount", "int", "The budgeted amount, else the affordable amount, RMB (AMB-24)."),
    _p("budget.coverage_known", "bool", "Whether the items the budget covers are known."),
    _p("budget.covers_software", "bool", "The budget covers software (unknown if coverage is)."),
    _p("budget.covers_services", "bool", "The budget covers services."),
    _p("budget.covers_hardware", "bool", "The budget covers hardware."),
    _p("budget.covers_database", "bool", "The budget covers the database."),
    _p("budget.covers_network", "bool", "The budget covers the network."),
    # -- requirement (R-RQ)
    _p("requirement.motive_known", "bool", "The motive 「动机」 is known."),
    _p("requirement.problem_count", "int", "Number of problems to solve."),
    _p("requirement.needs_software", "bool", "Modules are required (so software must be bought)."),
    _p("requirement.needs_services", "bool", "Services are required."),
    _p("requirement.module_count", "int", "Number of modules required."),
    _p("requirement.site_count", "int", "Number of sites / regions in the geographic scope."),
    _p("requirement.language_count", "int", "Number of languages required."),
    _p(
        "requirement.unsupported_module_count",
        "int",
        "Required modules not in capabilities.modules.",
    ),
    _p("requirement.unsupported_language_count", "int", "Required languages we do not offer."),
    _p("requirement.unsupported_site_count", "int", "Required regions we do not serve."),
    # -- decision (R-DE)
    _p("decision.initiator_known", "bool", "The initiator 「发起人」 is known."),
    _p("decision.makers_known", "bool", "The decision makers 「决策人员」 are named."),
    _p("decision.process_known", "bool", "The decision process 「决策过程」 is known."),
    _p("decision.criteria_known", "bool", "The selection criteria 「选型标准」 are known."),
    _p("decision.majority_supports", "bool", "ERP is what the majority wants."),
    _p("decision.parent_role_declared", "bool", "The parent company has a role in the decision."),
    _p("decision.group_hq_role_declared", "bool", "The group HQ has a role in the decision."),
    _p("decision.external_role_count", "int", "Number of external bodies with a role."),
    # -- competition (R-CO)
    _p("competition.competitor_count", "int", "Number of known competitors."),
    _p("competition.leader_count", "int", "Number of competitors that are leading."),
    _p("competition.differentiator_count", "int", "Recorded answers to 'why must they choose me'."),
    _p(
        "competition.top_factor_is_leader_advantage",
        "bool",
        "The customer's top evaluation factor is a leading competitor's advantage (R-KE-01).",
    ),
    # -- key evaluation (R-KE)
    _p("evaluation.factor_count", "int", "Number of evaluation factors known."),
    _p("evaluation.top_factor_known", "bool", "The most valued factor is known."),
    # -- the stakeholder map, aggregated (R-SM, R-DE-02)
    _p("stakeholders.count", "int", "Number of stakeholders recorded."),
    _p("stakeholders.approver_count", "int", "Stakeholders holding the approver role."),
    _p("stakeholders.decision_maker_count", "int", "Stakeholders holding the decision-maker role."),
    _p("stakeholders.influencer_count", "int", "Stakeholders holding the influencer role."),
    _p("stakeholders.gatekeeper_count", "int", "Stakeholders holding the gatekeeper role."),
    _p("stakeholders.devil_count", "int", "Stakeholders placed as devil 魔鬼."),
    _p("stakeholders.angel_count", "int", "Stakeholders placed as angel 天使."),
    _p("stakeholders.imp_count", "int", "Stakeholders placed as imp 小鬼."),
    _p("stakeholders.sweetheart_count", "int", "Stakeholders placed as sweetheart 小甜甜."),
    _p("stakeholders.unclassified_count", "int", "Stakeholders with an unknown score."),
    _p("stakeholders.devil_decider_count", "int", "Approvers or decision makers who are devils."),
    # -- phase 2: the verdict of product fit and grading
    _v("fit.status", "str", "fit, no_fit or unknown (AMB-04).", ("fit", "no_fit", "unknown")),
    _v("fit.product", "str", "The fitted product, if any."),
    _v("fit.min_deal", "int", "The fitted product's minimum deal size, RMB (CX-BR-2)."),
    _v("fit.tier_rank", "int", "The fitted product's rank: 1 for the smallest product."),
    _v("fit.candidate_count", "int", "How many products the revenue band admits (AMB-02)."),
    _v("grading.grade", "str", "The final grade.", ("A", "B", "C", "D")),
    _v("grading.descriptor_grade", "str", "The grade the descriptors give.", ("A", "B", "C", "D")),
    _v("grading.window_grade", "str", "The grade the close window gives.", ("A", "B", "C", "D")),
    # -- one person (stakeholder scope)
    _s("person.name", "str", "The person's name."),
    _s("person.influence", "int", "Influence 1–5 (AMB-13)."),
    _s("person.support", "int", "Support for us 1–5 (AMB-13)."),
    _s(
        "person.quadrant",
        "str",
        "devil, angel, imp, sweetheart or unclassified (R-SM-03).",
        _QUADRANTS,
    ),
    _s("person.level", "str", "senior, middle or staff (R-RQ-02).", ("senior", "middle", "staff")),
    _s("person.is_approver", "bool", "Holds the approver role 批准者."),
    _s("person.is_decision_maker", "bool", "Holds the decision-maker role 决策制定者."),
    _s("person.is_influencer", "bool", "Holds the influencer role 影响者."),
    _s("person.is_gatekeeper", "bool", "Holds the gatekeeper role 把关者."),
    _s("person.role_count", "int", "How many of the four roles the person holds."),
)

#: Every declared field by dotted name.
FIELDS: dict[str, FieldSpec] = {f.name: f for f in _ALL}
assert len({f.key for f in _ALL}) == len(_ALL), "flat keys must be unique"


def fields_for(scope: Scope, phase: int) -> dict[str, FieldSpec]:
    """Return the fields a condition of ``scope`` evaluated in ``phase`` may name."""
    return {n: f for n, f in FIELDS.items() if f.scope == scope and f.phase <= phase}
