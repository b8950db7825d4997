"""Product fit: target markets by revenue, profit and industry (spec §5.1 R-TM, AMB-01..06)."""

from __future__ import annotations

import pytest

import erpsales
from erpsales import Industry

from .conftest import Qualify


def _seed_with(**settings: object) -> erpsales.Policy:
    return erpsales.policy_from_dict({"extends": "seed", "settings": settings})


CORE = [
    "electronics",
    "electric_machinery",
    "electrical_appliances",
    "machinery",
    "hardware",
    "tools",
    "transportation_equipment",
    "chemicals",
    "pharmaceuticals",
    "food",
    "beverages",
]


def test_small_manufacturer_below_half_yi_fits_erp1_under_the_cap_reading(qualify: Qualify) -> None:
    """R-TM-02 / AMB-01: ERP1 is capped at 1亿 with no floor, so 3000万 fits ERP1."""
    a = qualify(industry="electronics", revenue="3000万", profit="150万")
    assert a.product == "ERP1"
    assert a.fit.status == "fit"
    assert a.status == "active"


def test_range_reading_of_erp1_leaves_small_firms_out(qualify: Qualify) -> None:
    """AMB-01 preset (b): ERP1 as the range 0.5亿–1亿; 3000万 then fits nothing."""
    policy = erpsales.policy_from_dict(
        {
            "extends": "seed",
            "settings": {"products": [{"id": "ERP1", "revenue_min_rmb": 50_000_000}]},
        }
    )
    a = qualify(industry="electronics", revenue="3000万", profit="150万", policy=policy)
    assert a.product is None
    assert a.fit.status == "no_fit"
    assert a.status == "out_of_market"
    assert "below every product's band" in a.fit.reasons[0].en
    assert (
        qualify(industry="electronics", revenue="6000万", profit="150万", policy=policy).product
        == "ERP1"
    )


@pytest.mark.parametrize(
    ("revenue", "profit", "product"),
    [
        ("3亿", "600万", "ERP2"),  # R-TM-03
        ("10亿", "2000万", "TIPTOP"),  # R-TM-04: no upper bound
        ("500亿", "1亿", "TIPTOP"),
        ("8000万", "100万", "ERP1"),  # R-TM-02: profit exactly at the 100万 floor (以上 inclusive)
    ],
)
def test_each_product_has_its_band(
    qualify: Qualify, revenue: str, profit: str, product: str
) -> None:
    """R-TM-01..04: revenue band AND profit floor decide the product."""
    assert qualify(industry="machinery", revenue=revenue, profit=profit).product == product


@pytest.mark.parametrize(
    ("revenue", "product"),
    [
        (99_999_999, "ERP1"),
        (100_000_000, "ERP2"),  # exactly 1亿: lower_inclusive → ERP2
        (499_999_999, "ERP2"),
        (500_000_000, "TIPTOP"),  # exactly 5亿 → TIPTOP
    ],
)
def test_band_edges_are_lower_inclusive(qualify: Qualify, revenue: int, product: str) -> None:
    """R-TM-07 / AMB-02: half-open bands [min, max); 1亿 → ERP2, 5亿 → TIPTOP."""
    assert qualify(industry="food", revenue=revenue, profit="5000万").product == product


def test_upper_inclusive_reads_edges_downwards(qualify: Qualify) -> None:
    """AMB-02 alternative ``upper_inclusive``: 1亿 → ERP1, 5亿 → ERP2."""
    policy = _seed_with(band_boundary="upper_inclusive")
    assert qualify(industry="food", revenue="1亿", profit="5000万", policy=policy).product == "ERP1"
    assert qualify(industry="food", revenue="5亿", profit="5000万", policy=policy).product == "ERP2"


def test_literal_reading_reports_both_products_at_an_edge(qualify: Qualify) -> None:
    """R-TM-07 / AMB-02 ``literal_inclusive``: exactly 1亿 fits ERP1 and ERP2; both are reported."""
    policy = _seed_with(band_boundary="literal_inclusive")
    a = qualify(industry="food", revenue="1亿", profit="600万", policy=policy)
    assert a.fit.candidates == ("ERP1", "ERP2")
    assert a.product == "ERP1"
    assert "TM-BAND-AMBIGUOUS" in a.finding_ids()
    assert "ERP1/ERP2" in a.findings[a.finding_ids().index("TM-BAND-AMBIGUOUS")].message.en


def test_profit_below_floor_is_no_fit_with_near_miss_diagnostics(qualify: Qualify) -> None:
    """AMB-03 strict AND: 3亿 revenue with 300万 profit fits no product; say why and what is near."""
    a = qualify(industry="machinery", revenue="3亿", profit="300万")
    assert a.product is None
    assert a.fit.status == "no_fit"
    assert a.fit.revenue_suggests == ("ERP2",)
    assert a.fit.profit_suggests == "ERP1"
    reasons = " | ".join(r.en for r in a.fit.reasons)
    assert "below the ERP2 floor" in reasons
    assert "revenue alone suggests ERP2" in reasons
    assert "profit alone would suggest ERP1" in reasons
    assert any("低于ERP2的门槛" in r.zh for r in a.fit.reasons)


def test_revenue_primary_lets_profit_only_warn(qualify: Qualify) -> None:
    """AMB-03 alternative ``revenue_primary``: revenue decides, the profit shortfall is a reason."""
    a = qualify(
        industry="machinery",
        revenue="3亿",
        profit="300万",
        policy=_seed_with(profit_rule="revenue_primary"),
    )
    assert a.product == "ERP2"
    assert "revenue_primary" in a.fit.reasons[0].en


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"profit": "600万"}, "annual revenue is unknown"),
        ({"revenue": "3亿"}, "annual profit is unknown"),
        ({"revenue": "3亿", "profit": "-200万"}, "annual profit is negative"),
    ],
)
def test_missing_or_negative_financials_give_unknown_not_no_fit(
    qualify: Qualify, fields: dict[str, str], reason: str
) -> None:
    """AMB-04: missing, negative or unknown figures → ``unknown`` (insufficient data), not a no-fit."""
    a = qualify(industry="machinery", **fields)
    assert a.fit.status == "unknown"
    assert a.product is None
    assert a.status == "active"  # unknown is not out of market
    finding = a.findings[a.finding_ids().index("TM-FINANCIALS-UNKNOWN")]
    assert reason in finding.message.en
    assert finding.question is not None


def test_missing_financials_can_be_made_to_fail(qualify: Qualify) -> None:
    """AMB-04 ``missing_financials_policy = fail``: unknown figures are a no-fit."""
    a = qualify(industry="machinery", revenue="3亿", policy=_seed_with(missing_financials="fail"))
    assert a.fit.status == "no_fit"
    assert a.status == "out_of_market"


def test_a_prospect_with_only_name_and_revenue_still_qualifies(qualify: Qualify) -> None:
    """Everything optional is optional: name + revenue gives a verdict with unknowns."""
    a = qualify({"name": "温州瓯江阀门", "revenue": "2亿"})
    assert a.prospect_name == "温州瓯江阀门"
    assert a.fit.status == "unknown"
    assert a.grade is erpsales.Grade.D


@pytest.mark.parametrize("industry", CORE)
def test_every_core_industry_is_in_the_target_market(qualify: Qualify, industry: str) -> None:
    """R-TM-05: the 11 listed industries are the core of every target market."""
    a = qualify(industry=industry, revenue="3亿", profit="600万")
    assert a.product == "ERP2"
    assert a.fit.industry_class == "core"
    assert "TM-NON-CORE" not in a.finding_ids()


@pytest.mark.parametrize(
    ("chinese", "english"),
    [
        ("电子", "electronics"),
        ("五金", "hardware"),
        ("运输器材", "transportation_equipment"),
        ("饮料", "beverages"),
    ],
)
def test_industries_accept_the_decks_chinese_names(chinese: str, english: str) -> None:
    """R-TM-05: the deck's own industry words are accepted as input."""
    assert erpsales.Prospect(name="x", industry=chinese).industry is Industry(english)


def test_other_manufacturing_fits_with_a_non_core_flag(qualify: Qualify) -> None:
    """AMB-05: 「等」 is open within manufacturing: other manufacturers fit, flagged non_core_industry."""
    a = qualify(industry="other_manufacturing", revenue="3亿", profit="600万")
    assert a.product == "ERP2"
    finding = a.findings[a.finding_ids().index("TM-NON-CORE")]
    assert finding.kind == "warning"
    assert "non_core_industry" in finding.message.en


def test_other_manufacturing_can_be_excluded(qualify: Qualify) -> None:
    """AMB-05 ``allow_other_manufacturing = false``: the list becomes closed."""
    policy = _seed_with(industries={"allow_other_manufacturing": False})
    a = qualify(industry="other_manufacturing", revenue="3亿", profit="600万", policy=policy)
    assert a.fit.status == "no_fit"
    assert a.status == "out_of_market"


def test_non_manufacturers_are_out_of_every_target_market(qualify: Qualify) -> None:
    """R-TM-05 / AMB-05: a retailer is outside the target market, a status not a grade (AMB-12)."""
    a = qualify(industry="retail", revenue="3亿", profit="2000万")
    assert a.product is None
    assert a.status == "out_of_market"
    assert a.grade in set(erpsales.Grade)
    assert "not a manufacturer" in a.fit.reasons[0].en


def test_require_manufacturing_off_admits_other_sectors(qualify: Qualify) -> None:
    """AMB-05 ``require_manufacturing = false``."""
    policy = _seed_with(industries={"require_manufacturing": False})
    assert (
        qualify(industry="retail", revenue="3亿", profit="2000万", policy=policy).product == "ERP2"
    )


def test_amounts_accept_wan_and_yi(qualify: Qualify) -> None:
    """R-TM-06 / AMB-25: 亿 = 10⁸ and 万 = 10⁴, exact integers."""
    a = qualify(industry="tools", revenue="1.5亿元", profit="800万")
    assert a.trace[0].facts  # the trace shows the facts the rules read
    revenue_rule = next(r for r in a.trace if r.rule_id == "TM-ERP2-REVENUE")
    assert revenue_rule.facts == {"prospect.revenue": 150_000_000}


def test_matrix_is_advisory_and_warns_on_disagreement(qualify: Qualify) -> None:
    """R-PM-01 / AMB-06 (M-A, advisory): simple processes suggest ERP1; revenue says ERP2 and wins."""
    a = qualify(industry="machinery", revenue="3亿", profit="600万", process_complexity="simple")
    assert a.product == "ERP2"
    finding = a.findings[a.finding_ids().index("PM-MATRIX")]
    assert finding.evidence == {"fit.product": "ERP2", "prospect.matrix_product": "ERP1"}
    agree = qualify(
        industry="machinery", revenue="3亿", profit="600万", process_complexity="moderate"
    )
    assert "PM-MATRIX" not in agree.finding_ids()


def test_highly_complex_processes_flag_group_complexity(qualify: Qualify) -> None:
    """AMB-06: 大型集团企业 maps to TIPTOP with the group_complexity flag."""
    a = qualify(
        industry="machinery", revenue="20亿", profit="1亿", process_complexity="highly_complex"
    )
    assert a.product == "TIPTOP"
    assert "PM-GROUP" in a.finding_ids()
    assert "PM-MATRIX" not in a.finding_ids()


def test_matrix_can_be_switched_off(qualify: Qualify) -> None:
    """AMB-06 ``matrix_mode = off``."""
    policy = _seed_with(switches={"matrix_advisory": False})
    a = qualify(
        industry="machinery",
        revenue="3亿",
        profit="600万",
        process_complexity="simple",
        policy=policy,
    )
    assert "PM-MATRIX" not in a.finding_ids()


def test_profit_floors_and_bands_rise_with_the_product_line() -> None:
    """R-TM-09: floors 100万 < 500万 < 1000万 and bands ERP1 < ERP2 < TIPTOP in the seed policy."""
    products = erpsales.seed_policy().settings.products
    assert [p.id for p in products] == ["ERP1", "ERP2", "TIPTOP"]
    assert [p.profit_min_rmb for p in products] == [1_000_000, 5_000_000, 10_000_000]
    assert [p.revenue_max_rmb for p in products] == [100_000_000, 500_000_000, None]


def test_a_known_non_manufacturer_is_out_of_market_even_with_unknown_figures(
    qualify: Qualify,
) -> None:
    """R-TM-05: the sector alone rules a non-manufacturer out; missing figures do not matter."""
    a = qualify(industry="retail")
    assert a.fit.status == "no_fit"
    assert a.status == "out_of_market"
    assert "TM-FINANCIALS-UNKNOWN" not in a.finding_ids()


def test_revenue_primary_warns_when_profit_is_short_or_unknown(qualify: Qualify) -> None:
    """AMB-03 ``revenue_primary``: the profit shortfall is a warning finding, not a silent pass."""
    policy = _seed_with(profit_rule="revenue_primary")
    short = qualify(industry="machinery", revenue="3亿", profit="300万", policy=policy)
    finding = short.findings[short.finding_ids().index("TM-PROFIT-BELOW-FLOOR")]
    assert finding.kind == "warning"
    assert "below the ERP2 floor of RMB 5,000,000" in finding.message.en
    unknown = qualify(industry="machinery", revenue="3亿", policy=policy)
    assert unknown.product == "ERP2"
    assert "profit is unknown" in unknown.fit.reasons[0].en
    assert "TM-PROFIT-BELOW-FLOOR" in unknown.finding_ids()
    fine = qualify(industry="machinery", revenue="3亿", profit="600万", policy=policy)
    assert "TM-PROFIT-BELOW-FLOOR" not in fine.finding_ids()


def test_profit_floors_accept_wan_and_yi() -> None:
    policy = erpsales.policy_from_dict(
        {"extends": "seed", "settings": {"products": [{"id": "ERP2", "profit_min_rmb": "600万"}]}}
    )
    assert policy.settings.products[1].profit_min_rmb == 6_000_000
