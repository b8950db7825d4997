"""The policy model: the one intermediate representation both backends compile from.

A policy is data — settings and rules — validated by pydantic. It is read from TOML,
JSON or YAML (``erpsales.policy.load_policy``) and can extend the bundled seed policy,
overriding only what it names.
"""

from __future__ import annotations

import hashlib
import json
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from erpsales.models._enums import (
    DecisionRole,
    Grade,
    Industry,
    KeyInfoPart,
    ProcessComplexity,
    Quadrant,
)
from erpsales.models._money import RMB, SignedRMB

__all__ = [
    "CapabilitySettings",
    "FindingKind",
    "GradingSettings",
    "IndustrySettings",
    "LeadMethod",
    "PipelineSettings",
    "Policy",
    "PolicySettings",
    "ProductBand",
    "RuleSpec",
    "Severity",
    "StakeholderMapSettings",
    "TerritorySettings",
    "Text",
]

FindingKind = Literal["contradiction", "red_flag", "warning", "info"]
RuleKind = Literal["contradiction", "red_flag", "warning", "info", "grade"]
Severity = Literal["high", "medium", "low", "info"]
RuleId = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$", max_length=64)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    """A message in English and Chinese; ``{field.name}`` placeholders show fact values."""

    en: str = Field(min_length=1)
    zh: str = Field(min_length=1)

    def get(self, locale: str) -> str:
        """Return the text for ``locale`` (``"en"`` or ``"zh"``)."""
        return self.zh if locale == "zh" else self.en


class ProductBand(_Strict):
    """One product line's target market (R-TM-01..04): a revenue band and a profit floor.

    ``revenue_max_rmb`` is ``None`` for an open top band (TIPTOP, R-TM-04).
    """

    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$", description="Product id, e.g. ERP2.")
    label: Text | None = None
    revenue_min_rmb: RMB | None = Field(None, description="Lowest revenue; None = no floor.")
    revenue_max_rmb: RMB | None = Field(None, description="Highest revenue; None = no cap.")
    profit_min_rmb: SignedRMB | None = Field(None, description="Profit floor 「年利润…以上」.")
    min_deal_rmb: RMB = Field(0, description="Minimum deal size for budget checks (CX-BR-2).")

    @model_validator(mode="after")
    def _ordered(self) -> ProductBand:
        lo, hi = self.revenue_min_rmb, self.revenue_max_rmb
        if lo is not None and hi is not None and lo >= hi:
            raise ValueError(
                f"product {self.id}: revenue_min_rmb {lo} must be below revenue_max_rmb {hi}"
            )
        return self


class IndustrySettings(_Strict):
    """Which sectors are in the target market (R-TM-05, AMB-05)."""

    core: tuple[Industry, ...] = Field(
        tuple(Industry)[:11], description="The core industries (the 11 of R-TM-05)."
    )
    require_manufacturing: bool = Field(True, description="Non-manufacturers are out of market.")
    allow_other_manufacturing: bool = Field(
        True, description="Other manufacturing is in market, flagged non_core_industry."
    )


def _windows() -> dict[Literal["A", "B", "C"], int]:
    return {"A": 1, "B": 3, "C": 6}


class GradingSettings(_Strict):
    """Grading (R-GR, AMB-08..12, 27, 28)."""

    windows: dict[Literal["A", "B", "C"], int] = Field(
        default_factory=lambda: _windows(),
        description="Upper bound, in months, of each grade's close window (AMB-08).",
    )
    month_rounding: Literal["ceil", "floor", "round"] = Field("ceil", description="AMB-08.")
    basis: Literal["conservative", "descriptor", "window"] = Field(
        "conservative", description="How descriptor and window grades combine (AMB-09)."
    )
    unknown_status_cap: Grade = Field(
        Grade.B, description="Best grade with unknown status (AMB-27)."
    )
    imminent_selection_months: int = Field(1, ge=0, le=24, description="'Soon' horizon (AMB-28).")
    orphan_assignment: Literal["B", "C", "D"] = Field(
        "B", description="Which grade the orphan 'already computerised' text completes (AMB-11)."
    )

    @field_validator("windows")
    @classmethod
    def _increasing(cls, windows: dict[str, int]) -> dict[str, int]:
        missing = {"A", "B", "C"} - set(windows)
        if missing:
            raise ValueError(f"windows needs A, B and C; missing {sorted(missing)}")
        a, b, c = windows["A"], windows["B"], windows["C"]
        if not 0 <= a < b < c:
            raise ValueError(
                f"windows must satisfy 0 <= A < B < C (months); got A={a}, B={b}, C={c}"
            )
        return windows


class StakeholderMapSettings(_Strict):
    """The influence × support map (R-SM, AMB-13..16)."""

    high_threshold: int = Field(
        4, ge=1, le=5, description="A score ≥ this counts as high (AMB-13)."
    )
    neutral_support_as: Literal["low", "high"] = Field(
        "low", description="How a neutral support score (3) counts (AMB-13)."
    )
    priority_profile: Literal["seed_r1", "influence_first", "common_convention"] = Field(
        "seed_r1", description="Attention order of the quadrants (AMB-14)."
    )
    assume_influence_for_roles: tuple[DecisionRole, ...] = Field(
        (), description="Roles assumed high-influence when influence is unknown (AMB-16)."
    )
    strategies: dict[Quadrant, Text] = Field(
        default_factory=dict, description="Advice per quadrant, marked [OUTSIDE] (AMB-15)."
    )

    @property
    def support_threshold(self) -> int:
        """The support score from which support counts as high."""
        if self.neutral_support_as == "high":
            return min(self.high_threshold, 3)
        return max(self.high_threshold, 4)


class CapabilitySettings(_Strict):
    """What our products offer, for requirement-vs-competition checks (CX-RC-1)."""

    modules: tuple[str, ...] | None = Field(None, description="Modules offered; None = any.")
    languages: tuple[str, ...] | None = Field(None, description="Languages offered; None = any.")
    regions: tuple[str, ...] | None = Field(None, description="Regions served; None = any.")


Phase = Literal["relationship_maintenance", "sales_process"]
Fish = Literal["catching", "raising", "angling"]


def _phases() -> dict[Grade, Phase]:
    return {
        Grade.D: "relationship_maintenance",
        Grade.C: "relationship_maintenance",
        Grade.B: "sales_process",
        Grade.A: "sales_process",
    }


def _fish() -> dict[Fish, str]:
    return {
        "catching": "search_and_filter",
        "raising": "relationship_maintenance",
        "angling": "sales_process",
    }


class PipelineSettings(_Strict):
    """The sales model's flow: phases, the PIPELINE and the fish metaphors (R-PF, AMB-21, 22)."""

    phase_map: dict[Grade, Phase] = Field(
        default_factory=lambda: _phases(),
        description="「客户关系维护」 / 「销售流程」 phase of each grade (AMB-21).",
    )
    pipeline_grades: tuple[Grade, ...] = Field(
        (Grade.A, Grade.B),
        description="Grades on the PIPELINE 「预计成交名单」 (AMB-21; add C to include C).",
    )
    fish_map: dict[Fish, str] = Field(
        default_factory=lambda: _fish(),
        description="捕鱼 / 养鱼 / 钓鱼 → activity, mapping M1 (AMB-22); labels only.",
    )

    @model_validator(mode="after")
    def _every_grade_has_a_phase(self) -> PipelineSettings:
        missing = set(Grade) - set(self.phase_map)
        if missing:
            raise ValueError(f"phase_map needs every grade; missing {sorted(missing)}")
        return self


class LeadMethod(_Strict):
    """A customer-search method 「客户搜寻的作法」 (R-LS-02); ratings are the caller's (AMB-23)."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: Text
    effectiveness: int | None = Field(None, ge=1, le=5, description="「有效度」 1–5, if rated.")
    coverage: int | None = Field(None, ge=1, le=5, description="「覆盖度」 1–5, if rated.")


def _lead_methods() -> tuple[LeadMethod, ...]:
    names = [
        ("advertising", "Advertising", "打广告"),
        ("channels", "Distribution / co-selling channels", "经(协)销渠道"),
        ("government_business_introductions", "Government–business introductions", "政商关系引介"),
        ("trade_shows_seminars", "Trade shows and seminars", "参加展会或研讨会"),
        ("own_events", "Our own events", "自行举办活动"),
        ("canvassing", "Door-to-door canvassing", "扫街"),
        ("phoning_from_list", "Phoning from a list", "打电话 (名单)"),
    ]
    return tuple(LeadMethod(id=i, label=Text(en=en, zh=zh)) for i, en, zh in names)


class TerritorySettings(_Strict):
    """Territories and list management (R-TE, AMB-20)."""

    on_lost: Literal["exchange_pool", "keep_owner", "drop"] = Field(
        "exchange_pool", description="Where a lost prospect goes (AMB-20)."
    )


class PolicySettings(_Strict):
    """Every setting of a policy; each AMB default of the spec is one of these."""

    products: tuple[ProductBand, ...] = Field(min_length=1)
    band_boundary: Literal["lower_inclusive", "upper_inclusive", "literal_inclusive"] = Field(
        "lower_inclusive", description="How a revenue exactly on a band edge is read (AMB-02)."
    )
    profit_rule: Literal["strict", "revenue_primary"] = Field("strict", description="AMB-03.")
    missing_financials: Literal["unknown", "fail"] = Field("unknown", description="AMB-04.")
    industries: IndustrySettings = Field(default_factory=IndustrySettings)
    tier_product_map: dict[ProcessComplexity, str] = Field(
        default_factory=dict, description="Advisory matrix: complexity tier → product (AMB-06)."
    )
    grading: GradingSettings = Field(default_factory=GradingSettings)
    stakeholder_map: StakeholderMapSettings = Field(default_factory=StakeholderMapSettings)
    capabilities: CapabilitySettings = Field(default_factory=CapabilitySettings)
    pipeline: PipelineSettings = Field(default_factory=PipelineSettings)
    territories: TerritorySettings = Field(default_factory=TerritorySettings)
    lead_methods: tuple[LeadMethod, ...] = Field(
        default_factory=_lead_methods,
        description="The seven search methods of R-LS-02 with stable ids; no built-in ratings.",
    )
    extensions: dict[
        Literal["relationship_activities", "sales_stages", "quiz"], list[dict[str, Any]]
    ] = Field(
        default_factory=dict,
        description="Hooks for the deck's empty sections 4–6, empty by default (AMB-26).",
    )
    switches: dict[str, bool] = Field(
        default_factory=dict,
        description="Named on/off settings that enable rules (see rule.switch).",
    )
    params: dict[str, int | bool | str | list[str]] = Field(
        default_factory=dict, description="Named values that conditions use as params.<name>."
    )

    @model_validator(mode="after")
    def _products_consistent(self) -> PolicySettings:
        ids = [p.id for p in self.products]
        if len(ids) != len(set(ids)):
            raise ValueError(f"product ids must be unique; got {ids}")
        for tier, product in self.tier_product_map.items():
            if product not in ids:
                raise ValueError(
                    f"tier_product_map[{tier.value}] names unknown product {product!r}"
                )
        return self


class RuleSpec(_Strict):
    """One declarative rule: when its condition holds it fires, with its messages.

    ``kind = "grade"`` rules are grade descriptors (R-GR-02..05); the others produce a
    finding. ``scope = "stakeholder"`` rules are evaluated once per person.
    """

    id: RuleId
    kind: RuleKind
    when: str = Field(min_length=1, description="The condition, in the condition language.")
    scope: Literal["prospect", "stakeholder"] = "prospect"
    grade: Grade | None = Field(None, description="For grade rules: the grade it describes.")
    tag: Literal["orphan", "synthesised"] | None = Field(
        None, description="Grade rules whose grade follows grading.orphan_assignment (AMB-10/11)."
    )
    between: tuple[KeyInfoPart, ...] = Field((), description="The key-information parts involved.")
    severity: Severity = "medium"
    switch: str | None = Field(None, description="Active only while settings.switches[switch].")
    message: Text
    risk: Text | None = Field(None, description="The crisis 「危机」 if mishandled (R-CX-03).")
    opportunity: Text | None = Field(None, description="The turning point 「转机」 (R-CX-03).")
    question: Text | None = Field(None, description="A discovery question to ask next.")
    evidence: tuple[str, ...] = Field((), description="Extra fields to show as evidence.")
    implements: tuple[str, ...] = Field((), description="Spec ids this rule implements.")

    @model_validator(mode="after")
    def _grade_fields(self) -> RuleSpec:
        if self.kind == "grade":
            if self.grade is None and self.tag is None:
                raise ValueError(
                    f"rule {self.id}: a grade rule needs grade = 'A' | 'B' | 'C' | 'D'"
                )
            if self.scope != "prospect":
                raise ValueError(f"rule {self.id}: a grade rule has scope 'prospect'")
        elif self.grade is not None or self.tag is not None:
            raise ValueError(f"rule {self.id}: only grade rules take 'grade' or 'tag'")
        return self


class Policy(_Strict):
    """A complete, validated policy: the intermediate representation of erpsales.

    Build one with :func:`erpsales.load_policy` or :func:`erpsales.seed_policy`; it is
    immutable, and compiles itself once per backend on first use.

    Attributes:
        id: A short identifier, e.g. ``"seed"``.
        version: The policy's own version string.
        title: A bilingual title.
        settings: The settings (bands, thresholds, windows, switches, params).
        rules: The rules, in declaration order (which is the order findings are listed in).
        messages: Overrides of the built-in texts (``erpsales.i18n``), by message key.
        source: The file the policy was loaded from, if any (not part of the content hash).
    """

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=64)
    version: str = "1"
    title: Text
    settings: PolicySettings
    rules: tuple[RuleSpec, ...] = ()
    messages: dict[str, Text] = Field(default_factory=dict)
    source: str | None = Field(None, exclude=True)
    _lines: dict[str, int] = PrivateAttr(default_factory=dict)
    _compiled: dict[str, Any] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _unique_rules(self) -> Policy:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise ValueError(f"rule id {rule.id} is used twice")
            seen.add(rule.id)
            if rule.switch is not None and rule.switch not in self.settings.switches:
                raise ValueError(
                    f"rule {rule.id}: switch {rule.switch!r} is not in settings.switches "
                    f"({sorted(self.settings.switches)})"
                )
        return self

    @cached_property
    def content_hash(self) -> str:
        """SHA-256 of the policy's canonical JSON: equal content, equal hash."""
        payload = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode()).hexdigest()

    def rule(self, rule_id: str, /) -> RuleSpec:
        """Return the rule with ``rule_id``.

        Raises:
            KeyError: No rule has that id.
        """
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def line_of(
        self, item_id: str, /, key: str | None = None, *, section: str = "rules"
    ) -> int | None:
        """The line in :attr:`source` of a rule (or product) or of one of its keys.

        Args:
            item_id: The rule id (or the product id with ``section="products"``).
            key: A key of that entry, e.g. ``"when"``; falls back to the entry's line.
            section: ``"rules"`` or ``"products"``.

        Returns:
            The 1-based line, or ``None`` when the policy was not read from a file or the
            entry is inherited from the policy it extends.
        """
        lines = self._lines
        for where in (f"{section}:{item_id}", f"any:{item_id}"):
            if key is not None and f"{where}.{key}" in lines:
                return lines[f"{where}.{key}"]
            if where in lines:
                return lines[where]
        return None
