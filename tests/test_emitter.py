"""The compiled backend's condition code against a reference evaluator (spec §8).

The condition language's meaning: a comparison involving an unknown value is false,
``known``/``unknown`` test for a value, ``in``/``not in`` are false when unknown, ``and``,
``or`` and ``not`` as usual (the parser brings ``not`` down to the leaves). The reference
evaluator below reads that meaning off the parsed tree directly; the generated code drops
guards a conjunction has already proved, compares booleans with ``is`` and skips guards
``==`` and ``in`` do not need, and must agree with it on every condition and every fact.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from erpsales.engine._compiled import _compile_stage
from erpsales.policy._compile import CompiledRule
from erpsales.policy._expr import AnyOf, Arith, Compare, Cond, Const, Field, Known, parse_condition
from erpsales.policy._fields import FieldSpec, fields_for

ALLOWED = fields_for("prospect", 2)
INTS = sorted(n for n, f in ALLOWED.items() if f.type == "int")
BOOLS = sorted(n for n, f in ALLOWED.items() if f.type == "bool")
STRS = sorted(n for n, f in ALLOWED.items() if f.type == "str" and f.values)
OPS: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _leaves(ints: list[str], bools: list[str], strs: list[str]) -> st.SearchStrategy[str]:
    """Leaves over a few fields, so that conditions share fields and guards interact."""
    op = st.sampled_from(list(OPS))
    small = st.integers(-2, 2)
    i, b, s = st.sampled_from(ints), st.sampled_from(bools), st.sampled_from(strs)

    def values(name: str) -> tuple[str, ...]:
        values = ALLOWED[name].values
        assert values is not None
        return values

    return st.one_of(
        st.builds(lambda f, o, v: f"{f} {o} {v}", i, op, small),
        st.builds(lambda f, o, g, v: f"{f} {o} {g} + {v}", i, op, i, small),
        st.builds(lambda lo, f, hi: f"{lo} <= {f} < {hi}", st.integers(-2, 0), i, small),
        st.builds(lambda f, o, v: f"{f} {o} {v}", b, st.sampled_from(["==", "!="]), st.booleans()),
        st.builds(lambda f, neg: f"{'not ' if neg else ''}{f}", b, st.booleans()),
        st.builds(lambda f, g, o: f"{f} {o} {g}", b, b, st.sampled_from(["==", "!="])),
        s.flatmap(
            lambda f: st.builds(
                lambda v, o: f"{f} {o} {v!r}",
                st.sampled_from(values(f)),
                st.sampled_from(["==", "!="]),
            )
        ),
        s.flatmap(
            lambda f: st.builds(
                lambda vs, neg: f"{f} {'not in' if neg else 'in'} {sorted(vs)}",
                st.sets(st.sampled_from(values(f)), min_size=1, max_size=3),
                st.booleans(),
            )
        ),
        st.builds(
            lambda fn, f: f"{fn}({f})",
            st.sampled_from(["known", "unknown"]),
            st.sampled_from([*ints, *bools, *strs]),
        ),
    )


@st.composite
def conditions(draw: st.DrawFn) -> list[str]:
    ints = draw(st.lists(st.sampled_from(INTS), min_size=1, max_size=3, unique=True))
    bools = draw(st.lists(st.sampled_from(BOOLS), min_size=1, max_size=3, unique=True))
    strs = draw(st.lists(st.sampled_from(STRS), min_size=1, max_size=2, unique=True))
    tree = st.recursive(
        _leaves(ints, bools, strs),
        lambda inner: st.one_of(
            st.builds(lambda a, b: f"({a} and {b})", inner, inner),
            st.builds(lambda a, b: f"({a} or {b})", inner, inner),
            st.builds(lambda a: f"not ({a})", inner),
        ),
        max_leaves=8,
    )
    return draw(st.lists(tree, min_size=1, max_size=4))


def _fact(spec: FieldSpec) -> st.SearchStrategy[Any]:
    if spec.type == "int":
        value: st.SearchStrategy[Any] = st.integers(-3, 3)
    elif spec.type == "bool":
        value = st.booleans()
    else:
        value = st.sampled_from(spec.values) if spec.values else st.just("x")
    return st.one_of(st.none(), value)


FACTS = st.fixed_dictionaries({spec.key: _fact(spec) for spec in ALLOWED.values()})


def _value(op: Any, facts: dict[str, Any]) -> Any:
    if isinstance(op, Const):
        return op.value
    if isinstance(op, Field):
        return facts[op.spec.key]
    assert isinstance(op, Arith)
    left, right = _value(op.left, facts), _value(op.right, facts)
    if left is None or right is None:
        return None
    return {"+": operator.add, "-": operator.sub, "*": operator.mul}[op.op](left, right)


def holds(cond: Cond, facts: dict[str, Any]) -> bool:
    """The reference meaning of a parsed condition."""
    if isinstance(cond, Compare):
        left, right = _value(cond.left, facts), _value(cond.right, facts)
        return left is not None and right is not None and OPS[cond.op](left, right)
    if isinstance(cond, Known):
        return (facts[cond.field.spec.key] is not None) == cond.known
    if isinstance(cond, AnyOf):
        value = facts[cond.field.spec.key]
        return value is not None and (value in cond.values) != cond.negated
    return (all if cond.all_of else any)(holds(c, facts) for c in cond.items)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(conditions(), st.lists(FACTS, min_size=1, max_size=8))
def test_generated_conditions_mean_what_the_language_says(
    texts: list[str], facts: list[dict[str, Any]]
) -> None:
    conds = [parse_condition(text, ALLOWED) for text in texts]
    rules = tuple(
        CompiledRule(i, f"R{i}", "verdict", "finding", c, ()) for i, c in enumerate(conds)
    )
    stage = _compile_stage(rules, "stage_verdict")
    for fact in facts:
        late = {k: v for k, v in fact.items() if k.startswith(("fit__", "grading__"))}
        early = {k: v for k, v in fact.items() if k not in late}
        expected = [i for i, c in enumerate(conds) if holds(c, fact)]
        assert stage(early, late) == expected, (texts, stage.__erpsales_source__)  # type: ignore[attr-defined]
