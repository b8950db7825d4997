"""Static checks of a policy: what loading cannot reject but a reviewer should see.

Loading already rejects what cannot run (unknown fields, overlapping or gapped revenue
bands, bad settings). These checks find what runs but is probably not meant:

* ``rule.unreachable`` — a rule that can never fire, with the contradiction that stops it
  (``x < 0`` on a count; ``x > 5 and x < 3``; a field that these settings make constant);
* ``rule.overlap`` — two grade descriptors of different grades that can fire on one
  prospect (the better grade wins; info only) and two products whose revenue bands can
  both hold one revenue under the ``literal_inclusive`` reading;
* ``band.profit_floor_order`` — profit floors that do not rise with the revenue bands
  (R-TM-09);
* ``message.untranslated`` — a Chinese text without a Chinese character, or an English
  text equal to the Chinese one.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict

from erpsales.policy._compile import CompiledRule, compile_program
from erpsales.policy._expr import AnyOf, Arith, Compare, Cond, Const, Field, Group, Known
from erpsales.policy._model import Policy, Text

__all__ = ["Problem", "check_policy"]

_CJK = re.compile(r"[\u3400-\u9fff]")
#: Smallest and largest values a field can take, whatever the prospect.
_BOUNDS: dict[str, tuple[int | None, int | None]] = {
    "person.influence": (1, 5),
    "person.support": (1, 5),
    "fit.tier_rank": (1, None),
    "close.days_overdue": (1, None),
}


def _bounds(name: str) -> tuple[int | None, int | None]:
    if name in _BOUNDS:
        return _BOUNDS[name]
    if name.endswith(("_count", ".months", "_years", ".revenue", ".min_deal", ".amount")):
        return (0, None)
    return (None, None)


class Problem(BaseModel):
    """One finding of :func:`check_policy`.

    Attributes:
        severity: ``error`` (the policy contradicts itself), ``warning`` (probably a
            mistake) or ``info`` (worth knowing).
        code: A stable code, e.g. ``rule.unreachable``.
    """

    model_config = ConfigDict(frozen=True)

    severity: Literal["error", "warning", "info"]
    code: str
    message: str
    rule_id: str | None = None
    file: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}: " if self.file and self.line else ""
        rule = f"rule {self.rule_id}: " if self.rule_id else ""
        return f"{self.severity}: {where}{rule}{self.message} [{self.code}]"


@dataclass
class _Range:
    lo: int | None = None  # inclusive
    hi: int | None = None  # inclusive
    not_equal: frozenset[int] = frozenset()
    values: frozenset[object] | None = None  # allowed values (str / bool fields)
    excluded: frozenset[object] = frozenset()
    unknown: bool | None = None  # True: must be unknown; False: must be known

    def empty(self) -> bool:
        if self.unknown and (
            self.lo is not None or self.hi is not None or self.values is not None or self.excluded
        ):
            return True
        if self.lo is not None and self.hi is not None:
            if self.lo > self.hi:
                return True
            if self.hi - self.lo < 64 and all(
                v in self.not_equal for v in range(self.lo, self.hi + 1)
            ):
                return True
        return self.values is not None and not (set(self.values) - set(self.excluded))


def _dnf(cond: Cond, limit: int = 512) -> list[list[Cond]] | None:
    """Disjunctive normal form as lists of atoms; ``None`` when it would be too large."""
    if isinstance(cond, Group):
        parts = [_dnf(item, limit) for item in cond.items]
        if any(p is None for p in parts):
            return None
        if not cond.all_of:
            out = [c for p in parts for c in p]  # type: ignore[union-attr]
            return out if len(out) <= limit else None
        product: list[list[Cond]] = [[]]
        for p in parts:
            product = [a + b for a in product for b in p]  # type: ignore[union-attr]
            if len(product) > limit:
                return None
        return product
    return [[cond]]


class _Checker:
    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        caps = policy.settings.capabilities
        # fields these settings make constant
        self.constant: dict[str, tuple[int, str]] = {}
        for field, setting in (
            ("requirement.unsupported_module_count", "modules"),
            ("requirement.unsupported_language_count", "languages"),
            ("requirement.unsupported_site_count", "regions"),
        ):
            if getattr(caps, setting) is None:
                self.constant[field] = (0, f"settings.capabilities.{setting} is not set")

    def feasible(self, atoms: list[Cond]) -> str | None:
        """``None`` when the conjunction can hold, else why not."""
        ranges: dict[str, _Range] = {}
        for atom in atoms:
            why = self.constrain(atom, ranges)
            if why:
                return why
        for name, rng in ranges.items():
            lo, hi = _bounds(name)
            if lo is not None:
                rng.lo = lo if rng.lo is None else max(rng.lo, lo)
            if hi is not None:
                rng.hi = hi if rng.hi is None else min(rng.hi, hi)
            if name in self.constant and not rng.unknown:
                value, because = self.constant[name]
                if (
                    (rng.lo is not None and value < rng.lo)
                    or (rng.hi is not None and value > rng.hi)
                    or value in rng.not_equal
                ):
                    return f"{name} is always {value} because {because}"
            if rng.empty():
                return _describe(name, rng)
        return None

    def constrain(self, atom: Cond, ranges: dict[str, _Range]) -> str | None:
        if isinstance(atom, Known):
            rng = ranges.setdefault(atom.field.spec.name, _Range())
            want_unknown = not atom.known
            if rng.unknown is not None and rng.unknown != want_unknown:
                return f"{atom.field.spec.name} cannot be both known and unknown"
            rng.unknown = want_unknown
            return None
        if isinstance(atom, AnyOf):
            rng = ranges.setdefault(atom.field.spec.name, _Range())
            self.known(rng)
            if atom.negated:
                rng.excluded = rng.excluded | frozenset(atom.values)
            else:
                allowed = frozenset(atom.values)
                rng.values = allowed if rng.values is None else rng.values & allowed
            self.domain(atom.field, rng)
            return None
        if isinstance(atom, Compare):
            name = atom.left.spec.name
            rng = ranges.setdefault(name, _Range())
            self.known(rng)
            if not isinstance(atom.right, Const):
                for other in _fields(atom.right):  # the other side must be known too
                    self.known(ranges.setdefault(other, _Range()))
                return None
            value = atom.right.value
            if atom.left.spec.type == "int" and isinstance(value, int):
                _narrow(rng, atom.op, value)
            elif atom.op == "==":
                rng.values = frozenset({value}) if rng.values is None else rng.values & {value}
                self.domain(atom.left, rng)
            else:
                rng.excluded = rng.excluded | {value}
                self.domain(atom.left, rng)
            return None
        return None

    @staticmethod
    def known(rng: _Range) -> None:
        rng.unknown = bool(rng.unknown)  # comparisons need a value

    @staticmethod
    def domain(field: Field, rng: _Range) -> None:
        if rng.values is None:
            if field.spec.type == "bool":
                rng.values = frozenset({True, False})
            elif field.spec.values is not None:
                rng.values = frozenset(field.spec.values)

    def unreachable(self, rule: CompiledRule) -> str | None:
        dnf = _dnf(rule.cond)
        if dnf is None:
            return None  # too large to decide: say nothing rather than guess
        reasons = [self.feasible(conj) for conj in dnf]
        if all(reasons):
            return "; or ".join(dict.fromkeys(r for r in reasons if r))
        return None

    def overlap(self, a: CompiledRule, b: CompiledRule) -> bool:
        da, db = _dnf(a.cond), _dnf(b.cond)
        if da is None or db is None:
            return False
        return any(self.feasible(x + y) is None for x, y in itertools.product(da, db))


def _fields(op: object) -> list[str]:
    if isinstance(op, Field):
        return [op.spec.name]
    if isinstance(op, Arith):
        return _fields(op.left) + _fields(op.right)
    return []


def _narrow(rng: _Range, op: str, value: int) -> None:
    if op in ("<", "<="):
        top = value - 1 if op == "<" else value
        rng.hi = top if rng.hi is None else min(rng.hi, top)
    elif op in (">", ">="):
        bottom = value + 1 if op == ">" else value
        rng.lo = bottom if rng.lo is None else max(rng.lo, bottom)
    elif op == "==":
        rng.lo = value if rng.lo is None else max(rng.lo, value)
        rng.hi = value if rng.hi is None else min(rng.hi, value)
    else:
        rng.not_equal = rng.not_equal | {value}


def _describe(name: str, rng: _Range) -> str:
    if rng.unknown:
        return f"{name} must be unknown and compared at once"
    if rng.values is not None:
        return f"no value of {name} satisfies every part"
    lo, _hi = _bounds(name)
    parts = []
    if rng.lo is not None:
        parts.append(f"≥ {rng.lo}")
    if rng.hi is not None:
        parts.append(f"≤ {rng.hi}")
    floor = f" (it is never below {lo})" if lo is not None else ""
    return f"{name} would have to be {' and '.join(parts)}{floor}"


def check_policy(policy: Policy, /) -> tuple[Problem, ...]:
    """Check ``policy`` for rules that cannot fire, overlaps, misordered floors, texts.

    Returns:
        The problems found, errors first; empty when there is nothing to say.
    """
    program = compile_program(policy)
    checker = _Checker(policy)
    problems: list[Problem] = []

    def add(
        severity: Literal["error", "warning", "info"],
        code: str,
        message: str,
        rule: str | None = None,
        key: str | None = None,
    ) -> None:
        line = policy.line_of(rule, key) if rule else None
        problems.append(
            Problem(
                severity=severity,
                code=code,
                message=message,
                rule_id=rule,
                file=policy.source,
                line=line,
            )
        )

    for rule in program.rules:
        why = checker.unreachable(rule)
        if why:
            add("warning", "rule.unreachable", f"can never fire: {why}", rule.id, "when")
    grade_rules = [r for r in program.rules if r.role == "grade"]
    for a, b in itertools.combinations(grade_rules, 2):
        if a.grade is not b.grade and checker.overlap(a, b):
            better, worse = sorted((a, b), key=lambda r: -(r.grade.rank if r.grade else 0))
            add(
                "info",
                "rule.overlap",
                f"can fire together with {worse.id} (grade {worse.grade}); the better grade "
                f"{better.grade} wins",
                better.id,
            )
    revenue_rules = [r for r in program.rules if r.role == "revenue"]
    for a, b in itertools.combinations(revenue_rules, 2):
        if checker.overlap(a, b):
            add(
                "info",
                "rule.overlap",
                f"can hold together with {b.id}: a revenue on the band edge fits both products "
                "(band_boundary = literal_inclusive; the first is reported)",
                a.id,
            )
    products = sorted(policy.settings.products, key=lambda p: p.revenue_min_rmb or 0)
    for low, high in itertools.pairwise(products):
        if (
            low.profit_min_rmb is not None
            and high.profit_min_rmb is not None
            and high.profit_min_rmb < low.profit_min_rmb
        ):
            add(
                "warning",
                "band.profit_floor_order",
                f"the profit floor of {high.id} ({high.profit_min_rmb:,}) is below that of the "
                f"smaller product {low.id} ({low.profit_min_rmb:,}); R-TM-09 has them rise",
            )
    for spec in policy.rules:
        for label in ("message", "risk", "opportunity", "question"):
            text: Text | None = getattr(spec, label)
            if text is None:
                continue
            if not _CJK.search(text.zh) or text.en.strip() == text.zh.strip():
                add(
                    "warning",
                    "message.untranslated",
                    f"{label}.zh looks untranslated",
                    spec.id,
                    label,
                )
    order = {"error": 0, "warning": 1, "info": 2}
    return tuple(sorted(problems, key=lambda p: order[p.severity]))
