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

__all__ = ["CompiledBackend"]

StageFn = Callable[..., list[int]]


class _Emitter:
    def __init__(self) -> None:
        self.consts: list[Any] = []
        self.locals: dict[str, str] = {}
        self.phases: dict[str, int] = {}

    def var(self, field: Field) -> str:
        key = field.spec.key
        if key not in self.locals:
            self.locals[key] = f"_{len(self.locals)}"
            self.phases[key] = field.spec.phase
        return self.locals[key]

    def const(self, value: Any) -> str:
        if isinstance(value, bool | int):
            return repr(value)
        self.consts.append(value)
        return f"_K[{len(self.consts) - 1}]"

    def operand(self, op: Operand, guards: list[str]) -> str:
        if isinstance(op, Field):
            name = self.var(op)
            guards.append(f"{name} is not None")
            return name
        if isinstance(op, Const):
            return self.const(op.value)
        return f"({self.operand(op.left, guards)} {op.op} {self.operand(op.right, guards)})"

    def cond(self, cond: Cond) -> str:
        if isinstance(cond, Compare):
            guards: list[str] = []
            left = self.operand(cond.left, guards)
            right = self.operand(cond.right, guards)
            return "(" + " and ".join([*dict.fromkeys(guards), f"{left} {cond.op} {right}"]) + ")"
        if isinstance(cond, Known):
            return f"({self.var(cond.field)} is {'not ' if cond.known else ''}None)"
        if isinstance(cond, AnyOf):
            name = self.var(cond.field)
            values = self.const(frozenset(cond.values))
            return f"({name} is not None and {name} {'not in' if cond.negated else 'in'} {values})"
        if not cond.items:
            return "True" if cond.all_of else "False"
        joiner = " and " if cond.all_of else " or "
        return "(" + joiner.join(self.cond(c) for c in cond.items) + ")"


def _compile_stage(rules: tuple[CompiledRule, ...], name: str) -> StageFn:
    emitter = _Emitter()
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
