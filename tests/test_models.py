"""Input models: what a prospect is, and clear errors for what it is not (spec §5, §9)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from erpsales import Industry, KeyInfo, Prospect, Stakeholder, Territory
from erpsales.models import BudgetItem, DecisionRole, HierarchyLevel, parse_rmb, wan, yi


@pytest.mark.parametrize(
    ("text", "rmb"),
    [
        ("3亿", 300_000_000),
        ("800万", 8_000_000),
        ("1.5亿元", 150_000_000),
        ("0.5亿", 50_000_000),
        ("1000万元", 10_000_000),
        ("RMB 1,200,000", 1_200_000),
        ("¥ 25万", 250_000),
        ("-300万", -3_000_000),
        ("12345", 12_345),
        (7_000_000, 7_000_000),
        (7e6, 7_000_000),
    ],
)
def test_amounts_parse_to_exact_integer_rmb(text: object, rmb: int) -> None:
    """R-TM-06 / AMB-25: 万 = 10⁴, 亿 = 10⁸, integers, never floats at band edges."""
    assert parse_rmb(text) == rmb


@pytest.mark.parametrize("text", ["三亿", "1.23456元", "3 million", "1e6万", "0.1", float("nan")])
def test_text_that_is_not_an_amount_is_refused(text: object) -> None:
    with pytest.raises(ValueError, match=r"amount|whole number|not a number"):
        parse_rmb(text)


def test_wan_and_yi_helpers_are_exact() -> None:
    assert yi("0.5") == 50_000_000
    assert wan(1.5) == 15_000
    assert yi(5) == 500_000_000


@given(st.integers(0, 10**6), st.sampled_from([("万", 10_000), ("亿", 100_000_000)]))
def test_whole_unit_amounts_round_trip(n: int, unit: tuple[str, int]) -> None:
    assert parse_rmb(f"{n}{unit[0]}") == n * unit[1]


def _errors(**fields: object) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as info:
        Prospect.model_validate({"name": "x", **fields})
    return [(".".join(map(str, e["loc"])), e["msg"]) for e in info.value.errors()]


def test_negative_revenue_is_an_error_naming_the_field() -> None:
    (field, message), *_ = _errors(revenue=-5)
    assert field == "revenue"
    assert "greater than or equal to 0" in message


def test_unknown_industry_lists_what_was_expected() -> None:
    (field, message), *_ = _errors(industry="banking")
    assert field == "industry"
    assert "'electronics'" in message


def test_support_outside_the_scale_is_an_error() -> None:
    """AMB-13: scores are integers 1–5."""
    (field, message), *_ = _errors(stakeholders=[{"name": "王总", "support": 9}])
    assert field == "stakeholders.0.support"
    assert "less than or equal to 5" in message


def test_a_date_that_is_not_a_date_names_its_schedule_question() -> None:
    (field, message), *_ = _errors(key_info={"schedule": {"contract_signing": "next spring"}})
    assert field == "key_info.schedule.contract_signing"
    assert "date" in message


def test_unknown_keys_are_errors_not_silently_dropped() -> None:
    (field, message), *_ = _errors(revenu="3亿")
    assert field == "revenu"
    assert "Extra inputs" in message


def test_only_a_name_is_required_and_unicode_names_work() -> None:
    p = Prospect(name="東莞華信電子 🚀")
    assert p.key == "東莞華信電子 🚀"
    assert p.key_info == KeyInfo()
    with pytest.raises(ValidationError):
        Prospect.model_validate({})


def test_schedule_dates_accept_iso_strings() -> None:
    p = Prospect.model_validate({"name": "x", "key_info": {"schedule": {"go_live": "2027-06-30"}}})
    assert p.key_info.schedule.go_live == dt.date(2027, 6, 30)


def test_budget_modes_and_items_accept_the_decks_words() -> None:
    """R-BU-01/02 and AMB-24."""
    p = Prospect.model_validate(
        {
            "name": "x",
            "key_info": {"budget": {"mode": "预算制", "covers": ["软件", "服务", "硬件"]}},
        }
    )
    assert p.key_info.budget.covers == {
        BudgetItem.SOFTWARE,
        BudgetItem.SERVICES,
        BudgetItem.HARDWARE,
    }


def test_stakeholder_holds_several_roles_and_a_level() -> None:
    """R-DE-02 / AMB-16 (roles are a set) and R-RQ-02 / AMB-19 (高/中/低)."""
    s = Stakeholder(name="李总", roles={"批准者", "decision_maker"}, level="高")
    assert s.roles == {DecisionRole.APPROVER, DecisionRole.DECISION_MAKER}
    assert s.level is HierarchyLevel.SENIOR


def test_duplicate_stakeholder_names_are_refused() -> None:
    (_, message), *_ = _errors(stakeholders=[{"name": "王总"}, {"name": "王总"}])
    assert "'王总' appears twice" in message


def test_top_factor_must_be_one_of_the_factors() -> None:
    """R-KE-01: the most valued factor is one of the evaluated factors."""
    (_, message), *_ = _errors(
        key_info={"key_evaluation": {"factors": ["价格"], "top_factor": "服务"}}
    )
    assert "top_factor '服务' must be one of factors" in message


def test_waiting_on_contradicting_selection_is_refused() -> None:
    (_, message), *_ = _errors(selection="started", waiting_on="新厂房")
    assert "expected 'waiting'" in message


def test_manufacturing_sectors() -> None:
    """R-TM-05: the 11 core industries and other manufacturing are manufacturing; retail is not."""
    assert Industry.BEVERAGES.is_manufacturing
    assert Industry.OTHER_MANUFACTURING.is_manufacturing
    assert not Industry.RETAIL.is_manufacturing


def test_territory_claims_only_unowned_matching_prospects() -> None:
    """R-TE-01 / R-TE-04: each salesperson's plot; one owner per prospect."""
    east = Territory(
        id="east", owner="李明", criteria={"regions": {"江苏", "浙江"}, "revenue_min_rmb": "1亿"}
    )
    prospects = [
        Prospect(name="a", region="江苏", revenue="3亿"),
        Prospect(name="b", region="江苏", revenue="3000万"),
        Prospect(name="c", region="广东", revenue="3亿"),
        Prospect(name="d", region="浙江", revenue="2亿", owner="王芳"),
    ]
    claimed = east.claim(prospects)
    assert [(p.name, p.owner, p.territory) for p in claimed] == [("a", "李明", "east")]


def test_territory_prospects_must_belong_to_it() -> None:
    with pytest.raises(ValidationError, match="names territory 'south'"):
        Territory(id="east", owner="李明", prospects=[{"name": "x", "territory": "south"}])


def test_won_prospects_go_to_the_closed_customer_database() -> None:
    """R-TE-03 / AMB-20: won → 成交客户数据库."""
    east = Territory(
        id="east", owner="李明", prospects=[{"id": "p1", "name": "a"}, {"id": "p2", "name": "b"}]
    )
    closing = east.close("p1", "won")
    assert closing.destination == "closed_customers"
    assert [p.key for p in closing.territory.prospects] == ["p2"]


@pytest.mark.parametrize(
    ("on_lost", "destination", "left"),
    [
        ("exchange_pool", "exchange_pool", ["p2"]),
        ("keep_owner", "territory", ["p1", "p2"]),
        ("drop", "dropped", ["p2"]),
    ],
)
def test_lost_prospects_follow_on_lost(on_lost: str, destination: str, left: list[str]) -> None:
    """R-TE-03 / AMB-20: lost → list exchange 名单交换 (re-assignable), kept, or dropped."""
    east = Territory(
        id="east",
        owner="李明",
        prospects=[{"id": "p1", "name": "a", "owner": "李明"}, {"id": "p2", "name": "b"}],
    )
    closing = east.close("p1", "lost", on_lost=on_lost)  # type: ignore[arg-type]
    assert closing.destination == destination
    assert [p.key for p in closing.territory.prospects] == left
    if destination == "exchange_pool":
        assert closing.prospect.owner is None
    with pytest.raises(KeyError):
        east.close("nope", "won")


def test_the_seven_lead_methods_have_stable_ids_and_no_ratings() -> None:
    """R-LS-02 / AMB-23: enumerate the methods; effectiveness and coverage are the caller's."""
    import erpsales

    methods = erpsales.seed_policy().settings.lead_methods
    assert methods[0].id == "advertising"
    assert [m.label.zh for m in methods] == [
        "打广告",
        "经(协)销渠道",
        "政商关系引介",
        "参加展会或研讨会",
        "自行举办活动",
        "扫街",
        "打电话 (名单)",
    ]
    assert all(m.effectiveness is None and m.coverage is None for m in methods)
    assert erpsales.seed_policy().settings.extensions == {}  # AMB-26: sections 4–6 are not invented
