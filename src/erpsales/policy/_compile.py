"""From a :class:`Policy` to a *program*: the checked rules both backends execute.

The compiler

* parses every condition and checks it against the fact vocabulary (phase by phase);
* checks every message template's placeholders;
* checks that the products' revenue bands neither overlap nor leave a gap;
* generates the rules that settings describe (product bands and floors, the target
  market, the grade windows), so that they fire, and are traced, like written rules.

The program is cached on the policy object, so a policy is compiled once.
"""

from __future__ import annotations

import difflib
import itertools
import threading
from dataclasses import dataclass, field
from typing import Literal

from erpsales.errors import PolicyError, UnknownFieldError
from erpsales.i18n import catalog_keys, placeholders, text
from erpsales.models._enums import Grade
from erpsales.policy._expr import (
    AnyOf,
    Compare,
    Cond,
    Const,
    Field,
    Group,
    Known,
    fields_of,
    parse_condition,
)
from erpsales.policy._fields import FIELDS, FieldSpec, Scope, fields_for
from erpsales.policy._model import Policy, ProductBand, RuleSpec, Text

__all__ = ["RESOLVER_FINDINGS", "CompiledRule", "Program", "Stage", "compile_program"]

#: Findings the resolver raises itself (their texts are in the message catalog).
RESOLVER_FINDINGS = (
    "TM-FINANCIALS-UNKNOWN",
    "TM-BAND-AMBIGUOUS",
    "TM-PROFIT-BELOW-FLOOR",
    "GR-UNKNOWN-STATUS",
    "GR-WINDOW-MISMATCH",
)

Role = Literal["revenue", "profit", "market", "window", "grade", "finding"]
Stage = Literal["prospect", "stakeholder", "verdict"]
_LOCK = threading.Lock()


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """One rule ready to run.

    Attributes:
        index: Position in the program: the order findings and traces are listed in.
        id: The rule id (generated rules get ids such as ``TM-ERP2-REVENUE``).
        stage: ``prospect`` (phase 1), ``stakeholder`` (per person) or ``verdict`` (phase 2).
        role: What the resolver does with a firing.
        cond: The condition in negation normal form.
        reads: The fields the condition reads (and the extra evidence fields), unique.
        keys: ``(name, fact key)`` of each field in ``reads``.
        product: For revenue/profit rules, the product.
        grade: For window and grade rules, the grade.
        spec: The written rule, or ``None`` for a generated one.
        message: The bilingual message.
    """

    index: int
    id: str
    stage: Stage
    role: Role
    cond: Cond
    reads: tuple[FieldSpec, ...]
    product: str | None = None
    grade: Grade | None = None
    spec: RuleSpec | None = None
    message: Text | None = None
    keys: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Program:
    """A compiled policy: its rules in order, grouped by stage."""

    policy: Policy
    rules: tuple[CompiledRule, ...]
    stages: dict[Stage, tuple[CompiledRule, ...]] = field(default_factory=dict)

    @property
    def ids(self) -> tuple[str, ...]:
        """Every rule id, generated ones included, in program order."""
        return tuple(r.id for r in self.rules)


def compile_program(policy: Policy) -> Program:
    """Return the program of ``policy`` (compiled on the first call, then cached).

    Raises:
        PolicyError: A condition, template or band is invalid; the error names the rule.
    """
    cached = policy._compiled.get("program")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    with _LOCK:
        cached = policy._compiled.get("program")
        if cached is None:
            cached = _Compiler(policy).run()
            policy._compiled["program"] = cached
    program: Program = cached
    return program


def _f(name: str) -> Field:
    return Field(FIELDS[name])


def _cmp(name: str, op: str, value: int | str | bool) -> Compare:
    return Compare(op, _f(name), Const(value))  # type: ignore[arg-type]


def _and(*items: Cond) -> Group:
    return Group(tuple(items), True)


class _Compiler:
    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.settings = policy.settings
        self.rules: list[CompiledRule] = []

    def error(
        self,
        message: str,
        spec: RuleSpec,
        key: str,
        cls: type[PolicyError] = PolicyError,
        **kw: str | None,
    ) -> PolicyError:
        """An error located at ``key`` of the written rule ``spec``."""
        line = self.policy.line_of(spec.id, key)
        return cls(message, file=self.policy.source, line=line, rule_id=spec.id, **kw)

    def add(self, id_: str, stage: Stage, role: Role, cond: Cond, **kw: object) -> None:
        extra: tuple[FieldSpec, ...] = kw.pop("extra", ())  # type: ignore[assignment]
        reads = tuple(dict.fromkeys((*fields_of(cond), *extra)))
        keys = tuple((f.name, f.key) for f in reads)
        self.rules.append(
            CompiledRule(len(self.rules), id_, stage, role, cond, reads, keys=keys, **kw)  # type: ignore[arg-type]
        )

    def run(self) -> Program:
        self.check_messages()
        self.check_bands()
        self.product_rules()
        self.window_rules()
        self.reserved = {r.id for r in self.rules} | set(RESOLVER_FINDINGS)
        for spec in self.policy.rules:
            self.written_rule(spec)
        rules = tuple(self.rules)
        stages: dict[Stage, tuple[CompiledRule, ...]] = {
            s: tuple(r for r in rules if r.stage == s)
            for s in ("prospect", "stakeholder", "verdict")
        }
        return Program(self.policy, rules, stages)

    # -- settings → rules ------------------------------------------------------------

    def check_messages(self) -> None:
        known = catalog_keys()
        for key in self.policy.messages:
            if key not in known:
                close = difflib.get_close_matches(key, sorted(known), n=1)
                raise PolicyError(
                    f"unknown message key {key!r} in [messages]",
                    code="policy.unknown_message",
                    file=self.policy.source,
                    field=f"messages.{key}",
                    suggestion=close[0] if close else None,
                )

    def check_bands(self) -> None:
        products = sorted(self.settings.products, key=lambda p: p.revenue_min_rmb or 0)
        for low, high in itertools.pairwise(products):
            top, floor = low.revenue_max_rmb, high.revenue_min_rmb or 0
            if top is not None and top == floor:
                continue
            if top is None or top > floor:
                end = "∞" if top is None else f"{top:,}"
                problem, code = (
                    f"overlap on [{floor:,}, {end}); each revenue must fall in exactly one band",
                    "policy.band_overlap",
                )
            else:
                problem, code = (
                    f"leave a gap on [{top:,}, {floor:,}): a revenue there would fit no product",
                    "policy.band_gap",
                )
            raise PolicyError(
                f"revenue bands of {low.id} and {high.id} {problem}",
                code=code,
                file=self.policy.source,
                line=self.policy.line_of(high.id, section="products"),
                field="settings.products",
            )

    def revenue_cond(self, product: ProductBand) -> Cond:
        lo, hi = product.revenue_min_rmb, product.revenue_max_rmb
        mode = self.settings.band_boundary
        parts: list[Cond] = [Known(_f("prospect.revenue"), True)]
        if lo is not None:
            parts.append(_cmp("prospect.revenue", ">" if mode == "upper_inclusive" else ">=", lo))
        if hi is not None:
            parts.append(_cmp("prospect.revenue", "<" if mode == "lower_inclusive" else "<=", hi))
        return _and(*parts)

    def product_rules(self) -> None:
        catalog_text = self.catalog_text
        for product in self.settings.products:
            self.add(
                f"TM-{product.id.upper()}-REVENUE",
                "prospect",
                "revenue",
                self.revenue_cond(product),
                product=product.id,
                message=catalog_text("rule.TM-REVENUE", product=product.id),
            )
            floor = product.profit_min_rmb
            profit: Cond = (
                _cmp("prospect.profit", ">=", floor)
                if floor is not None
                else Known(_f("prospect.profit"), True)
            )
            self.add(
                f"TM-{product.id.upper()}-PROFIT",
                "prospect",
                "profit",
                profit,
                product=product.id,
                message=catalog_text("rule.TM-PROFIT", product=product.id),
            )
        industries = self.settings.industries
        classes = ["core"]
        if industries.allow_other_manufacturing:
            classes.append("other_manufacturing")
        if not industries.require_manufacturing:
            classes.append("non_manufacturing")
        market = AnyOf(_f("prospect.industry_class"), tuple(classes), False)
        self.add("TM-MARKET", "prospect", "market", market, message=catalog_text("rule.TM-MARKET"))

    def window_rules(self) -> None:
        windows = self.settings.grading.windows
        months = "close.months"
        bounds = [
            ("A", None, windows["A"]),
            ("B", windows["A"], windows["B"]),
            ("C", windows["B"], windows["C"]),
        ]
        for grade, lo, hi in bounds:
            parts: list[Cond] = []
            if lo is not None:
                parts.append(_cmp(months, ">", lo))
            parts.append(_cmp(months, "<=", hi))
            self.add(
                f"GR-WINDOW-{grade}",
                "prospect",
                "window",
                _and(*parts),
                grade=Grade(grade),
                message=self.catalog_text("rule.GR-WINDOW", grade=grade),
            )
        d_window = Group((_cmp(months, ">", windows["C"]), Known(_f(months), False)), False)
        self.add(
            "GR-WINDOW-D", "prospect", "window", d_window, grade=Grade.D,
            message=self.catalog_text("rule.GR-WINDOW-D"),
        )  # fmt: skip

    def catalog_text(self, key: str, **values: str) -> Text:
        overrides = self.policy.messages
        en, zh = text(key, "en", overrides), text(key, "zh", overrides)
        for name, value in values.items():
            en, zh = en.replace("{" + name + "}", value), zh.replace("{" + name + "}", value)
        return Text(en=en, zh=zh)

    # -- written rules -----------------------------------------------------------------

    def written_rule(self, spec: RuleSpec) -> None:
        if spec.id in self.reserved:
            raise self.error(
                f"rule id {spec.id} is reserved for a rule erpsales generates from the settings",
                spec,
                "id",
            )
        if spec.switch is not None and not self.settings.switches[spec.switch]:
            return
        grade = spec.grade
        orphan = self.settings.grading.orphan_assignment
        if spec.tag == "orphan":
            grade = Grade(orphan)
        elif spec.tag == "synthesised" and grade is not None and grade.value == orphan:
            return  # the orphan text fills this slot (AMB-11)
        scope: Scope = spec.scope
        phase = 1 if spec.kind == "grade" or scope == "stakeholder" else 2
        allowed = fields_for(scope, phase)
        try:
            cond = parse_condition(
                spec.when, allowed, params=self.settings.params, rule_id=spec.id, all_fields=FIELDS
            )
        except PolicyError as exc:
            raise exc.located(self.policy.source, self.policy.line_of(spec.id, "when")) from None
        extra = tuple(self.field(name, allowed, spec, "evidence") for name in spec.evidence)
        for label, message in (
            ("message", spec.message),
            ("risk", spec.risk),
            ("opportunity", spec.opportunity),
            ("question", spec.question),
        ):
            if message is None:
                continue
            for locale in ("en", "zh"):
                for name in placeholders(message.get(locale)):
                    if not name.startswith("params."):
                        self.field(name, allowed, spec, f"{label}.{locale}")
                    elif name.removeprefix("params.") not in self.settings.params:
                        raise self.error(
                            f"{label}.{locale} uses unknown parameter {name!r}",
                            spec,
                            label,
                            UnknownFieldError,
                            field=name,
                        )
        stage: Stage = (
            "stakeholder" if scope == "stakeholder" else "prospect" if phase == 1 else "verdict"
        )
        self.add(
            spec.id,
            stage,
            "grade" if spec.kind == "grade" else "finding",
            cond,
            grade=grade,
            spec=spec,
            message=spec.message,
            extra=extra,
        )

    def field(
        self, name: str, allowed: dict[str, FieldSpec], spec: RuleSpec, where: str
    ) -> FieldSpec:
        found = allowed.get(name)
        if found is None:
            close = difflib.get_close_matches(name, list(allowed), n=1)
            raise self.error(
                f"{where} names unknown field {name!r}",
                spec,
                where.partition(".")[0],
                UnknownFieldError,
                field=name,
                suggestion=close[0] if close else None,
            )
        return found
