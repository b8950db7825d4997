"""The peers of benchmarks/peers.py decide exactly what erpsales decides: equal work.

Each peer (hand-written Python, raw durable-rules, zen-engine, rule-engine) must give the
product and grade of erpsales' compiled ``Engine.verdict`` on the benchmark's own generated
prospects, on the same prospects pushed to the edges (unknown values, band edges, passed and
explicit close dates, selection read from the schedule), and on hypothesis' prospects. And
the constants the peers were written with must still be the seed's.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

import erpsales
from erpsales import Engine, Prospect, seed_policy
from erpsales._facts import months_between
from erpsales.testing import strategies as es

from .conftest import AS_OF

sys.path.insert(0, str(Path(__file__).parents[1] / "benchmarks"))

from _generate import generate
from _peers import common
from _peers.gorules import JDM, ZenDecision, ZenLoader
from _peers.handwritten import handwritten
from _peers.ruleengine import RuleEngine

Peer = Callable[[Prospect], tuple[str | None, str]]
ENGINE = Engine(backend="compiled")
DURABLE = "durable" in erpsales.available_backends()
# durable-rules' engine.py calls datetime.utcfromtimestamp (deprecated from Python 3.12)
_DURABLE_WARNING = "ignore:datetime.datetime.utcfromtimestamp:DeprecationWarning"
PEERS = ["handwritten", "zen-decision", "zen-loader", "rule-engine"] + (
    [pytest.param("raw-durable", marks=pytest.mark.filterwarnings(_DURABLE_WARNING))]
    if DURABLE
    else []
)


def _make(name: str) -> tuple[Peer, Callable[[], None]]:
    if name == "handwritten":
        return handwritten(AS_OF), lambda: None
    if name == "zen-decision":
        return ZenDecision(AS_OF), lambda: None
    if name == "zen-loader":
        return ZenLoader(AS_OF), lambda: None
    if name == "rule-engine":
        return RuleEngine(AS_OF), lambda: None
    from _peers.raw_durable import RawDurable

    peer = RawDurable(AS_OF)
    return peer, peer.close


@pytest.fixture(scope="module", params=PEERS)
def peer(request: pytest.FixtureRequest) -> Iterator[Peer]:
    """Each peer, built once for the module."""
    made, close = _make(request.param)
    yield made
    close()


def _reference(p: Prospect) -> tuple[str | None, str]:
    v = ENGINE.verdict(p, as_of=AS_OF)
    return v.product, v.grade.value


def _day(days: int) -> str:
    return (AS_OF + dt.timedelta(days=days)).isoformat()


def _edges(item: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """``item`` with two to five of its values pushed to where the rules turn."""
    schedule = item["key_info"]["schedule"]
    changes: list[Callable[[], None]] = [
        lambda: item.update(annual_revenue_rmb=None),
        lambda: item.update(annual_profit_rmb=rng.choice([None, -1, 0])),
        lambda: item.update(
            annual_revenue_rmb=rng.choice([0, 99_999_999, 100_000_000, 499_999_999, 500_000_000]),
            annual_profit_rmb=rng.choice([999_999, 1_000_000, 5_000_000, 10_000_000, 9_999_999]),
        ),
        lambda: item.update(industry=rng.choice([None, "retail", "other_manufacturing", "电子"])),
        lambda: item.update(months_to_close=rng.randint(0, 9)),
        lambda: item.update(expected_close=_day(rng.randint(-40, 220))),
        lambda: schedule.update(contract_signing=rng.choice([None, _day(rng.randint(-40, 40))])),
        lambda: item.update(selection="unknown"),
        lambda: schedule.update(selection_start=rng.choice([None, _day(rng.randint(-5, 45))])),
        lambda: item.update(selection=rng.choice(["unknown", "waiting"]), waiting_on="董事会换届"),
        lambda: item.update(necessity_affirmed=rng.choice([None, True])),
        lambda: item.update(computerisation=rng.choice(["unknown", "computerised"])),
        lambda: item.update(
            computerisation="computerised",
            pains=rng.sample(
                ["vendor_unresponsive", "in_house_unmaintainable", "inadequate_for_scale"],
                rng.randint(0, 2),
            ),
        ),
    ]
    for change in rng.sample(changes, rng.randint(2, 5)):
        change()
    return item


GENERATED = [Prospect.model_validate(item) for item in generate(300)]
_RNG = random.Random(11)
EDGES = [Prospect.model_validate(_edges(item, _RNG)) for item in generate(300, seed=11)]


def test_the_data_reaches_every_product_and_grade() -> None:
    decided = {_reference(p) for p in GENERATED + EDGES}
    assert {product for product, _ in decided} == {"ERP1", "ERP2", "TIPTOP", None}
    assert {grade for _, grade in decided} == {"A", "B", "C", "D"}


@pytest.mark.parametrize("data", ["generated", "edges"])
def test_peer_decides_what_erpsales_decides(peer: Peer, data: str) -> None:
    prospects = GENERATED if data == "generated" else EDGES
    decided = [(p.key, _reference(p), peer(p)) for p in prospects]
    assert [d for d in decided if d[1] != d[2]] == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prospect=es.prospects())
def test_peer_decides_what_erpsales_decides_on_any_prospect(peer: Peer, prospect: Prospect) -> None:
    assert peer(prospect) == _reference(prospect)


def test_the_peers_constants_are_the_seeds() -> None:
    s = seed_policy().settings
    products = tuple(
        (p.id, p.revenue_min_rmb or 0, p.revenue_max_rmb, p.profit_min_rmb) for p in s.products
    )
    assert products == common.PRODUCTS
    assert (s.band_boundary, s.profit_rule, s.missing_financials) == (
        "lower_inclusive",
        "strict",
        "unknown",
    )
    assert frozenset(i.value for i in s.industries.core) == common.CORE
    assert s.industries.require_manufacturing
    assert s.industries.allow_other_manufacturing
    g = s.grading
    assert tuple((k, g.windows[k]) for k in "ABC") == common.WINDOWS
    assert (g.month_rounding, g.basis) == ("ceil", "conservative")
    assert g.unknown_status_cap.value == common.UNKNOWN_CAP
    assert g.imminent_selection_months == common.IMMINENT_MONTHS
    assert g.orphan_assignment == "B"  # the peers give the orphan rule grade B
    descriptors = {r.id for r in seed_policy().rules if r.kind == "grade"}
    assert descriptors == {
        "GR-A-NEW",
        "GR-A-REPLACE",
        "GR-B-NEW",
        "GR-ORPHAN-PAIN",
        "GR-C-NEW",
        "GR-C-REPLACE-SYNTH",
        "GR-B-REPLACE-SYNTH",  # inactive: the orphan fills B (AMB-11)
    }


def test_the_jdm_product_table_has_the_seeds_bands() -> None:
    graph = json.loads(JDM.read_text(encoding="utf-8"))
    table = next(n for n in graph["nodes"] if n["id"] == "product")["content"]
    rows = [
        (r["product-product"], r["product-revenue"], r["product-profit"]) for r in table["rules"]
    ]
    expected = [
        (
            f"'{product}'",
            f"[{low}..{high})" if high is not None else f">= {low}",
            f">= {floor}",
        )
        for product, low, high, floor in common.PRODUCTS
    ]
    assert rows[:-1] == expected
    assert rows[-1] == ("null", "", "")


def test_the_month_count_is_erpsales() -> None:
    start = dt.date(2026, 1, 31)
    for days in range(-3, 800):
        for begin in (start, AS_OF, dt.date(2024, 2, 29)):
            end = begin + dt.timedelta(days=days)
            assert common.months_ceil(begin, end) == months_between(begin, end, "ceil")
