"""The testing kit's strategies, their hypothesis entry point, and the ready-made invariants.

Each invariant passes on the seed policy, and each is shown to fail — with a readable
message naming the invariant, its spec id and a counterexample — on a policy (or an engine)
broken on purpose.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import itertools
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

import erpsales
from erpsales.engine._base import Firings
from erpsales.engine._compiled import CompiledBackend
from erpsales.models import ComputerisationStatus, Industry, Quadrant
from erpsales.testing import invariants
from erpsales.testing import strategies as es
from erpsales.testing._hypothesis import _hypothesis_setup_hook
from erpsales.testing.invariants import InvariantViolation

from .conftest import AS_OF

ROOT = Path(__file__).resolve().parent.parent
SEED = erpsales.seed_policy()
BACKENDS = erpsales.available_backends()
FEW = settings(max_examples=30, database=None, deadline=None)
NO_SHRINK = settings(database=None, phases=[Phase.generate])
PROSPECT_NAMES = {"苏州精工机械", "东莞华信电子", "Acme Tools", "宁波甬达五金"}


def _policy(**data: Any) -> erpsales.Policy:
    return erpsales.policy_from_dict({"extends": "seed", **data})


def _info(id_: str, en: str, zh: str) -> dict[str, Any]:
    return {"id": id_, "message": {"en": en, "zh": zh}}


# -- strategies: the knobs ------------------------------------------------------------------

UPPER = _policy(id="upper", settings={"band_boundary": "upper_inclusive"})


@pytest.mark.parametrize("policy", [SEED, UPPER], ids=["lower_inclusive", "upper_inclusive"])
@pytest.mark.parametrize("product", ["ERP1", "ERP2", "TIPTOP"])
def test_a_product_band_keeps_revenues_where_that_products_revenue_rule_fires(
    policy: erpsales.Policy, product: str
) -> None:
    """revenue_band="ERP2" follows the policy's bands and its band_boundary (AMB-02)."""
    engine = erpsales.Engine(policy, backend="compiled")

    @FEW
    @given(es.prospects(revenue_band=product, policy=policy))
    def check(prospect: erpsales.Prospect) -> None:
        assert prospect.annual_revenue_rmb is not None  # a band knob always gives a revenue
        fired = {r.rule_id for r in engine.qualify(prospect, as_of=AS_OF).trace}
        assert f"TM-{product}-REVENUE" in fired

    check()


def test_band_edges_come_first_and_follow_the_boundary_reading() -> None:
    assert es.revenue_band_of("ERP2") == (100_000_000, 500_000_000)
    assert es.revenue_band_of("ERP2", UPPER) == (100_000_001, 500_000_001)
    assert es.revenue_band_of("TIPTOP") == (500_000_000, None)
    assert find(es.revenues("ERP2"), lambda r: True) == 100_000_000
    assert {99_999_999, 100_000_000, 100_000_001} <= set(es.revenue_edges())


@FEW
@given(es.revenues((10, 20)), es.amounts(max_value=1000))
def test_a_revenue_range_is_half_open_and_amounts_stay_under_their_cap(
    revenue: int, amount: int
) -> None:
    assert 10 <= revenue < 20
    assert 0 <= amount <= 1000


@FEW
@given(
    es.prospects(
        computerisation="computerised", complete=True, min_stakeholders=2, max_stakeholders=3
    )
)
def test_the_prospect_knobs_hold(prospect: erpsales.Prospect) -> None:
    assert prospect.computerisation is ComputerisationStatus.COMPUTERISED
    assert 2 <= len(prospect.stakeholders) <= 3
    assert prospect.annual_revenue_rmb is not None
    assert prospect.annual_profit_rmb is not None
    assert prospect.industry is not None
    assert prospect.necessity_affirmed is not None


@FEW
@given(es.prospects(industry="机械", revenue=st.just(7)))
def test_a_fixed_industry_is_always_known(prospect: erpsales.Prospect) -> None:
    assert prospect.industry is Industry.MACHINERY
    assert prospect.annual_revenue_rmb in (None, 7)  # an explicit strategy stays sparse


STRICT_MAP = _policy(
    id="strict-map",
    settings={"stakeholder_map": {"high_threshold": 3, "neutral_support_as": "high"}},
)


@pytest.mark.parametrize("policy", [SEED, STRICT_MAP], ids=["seed", "threshold-3"])
@pytest.mark.parametrize("quadrant", list(Quadrant))
def test_a_quadrant_knob_places_the_person_there(
    policy: erpsales.Policy, quadrant: Quadrant
) -> None:
    """stakeholders(quadrant=...) reads the policy's thresholds (AMB-13)."""

    @FEW
    @given(es.stakeholders(quadrant=quadrant, roles=["approver"], policy=policy))
    def check(person: erpsales.Stakeholder) -> None:
        assert person.roles == {erpsales.DecisionRole.APPROVER}
        a = erpsales.qualify(
            {"name": "x", "stakeholders": [person]}, policy=policy, as_of=AS_OF, backend="compiled"
        )
        assert a.stakeholders[0].quadrant is quadrant

    check()


@FEW
@given(es.stakeholders(scored=False), es.stakeholders(scored=True))
def test_scored_false_leaves_a_person_unplaced(
    unscored: erpsales.Stakeholder, scored: erpsales.Stakeholder
) -> None:
    assert unscored.influence is None or unscored.support is None
    assert scored.influence is not None
    assert scored.support is not None


@FEW
@given(
    es.industries("core"),
    es.industries(["other_manufacturing", "non_manufacturing"]),
    es.territories(max_prospects=2),
)
def test_industry_classes_and_territories(
    core: Industry, other: Industry, territory: erpsales.Territory
) -> None:
    assert core in SEED.settings.industries.core
    assert other not in SEED.settings.industries.core
    assert len(territory.prospects) <= 2


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: es.prospects(revenue_band="ERP9"), "no product 'ERP9'; its products are"),
        (lambda: es.prospects(revenue_band="ERP2", revenue=st.just(1)), "not both"),
        (lambda: es.prospects(revenue_band=(20, 10)), "0 <= lo < hi"),
        (lambda: es.prospects(min_stakeholders=4, max_stakeholders=2), "min_stakeholders"),
        (lambda: es.prospects(max_stakeholders=12), "<= 9"),
        (lambda: es.stakeholders(quadrant="devil", scored=False), "contradicts"),
        (lambda: es.stakeholders(quadrant="unclassified", scored=True), "contradicts"),
        (lambda: es.industries("mining"), "unknown industry class"),  # type: ignore[arg-type]
    ],
)
def test_impossible_knobs_are_rejected_with_the_reason(make: Any, message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        make()


def test_a_quadrant_no_score_reaches_is_rejected() -> None:
    lenient = _policy(settings={"stakeholder_map": {"high_threshold": 1}})
    with pytest.raises(InvalidArgument, match="no scores place a person as imp"):
        es.stakeholders(quadrant="imp", policy=lenient)


# -- the hypothesis entry point --------------------------------------------------------------

HOOK = "erpsales.testing._hypothesis:_hypothesis_setup_hook"


def _draw(strategy: st.SearchStrategy[Any]) -> Any:
    """One example, quickly (no shrinking)."""
    return find(strategy, lambda _: True, settings=NO_SHRINK)


def test_the_hook_registers_strategies_for_the_four_models() -> None:
    _hypothesis_setup_hook()  # what hypothesis does on import; running it twice is harmless
    _hypothesis_setup_hook()
    prospect = _draw(st.from_type(erpsales.Prospect))
    assert prospect.name in PROSPECT_NAMES  # drawn by es.prospects, not by a generic builder
    for model in (erpsales.Stakeholder, erpsales.KeyInfo, erpsales.Territory):
        assert isinstance(_draw(st.from_type(model)), model)


def _run(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [sys.executable, *args],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src"), **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )
    return done.stdout + done.stderr


def _installed_hook() -> bool:
    return any(e.value == HOOK for e in importlib.metadata.entry_points(group="hypothesis"))


def test_from_type_works_in_a_users_test_file_without_a_conftest(tmp_path: Path) -> None:
    """Issue 3, done means: a user's test file can use st.from_type(erpsales.Prospect)."""
    assert _installed_hook(), (
        "the installed erpsales metadata lacks the hypothesis entry point; "
        "reinstall it: pip install -e . (make test does this)"
    )
    (tmp_path / "test_mine.py").write_text(
        textwrap.dedent(
            """
            import erpsales
            from hypothesis import given, settings, strategies as st

            @settings(max_examples=20, database=None, deadline=None)
            @given(st.from_type(erpsales.Prospect))
            def test_every_prospect_qualifies(prospect):
                a = erpsales.qualify(prospect, as_of="2026-11-28", backend="compiled")
                assert a.grade in set(erpsales.Grade)

            @settings(max_examples=10, database=None, deadline=None)
            @given(st.from_type(erpsales.Stakeholder), st.from_type(erpsales.KeyInfo),
                   st.from_type(erpsales.Territory))
            def test_the_other_models(person, info, territory):
                assert isinstance(person, erpsales.Stakeholder)
                assert isinstance(info, erpsales.KeyInfo)
                assert isinstance(territory, erpsales.Territory)
            """
        ),
        encoding="utf-8",
    )
    out = _run(tmp_path, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error")
    assert "2 passed" in out, out


def test_importing_hypothesis_does_not_import_the_strategies(tmp_path: Path) -> None:
    """The hook is cheap: strategies load when from_type first resolves an erpsales type."""
    script = textwrap.dedent(
        """
        import sys
        import hypothesis
        from hypothesis import Phase, find, settings, strategies as st
        import erpsales
        print("before", "erpsales.testing.strategies" in sys.modules)
        find(st.from_type(erpsales.Prospect), lambda p: True, settings=settings(phases=[Phase.generate]))
        print("after", "erpsales.testing.strategies" in sys.modules)
        """
    )
    out = _run(tmp_path, "-c", script)
    assert "before False" in out, out
    assert "after True" in out, out


# -- the invariants hold on the seed policy ---------------------------------------------------


def test_check_all_runs_every_invariant_in_order() -> None:
    """check_all passes on the seed; its full-strength runs are in test_properties.py."""
    outcomes = invariants.check_all(SEED, max_examples=30, random_seed=3)
    assert list(outcomes) == [
        "exactly_one_grade",
        "exactly_one_band",
        "fit_monotone_in_revenue",
        "grade_monotone_in_time_to_close",
        "deterministic",
        "backends_agree",
        "no_unreachable_rules",
    ]
    # a rule that never fired is a note, not a failure (unless strict=True); CX-RC-1 waits
    # for settings.capabilities, so it is always among them
    unreachable = outcomes.pop("no_unreachable_rules")
    assert unreachable.startswith("ok (never fired: "), unreachable
    assert "CX-RC-1" in unreachable
    assert set(outcomes.values()) == {"ok"}, outcomes


def test_check_all_rejects_an_option_no_invariant_takes() -> None:
    with pytest.raises(TypeError, match="max_exmaples"):
        invariants.check_all(SEED, max_exmaples=3)


def test_backends_agree_never_skips_with_one_backend() -> None:
    """With one backend it compares two engines of it (a weaker check, but one)."""
    invariants.backends_agree(SEED, backends=["compiled"], max_examples=10)


# -- each invariant can fail -----------------------------------------------------------------


def _violation(check: Any, *args: Any, **kw: Any) -> InvariantViolation:
    with pytest.raises(InvariantViolation) as caught:
        check(*args, **kw)
    error = caught.value
    assert isinstance(error, AssertionError)
    text = str(error)
    assert text.startswith(f"invariant {check.__name__} (")
    assert "counterexample: " in text
    return error


def test_fit_falls_between_profit_floors_so_a_fixed_profit_breaks_monotonicity() -> None:
    """With 300万 profit (between ERP1's and ERP2's floors) fit drops from ERP1 to nothing."""
    error = _violation(invariants.fit_monotone_in_revenue, SEED, profit=3_000_000)
    text = str(error)
    assert "R-TM-09" in text
    assert (
        "revenue 99,999,999 fits ERP1, but the higher revenue 100,000,000 fits no product" in text
    )
    assert "below the ERP2 floor" in text


def test_a_profit_floor_out_of_order_breaks_fit_monotonicity() -> None:
    """A typo puts ERP2's floor (3000万) above TIPTOP's (1000万): at 2000万 profit a growing
    company loses ERP1 and fits nothing until TIPTOP; the seed stays monotone at 2000万."""
    typo = _policy(
        id="floor-typo", settings={"products": [{"id": "ERP2", "profit_min_rmb": 30_000_000}]}
    )
    invariants.fit_monotone_in_revenue(SEED, profit=20_000_000)
    invariants.fit_monotone_in_revenue(typo)  # above every floor it still holds
    error = _violation(invariants.fit_monotone_in_revenue, typo, profit=20_000_000)
    assert error.policy_id == "floor-typo"
    assert "below the ERP2 floor of RMB 30,000,000" in str(error)


def test_a_grade_rule_that_reads_the_close_window_backwards_breaks_grade_monotonicity() -> None:
    """'B: necessity affirmed, closing within three months' written with >= instead of <=."""
    typo = _policy(
        id="b-typo",
        rules=[
            {
                **_info(
                    "GR-B-AFFIRMED",
                    "Not yet computerised, necessity affirmed, closing within three months.",
                    "未信息化者：肯定必要性，三个月内成交。",
                ),
                "kind": "grade",
                "grade": "B",
                "when": 'prospect.computerisation == "not_computerised" and prospect.necessity_affirmed and close.months >= 3',
            }
        ],
    )
    error = _violation(invariants.grade_monotone_in_time_to_close, typo, backend="compiled")
    text = str(error)
    assert "spec §8 invariant 3; AMB-08" in text
    assert "grades better than closing in" in text
    assert "GR-B-AFFIRMED" in text  # the descriptor rule that made the far grade better
    prospect = error.counterexample
    assert isinstance(prospect, erpsales.Prospect)
    # the message shows the counterexample as JSON that qualify accepts, as it is
    shown = text.rpartition("counterexample: ")[2]
    assert erpsales.Prospect.model_validate_json(shown) == prospect


@pytest.mark.parametrize(
    ("settings_", "expected"),
    [
        # AMB-01's "range" reading: below 0.5亿 no band holds
        ({"products": [{"id": "ERP1", "revenue_min_rmb": 50_000_000}]}, "falls in 0 bands (none"),
        # AMB-02's literal reading: 1亿 and 5亿 fall in two bands, by design
        ({"band_boundary": "literal_inclusive"}, "falls in 2 bands"),
    ],
    ids=["erp1-range", "literal-inclusive"],
)
def test_readings_outside_the_invariants_premise_break_exactly_one_band(
    settings_: dict[str, Any], expected: str
) -> None:
    error = _violation(invariants.exactly_one_band, _policy(id="reading", settings=settings_))
    assert expected in str(error)
    assert "AMB-01, AMB-02" in str(error)


def _patch_run(
    monkeypatch: pytest.MonkeyPatch, cls: type[Any], change: Any, *, name: str = "run"
) -> None:
    original = getattr(cls, name)

    def run(self: Any, facts: Any, judge: Any, /) -> Firings:
        return change(self, facts, judge, original(self, facts, judge))

    monkeypatch.setattr(cls, name, run)


def test_an_engine_that_loses_the_d_window_breaks_exactly_one_grade(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Fault injection: a backend that drops the close-window rule when the close is unknown."""

    def drop(_self: Any, facts: Any, judge: Any, fired: Firings) -> Firings:
        if facts.prospect["close__months"] is not None:
            return fired
        kept = [i for i in fired.prospect if i not in judge.window_rule]
        return dataclasses.replace(fired, prospect=kept)

    _patch_run(monkeypatch, CompiledBackend, drop)
    error = _violation(invariants.exactly_one_grade, SEED, backend="compiled")
    assert "0 close-window rules fired (none) for close.months = None" in str(error)
    assert "R-GR-01, AMB-08, AMB-12" in str(error)


def test_an_engine_that_raises_breaks_exactly_one_grade(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(_self: Any, facts: Any, _judge: Any, fired: Firings) -> Firings:
        if facts.people:
            raise RuntimeError("boom")
        return fired

    _patch_run(monkeypatch, CompiledBackend, fail)
    error = _violation(invariants.exactly_one_grade, SEED, backend="compiled")
    assert "qualify raised RuntimeError on the compiled backend: boom" in str(error)


def _drop_last_finding(fired: Firings) -> Firings:
    return dataclasses.replace(fired, verdict=fired.verdict[:-1])


def test_an_engine_that_answers_differently_each_time_breaks_determinism(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = itertools.count()

    def flaky(_self: Any, _facts: Any, _judge: Any, fired: Firings) -> Firings:
        return _drop_last_finding(fired) if next(calls) % 2 else fired

    _patch_run(monkeypatch, CompiledBackend, flaky)
    error = _violation(invariants.deterministic, SEED, backend="compiled")
    assert "differs on the compiled backend at .findings" in str(error)


def test_a_second_engine_that_disagrees_breaks_backends_agree_with_one_backend(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The single-backend path: a second compiled engine that drops a finding."""
    built: Iterator[int] = itertools.count()
    broken: set[int] = set()
    original_init = CompiledBackend.__init__

    def init(self: CompiledBackend, program: Any, /) -> None:
        original_init(self, program)
        if next(built) % 2:
            broken.add(id(self))

    def drop(self: Any, _facts: Any, _judge: Any, fired: Firings) -> Firings:
        return _drop_last_finding(fired) if id(self) in broken else fired

    monkeypatch.setattr(CompiledBackend, "__init__", init)
    _patch_run(monkeypatch, CompiledBackend, drop)
    error = _violation(invariants.backends_agree, SEED, backends=["compiled"])
    assert "compiled and compiled (a second engine) differ at .findings" in str(error)


@pytest.mark.parametrize("other", [b for b in BACKENDS if b != "compiled"])
def test_a_backend_that_drops_a_finding_breaks_backends_agree(
    monkeypatch: pytest.MonkeyPatch, other: str
) -> None:
    from erpsales.engine._durable import DurableBackend

    _patch_run(monkeypatch, DurableBackend, lambda _s, _f, _j, fired: _drop_last_finding(fired))
    error = _violation(invariants.backends_agree, SEED)
    assert f"compiled and {other} differ at .findings" in str(error)


IMPOSSIBLE = _policy(
    id="impossible",
    rules=[
        {
            **_info("BR-NEGATIVE", "The budget is negative.", "预算为负数。"),
            "kind": "warning",
            "when": "budget.amount < 0",
        },
        {
            **_info("RQ-MANY-MODULES", "More than fifty modules.", "超过五十个模块。"),
            "kind": "info",
            "when": "requirement.module_count > 50",
        },
    ],
)


def test_no_unreachable_rules_lists_a_rule_with_an_impossible_condition() -> None:
    missing = invariants.no_unreachable_rules(IMPOSSIBLE, max_examples=100, random_seed=1)
    assert missing == ["CX-RC-1", "BR-NEGATIVE", "RQ-MANY-MODULES"]  # in policy order


def test_no_unreachable_rules_strict_says_why_each_rule_never_fired() -> None:
    error = _violation(
        invariants.no_unreachable_rules, IMPOSSIBLE, strict=True, max_examples=50, random_seed=1
    )
    text = str(error)
    assert error.counterexample == ["CX-RC-1", "BR-NEGATIVE", "RQ-MANY-MODULES"]
    # proved by the static check ...
    assert "BR-NEGATIVE (when: budget.amount < 0): can never fire" in text
    # ... or only not found by the search (no generated prospect needs 50 modules)
    assert "RQ-MANY-MODULES (when: requirement.module_count > 50): did not fire in 50" in text


def test_check_all_reports_a_failure_by_name() -> None:
    reading = _policy(
        id="range", settings={"products": [{"id": "ERP1", "revenue_min_rmb": 50_000_000}]}
    )
    outcomes = invariants.check_all(reading, max_examples=20, random_seed=2)
    assert outcomes.pop("exactly_one_band").startswith("invariant exactly_one_band (")
    assert all(outcome.startswith("ok") for outcome in outcomes.values()), outcomes
