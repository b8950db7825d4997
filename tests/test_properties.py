"""Invariants of the seed policy and of the two backends (spec §8 "Invariants"), by hypothesis."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import erpsales
from erpsales import Engine, Grade, Prospect
from erpsales._facts import Facts
from erpsales.engine import make_backend
from erpsales.policy._compile import compile_program
from erpsales.policy._fields import FIELDS
from erpsales.testing import strategies as es

from .conftest import AS_OF

BACKENDS = erpsales.available_backends()
ENGINES = {name: Engine(backend=name) for name in BACKENDS}
CORE = st.sampled_from([i for i in erpsales.Industry if i.is_manufacturing][:11])
SOLID_PROFIT = st.integers(10_000_000, 10**9)  # at or above every profit floor
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _dump(a: erpsales.Assessment) -> dict[str, Any]:
    return a.model_dump(mode="json", exclude={"backend"})


@FAST
@given(es.prospects())
def test_every_prospect_gets_exactly_one_grade_and_status(prospect: Prospect) -> None:
    """Exhaustiveness: any valid prospect qualifies, with one grade A–D and one status."""
    for engine in ENGINES.values():
        a = engine.qualify(prospect, as_of=AS_OF)
        assert a.grade in set(Grade)
        assert a.status in ("active", "out_of_market", "disqualified")
        windows = [r.rule_id for r in a.trace if r.rule_id.startswith("GR-WINDOW-")]
        assert len(windows) == 1  # the windows are contiguous buckets (AMB-08)


@FAST
@given(es.prospects(complete=True))
def test_backends_agree_on_complete_prospects(prospect: Prospect) -> None:
    """One meaning on two engines: identical assessments, trace included."""
    results = [_dump(engine.qualify(prospect, as_of=AS_OF)) for engine in ENGINES.values()]
    assert all(r == results[0] for r in results)


@FAST
@given(es.prospects(complete=False))
def test_backends_agree_on_sparse_prospects(prospect: Prospect) -> None:
    """Unknown values mean the same on both engines (a dropped property vs ``None``)."""
    results = [_dump(engine.qualify(prospect, as_of=AS_OF)) for engine in ENGINES.values()]
    assert all(r == results[0] for r in results)


@FAST
@given(es.prospects(), st.sampled_from(BACKENDS))
def test_the_same_input_always_gives_the_same_output(prospect: Prospect, backend: str) -> None:
    """Determinism: twice on one engine, and on a freshly built engine."""
    first = ENGINES[backend].qualify(prospect, as_of=AS_OF)
    assert ENGINES[backend].qualify(prospect, as_of=AS_OF) == first
    assert Engine(backend=backend).qualify(prospect, as_of=AS_OF) == first


@FAST
@given(st.integers(0, 10**11), st.integers(0, 10**11), SOLID_PROFIT, CORE)
def test_product_fit_never_goes_down_as_revenue_goes_up(
    low: int, high: int, profit: int, industry: Any
) -> None:
    """Invariant 2 (R-TM-09): with profit above every floor, fit is monotone in revenue."""
    low, high = sorted((low, high))
    rank = {p.id: i for i, p in enumerate(erpsales.seed_policy().settings.products)}
    products = [
        erpsales.qualify(
            {"name": "x", "industry": industry, "revenue": r, "profit": profit},
            as_of=AS_OF,
            backend="compiled",
        ).product
        for r in (low, high)
    ]
    assert None not in products  # invariant 1: every revenue falls in a band
    assert rank[products[0]] <= rank[products[1]]  # type: ignore[index]


@FAST
@given(es.revenues())
def test_every_revenue_falls_in_exactly_one_band(revenue: int) -> None:
    """Invariant 1 (AMB-01 cap + AMB-02 lower_inclusive)."""
    a = erpsales.qualify({"name": "x", "revenue": revenue}, as_of=AS_OF, backend="compiled")
    assert len([r for r in a.trace if r.rule_id.endswith("-REVENUE")]) == 1


@FAST
@given(es.prospects(), st.integers(0, 30), st.integers(0, 30))
def test_grade_never_rises_as_the_close_moves_away(prospect: Prospect, m1: int, m2: int) -> None:
    """Invariant 3 (AMB-08): grade is monotone non-increasing in expected months to close."""
    near, far = sorted((m1, m2))
    grades = [
        ENGINES["compiled"]
        .qualify(prospect.model_copy(update={"months_to_close": m}), as_of=AS_OF)
        .grade
        for m in (near, far)
    ]
    assert grades[0].rank >= grades[1].rank


ORPHAN = {
    o: erpsales.policy_from_dict(
        {"extends": "seed", "settings": {"grading": {"orphan_assignment": o}}}
    )
    for o in "BCD"
}


@FAST
@given(es.prospects(computerisation=erpsales.models.ComputerisationStatus.NOT_COMPUTERISED))
def test_orphan_assignment_never_changes_not_computerised_grades(prospect: Prospect) -> None:
    """Invariant 5 (AMB-11): the orphan assignment only touches already-computerised B/C texts."""
    grades = {
        erpsales.qualify(prospect, policy=p, as_of=AS_OF, backend="compiled").grade
        for p in ORPHAN.values()
    }
    assert len(grades) == 1


# -- the condition compiler, differentially ------------------------------------------------

_INTS = [f for f in FIELDS.values() if f.type == "int" and f.scope == "prospect"][:12]
_BOOLS = [f for f in FIELDS.values() if f.type == "bool" and f.scope == "prospect"][:8]
_STRS = [f for f in FIELDS.values() if f.values and f.scope == "prospect"][:6]


def _leaf() -> st.SearchStrategy[str]:
    small = st.integers(-3, 3)
    ints = st.builds(
        lambda f, op, v, g: (
            f"{f.name} {op} {v}" if g is None else f"{f.name} {op} {g.name} * {v} + 1"
        ),
        st.sampled_from(_INTS),
        st.sampled_from(["==", "!=", "<", "<=", ">", ">="]),
        small,
        st.one_of(st.none(), st.sampled_from(_INTS)),
    )
    bools = st.builds(
        lambda f, neg: f"{'not ' if neg else ''}{f.name}", st.sampled_from(_BOOLS), st.booleans()
    )
    strs = st.sampled_from(_STRS).flatmap(
        lambda f: st.builds(
            lambda vals, neg: f"{f.name} {'not in' if neg else 'in'} {list(vals)}",
            st.lists(st.sampled_from(f.values), min_size=1, max_size=3),  # type: ignore[arg-type]
            st.booleans(),
        )
    )
    known = st.builds(
        lambda fn, f: f"{fn}({f.name})",
        st.sampled_from(["known", "unknown"]),
        st.sampled_from(_INTS + _BOOLS),
    )
    return st.one_of(ints, bools, strs, known)


CONDITIONS = st.recursive(
    _leaf(),
    lambda inner: st.one_of(
        st.builds(lambda a, b, op: f"({a} {op} {b})", inner, inner, st.sampled_from(["and", "or"])),
        st.builds(lambda a: f"not ({a})", inner),
    ),
    max_leaves=6,
)


def _value(field: Any, draw: Any) -> Any:
    if draw(st.booleans()):
        return None
    if field.type == "int":
        return draw(st.integers(-5, 5))
    if field.type == "bool":
        return draw(st.booleans())
    return draw(st.sampled_from(field.values)) if field.values else "x"


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(CONDITIONS, min_size=1, max_size=4), st.data())
def test_random_conditions_mean_the_same_on_both_backends(
    conditions: list[str], data: st.DataObject
) -> None:
    """Differential test of the compiler: random conditions, random (partly unknown) facts."""
    if len(BACKENDS) < 2:
        return
    rules = [
        {"id": f"RND-{i}", "kind": "info", "when": text, "message": {"en": "x", "zh": "x"}}
        for i, text in enumerate(conditions)
    ]
    policy = erpsales.policy_from_dict({"extends": "seed", "rules": rules})
    program = compile_program(policy)
    backends = [make_backend(name, program) for name in BACKENDS]
    phase1 = {
        f.key: _value(f, data.draw)
        for f in FIELDS.values()
        if f.scope == "prospect" and f.phase == 1
    }
    phase2 = {f.key: _value(f, data.draw) for f in FIELDS.values() if f.phase == 2}
    facts = Facts(phase1, ())

    class Judge:
        def verdict(self, *_: object) -> tuple[dict[str, Any], None]:
            return dict(phase2), None

    fired = [b.run(facts, Judge()) for b in backends]
    assert fired[0].verdict == fired[1].verdict, conditions
    assert fired[0].prospect == fired[1].prospect
    for b in backends:
        b.close()


def test_as_of_defaults_to_today_and_accepts_iso_strings() -> None:
    a = erpsales.qualify({"name": "x"}, backend="compiled")
    assert a.as_of == dt.date.today()
    assert erpsales.qualify({"name": "x"}, as_of="2027-01-31", backend="compiled").as_of == dt.date(
        2027, 1, 31
    )


@FAST
@given(es.prospects())
def test_verdict_is_the_assessments_decision(prospect: Prospect) -> None:
    """The fast path decides exactly what the explained path decides, on every backend."""
    for engine in ENGINES.values():
        assert (
            engine.verdict(prospect, as_of=AS_OF)
            == engine.qualify(prospect, as_of=AS_OF).to_verdict()
        )
