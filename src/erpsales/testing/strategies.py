"""Hypothesis strategies for erpsales' input models.

Example:
    >>> from hypothesis import given
    >>> from erpsales.testing import strategies as es
    >>> @given(es.prospects(complete=True))
    ... def test_every_prospect_gets_one_grade(prospect): ...

Every strategy generates *valid* models: whatever it produces, ``qualify`` accepts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

try:
    from hypothesis import strategies as st
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "erpsales.testing.strategies needs hypothesis: pip install 'erpsales[testing]'"
    ) from exc

from erpsales.models import (
    Budget,
    BudgetItem,
    BudgetMode,
    Competition,
    Competitor,
    ComputerisationStatus,
    Decision,
    DecisionRole,
    HierarchyLevel,
    Industry,
    KeyEvaluation,
    KeyInfo,
    Pain,
    ProcessComplexity,
    Prospect,
    Requirement,
    Schedule,
    SelectionStatus,
    Stakeholder,
    Territory,
    TerritoryCriteria,
)

__all__ = [
    "AS_OF",
    "amounts",
    "key_infos",
    "prospects",
    "revenues",
    "stakeholders",
    "territories",
]

#: The as-of date the generated schedules are centred on.
AS_OF = dt.date(2026, 11, 28)
_NAMES = st.sampled_from(
    ["王总", "李工", "张经理", "陈总监", "刘芳", "赵磊", "Anna", "周建国", "孙晓东"]
)
_WORDS = st.sampled_from(
    ["财务", "进销存", "生产制造", "成本", "人力资源", "MES", "价格", "服务", "功能"]
)
#: Interesting revenues: the band edges of the seed policy and their neighbours.
_EDGES = [0, 1, 49_999_999, 50_000_000, 99_999_999, 100_000_000, 100_000_001, 499_999_999,
          500_000_000, 500_000_001]  # fmt: skip


def amounts(*, max_value: int = 10**11) -> st.SearchStrategy[int]:
    """Non-negative integer RMB amounts, biased towards round 万 and 亿 figures."""
    return st.one_of(
        st.integers(0, max_value),
        st.integers(0, max_value // 10_000).map(lambda x: x * 10_000),
        st.integers(0, 1000).map(lambda x: x * 100_000_000 // 10),
    ).filter(lambda x: x <= max_value)


def revenues(band: tuple[int, int | None] | None = None) -> st.SearchStrategy[int]:
    """Annual revenues; ``band=(lo, hi)`` keeps them in ``[lo, hi)`` (``hi=None``: no cap)."""
    if band is None:
        return st.one_of(st.sampled_from(_EDGES), amounts())
    lo, hi = band
    return st.integers(lo, (hi - 1) if hi is not None else 10**12)


def _dates() -> st.SearchStrategy[dt.date | None]:
    return st.one_of(st.none(), st.integers(-120, 400).map(lambda d: AS_OF + dt.timedelta(days=d)))


def _texts(complete: bool) -> st.SearchStrategy[list[str] | None]:
    lists = st.lists(_WORDS, max_size=4, unique=True)
    return lists if complete else st.one_of(st.none(), lists)


def _maybe(strategy: st.SearchStrategy[Any], complete: bool) -> st.SearchStrategy[Any]:
    return strategy if complete else st.one_of(st.none(), strategy)


def key_infos(*, complete: bool = False) -> st.SearchStrategy[KeyInfo]:
    """Key information; ``complete=True`` answers every question (dates may still be unknown)."""
    schedule = st.builds(
        Schedule,
        go_live=_dates(),
        implementation_start=_dates(),
        contract_signing=_dates(),
        vendor_decision=_dates(),
        selection_end=_dates(),
        selection_start=_dates(),
    )
    budget = st.builds(
        Budget,
        mode=st.sampled_from(list(BudgetMode)),
        amount_rmb=_maybe(amounts(max_value=10**9), complete),
        covers=_maybe(st.frozensets(st.sampled_from(list(BudgetItem))), complete),
        affordable_rmb=_maybe(amounts(max_value=10**9), complete),
    )
    requirement = st.builds(
        Requirement,
        motive=_maybe(_WORDS, complete),
        problems=_texts(complete),
        functional_scope=_texts(complete),
        sites=_texts(complete),
        languages=_maybe(
            st.lists(st.sampled_from(["简体中文", "English", "日本語"]), max_size=3, unique=True),
            complete,
        ),
        modules=_texts(complete),
        services=_texts(complete),
    )
    decision = st.builds(
        Decision,
        initiator=_maybe(_NAMES, complete),
        decision_makers=_maybe(st.lists(_NAMES, max_size=3), complete),
        process=_maybe(_WORDS, complete),
        criteria=_texts(complete),
        majority_supports=_maybe(st.booleans(), complete),
        parent_company_role=st.one_of(st.none(), _WORDS),
        group_hq_role=st.one_of(st.none(), _WORDS),
        external_roles=_maybe(
            st.dictionaries(st.sampled_from(["政府", "顾问", "客户"]), _WORDS, max_size=2), complete
        ),
    )
    competitor = st.builds(
        Competitor,
        name=st.sampled_from(["甲公司", "乙公司", "丙公司"]),
        leading=st.booleans(),
        advantages=st.lists(_WORDS, max_size=2),
        weaknesses=st.lists(_WORDS, max_size=2),
    )
    competition = st.builds(
        Competition,
        competitors=_maybe(st.lists(competitor, max_size=3), complete),
        differentiators=_texts(complete),
    )
    evaluation = _texts(complete).flatmap(
        lambda factors: st.builds(
            KeyEvaluation,
            factors=st.just(factors),
            top_factor=st.sampled_from(factors) if factors else st.none(),
        )
    )
    return st.builds(
        KeyInfo,
        schedule=schedule,
        budget=budget,
        requirement=requirement,
        decision=decision,
        competition=competition,
        key_evaluation=evaluation,
    )


def stakeholders(*, scored: bool | None = None) -> st.SearchStrategy[Stakeholder]:
    """Stakeholders with 0–2 roles; ``scored=True`` always has influence and support."""
    score = st.integers(1, 5)
    maybe_score = score if scored else st.one_of(st.none(), score)
    return st.builds(
        Stakeholder,
        name=_NAMES,
        title=st.one_of(st.none(), st.sampled_from(["总经理", "财务总监", "IT经理"])),
        level=st.one_of(st.none(), st.sampled_from(list(HierarchyLevel))),
        roles=st.frozensets(st.sampled_from(list(DecisionRole)), max_size=2),
        influence=maybe_score,
        support=maybe_score,
    )


def prospects(
    *,
    revenue: st.SearchStrategy[int] | None = None,
    profit: st.SearchStrategy[int] | None = None,
    industry: st.SearchStrategy[Industry] | None = None,
    computerisation: ComputerisationStatus | None = None,
    complete: bool = False,
    max_stakeholders: int = 5,
) -> st.SearchStrategy[Prospect]:
    """Valid prospects.

    Args:
        revenue: A strategy for the annual revenue (default: band edges and any amount).
        profit: A strategy for the annual profit (default: losses to large profits).
        industry: A strategy for the industry (default: any, or unknown unless complete).
        computerisation: Fix the computerisation status.
        complete: Answer every question (financials, status, key information).
        max_stakeholders: The most stakeholders to generate.
    """
    revenue = revenue if revenue is not None else revenues()
    profit = profit if profit is not None else st.integers(-(10**8), 10**9)
    industry = industry if industry is not None else st.sampled_from(list(Industry))
    status = (
        st.just(computerisation)
        if computerisation is not None
        else st.sampled_from(list(ComputerisationStatus))
    )
    return st.builds(
        _prospect,
        name=st.sampled_from(["苏州精工机械", "东莞华信电子", "Acme Tools", "宁波甬达五金"]),
        annual_revenue_rmb=_maybe(revenue, complete),
        annual_profit_rmb=_maybe(profit, complete),
        industry=_maybe(industry, complete),
        computerisation=status,
        selection=st.sampled_from(list(SelectionStatus)),
        waiting_on=st.one_of(st.none(), _WORDS),
        necessity_affirmed=_maybe(st.booleans(), complete),
        pains=st.frozensets(st.sampled_from(list(Pain))),
        system_installed_year=st.one_of(st.none(), st.integers(1990, 2026)),
        process_complexity=st.one_of(st.none(), st.sampled_from(list(ProcessComplexity))),
        months_to_close=st.one_of(st.none(), st.integers(0, 24)),
        disqualified=st.booleans(),
        key_info=key_infos(complete=complete),
        stakeholders=st.lists(
            stakeholders(), max_size=max_stakeholders, unique_by=lambda s: s.name
        ),
    )


def _prospect(**fields: Any) -> Prospect:
    if fields["waiting_on"] and fields["selection"] not in ("waiting", "unknown"):
        fields["waiting_on"] = None
    return Prospect(**fields)


def territories() -> st.SearchStrategy[Territory]:
    """Territories with criteria and a few matching-or-not prospects."""
    criteria = st.builds(
        TerritoryCriteria,
        regions=st.one_of(
            st.none(), st.frozensets(st.sampled_from(["江苏", "浙江", "广东"]), min_size=1)
        ),
        industries=st.one_of(st.none(), st.frozensets(st.sampled_from(list(Industry)), min_size=1)),
    )
    return st.builds(
        Territory,
        id=st.sampled_from(["east", "south", "north"]),
        owner=st.sampled_from(["李明", "王芳"]),
        criteria=criteria,
        prospects=st.lists(prospects(max_stakeholders=1), max_size=3),
    )
