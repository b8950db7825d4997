"""The compiled backend: the program translated once into Python functions.

The policy's conditions are never evaluated as text. The compiler walks the *checked*
condition tree and emits Python source in which every field is a local variable loaded
from the fact dict and every string constant comes from a constants tuple, so nothing of
the policy's text reaches the generated code. The source is compiled once per program.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from erpsales._facts import Facts
from erpsales.engine._base import Firings, Judge
from erpsales.policy._compile import CompiledRule, Program, Stage
from erpsales.policy._expr import AnyOf, Compare, Cond, Const, Field, Known, Operand

__all__ = ["CompiledBackend", "Emitter"]

StageFn = Callable[..., list[int]]


class Emitter:
    """Python source for checked conditions.

    Args:
        named: Name each field's local variable by its fact key (``budget__amount``), as the
            fused program's derivation lines define them; else ``_0``, ``_1`` … loaded from
            the fact dict.
    """

    def __init__(self, *, named: bool = False) -> None:
        self.consts: list[Any] = []
        self.locals: dict[str, str] = {}
        self.phases: dict[str, int] = {}
        self.named = named

    def var(self, field: Field) -> str:
        """The local variable holding ``field``."""
        key = field.spec.key
        if key not in self.locals:
            self.locals[key] = key if self.named else f"_{len(self.locals)}"
            self.phases[key] = field.spec.phase
        return self.locals[key]

    def const(self, value: Any) -> str:
        """An expression for the constant ``value`` (from the constants tuple ``_K``)."""
        if isinstance(value, bool | int):
            return repr(value)
        self.consts.append(value)
        return f"_K[{len(self.consts) - 1}]"

    def operand(self, op: Operand, guards: list[str]) -> str:
        """An expression for ``op``; the fields it reads are added to ``guards``."""
        if isinstance(op, Field):
            name = self.var(op)
            guards.append(name)
            return name
        if isinstance(op, Const):
            return self.const(op.value)
        return f"({self.operand(op.left, guards)} {op.op} {self.operand(op.right, guards)})"

    def cond(self, cond: Cond, known: set[str] | None = None) -> str:
        """An expression that is true exactly when ``cond`` holds (unknown compares false).

        ``known`` holds the variables already tested ``is not None`` by the conjunction
        this condition is part of; the ones this condition proves known are added to it.
        """
        known = set() if known is None else known
        if isinstance(cond, Compare):
            if isinstance(cond.right, Const) and cond.op in ("==", "!="):
                # ``None == value`` is already false; a bool field holds True, False or None
                value = cond.right.value
                name = self.var(cond.left)
                if cond.left.spec.type == "bool" and isinstance(value, bool):
                    known.add(name)
                    return f"({name} is {value if cond.op == '==' else not value})"
                if cond.op == "==":
                    known.add(name)
                    return f"({name} == {self.const(value)})"
            guards: list[str] = []
            left = self.operand(cond.left, guards)
            right = self.operand(cond.right, guards)
            tests = [f"{g} is not None" for g in dict.fromkeys(guards) if g not in known]
            known.update(guards)
            return "(" + " and ".join([*tests, f"{left} {cond.op} {right}"]) + ")"
        if isinstance(cond, Known):
            name = self.var(cond.field)
            if not cond.known:
                return f"({name} is None)"
            if name in known:
                return "True"
            known.add(name)
            return f"({name} is not None)"
        if isinstance(cond, AnyOf):
            name = self.var(cond.field)
            values = self.const(frozenset(cond.values))
            if not cond.negated:  # None is never among the values
                known.add(name)
                return f"({name} in {values})"
            test = "" if name in known else f"{name} is not None and "
            known.add(name)
            return f"({test}{name} not in {values})"
        if not cond.items:
            return "True" if cond.all_of else "False"
        if cond.all_of:  # each item may rely on what the ones before it proved
            return "(" + " and ".join(self.cond(c, known) for c in cond.items) + ")"
        return "(" + " or ".join(self.cond(c, set(known)) for c in cond.items) + ")"


def _compile_stage(rules: tuple[CompiledRule, ...], name: str) -> StageFn:
    emitter = Emitter()
    body = [
        f"    if {emitter.cond(rule.cond)}:\n        _out.append({rule.index})" for rule in rules
    ]
    # phase-1 fields come from the fact, phase-2 (verdict) fields from the verdict dict
    loads = [
        f"    {var} = {'_v' if emitter.phases[key] == 2 else '_f'}[{key!r}]"
        for key, var in emitter.locals.items()
    ]
    source = "\n".join(
        [f"def {name}(_f, _v=None):", *loads, "    _out = []", *body, "    return _out", ""]
    )
    namespace: dict[str, Any] = {"_K": tuple(emitter.consts), "__builtins__": {}}
    exec(compile(source, f"<erpsales:{name}>", "exec"), namespace)  # generated, not policy text
    fn: StageFn = namespace[name]
    fn.__erpsales_source__ = source  # type: ignore[attr-defined]
    return fn


class CompiledBackend:
    """Runs a program as generated Python functions: fast, pure, thread-safe.

    Args:
        program: The compiled policy program.
    """

    name = "compiled"

    def __init__(self, program: Program, /) -> None:
        stages: dict[Stage, StageFn] = {
            stage: _compile_stage(program.stages[stage], f"stage_{stage}")
            for stage in ("prospect", "stakeholder", "verdict")
        }
        self._prospect = stages["prospect"]
        self._person = stages["stakeholder"]
        self._verdict = stages["verdict"]

    def run(self, facts: Facts, judge: Judge, /) -> Firings:
        """Evaluate ``facts``; see :class:`erpsales.engine._base.Backend`."""
        fact = facts.prospect
        fired = self._prospect(fact)
        person = self._person
        people = [(rule, i) for i, pfact in enumerate(facts.people) for rule in person(pfact)]
        people.sort()
        fields, decision = judge.verdict(fired, people, fact)
        return Firings(fired, people, self._verdict(fact, fields), fields, decision)

    def close(self) -> None:
        """Nothing to release."""

    def source(self) -> str:
        """The generated Python source, for inspection and debugging."""
        return "\n".join(
            fn.__erpsales_source__  # type: ignore[attr-defined]
            for fn in (self._prospect, self._person, self._verdict)
        )
