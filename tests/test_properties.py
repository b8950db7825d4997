"""Invariants of the seed policy and of the two backends (spec §8 "Invariants"), by hypothesis."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import erpsales
from erpsales import Engine, Prospect
from erpsales._facts import Facts
from erpsales.engine import make_backend
from erpsales.policy._compile import compile_program
from erpsales.policy._fields import FIELDS
from erpsales.testing import invariants
from erpsales.testing import strategies as es

from .conftest import AS_OF

BACKENDS = erpsales.available_backends()
ENGINES = {name: Engine(backend=name) for name in BACKENDS}
SEED = erpsales.seed_policy()
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# The seed policy's invariants, checked with the ready-made checks users run on their own
# policies (erpsales.testing.invariants). Each runs on every backend available here, on
# sparse and complete prospects, and raises with a shrunk counterexample.


def test_every_prospect_gets_exactly_one_grade_and_status() -> None:
    """Exhaustiveness: any valid prospect qualifies, with one grade A–D and one status, and
    exactly one close-window rule fires (the windows are contiguous buckets, AMB-08)."""
    invariants.exactly_one_grade(SEED, max_examples=120, as_of=AS_OF)


def test_backends_agree_on_complete_prospects() -> None:
    """One meaning on two engines: identical assessments, trace included."""
    invariants.backends_agree(
        SEED, prospects=es.prospects(complete=True), max_examples=60, as_of=AS_OF
    )


def test_backends_agree_on_sparse_prospects() -> None:
    """Unknown values mean the same on both engines (a dropped property vs ``None``)."""
    invariants.backends_agree(SEED, prospects=es.prospects(), max_examples=60, as_of=AS_OF)


def test_backends_agree_on_the_default_mix() -> None:
    """The invariant's own prospects: sparse, complete, placed stakeholders, swarm-varied."""
    invariants.backends_agree(SEED, max_examples=60, as_of=AS_OF)


def test_the_same_input_always_gives_the_same_output() -> None:
    """Determinism: twice on one engine, and on a freshly built engine, on every backend."""
    invariants.deterministic(SEED, max_examples=60, as_of=AS_OF)


def test_product_fit_never_goes_down_as_revenue_goes_up() -> None:
    """Invariant 2 (R-TM-09): with profit above every floor and a core industry, fit is
    monotone in revenue — over two random revenues and every band edge, in order."""
    invariants.fit_monotone_in_revenue(SEED, max_examples=100, as_of=AS_OF)


def test_every_revenue_falls_in_exactly_one_band() -> None:
    """Invariant 1 (AMB-01 cap + AMB-02 lower_inclusive): one revenue rule fires, and with
    profit above every floor and a core industry the prospect fits that band's product."""
    invariants.exactly_one_band(SEED, max_examples=100, as_of=AS_OF)


def test_grade_never_rises_as_the_close_moves_away() -> None:
    """Invariant 3 (AMB-08): grade is monotone non-increasing in expected months to close,
    checked at every month from 0 to 30 for each prospect."""
    invariants.grade_monotone_in_time_to_close(SEED, max_examples=60, as_of=AS_OF)


def test_every_seed_rule_can_fire_but_cx_rc_1() -> None:
    """Every rule of the seed fires for some prospect, except CX-RC-1: it compares the
    requirement with settings.capabilities, which the seed leaves unset (AMB-18)."""
    assert invariants.no_unreachable_rules(SEED, as_of=AS_OF, random_seed=0) == ["CX-RC-1"]


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
