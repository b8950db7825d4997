"""What would move this prospect: the smallest changes of key information that help.

For a prospect, :func:`suggest_moves` looks at the policy's own rules — the grade
descriptors and close windows above the current grade, the product-fit rules when no
product fits, and the contradictions and red flags that fire — and asks which facts would
have to change for them to (stop) firing. Each candidate change is tried on the engine
itself, so a suggestion is kept only when the policy really moves: a better grade, a
product fit, or findings gone without new ones. Nothing here is a hard-coded list of
advice; the discovery question of each change comes from the message catalog by field.

Example:
    >>> import erpsales
    >>> moves = erpsales.suggest_moves(
    ...     {"name": "x", "industry": "food", "revenue": "3亿", "profit": "600万",
    ...      "computerisation": "not_computerised", "months_to_close": 1},
    ...     as_of="2026-11-28", backend="compiled")
    >>> moves[0].effect.en
    'grade D → A'
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict

from erpsales._api import BackendName, Engine, _as_date, _engine_for
from erpsales._facts import Facts, build_facts
from erpsales.assessment import Verdict
from erpsales.i18n import Locale, catalog_keys, format_value, render, text
from erpsales.models._enums import Grade
from erpsales.models._prospect import Prospect
from erpsales.policy._compile import CompiledRule
from erpsales.policy._expr import AnyOf, Compare, Cond, Const, Field, Group, Known, Operand
from erpsales.policy._fields import FIELDS
from erpsales.policy._model import Policy, Text

__all__ = ["Change", "Move", "suggest_moves"]

Scalar = int | bool | str | None


class Change(BaseModel):
    """One fact to change, and the discovery question that would establish it."""

    model_config = ConfigDict(frozen=True)

    field: str
    before: Scalar
    after: Scalar
    question: Text

    def describe(self, locale: Locale = "en") -> str:
        """``field: before → after`` in ``locale``, amounts in 万/亿."""
        values = {
            "field": self.field,
            "before": format_value(self.field, self.before, locale),
            "after": format_value(self.field, self.after, locale),
        }
        return render(text("whatif.change", locale), values, locale)


class Move(BaseModel):
    """A set of changes and what the policy then decides differently.

    Attributes:
        changes: The facts to change (one or two).
        grade_before, grade_after: The grade now and after the changes.
        product_before, product_after: The product now and after.
        removes: Findings that disappear; adds: findings that would appear.
        effect: A short bilingual summary, e.g. ``grade B → A``.
    """

    model_config = ConfigDict(frozen=True)

    changes: tuple[Change, ...]
    grade_before: Grade
    grade_after: Grade
    product_before: str | None
    product_after: str | None
    removes: tuple[str, ...]
    adds: tuple[str, ...]
    effect: Text


def _atoms(cond: Cond) -> list[Cond]:
    if isinstance(cond, Group):
        return [a for item in cond.items for a in _atoms(item)]
    return [cond]


def _conjuncts(cond: Cond) -> list[list[Cond]]:
    """The condition as alternatives of atom lists (a small DNF; capped)."""
    if isinstance(cond, Group):
        parts = [_conjuncts(item) for item in cond.items]
        if not cond.all_of:
            return [c for p in parts for c in p][:32]
        out: list[list[Cond]] = [[]]
        for p in parts:
            out = [a + b for a in out for b in p][:32]
        return out
    return [[cond]]


def _value(op: Operand, fact: Mapping[str, Any]) -> int | None:
    if isinstance(op, Const):
        return op.value if isinstance(op.value, int) and not isinstance(op.value, bool) else None
    if isinstance(op, Field):
        value = fact.get(op.spec.key)
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    left, right = _value(op.left, fact), _value(op.right, fact)
    if left is None or right is None:
        return None
    return left + right if op.op == "+" else left - right if op.op == "-" else left * right


def _satisfy(atom: Cond, fact: Mapping[str, Any]) -> tuple[str, Scalar] | None:
    """A (field key, value) that makes ``atom`` true, if one can be chosen."""
    if isinstance(atom, Known):
        spec = atom.field.spec
        if not atom.known:
            return (spec.key, None)
        if spec.type == "bool":
            return (spec.key, True)
        if spec.values:
            return (spec.key, spec.values[0])
        return None
    if isinstance(atom, AnyOf):
        spec = atom.field.spec
        if not atom.negated:
            return (spec.key, atom.values[0])
        others = [v for v in spec.values or () if v not in atom.values]
        return (spec.key, others[0]) if others else None
    if isinstance(atom, Compare):
        spec = atom.left.spec
        if spec.type == "bool" and isinstance(atom.right, Const):
            value = atom.right.value
            return (spec.key, value if atom.op == "==" else not value)
        if spec.type == "str" and isinstance(atom.right, Const):
            if atom.op == "==":
                return (spec.key, atom.right.value)
            others = [v for v in spec.values or () if v != atom.right.value]
            return (spec.key, others[0]) if others else None
        bound = _value(atom.right, fact)
        if bound is None or spec.type != "int":
            return None
        target = {"<": bound - 1, "<=": bound, ">": bound + 1, ">=": bound, "==": bound}.get(
            atom.op
        )
        if target is None:  # "!=": step off the value
            target = bound + 1
        return (spec.key, max(target, 0) if spec.name.endswith(("_count", ".months")) else target)
    return None


def _true(atom: Cond, fact: Mapping[str, Any]) -> bool:
    """Whether ``atom`` holds on ``fact`` (the same semantics as the engines)."""
    if isinstance(atom, Known):
        return (fact.get(atom.field.spec.key) is not None) == atom.known
    if isinstance(atom, AnyOf):
        value = fact.get(atom.field.spec.key)
        return value is not None and ((value in atom.values) != atom.negated)
    if isinstance(atom, Compare):
        left = fact.get(atom.left.spec.key)
        right: Any = atom.right.value if isinstance(atom.right, Const) else _value(atom.right, fact)
        if left is None or right is None:
            return False
        return bool(
            {
                "==": left == right,
                "!=": left != right,
                "<": left < right,
                "<=": left <= right,
                ">": left > right,
                ">=": left >= right,
            }[atom.op]
        )
    return False


_CHANGEABLE = {
    name for name, spec in FIELDS.items() if spec.scope == "prospect" and spec.phase == 1
}
#: Facts a salesperson can move by learning or by selling, and the direction that is
#: progress: "up" (False → True, or a larger count), "down", or "any". A fact that is
#: unknown can always be learned; other facts (who the company is) are never suggested.
_PROGRESS: dict[str, str] = {
    "prospect.selection": "any",
    "prospect.necessity_affirmed": "up",
    "prospect.waiting_on_named_event": "up",
    "close.months": "any",
    "close.date_passed": "down",
    "schedule.order_ok": "up",
    "schedule.days_to_signing": "any",
    "schedule.days_to_vendor_decision": "any",
    "schedule.days_to_selection_start": "any",
    "budget.amount": "up",
    "budget.covers_software": "up",
    "budget.covers_services": "up",
    "budget.covers_hardware": "up",
    "budget.covers_database": "up",
    "budget.covers_network": "up",
    "requirement.unsupported_module_count": "down",
    "requirement.unsupported_language_count": "down",
    "requirement.unsupported_site_count": "down",
    "requirement.module_count": "down",
    "decision.makers_known": "up",
    "decision.process_known": "up",
    "decision.criteria_known": "up",
    "decision.initiator_known": "up",
    "decision.majority_supports": "up",
    "competition.differentiator_count": "up",
    "competition.top_factor_is_leader_advantage": "down",
    "evaluation.top_factor_known": "up",
    "stakeholders.count": "up",
    "stakeholders.approver_count": "up",
    "stakeholders.angel_count": "up",
    "stakeholders.devil_decider_count": "down",
}
_FIT = {"prospect.revenue", "prospect.profit"}  # near misses of product fit: growth only


def _allowed(name: str, before: Scalar, after: Scalar, *, fit: bool) -> bool:
    if name not in _CHANGEABLE:
        return False
    if before is None:
        return True  # learning what is unknown
    if fit and name in _FIT:
        return isinstance(before, int) and isinstance(after, int) and after > before
    way = _PROGRESS.get(name)
    if way is None:
        return False
    if way == "any":
        return True
    if isinstance(before, bool) or not isinstance(before, int) or not isinstance(after, int):
        return (way == "up") == bool(after)
    return after > before if way == "up" else after < before


def _question(name: str) -> Text:
    key = f"ask.{name}"
    if key in catalog_keys():
        return Text(en=text(key, "en"), zh=text(key, "zh"))
    doc = FIELDS[name].doc
    return Text(
        en=render(text("whatif.generic_ask", "en"), {"doc": doc}, "en"),
        zh=render(text("whatif.generic_ask", "zh"), {"field": name}, "zh"),
    )


def _candidates(
    rules: list[CompiledRule], fact: Mapping[str, Any], *, make_true: bool, fit: bool = False
) -> list[dict[str, Scalar]]:
    """Change sets that would make ``rules`` fire (or, ``make_true=False``, stop firing)."""
    out: list[dict[str, Scalar]] = []
    for rule in rules:
        if make_true:
            for conj in _conjuncts(rule.cond):
                change: dict[str, Scalar] = {}
                for atom in conj:
                    if _true(atom, fact):
                        continue
                    chosen = _satisfy(atom, fact)
                    if chosen is None or not _allowed(
                        _name(chosen[0]), fact.get(chosen[0]), chosen[1], fit=fit
                    ):
                        change = {}
                        break
                    change[chosen[0]] = chosen[1]
                if change and len(change) <= 2:
                    out.append(change)
        else:
            out += [c for c in _falsify(rule.cond, fact, fit) if c]
    return out


def _falsify(cond: Cond, fact: Mapping[str, Any], fit: bool) -> list[dict[str, Scalar]]:
    """Change sets (at most three facts) that make a condition that holds stop holding."""
    if not isinstance(cond, Group):
        if not _true(cond, fact):
            return [{}]
        flipped = _satisfy(_negate(cond), fact)
        if flipped and _allowed(_name(flipped[0]), fact.get(flipped[0]), flipped[1], fit=fit):
            return [{flipped[0]: flipped[1]}]
        return []
    if not _holds(cond, fact):
        return [{}]
    if cond.all_of:  # falsify any one part
        return [c for item in cond.items if _holds(item, fact) for c in _falsify(item, fact, fit)][
            :64
        ]
    combined: list[dict[str, Scalar]] = [{}]  # falsify every part that holds
    for item in cond.items:
        options = _falsify(item, fact, fit)
        combined = [
            {**a, **b}
            for a in combined
            for b in options
            if all(a.get(k, v) == v for k, v in b.items()) and len({**a, **b}) <= 3
        ][:64]
    return combined


def _holds(cond: Cond, fact: Mapping[str, Any]) -> bool:
    if isinstance(cond, Group):
        parts = (_holds(item, fact) for item in cond.items)
        return all(parts) if cond.all_of else any(parts)
    return _true(cond, fact)


#: Facts that derive, with others, from one input: they are changed at the input.
_INPUTS = {
    "close__months",
    "schedule__days_to_signing",
    "schedule__days_to_vendor_decision",
    "schedule__days_to_selection_start",
}
_DATES = {
    "schedule__days_to_signing": "contract_signing",
    "schedule__days_to_vendor_decision": "vendor_decision",
    "schedule__days_to_selection_start": "selection_start",
}


def _apply_inputs(prospect: Prospect, change: Mapping[str, Scalar], day: dt.date) -> Prospect:
    update: dict[str, Any] = {}
    dates: dict[str, dt.date | None] = {}
    for key, value in change.items():
        if key == "close__months":
            update["months_to_close"] = value
        else:
            dates[_DATES[key]] = None if value is None else day + dt.timedelta(days=int(value))
    if dates:
        info = prospect.key_info
        schedule = info.schedule.model_copy(update=dates)
        update["key_info"] = info.model_copy(update={"schedule": schedule})
    return prospect.model_copy(update=update)


def _name(key: str) -> str:
    return key.replace("__", ".")


def _negate(atom: Cond) -> Cond:
    from erpsales.policy._expr import _negate as negate

    return negate(atom)


def suggest_moves(
    prospect: Prospect | Mapping[str, Any],
    /,
    *,
    policy: Policy | None = None,
    as_of: dt.date | str | None = None,
    backend: BackendName | str | None = "compiled",
    limit: int = 8,
) -> tuple[Move, ...]:
    """The smallest changes of key information that would raise the grade or help otherwise.

    Raising the grade comes first, then a product fit, then clearing contradictions and red
    flags; each change set is checked on the policy itself.

    Args:
        prospect: The prospect (a model or a dict).
        policy: The policy (default: the seed).
        as_of: The as-of date.
        backend: The backend to check the changes on.
        limit: The most moves to return.

    Returns:
        Moves, best first: a better grade first (one change before two), then a product
        fit, then findings removed.
    """
    engine: Engine = _engine_for(policy, backend)
    if not isinstance(prospect, Prospect):
        prospect = Prospect.model_validate(prospect)
    day = _as_date(as_of)
    facts = build_facts(prospect, engine._context, day)

    def verdict(change: dict[str, Scalar]) -> Verdict:
        # facts derived from one input change together: change the input, derive again
        inputs = {k: v for k, v in change.items() if k in _INPUTS}
        subject = _apply_inputs(prospect, inputs, day) if inputs else prospect
        base_facts = build_facts(subject, engine._context, day) if inputs else facts
        fact = {**base_facts.prospect, **{k: v for k, v in change.items() if k not in _INPUTS}}
        changed = Facts(fact, base_facts.people)
        return engine._resolver.summary(
            subject, changed, engine._backend.run(changed, engine._resolver)
        )

    base = verdict({})
    program = engine.program
    rank = base.grade.rank
    better_grades = [
        r
        for r in program.rules
        if r.role == "grade" and r.grade and r.grade.rank > base.descriptor_grade.rank
    ]
    better_windows = [
        r
        for r in program.rules
        if r.role == "window" and r.grade and r.grade.rank > base.window_grade.rank
    ]
    sets: list[dict[str, Scalar]] = []
    descriptor_sets = _candidates(better_grades, facts.prospect, make_true=True)
    window_sets = _candidates(better_windows, facts.prospect, make_true=True)
    sets += descriptor_sets + window_sets
    sets += [
        {**a, **b}
        for a, b in itertools.product(descriptor_sets, window_sets)
        if len({**a, **b}) <= 2
    ]
    if base.product is None:
        fit_rules = [r for r in program.rules if r.role in ("revenue", "profit", "market")]
        sets += _candidates(fit_rules, facts.prospect, make_true=True, fit=True)
    fired_findings = {
        i
        for i in program.rules
        if i.role == "finding" and i.id in base.finding_ids and i.stage != "stakeholder"
    }
    sets += _candidates(
        sorted(fired_findings, key=lambda r: r.index), facts.prospect, make_true=False
    )

    seen: set[tuple[tuple[str, Scalar], ...]] = set()
    moves: list[tuple[tuple[int, ...], Move]] = []
    before_ids = set(base.finding_ids)
    for change in sets:
        key = tuple(sorted(change.items()))
        if key in seen or all(facts.prospect.get(k) == v for k, v in change.items()):
            continue
        seen.add(key)
        after = verdict(change)
        after_ids = set(after.finding_ids)
        removes = tuple(sorted(before_ids - after_ids))
        adds = tuple(sorted(after_ids - before_ids))
        grade_gain = after.grade.rank - rank
        product_gain = base.product is None and after.product is not None
        if grade_gain < 0 or (base.product is not None and after.product != base.product):
            continue
        if not (grade_gain > 0 or product_gain or (removes and not adds)):
            continue
        effect = _effect(base, after, removes)
        move = Move(
            changes=tuple(
                Change(
                    field=_name(k),
                    before=facts.prospect.get(k),
                    after=v,
                    question=_question(_name(k)),
                )
                for k, v in change.items()
            ),
            grade_before=base.grade,
            grade_after=after.grade,
            product_before=base.product,
            product_after=after.product,
            removes=removes,
            adds=adds,
            effect=effect,
        )
        distance = sum(
            abs(v - facts.prospect[k])
            for k, v in change.items()
            if isinstance(v, int) and isinstance(facts.prospect.get(k), int)
        )
        priority = (
            0 if grade_gain > 0 else 1 if product_gain else 2,
            len(change),
            -grade_gain,
            -len(removes),
            distance,
        )
        moves.append((priority, move))
    moves.sort(key=lambda m: m[0])
    kept: list[Move] = []
    for _, move in moves:
        # drop a move when a kept one has the same effect with the same or fewer fields
        fields = {c.field for c in move.changes}
        if any({c.field for c in k.changes} <= fields and k.effect == move.effect for k in kept):
            continue
        kept.append(move)
    return tuple(kept[:limit])


def _effect(base: Verdict, after: Verdict, removes: tuple[str, ...]) -> Text:
    parts_en: list[str] = []
    parts_zh: list[str] = []

    def add(key: str, values: dict[str, str]) -> None:
        parts_en.append(render(text(f"whatif.{key}", "en"), values, "en"))
        parts_zh.append(render(text(f"whatif.{key}", "zh"), values, "zh"))

    if after.grade is not base.grade:
        add("grade", {"before": base.grade.value, "after": after.grade.value})
    if after.product != base.product:
        add("product", {"before": base.product or "-", "after": after.product or "-"})
    if removes:
        add("removes", {"ids": ", ".join(removes)})
    return Text(en="; ".join(parts_en), zh="；".join(parts_zh))
