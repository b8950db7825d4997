"""The compiled backend's fused batch program decides exactly what the general path decides.

The general path derives every fact into dicts (``build_facts``), runs the stage functions
and lets the resolver build the Verdict; the fused program derives only what its rules
read, looks the decisions up by bit masks and emits rows or Verdicts in one generated loop.
These tests hold the two equal on random prospects, random dates and random policies
(random written rules in both scopes, and settings that change how facts are derived).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import erpsales
from erpsales import VERDICT_COLUMNS, Engine, ItemError, Prospect, Verdict
from erpsales._facts import build_facts
from erpsales._rows import finding_kinds, verdict_row
from erpsales.testing import strategies as es

from .conftest import AS_OF
from .test_display import _four_quadrants
from .test_properties import CONDITIONS

SETTINGS: list[dict[str, Any]] = [
    {},
    # AMB-16: unscored influence assumed high for approvers changes how people are placed
    {"stakeholder_map": {"assume_influence_for_roles": ["approver", "decision_maker"]}},
    # AMB-03/04/09/12: the decisions' other branches
    {
        "profit_rule": "revenue_primary",
        "missing_financials": "fail",
        "grading": {"basis": "descriptor"},
        "switches": {"disqualified_status": False},
    },
    {"band_boundary": "upper_inclusive", "grading": {"basis": "window", "month_rounding": "floor"}},
    {"capabilities": {"modules": ["财务", "MES"], "languages": ["zh"], "regions": ["江苏"]}},
]
PERSON_CONDITIONS = st.sampled_from(
    [
        "person.influence >= 3 and not person.is_gatekeeper",
        "person.quadrant in ['devil', 'imp'] or unknown(person.support)",
        "person.role_count > 1",
        "person.level == 'senior' and person.support <= 2",
    ]
)


def _policy(base: dict[str, Any], conditions: list[str], person: list[str]) -> erpsales.Policy:
    rules = [
        {"id": f"RND-{i}", "kind": "red_flag", "when": text, "message": {"en": "x", "zh": "x"}}
        for i, text in enumerate(conditions)
    ] + [
        {
            "id": f"RND-P{i}",
            "kind": "warning",
            "scope": "stakeholder",
            "when": text,
            "message": {"en": "x", "zh": "x"},
        }
        for i, text in enumerate(person)
    ]
    return erpsales.policy_from_dict({"extends": "seed", "settings": base, "rules": rules})


def _general(engine: Engine, prospect: Prospect, day: dt.date) -> Verdict:
    """The verdict by the general path: every fact as dicts, stage functions, resolver."""
    facts = build_facts(prospect, engine._context, day)
    firings = engine._backend.run(facts, engine._resolver)
    return engine._resolver.summary(prospect, facts, firings)


DAYS = st.dates(dt.date(2024, 1, 1), dt.date(2028, 12, 31))


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.sampled_from(range(len(SETTINGS))),
    st.lists(CONDITIONS, max_size=3),
    st.lists(PERSON_CONDITIONS, max_size=2, unique=True),
    st.lists(es.prospects(), min_size=1, max_size=6),
    DAYS,
)
def test_fused_rows_and_verdicts_equal_the_general_path(
    which: int,
    conditions: list[str],
    person: list[str],
    prospects: list[Prospect],
    day: dt.date,
) -> None:
    engine = Engine(_policy(SETTINGS[which], conditions, person), backend="compiled")
    kinds = finding_kinds(engine.policy)
    expected = [_general(engine, p, day) for p in prospects]
    assert list(engine.verdicts(prospects, as_of=day)) == expected
    assert list(engine.verdict_rows(prospects, as_of=day)) == [
        verdict_row(v, kinds) for v in expected
    ]


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(es.prospects(complete=True), DAYS)
def test_fused_verdict_equals_the_durable_backend(prospect: Prospect, day: dt.date) -> None:
    if "durable" not in erpsales.available_backends():
        pytest.skip("durable-rules does not install on this Python")
    compiled, durable = Engine(backend="compiled"), Engine(backend="durable")
    with durable:
        assert compiled.verdict(prospect, as_of=day) == durable.verdict(prospect, as_of=day)
        assert list(compiled.verdict_rows([prospect], as_of=day)) == list(
            durable.verdict_rows([prospect], as_of=day)
        )


def test_rows_follow_the_columns_and_the_seed_decides_the_examples() -> None:
    """R-TM-03, R-GR-02 and R-SM-03 on a row: 3亿 with 2000万 profit, selection started →
    ERP2, A; one person in each quadrant and one unscored; a devil approver is flagged."""
    (row,) = Engine(backend="compiled").verdict_rows([_four_quadrants()], as_of=AS_OF)
    assert not isinstance(row, ItemError)
    got = dict(zip(VERDICT_COLUMNS, row, strict=True))
    assert (got["id"], got["product"], got["grade"], got["status"]) == (
        "P-1",
        "ERP2",
        "A",
        "active",
    )
    assert [got[q] for q in ("devil", "angel", "imp", "sweetheart", "unclassified")] == [1] * 5
    assert got["in_pipeline"] is True
    ids = got["finding_ids"].split(",")
    assert {"SM-DECIDER-DEVIL", "SM-UNSCORED"} <= set(ids)
    assert got["finding_count"] == len(ids)


@pytest.mark.parametrize("backend", erpsales.available_backends())
def test_batches_keep_bad_items_in_place(backend: str) -> None:
    """A bad item yields its ItemError at its own index, across batch boundaries."""
    good = {"name": "x", "industry": "food", "revenue": "2亿", "profit": "600万"}
    bad_at = {3, 255, 256, 600}
    items = [
        {"name": f"bad {i}", "revenue": "lots"} if i in bad_at else {**good, "id": f"P{i}"}
        for i in range(700)
    ]
    results = list(Engine(backend=backend).verdict_rows(items, as_of=AS_OF))
    assert len(results) == len(items)
    errors = {r.index: r for r in results if isinstance(r, ItemError)}
    assert set(errors) == bad_at
    assert all("revenue" in e.message for e in errors.values())
    ids = [r[0] for r in results if not isinstance(r, ItemError)]
    assert ids == [f"P{i}" for i in range(700) if i not in bad_at]


def test_the_generated_source_reads_only_what_the_rules_need() -> None:
    """Fit and grading alone derive neither the budget nor the competition."""
    findings = [r.id for r in erpsales.seed_policy().rules if r.kind != "grade"]
    lean = erpsales.policy_from_dict({"extends": "seed", "remove_rules": findings})
    source = Engine(lean, backend="compiled")._fused.source["row"]  # type: ignore[union-attr]
    assert "budget" not in source
    assert "competitors" not in source
    full = Engine(backend="compiled")._fused.source["row"]  # type: ignore[union-attr]
    assert "budget__amount" in full
    assert "competition__leader_count" in full


@pytest.mark.parametrize("which", range(len(SETTINGS)))
def test_fused_decisions_at_the_edges(which: int) -> None:
    """AMB-02/03/04/05 edges: unknown, zero and negative figures, every industry class."""
    engine = Engine(_policy(SETTINGS[which], [], []), backend="compiled")
    prospects = [
        Prospect.model_validate(
            {
                "name": "edge",
                "industry": industry,
                "annual_revenue_rmb": revenue,
                "annual_profit_rmb": profit,
                "computerisation": status,
                "months_to_close": months,
            }
        )
        for profit in (None, -1, 0, 1, 999_999, 1_000_000, 5_000_000)
        for revenue in (None, 0, 99_999_999, 100_000_000, 500_000_000)
        for industry in (None, "machinery", "other_manufacturing", "retail")
        for status in ("computerised", "unknown")
        for months in (None, 1, 4)
    ]
    expected = [_general(engine, p, AS_OF) for p in prospects]
    assert list(engine.verdicts(prospects, as_of=AS_OF)) == expected


@pytest.mark.parametrize("backend", erpsales.available_backends())
def test_the_calendars_last_month_is_graded_not_refused(backend: str) -> None:
    """AMB-28 at the end of the calendar: a selection starting within a month of
    9999-12-15 is imminent (the window ends past date.max), so R-GR-02 gives A."""
    item = {
        "name": "x",
        "industry": "food",
        "computerisation": "not_computerised",
        "months_to_close": 1,
        "key_info": {"schedule": {"selection_start": "9999-12-20"}},
    }
    engine = Engine(backend=backend)
    with engine:
        verdict = engine.verdict(item, as_of="9999-12-15")
        assert verdict.grade.value == "A"
        assert verdict == engine.qualify(item, as_of="9999-12-15").to_verdict()
