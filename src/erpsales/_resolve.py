"""From firings to verdicts: the one place that turns fired rules into an Assessment.

Both backends hand over the same :class:`Firings`; everything here is shared, so the
meaning of a firing cannot differ between backends.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from erpsales._facts import Facts
from erpsales.assessment import (
    Assessment,
    Finding,
    FiredRule,
    FitStatus,
    GradeDetail,
    Placement,
    ProductFit,
    Status,
    Verdict,
    build,
)
from erpsales.engine._base import Firings
from erpsales.i18n import _PLACEHOLDER, Locale, format_value, formatter, render, text
from erpsales.models._enums import DecisionRole, Grade, HierarchyLevel, Quadrant
from erpsales.models._prospect import Prospect
from erpsales.policy._compile import CompiledRule, Program
from erpsales.policy._model import Text

__all__ = ["FitResult", "GradeResult", "Resolver"]

_PRIORITY = {
    "seed_r1": ("devil", "imp", "angel", "sweetheart"),
    "influence_first": ("devil", "angel", "imp", "sweetheart"),
    "common_convention": ("devil", "angel", "sweetheart", "imp"),
}
_EMPTY: Mapping[str, Any] = {}
_QUADRANT_COUNTS = tuple((q, f"stakeholders__{q.value}_count") for q in Quadrant)
_ROLE_ORDER = tuple(DecisionRole)
_QUADRANTS = {q.value: q for q in Quadrant}
_SEED_NUMBER = {"devil": 1, "imp": 2, "angel": 3, "sweetheart": 4}
_FINANCIALS = ("revenue", "profit")
_CACHE_SIZE = 65_536


def _sign(value: int | None) -> int | None:
    """``None`` for an unknown amount, ``-1`` for a negative one, else ``1``."""
    return None if value is None else -1 if value < 0 else 1


class _Template:
    """A message template compiled once: literal parts and the fact keys of its placeholders.

    ``params.*`` placeholders are constants, so they are formatted into the literal parts
    at compile time.
    """

    __slots__ = ("_parts", "_slots", "locale")

    def __init__(self, template: str, params: Mapping[str, Any], locale: Locale) -> None:
        parts = _PLACEHOLDER.split(template)
        self.locale = locale
        self._parts = parts
        # (position, fact key, read from the verdict fields?, formatter)
        self._slots: list[tuple[int, str, bool, Callable[[Any], str]]] = []
        for i in range(1, len(parts), 2):
            name = parts[i]
            if name.startswith("params."):
                parts[i] = format_value(name, params.get(name[7:]), locale)
            else:
                key = name.replace(".", "__")
                late = key.startswith(("fit__", "grading__"))
                self._slots.append((i, key, late, formatter(name, locale)))

    @property
    def fixed(self) -> bool:
        """Whether the template has no fact placeholders."""
        return not self._slots

    def __call__(self, fact: Mapping[str, Any], late: Mapping[str, Any] = _EMPTY) -> str:
        out = list(self._parts)
        for i, key, from_late, fmt in self._slots:
            out[i] = fmt((late if from_late else fact).get(key))
        return "".join(out)


_Renderer = Callable[..., Text]


def _renderer(message: Text | None, params: Mapping[str, Any]) -> _Renderer | None:
    """Compile a bilingual message; a message without fact placeholders is built once."""
    if message is None:
        return None
    en, zh = _Template(message.en, params, "en"), _Template(message.zh, params, "zh")
    if en.fixed and zh.fixed:
        fixed = build(Text, {"en": en({}), "zh": zh({})})
        return lambda *_facts: fixed
    return lambda fact, late=_EMPTY: build(Text, {"en": en(fact, late), "zh": zh(fact, late)})


#: A resolver finding as data: rule id, severity, message values (or the message), evidence,
#: and whether it carries the catalog's question.
_Note = tuple[str, str, "dict[str, Any] | Text", dict[str, Any], bool]


@dataclass(frozen=True, slots=True)
class FitResult:
    """The product-fit verdict before it becomes a :class:`ProductFit`."""

    status: FitStatus
    product: str | None
    candidates: tuple[str, ...]
    revenue_suggests: tuple[str, ...]
    profit_suggests: str | None
    reasons: tuple[tuple[str, Mapping[str, Any]], ...]
    profit_short: bool = False

    @property
    def reasons_read_financials(self) -> bool:
        """Whether a reason's values hold the revenue or the profit."""
        return any(k in values for _, values in self.reasons for k in _FINANCIALS)


@dataclass(frozen=True, slots=True)
class GradeResult:
    """The grading verdict."""

    grade: Grade
    descriptor: Grade
    window: Grade
    basis: str
    descriptor_rules: tuple[str, ...]


class Resolver:
    """Turns firings into verdicts for one program (immutable, thread-safe)."""

    def __init__(self, program: Program) -> None:
        self.program = program
        policy = program.policy
        settings = policy.settings
        self.settings = settings
        self.params = settings.params
        self.overrides = policy.messages
        self.rules = program.rules
        self.products = {p.id: p for p in settings.products}
        order = sorted(settings.products, key=lambda p: p.revenue_min_rmb or 0)
        self.rank = {p.id: i + 1 for i, p in enumerate(order)}
        self.revenue_rule = {
            r.index: r.product for r in program.rules if r.role == "revenue" and r.product
        }
        self.profit_rule = {
            r.index: r.product for r in program.rules if r.role == "profit" and r.product
        }
        self.market_rule = next(r.index for r in program.rules if r.role == "market")
        self.window_rule = {
            r.index: r.grade for r in program.rules if r.role == "window" and r.grade
        }
        self.grade_rule = {r.index: r for r in program.rules if r.role == "grade"}
        # per rule: (name, key, read from the verdict fields?) of each field it reads
        self._reads = {
            r.index: tuple((n, k, k.startswith(("fit__", "grading__"))) for n, k in r.keys)
            for r in program.rules
        }
        self.rule_index = {r.id: r.index for r in program.rules}
        smap = settings.stakeholder_map
        self.priority = {q: i + 1 for i, q in enumerate(_PRIORITY[smap.priority_profile])}
        self.strategies = {q.value: t for q, t in smap.strategies.items()}
        self.disqualify = settings.switches.get("disqualified_status", True)
        self.phase_map = settings.pipeline.phase_map
        self.pipeline_grades = frozenset(settings.pipeline.pipeline_grades)
        self._texts: dict[str, Text] = {}
        # the decisions, remembered per combination of what they depend on
        self._fit_memo = lru_cache(maxsize=_CACHE_SIZE)(self._decide_fit)
        self._grade_memo = lru_cache(maxsize=_CACHE_SIZE)(self._decide_grade)
        self._catalogs: dict[str, _Renderer] = {}
        # per quadrant: (attention priority, the enum member, seed number, advice)
        self._quadrant_info = {
            q.value: (
                self.priority.get(q.value, 5),
                q,
                _SEED_NUMBER.get(q.value),
                self.strategies.get(q.value),
            )
            for q in Quadrant
        }
        self._level_hints = {level: self._fixed(f"level.{level.value}") for level in HierarchyLevel}
        self._renderers: dict[int, tuple[_Renderer | None, ...]] = {
            r.index: tuple(
                _renderer(getattr(r.spec, part), self.params)
                for part in ("message", "risk", "opportunity", "question")
            )
            for r in program.rules
            if r.role == "finding"
        }

    # -- phase 1 → verdict -------------------------------------------------------------

    def fit(self, fired: list[int], fact: Mapping[str, Any]) -> FitResult:
        """Decide product fit from the phase-1 firings (R-TM, AMB-01..05), with its reasons."""
        revenue, profit = fact["prospect__revenue"], fact["prospect__profit"]
        decided = self.fit_decision(
            tuple(fired), revenue is not None, _sign(profit), fact["prospect__industry_class"]
        )
        if not decided.reasons_read_financials:
            return decided
        figures = {"revenue": revenue, "profit": profit}
        reasons = tuple(
            (key, {**values, **{k: figures[k] for k in _FINANCIALS if k in values}})
            for key, values in decided.reasons
        )
        return dataclasses.replace(decided, reasons=reasons)

    def fit_decision(
        self,
        fired: tuple[int, ...],
        revenue_known: bool,
        profit_sign: int | None,
        industry_class: str | None,
    ) -> FitResult:
        """Product fit from what it depends on, and nothing else.

        That is: the firings, whether revenue is known, the profit's sign (``None`` when
        unknown, ``-1`` for a loss, else ``1``) and the industry class. The revenue
        and profit in the reasons' values are ``None`` here (:meth:`fit` fills them in).
        Computed once per combination and remembered.
        """
        return self._fit_memo(fired, revenue_known, profit_sign, industry_class)

    def _decide_fit(
        self,
        fired: tuple[int, ...],
        revenue_known: bool,
        profit_sign: int | None,
        industry_class: str | None,
    ) -> FitResult:
        s = self.settings
        by_revenue = tuple(self.revenue_rule[i] for i in fired if i in self.revenue_rule)
        profit_ok = [self.profit_rule[i] for i in fired if i in self.profit_rule]
        profit_suggests = (
            max(profit_ok, key=self.rank.__getitem__)
            if profit_ok and profit_sign is not None and profit_sign >= 0
            else None
        )
        strict = s.profit_rule == "strict"
        candidates = tuple(p for p in by_revenue if not strict or p in profit_ok)
        missing: list[tuple[str, dict[str, Any]]] = []
        if not revenue_known:
            missing.append(("reason.revenue_unknown", {}))
        if profit_sign is None and strict:
            missing.append(("reason.profit_unknown", {}))
        elif profit_sign is not None and profit_sign < 0 and strict:
            missing.append(("reason.profit_negative", {}))
        if industry_class is None and (s.industries.require_manufacturing or strict):
            missing.append(("reason.industry_unknown", {}))
        reasons: list[tuple[str, dict[str, Any]]] = []
        status: FitStatus
        profit_short = False
        if industry_class is not None and self.market_rule not in fired:
            # a known sector outside the market decides, whatever else is missing (R-TM-05)
            status = "no_fit"
            reasons.append(
                ("reason.non_manufacturing", {})
                if industry_class == "non_manufacturing"
                else ("reason.other_manufacturing_excluded", {})
            )
        elif missing:
            status = "unknown" if s.missing_financials == "unknown" else "no_fit"
            reasons += missing
        elif not by_revenue:
            status = "no_fit"
            reasons.append(("reason.below_bands", {}))
        elif candidates:
            status = "fit"
            best = self.products[candidates[0]]
            values = {
                "revenue": None,
                "profit": None,
                "product": best.id,
                "floor": best.profit_min_rmb,
            }
            if strict or best.id in profit_ok:
                reasons.append(("reason.fits", values))
            else:
                profit_short = True
                key = (
                    "reason.revenue_primary"
                    if profit_sign is not None
                    else "reason.revenue_primary_unknown"
                )
                reasons.append((key, values))
        else:
            status = "no_fit"
            first = self.products[by_revenue[0]]
            reasons.append(
                (
                    "reason.profit_below",
                    {"profit": None, "product": first.id, "floor": first.profit_min_rmb},
                )
            )
        if status != "fit":
            if by_revenue:
                reasons.append(("reason.revenue_suggests", {"product": "/".join(by_revenue)}))
            if profit_suggests:
                reasons.append(("reason.profit_suggests", {"product": profit_suggests}))
        product = candidates[0] if status == "fit" else None
        return FitResult(
            status,
            product,
            candidates if status == "fit" else (),
            by_revenue,
            profit_suggests,
            # remembered and shared between calls: the values are read-only views
            tuple((key, MappingProxyType(values)) for key, values in reasons),
            profit_short,
        )

    def grade(self, fired: list[int], fact: Mapping[str, Any]) -> GradeResult:
        """Decide the grade from the phase-1 firings (R-GR, AMB-08, 09, 12, 27)."""
        return self.grade_decision(tuple(fired), fact["prospect__computerisation"] == "unknown")

    def grade_decision(self, fired: tuple[int, ...], status_unknown: bool) -> GradeResult:
        """The grade from what it depends on: the firings and whether the status is unknown."""
        return self._grade_memo(fired, status_unknown)

    def _decide_grade(self, fired: tuple[int, ...], status_unknown: bool) -> GradeResult:
        g = self.settings.grading
        window = next((self.window_rule[i] for i in fired if i in self.window_rule), Grade.D)
        described = [self.grade_rule[i] for i in fired if i in self.grade_rule]
        descriptor = max(
            (r.grade for r in described if r.grade), key=lambda x: x.rank, default=Grade.D
        )
        if status_unknown:
            cap = g.unknown_status_cap
            grade = min(window, cap, key=lambda x: x.rank)
            basis = "window_capped"
        elif g.basis == "descriptor":
            grade, basis = descriptor, "descriptor"
        elif g.basis == "window":
            grade, basis = window, "window"
        else:
            grade, basis = min(descriptor, window, key=lambda x: x.rank), "conservative"
        return GradeResult(grade, descriptor, window, basis, tuple(r.id for r in described))

    def verdict(
        self, fired: list[int], people: list[tuple[int, int]], fact: Mapping[str, Any], /
    ) -> tuple[dict[str, Any], tuple[FitResult, GradeResult]]:
        """Between the phases: decide fit and grade; return the phase-2 fields and both."""
        fit = self.fit(fired, fact)
        grade = self.grade(fired, fact)
        return self.verdict_fields(fit, grade), (fit, grade)

    def verdict_fields(self, fit: FitResult, grade: GradeResult) -> dict[str, Any]:
        """The phase-2 fields (``fit.*``, ``grading.*``) for the finding rules."""
        product = self.products[fit.product] if fit.product else None
        return {
            "fit__status": fit.status,
            "fit__product": fit.product,
            "fit__min_deal": product.min_deal_rmb if product else None,
            "fit__tier_rank": self.rank[fit.product] if fit.product else None,
            "fit__candidate_count": len(fit.revenue_suggests),
            "grading__grade": grade.grade.value,
            "grading__descriptor_grade": grade.descriptor.value,
            "grading__window_grade": grade.window.value,
        }

    # -- everything → Assessment -------------------------------------------------------

    def assessment(
        self,
        prospect: Prospect,
        facts: Facts,
        firings: Firings,
        *,
        as_of: dt.date,
        backend: str,
    ) -> Assessment:
        """Assemble the frozen :class:`Assessment`."""
        policy = self.program.policy
        rules = self.rules
        pfact = facts.prospect
        vfields = firings.verdict_fields
        fit, grade = firings.decision
        findings: list[Finding] = self._resolver_findings(fit, grade, pfact)
        trace: list[FiredRule] = [
            build(
                FiredRule,
                {
                    "rule_id": (rule := rules[i]).id,
                    "stage": "prospect",
                    "subject": None,
                    "facts": {name: pfact[key] for name, key in rule.keys},
                },
            )
            for i in firings.prospect
        ]
        people = facts.people
        # findings and their trace entries in program order; per-person ones by person
        fired = sorted([(i, -1) for i in firings.verdict] + firings.people)
        for index, person in fired:
            rule = rules[index]
            if person < 0:
                fact, subject, stage = pfact, None, "verdict"
                values = {
                    name: (vfields if late else pfact)[key]
                    for name, key, late in self._reads[index]
                }
            else:
                fact = people[person]
                subject, stage = fact["person__name"], "stakeholder"
                values = {name: fact[key] for name, key in rule.keys}
            trace.append(
                build(
                    FiredRule,
                    {"rule_id": rule.id, "stage": stage, "subject": subject, "facts": values},
                )
            )
            findings.append(self._finding(rule, fact, vfields, subject, dict(values)))
        status, in_pipeline = self.standing(fit, grade, prospect.disqualified)
        return build(
            Assessment,
            {
                "prospect_id": prospect.key,
                "prospect_name": prospect.name,
                "owner": prospect.owner,
                "territory": prospect.territory,
                "as_of": as_of,
                "policy_id": policy.id,
                "policy_version": policy.version,
                "policy_hash": policy.content_hash,
                "backend": backend,
                "product": fit.product,
                "fit": build(
                    ProductFit,
                    {
                        "status": fit.status,
                        "product": fit.product,
                        "candidates": fit.candidates,
                        "revenue_suggests": fit.revenue_suggests,
                        "profit_suggests": fit.profit_suggests,
                        "industry_class": facts.prospect["prospect__industry_class"],
                        "reasons": tuple(self._catalog(k)(v) for k, v in fit.reasons),
                    },
                ),
                "grade": grade.grade,
                "grading": build(
                    GradeDetail,
                    {
                        "descriptor_grade": grade.descriptor,
                        "window_grade": grade.window,
                        "months_to_close": facts.prospect["close__months"],
                        "basis": grade.basis,
                        "descriptor_rules": grade.descriptor_rules,
                        "definition": self._definition(
                            grade, facts.prospect["prospect__computerisation"]
                        ),
                    },
                ),
                "status": status,
                "phase": self.phase_map[grade.grade],
                "in_pipeline": in_pipeline,
                "findings": tuple(findings),
                "stakeholders": self._placements(prospect, people),
                "trace": tuple(trace),
            },
        )

    def summary(self, prospect: Prospect, facts: Facts, firings: Firings) -> Verdict:
        """Assemble the :class:`Verdict`: the Assessment's decisions without texts or trace."""
        fit, grade = firings.decision
        pfact = facts.prospect
        rules = self.rules
        ids = list(self.note_ids(fit, grade))
        fired = sorted([(i, -1) for i in firings.verdict] + firings.people)
        ids += [rules[i].id for i, _ in fired]
        status, in_pipeline = self.standing(fit, grade, prospect.disqualified)
        return build(
            Verdict,
            {
                "prospect_id": prospect.key,
                "prospect_name": prospect.name,
                "owner": prospect.owner,
                "territory": prospect.territory,
                "product": fit.product,
                "fit_status": fit.status,
                "grade": grade.grade,
                "descriptor_grade": grade.descriptor,
                "window_grade": grade.window,
                "months_to_close": pfact["close__months"],
                "status": status,
                "phase": self.phase_map[grade.grade],
                "in_pipeline": in_pipeline,
                "finding_ids": tuple(ids),
                "quadrants": {q: pfact[key] for q, key in _QUADRANT_COUNTS},
            },
        )

    def standing(
        self, fit: FitResult, grade: GradeResult, disqualified: bool
    ) -> tuple[Status, bool]:
        """The status (AMB-12) and whether the prospect is on the PIPELINE (AMB-21)."""
        if self.disqualify and disqualified:
            status: Status = "disqualified"
        else:
            status = "out_of_market" if fit.status == "no_fit" else "active"
        return status, status == "active" and grade.grade in self.pipeline_grades

    def _definition(self, result: GradeResult, status: str) -> Text:
        grade = result.grade
        for rule_id in result.descriptor_rules:
            rule = self.program.rules[self.rule_index[rule_id]]
            if rule.grade is grade and rule.message is not None:
                return rule.message
        key = f"grade_text.{grade.value}"
        descriptor_d = result.descriptor is Grade.D  # else D came from the close window
        if grade is Grade.D and descriptor_d and status in ("not_computerised", "computerised"):
            key = f"grade_text.D_{status}"
        return self._fixed(key)

    def _catalog(self, key: str) -> _Renderer:
        """The compiled renderer of catalog text ``key`` (policy overrides applied)."""
        renderer = self._catalogs.get(key)
        if renderer is None:
            message = Text(en=text(key, "en", self.overrides), zh=text(key, "zh", self.overrides))
            renderer = self._catalogs[key] = _renderer(message, {})  # type: ignore[assignment]
        return renderer  # type: ignore[return-value]

    def _fixed(self, key: str) -> Text:
        """A catalog text without placeholders, built once per resolver."""
        cached = self._texts.get(key)
        if cached is None:
            cached = self._texts[key] = self._catalog(key)({})
        return cached

    def _finding(
        self,
        rule: CompiledRule,
        fact: Mapping[str, Any],
        vfields: Mapping[str, Any],
        subject: str | None,
        evidence: dict[str, Any],
    ) -> Finding:
        spec = rule.spec
        assert spec is not None
        assert spec.kind != "grade"
        message, risk, opportunity, question = self._renderers[rule.index]
        return build(
            Finding,
            {
                "rule_id": rule.id,
                "kind": spec.kind,
                "severity": spec.severity,
                "between": spec.between,
                "subject": subject,
                "message": message(fact, vfields) if message else None,
                "risk": risk(fact, vfields) if risk else None,
                "opportunity": opportunity(fact, vfields) if opportunity else None,
                "question": question(fact, vfields) if question else None,
                "evidence": evidence,
            },
        )

    @staticmethod
    def note_ids(fit: FitResult, grade: GradeResult) -> tuple[str, ...]:
        """The ids of the resolver's own findings: they depend on the two decisions only."""
        ids: list[str] = []
        if fit.status == "unknown":
            ids.append("TM-FINANCIALS-UNKNOWN")
        if fit.profit_short:
            ids.append("TM-PROFIT-BELOW-FLOOR")
        if fit.status == "fit" and len(fit.candidates) > 1:
            ids.append("TM-BAND-AMBIGUOUS")
        if grade.basis == "window_capped":
            ids.append("GR-UNKNOWN-STATUS")
        elif grade.descriptor is not grade.window:
            ids.append("GR-WINDOW-MISMATCH")
        return tuple(ids)

    def _notes(self, fit: FitResult, grade: GradeResult, fact: Mapping[str, Any]) -> list[_Note]:
        """The resolver's own findings, as data: (id, severity, message values, evidence, ask?)."""
        return [self._note(rule_id, fit, grade, fact) for rule_id in self.note_ids(fit, grade)]

    def _note(
        self, rule_id: str, fit: FitResult, grade: GradeResult, fact: Mapping[str, Any]
    ) -> _Note:
        if rule_id == "TM-FINANCIALS-UNKNOWN":
            o = self.overrides
            reasons = [k for k, _ in fit.reasons if k.endswith(("unknown", "negative"))]
            template = "finding.TM-FINANCIALS-UNKNOWN"
            message = build(
                Text,
                {
                    loc: render(
                        text(template, loc, o),
                        {"reason": "; ".join(text(k, loc, o) for k in reasons)},
                        loc,
                    )
                    for loc in ("en", "zh")
                },
            )
            evidence = {
                "prospect.revenue": fact["prospect__revenue"],
                "prospect.profit": fact["prospect__profit"],
                "prospect.industry": fact["prospect__industry"],
            }
            return (rule_id, "medium", message, evidence, True)
        if rule_id == "TM-PROFIT-BELOW-FLOOR":
            values = dict(fit.reasons[0][1])
            evidence = {"prospect.profit": fact["prospect__profit"], "fit.product": fit.product}
            return (rule_id, "low", values, evidence, True)
        if rule_id == "TM-BAND-AMBIGUOUS":
            values = {"products": "/".join(fit.candidates), "product": fit.product}
            evidence = {"prospect.revenue": fact["prospect__revenue"]}
            return (rule_id, "low", values, evidence, False)
        if rule_id == "GR-UNKNOWN-STATUS":
            values = {"cap": self.settings.grading.unknown_status_cap.value}
            evidence = {"prospect.computerisation": "unknown"}
            return (rule_id, "medium", values, evidence, True)
        values = {
            "descriptor_grade": grade.descriptor.value,
            "window_grade": grade.window.value,
            "basis": grade.basis,
            "grade": grade.grade.value,
        }
        evidence = {
            "grading.descriptor_grade": grade.descriptor.value,
            "grading.window_grade": grade.window.value,
            "close.months": fact["close__months"],
        }
        return ("GR-WINDOW-MISMATCH", "low", values, evidence, False)

    def _resolver_findings(
        self, fit: FitResult, grade: GradeResult, fact: Mapping[str, Any]
    ) -> list[Finding]:
        return [
            build(
                Finding,
                {
                    "rule_id": rule_id,
                    "kind": "warning",
                    "severity": severity,
                    "between": (),
                    "subject": None,
                    "message": values
                    if isinstance(values, Text)
                    else self._catalog(f"finding.{rule_id}")(values),
                    "risk": None,
                    "opportunity": None,
                    "question": self._fixed(f"finding.{rule_id}.question") if ask else None,
                    "evidence": evidence,
                },
            )
            for rule_id, severity, values, evidence, ask in self._notes(fit, grade, fact)
        ]

    def _placements(
        self, prospect: Prospect, people: tuple[dict[str, Any], ...]
    ) -> tuple[Placement, ...]:
        ranked = sorted(
            (self._quadrant_info[fact["person__quadrant"]][0], -(fact["person__influence"] or 0), i)
            for i, fact in enumerate(people)
        )
        out = []
        stakeholders = prospect.stakeholders
        for rank, (_, _, i) in enumerate(ranked, start=1):
            person = stakeholders[i]
            _, quadrant, seed_number, advice = self._quadrant_info[people[i]["person__quadrant"]]
            roles = person.roles
            level = person.level
            out.append(
                build(
                    Placement,
                    {
                        "name": person.name,
                        "title": person.title,
                        "quadrant": quadrant,
                        "roles": _roles_in_order(roles) if roles else (),
                        "influence": person.influence,
                        "support": person.support,
                        "level": level,
                        "attention": rank,
                        "seed_number": seed_number,
                        "advice": advice,
                        "level_hint": None if level is None else self._level_hints[level],
                    },
                )
            )
        return tuple(out)


@lru_cache(maxsize=64)
def _roles_in_order(roles: frozenset[DecisionRole]) -> tuple[DecisionRole, ...]:
    return tuple(r for r in _ROLE_ORDER if r in roles)
