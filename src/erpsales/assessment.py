"""The result of qualifying a prospect: a frozen, JSON-serialisable :class:`Assessment`."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from erpsales.i18n import Locale, format_amount, format_value, text
from erpsales.models._enums import DecisionRole, Grade, HierarchyLevel, KeyInfoPart, Quadrant
from erpsales.policy._model import FindingKind, Phase, Severity, Text

if TYPE_CHECKING:
    from erpsales.display import StakeholderMap

__all__ = [
    "Assessment",
    "Finding",
    "FiredRule",
    "FitStatus",
    "GradeDetail",
    "ItemError",
    "Placement",
    "ProductFit",
    "Status",
    "Verdict",
]

Scalar = int | bool | str | None
FitStatus = Literal["fit", "no_fit", "unknown"]
Status = Literal["active", "out_of_market", "disqualified"]


class _Result(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


_M = TypeVar("_M", bound=BaseModel)


def build(cls: type[_M], values: dict[str, Any]) -> _M:
    """Make a model from already-valid ``values`` naming *every* field, without validation.

    The hot path builds results from values it computed itself; pydantic's
    ``model_construct`` would cost more than the rules. The tests check that every result
    built this way survives ``model_validate(model_dump())`` unchanged.
    """
    obj = cls.__new__(cls)
    _set(obj, "__dict__", values)
    _set(obj, "__pydantic_fields_set__", set(values))
    _set(obj, "__pydantic_extra__", None)
    _set(obj, "__pydantic_private__", None)
    return obj


_set = object.__setattr__


class FiredRule(_Result):
    """One rule that fired, and the fact values it read ("which rules fired, on which facts")."""

    rule_id: str
    stage: Literal["prospect", "stakeholder", "verdict"]
    subject: str | None = Field(None, description="The stakeholder, for per-person rules.")
    facts: dict[str, Scalar] = Field(description="The values of the fields the rule read.")


class Finding(_Result):
    """A contradiction, red flag, warning or info that a rule (or the resolver) raised.

    Attributes:
        rule_id: The rule that raised it, e.g. ``CX-BR-1``.
        kind: ``contradiction``, ``red_flag``, ``warning`` or ``info``.
        between: The key-information parts involved (R-CX-02), e.g. budget and requirement.
        risk: The crisis 危机 if mishandled; opportunity: the turning point 转机 (R-CX-03).
    """

    rule_id: str
    kind: FindingKind
    severity: Severity
    between: tuple[KeyInfoPart, ...] = ()
    subject: str | None = None
    message: Text
    risk: Text | None = None
    opportunity: Text | None = None
    question: Text | None = None
    evidence: dict[str, Scalar] = Field(default_factory=dict)


class ProductFit(_Result):
    """Which product fits (R-TM), with near-miss diagnostics (AMB-03, AMB-04)."""

    status: FitStatus
    product: str | None
    candidates: tuple[str, ...] = Field(description="Products that revenue and profit admit.")
    revenue_suggests: tuple[str, ...] = Field(description="Products whose band holds the revenue.")
    profit_suggests: str | None = Field(description="The largest product whose floor profit meets.")
    industry_class: str | None
    reasons: tuple[Text, ...]


class GradeDetail(_Result):
    """How the grade was reached (R-GR, AMB-08, AMB-09, AMB-27)."""

    descriptor_grade: Grade
    window_grade: Grade
    months_to_close: int | None
    basis: Literal["conservative", "descriptor", "window", "window_capped"]
    descriptor_rules: tuple[str, ...]
    definition: Text


class Placement(_Result):
    """Where one stakeholder stands on the map (R-SM), in attention order."""

    name: str
    title: str | None = None
    quadrant: Quadrant
    roles: tuple[DecisionRole, ...] = ()
    influence: int | None = None
    support: int | None = None
    level: HierarchyLevel | None = None
    attention: int = Field(description="1 = spend time here first (AMB-14 profile).")
    seed_number: int | None = Field(description="The deck's quadrant number 1–4 (AMB-14 R1).")
    advice: Text | None = None
    level_hint: Text | None = Field(None, description="The level's need and fear (R-RQ-02).")


class Verdict(_Result):
    """The verdict on one prospect without its explanation: what batch grading needs.

    :meth:`Engine.verdict` computes it several times faster than a full :class:`Assessment`
    (no texts, no trace); ``engine.verdict(p) == engine.qualify(p).to_verdict()``.

    Attributes:
        finding_ids: The rule ids of the findings, in the Assessment's order.
        quadrants: How many stakeholders are in each quadrant (and unclassified).
    """

    prospect_id: str
    prospect_name: str
    owner: str | None = None
    territory: str | None = None
    product: str | None
    fit_status: FitStatus
    grade: Grade
    descriptor_grade: Grade
    window_grade: Grade
    months_to_close: int | None
    status: Status
    phase: Phase
    in_pipeline: bool
    finding_ids: tuple[str, ...]
    quadrants: dict[Quadrant, int]


class Assessment(_Result):
    """The verdict on one prospect, with the reasons for it.

    Attributes:
        product: The fitted product (e.g. ``"ERP2"``), or ``None``.
        grade: A, B, C or D; every prospect gets exactly one.
        status: ``active``, ``out_of_market`` or ``disqualified`` (AMB-12).
        phase: The sales-model phase of the grade; in_pipeline: whether it is on the PIPELINE.
        findings: Contradictions, red flags, warnings and infos.
        stakeholders: Placements in attention order.
        trace: Every rule that fired, with the fact values it read.
    """

    prospect_id: str
    prospect_name: str
    owner: str | None = None
    territory: str | None = None
    as_of: dt.date
    policy_id: str
    policy_version: str
    policy_hash: str
    backend: str
    product: str | None
    fit: ProductFit
    grade: Grade
    grading: GradeDetail
    status: Status
    phase: Phase = Field(description="「客户关系维护」 or 「销售流程」 by grade (AMB-21).")
    in_pipeline: bool = Field(
        description="Active and of a PIPELINE grade 「预计成交名单」 (AMB-21)."
    )
    findings: tuple[Finding, ...]
    stakeholders: tuple[Placement, ...]
    trace: tuple[FiredRule, ...]

    def finding_ids(self) -> tuple[str, ...]:
        """The rule ids of the findings, in order."""
        return tuple(f.rule_id for f in self.findings)

    def to_verdict(self) -> Verdict:
        """The :class:`Verdict` part of this assessment."""
        counts = dict.fromkeys(Quadrant, 0)
        for placement in self.stakeholders:
            counts[placement.quadrant] += 1
        return Verdict(
            prospect_id=self.prospect_id,
            prospect_name=self.prospect_name,
            owner=self.owner,
            territory=self.territory,
            product=self.product,
            fit_status=self.fit.status,
            grade=self.grade,
            descriptor_grade=self.grading.descriptor_grade,
            window_grade=self.grading.window_grade,
            months_to_close=self.grading.months_to_close,
            status=self.status,
            phase=self.phase,
            in_pipeline=self.in_pipeline,
            finding_ids=self.finding_ids(),
            quadrants=counts,
        )

    def explain(self, locale: Locale = "en") -> str:
        """Return a readable explanation of the verdict in ``"en"`` or ``"zh"``.

        Example:
            >>> import erpsales
            >>> a = erpsales.qualify({"name": "甲", "revenue": "2亿"}, as_of="2026-01-01")
            >>> a.explain("zh").splitlines()[0]
            '潜在客户：甲'
        """
        sep = "：" if locale == "zh" else ": "
        fit = self.fit
        product = self.product or text("label.no_product", locale)
        lines = [
            f"{text('label.prospect', locale)}{sep}{self.prospect_name}",
            f"{text('label.policy', locale)}{sep}{self.policy_id} {self.policy_version} "
            f"({self.policy_hash[:12]}, {self.backend})",
            f"{text('label.product', locale)}{sep}{product} [{fit.status}]",
            *(f"  - {r.get(locale)}" for r in fit.reasons),
            f"{text('label.grade', locale)}{sep}{self.grade.value} — "
            f"{text(f'grade_text.{self.grade.value}', locale)}",
            f"  - {text('label.descriptor', locale)} {self.grading.descriptor_grade.value}, "
            f"{text('label.window', locale)} {self.grading.window_grade.value}, "
            f"{text('label.months', locale)} "
            f"{format_value('close.months', self.grading.months_to_close, locale)}",
            f"  - {self.grading.definition.get(locale)}",
            f"{text('label.status', locale)}{sep}{text(f'status.{self.status}', locale)}",
            f"{text('label.findings', locale)}{sep}".rstrip(),
        ]
        if not self.findings:
            lines.append(f"  {text('label.no_findings', locale)}")
        for f in self.findings:
            parts = "/".join(text(f"part.{p.value}", locale) for p in f.between)
            head = f"  [{f.rule_id}] {text(f'kind.{f.kind}', locale)} ({f.severity})"
            lines.append(f"{head} {parts}{sep if parts else ' '}{f.message.get(locale)}")
            for label, value in (
                ("risk", f.risk),
                ("opportunity", f.opportunity),
                ("question", f.question),
            ):
                if value is not None:
                    lines.append(f"      {text(f'label.{label}', locale)}{sep}{value.get(locale)}")
        lines.append(f"{text('label.stakeholders', locale)}{sep}".rstrip())
        if not self.stakeholders:
            lines.append(f"  {text('label.no_stakeholders', locale)}")
        for p in self.stakeholders:
            roles = ", ".join(text(f"role.{r.value}", locale) for r in p.roles)
            lines.append(
                f"  {p.attention}. {p.name} — {text(f'quadrant.{p.quadrant.value}', locale)}"
                f" ({text('label.influence', locale)} {format_value('', p.influence, locale)}, "
                f"{text('label.support', locale)} {format_value('', p.support, locale)})"
                + (f" [{roles}]" if roles else "")
            )
            if p.advice is not None:
                lines.append(f"      {p.advice.get(locale)}")
        lines.append(f"{text('label.trace', locale)}{sep}".rstrip())
        for r in self.trace:
            facts = ", ".join(f"{k}={_show(k, v, locale)}" for k, v in r.facts.items())
            who = f" @{r.subject}" if r.subject else ""
            lines.append(f"  {r.rule_id}{who}: {facts}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.explain("en")

    # -- display hooks (the views live in erpsales.display) ----------------------------

    def to_html(self, locale: Locale = "en") -> str:
        """Return the assessment as an HTML card in ``"en"`` or ``"zh"`` (user text escaped).

        A notebook shows the English card by itself (``_repr_html_``); for Chinese, display
        ``erpsales.display.card(assessment, locale="zh")``.
        """
        from erpsales.display import card_html

        return card_html(self, locale)

    def stakeholder_map(self, locale: Locale = "en") -> StakeholderMap:
        """Return the influence × support map: a 2×2 grid of names that displays itself."""
        from erpsales.display import stakeholder_map

        return stakeholder_map(self, locale=locale)

    def _repr_html_(self) -> str:
        return self.to_html("en")

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        from erpsales.display import card_text

        printer.text(card_text(self, "en"))

    def __repr__(self) -> str:
        from erpsales.display import short_repr

        return short_repr(self)


def _show(name: str, value: Scalar, locale: Locale) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and name in (
        "prospect.revenue", "prospect.profit", "budget.amount", "fit.min_deal"
    ):  # fmt: skip
        return format_amount(value, locale)
    return format_value(name, value, locale)


class ItemError(_Result):
    """A batch item that could not be qualified; the batch goes on without losing it.

    Attributes:
        index: 0-based position of the item in the input.
        row: 1-based row / line number in the source file, when there is one.
        id: The item's id or name, if it could be read.
        code: A stable error code (``input.invalid`` …).
        message: One line saying what is wrong.
        errors: Each problem: ``{"field": "…", "message": "…"}``.
    """

    index: int
    row: int | None = None
    id: str | None = None
    code: str
    message: str
    errors: tuple[dict[str, str], ...] = ()
