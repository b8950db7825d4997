"""Hypothesis strategies for erpsales' input models.

Once erpsales is installed, hypothesis knows them too (entry point ``hypothesis``):
``st.from_type(erpsales.Prospect)`` — and ``Stakeholder``, ``KeyInfo``, ``Territory`` —
draws from the strategies below, with no conftest.

Example:
    >>> from hypothesis import given
    >>> from erpsales.testing import strategies as es
    >>> @given(es.prospects(revenue_band="ERP2", computerisation="not_computerised"))
    ... def test_mid_size_prospects_fit_erp2_or_nothing(prospect): ...

Every strategy generates *valid* models: whatever it produces, ``qualify`` accepts. The
knobs narrow what is generated (a product's revenue band, a computerisation status, a
quadrant); a knob that cannot be met raises hypothesis' ``InvalidArgument``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, Literal

try:
    from hypothesis import strategies as st
    from hypothesis.errors import InvalidArgument
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
    Quadrant,
    Requirement,
    Schedule,
    SelectionStatus,
    Stakeholder,
    Territory,
    TerritoryCriteria,
)
from erpsales.policy import Policy, seed_policy

__all__ = [
    "AS_OF",
    "RevenueBand",
    "amounts",
    "industries",
    "key_infos",
    "prospects",
    "revenue_band_of",
    "revenue_edges",
    "revenues",
    "stakeholders",
    "territories",
]

#: The as-of date the generated schedules are centred on.
AS_OF = dt.date(2026, 11, 28)

#: A revenue band: a product id of the policy (``"ERP2"``), or ``(lo, hi)`` meaning
#: ``lo <= revenue < hi`` (``lo=None``: from 0; ``hi=None``: no cap).
RevenueBand = str | tuple[int | None, int | None]

IndustryClass = Literal["core", "other_manufacturing", "non_manufacturing"]

_NAME_LIST = ["王总", "李工", "张经理", "陈总监", "刘芳", "赵磊", "Anna", "周建国", "孙晓东"]
_NAMES = st.sampled_from(_NAME_LIST)
_WORDS = st.sampled_from(
    ["财务", "进销存", "生产制造", "成本", "人力资源", "MES", "价格", "服务", "功能"]
)
#: Interesting revenues: the band edges of the seed policy and their neighbours.
_EDGES = [0, 1, 49_999_999, 50_000_000, 99_999_999, 100_000_000, 100_000_001, 499_999_999,
          500_000_000, 500_000_001]  # fmt: skip
_MAX_REVENUE = 10**12


def amounts(*, max_value: int = 10**11) -> st.SearchStrategy[int]:
    """Non-negative integer RMB amounts up to ``max_value``, biased towards round 万 and 亿."""
    if max_value < 0:
        raise InvalidArgument(f"max_value must be >= 0, got {max_value}")
    return st.one_of(
        st.integers(0, max_value),
        st.integers(0, max_value // 10_000).map(lambda x: x * 10_000),
        st.integers(0, max_value // 10_000_000).map(lambda x: x * 10_000_000),  # 0.1亿 steps
    )


def revenue_band_of(product: str, policy: Policy | None = None) -> tuple[int, int | None]:
    """The revenues ``[lo, hi)`` at which ``product``'s revenue rule fires under ``policy``.

    The band's edges are read with the policy's ``band_boundary`` (AMB-02): under the
    seed's ``lower_inclusive`` ERP2 is ``(100_000_000, 500_000_000)``; under
    ``upper_inclusive`` it would be ``(100_000_001, 500_000_001)``.

    Args:
        product: A product id of the policy, e.g. ``"ERP2"``.
        policy: The policy; the seed policy when ``None``.

    Raises:
        InvalidArgument: The policy has no product with that id.

    Example:
        >>> revenue_band_of("TIPTOP")
        (500000000, None)
    """
    policy = policy or seed_policy()
    bands = {p.id: p for p in policy.settings.products}
    band = bands.get(product)
    if band is None:
        raise InvalidArgument(
            f"policy {policy.id!r} has no product {product!r}; its products are {sorted(bands)}"
        )
    mode = policy.settings.band_boundary
    lo, hi = band.revenue_min_rmb, band.revenue_max_rmb
    start = 0 if lo is None else lo + (1 if mode == "upper_inclusive" else 0)
    stop = None if hi is None else hi + (0 if mode == "lower_inclusive" else 1)
    return start, stop


def _band(band: RevenueBand, policy: Policy | None) -> tuple[int, int | None]:
    if isinstance(band, str):
        return revenue_band_of(band, policy)
    try:
        lo, hi = band
    except (TypeError, ValueError):
        raise InvalidArgument(
            f"revenue_band must be a product id or (lo, hi), got {band!r}"
        ) from None
    start = 0 if lo is None else lo
    if start < 0 or (hi is not None and hi <= start):
        raise InvalidArgument(f"revenue_band (lo, hi) needs 0 <= lo < hi, got {band!r}")
    return start, hi


def revenue_edges(policy: Policy | None = None) -> list[int]:
    """Every revenue band edge of ``policy`` and its two neighbours, with 0 and 1, sorted.

    Between two consecutive edges no product's revenue rule changes, so these are the
    revenues where product fit can change.

    Example:
        >>> revenue_edges()[:4]
        [0, 1, 99999999, 100000000]
    """
    edges = {0, 1}
    for product in (policy or seed_policy()).settings.products:
        for edge in (product.revenue_min_rmb, product.revenue_max_rmb):
            if edge is not None:
                edges.update(e for e in (edge - 1, edge, edge + 1) if e >= 0)
    return sorted(edges)


def revenues(
    band: RevenueBand | None = None, *, policy: Policy | None = None
) -> st.SearchStrategy[int]:
    """Annual revenues, biased towards the band edges where the product changes.

    Args:
        band: Keep revenues in ``[lo, hi)`` (``hi=None``: no cap), or in the band of a
            product id such as ``"ERP2"`` (see :func:`revenue_band_of`).
        policy: Whose band edges to favour and whose product ``band`` names (default:
            the seed policy).

    Example:
        >>> from hypothesis import find
        >>> find(revenues("ERP2"), lambda r: True)
        100000000
    """
    if band is None:
        edges = _EDGES if policy is None else revenue_edges(policy)
        return st.one_of(st.sampled_from(edges), amounts())
    lo, hi = _band(band, policy)
    top = hi - 1 if hi is not None else _MAX_REVENUE
    near_edges = sorted({e for e in (lo, lo + 1, top - 1, top) if lo <= e <= top})
    return st.one_of(st.sampled_from(near_edges), st.integers(lo, top))


def _profits() -> st.SearchStrategy[int]:
    return st.one_of(st.integers(-(10**8), 10**9), amounts(max_value=10**9))


def industries(
    industry_class: IndustryClass | Iterable[IndustryClass] | None = None,
    *,
    policy: Policy | None = None,
) -> st.SearchStrategy[Industry]:
    """Industries, each class of the target market equally likely (R-TM-05, AMB-05).

    The classes are ``core`` (the policy's core industries), ``other_manufacturing``
    and ``non_manufacturing``: a policy's market rules differ by class, so each class is
    drawn as often as the others, however many industries it holds.

    Args:
        industry_class: Only these classes (one or several).
        policy: Whose core industries define ``core`` (default: the seed policy's).

    Raises:
        InvalidArgument: A class is unknown, or holds no industry under ``policy``.
    """
    core = set((policy or seed_policy()).settings.industries.core)
    members: dict[str, list[Industry]] = {
        "core": [i for i in Industry if i in core],
        "other_manufacturing": [i for i in Industry if i.is_manufacturing and i not in core],
        "non_manufacturing": [i for i in Industry if not i.is_manufacturing],
    }
    if industry_class is None:
        wanted = [c for c in members if members[c]]
    elif isinstance(industry_class, str):
        wanted = [industry_class]
    else:
        wanted = list(industry_class)
    for name in wanted:
        if name not in members:
            raise InvalidArgument(f"unknown industry class {name!r}; expected one of {[*members]}")
        if not members[name]:
            raise InvalidArgument(f"industry class {name!r} holds no industry under this policy")
    if not wanted:
        raise InvalidArgument("industry_class names no class")
    return st.one_of(*(st.sampled_from(members[name]) for name in wanted))


def _dates() -> st.SearchStrategy[dt.date | None]:
    days = st.one_of(st.integers(-120, 400), st.integers(-3, 45))  # the next weeks matter most
    return st.one_of(st.none(), days.map(lambda d: AS_OF + dt.timedelta(days=d)))


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


def _scores(
    quadrant: Quadrant, policy: Policy | None
) -> tuple[st.SearchStrategy[int | None], st.SearchStrategy[int | None]]:
    """(influence, support) strategies that place a person in ``quadrant`` under ``policy``."""
    smap = (policy or seed_policy()).settings.stakeholder_map
    high, support_high = smap.high_threshold, smap.support_threshold
    if quadrant is Quadrant.UNCLASSIFIED:  # an unknown support score: never placed
        return st.one_of(st.none(), st.integers(1, 5)), st.none()
    influence_high = quadrant in (Quadrant.DEVIL, Quadrant.ANGEL)
    support_is_high = quadrant in (Quadrant.ANGEL, Quadrant.SWEETHEART)
    influence = (high, 5) if influence_high else (1, high - 1)
    support = (support_high, 5) if support_is_high else (1, support_high - 1)
    if influence[0] > influence[1] or support[0] > support[1]:
        raise InvalidArgument(
            f"no scores place a person as {quadrant.value} with high_threshold={high} "
            f"and support threshold {support_high}"
        )
    return st.integers(*influence), st.integers(*support)


def stakeholders(
    *,
    scored: bool | None = None,
    quadrant: Quadrant | str | None = None,
    roles: Iterable[DecisionRole | str] | None = None,
    policy: Policy | None = None,
) -> st.SearchStrategy[Stakeholder]:
    """Stakeholders (buying-side people).

    Args:
        scored: ``True``: influence and support are always known; ``False``: at least one
            is unknown (the person is not placed); ``None``: either.
        quadrant: Only people placed in this quadrant (``"devil"``, ``"angel"``, ``"imp"``,
            ``"sweetheart"`` or ``"unclassified"``) under ``policy``'s thresholds (AMB-13).
        roles: Exactly these decision roles (default: any zero to two roles).
        policy: Whose stakeholder-map thresholds ``quadrant`` uses (default: the seed's).

    Raises:
        InvalidArgument: ``quadrant`` contradicts ``scored``, or no scores reach it.

    Example:
        >>> from hypothesis import find
        >>> find(stakeholders(quadrant="devil", roles=["approver"]), lambda s: True).influence
        4
    """
    role_set = (
        st.frozensets(st.sampled_from(list(DecisionRole)), max_size=2)
        if roles is None
        else st.just(frozenset(DecisionRole(r) for r in roles))
    )
    score = st.integers(1, 5)
    influence: st.SearchStrategy[int | None]
    support: st.SearchStrategy[int | None]
    if quadrant is not None:
        placed = Quadrant(quadrant)
        if scored is not None and (placed is Quadrant.UNCLASSIFIED) == scored:
            raise InvalidArgument(f"quadrant={placed.value!r} contradicts scored={scored}")
        influence, support = _scores(placed, policy)
    elif scored:
        influence, support = score, score
    elif scored is None:
        influence, support = st.one_of(st.none(), score), st.one_of(st.none(), score)
    else:
        return st.builds(
            _unscored,
            base=stakeholders(roles=roles, scored=None),
            keep_influence=st.booleans(),
        )
    return st.builds(
        Stakeholder,
        name=_NAMES,
        title=st.one_of(st.none(), st.sampled_from(["总经理", "财务总监", "IT经理"])),
        level=st.one_of(st.none(), st.sampled_from(list(HierarchyLevel))),
        roles=role_set,
        influence=influence,
        support=support,
    )


def _unscored(base: Stakeholder, keep_influence: bool) -> Stakeholder:
    if base.influence is None or base.support is None:
        return base
    cleared = {"support": None} if keep_influence else {"influence": None}
    return base.model_copy(update=cleared)


def prospects(
    *,
    revenue: st.SearchStrategy[int] | None = None,
    revenue_band: RevenueBand | None = None,
    profit: st.SearchStrategy[int] | None = None,
    industry: st.SearchStrategy[Industry] | Industry | str | None = None,
    computerisation: ComputerisationStatus | str | None = None,
    complete: bool = False,
    min_stakeholders: int = 0,
    max_stakeholders: int = 5,
    stakeholder: st.SearchStrategy[Stakeholder] | None = None,
    policy: Policy | None = None,
) -> st.SearchStrategy[Prospect]:
    """Valid prospects.

    Args:
        revenue: A strategy for the annual revenue (default: the policy's band edges and
            any amount); unknown in some prospects unless ``complete``.
        revenue_band: Only revenues in this band, always known: a product id of the
            policy (``"ERP2"``) or ``(lo, hi)`` for ``lo <= revenue < hi``
            (see :func:`revenue_band_of`). Not together with ``revenue``.
        profit: A strategy for the annual profit (default: losses to large profits).
        industry: An industry (always known), or a strategy for it (default: every class
            of :func:`industries` alike; unknown in some prospects unless ``complete``).
        computerisation: Fix the computerisation status.
        complete: Answer every question (financials, industry, necessity, key information).
        min_stakeholders: The fewest stakeholders to generate.
        max_stakeholders: The most stakeholders to generate (at most 9: names are unique).
        stakeholder: A strategy for each stakeholder (default: :func:`stakeholders`).
        policy: Whose bands ``revenue_band`` and the default revenues follow, whose core
            industries the default industries use, and whose thresholds the default
            stakeholders use (default: the seed policy).

    Raises:
        InvalidArgument: Contradictory or impossible knobs.

    Example:
        >>> large = prospects(revenue_band="TIPTOP", computerisation="computerised")
        >>> devils = prospects(min_stakeholders=1, stakeholder=stakeholders(quadrant="devil"))
    """
    if revenue is not None and revenue_band is not None:
        raise InvalidArgument("pass revenue or revenue_band, not both")
    if not 0 <= min_stakeholders <= max_stakeholders <= len(_NAME_LIST):
        raise InvalidArgument(
            f"need 0 <= min_stakeholders <= max_stakeholders <= {len(_NAME_LIST)}; "
            f"got {min_stakeholders} and {max_stakeholders}"
        )
    if revenue_band is not None:
        revenue_values = revenues(revenue_band, policy=policy)
    else:
        revenue_values = _maybe(
            revenue if revenue is not None else revenues(policy=policy), complete
        )
    if isinstance(industry, Industry | str):
        industry_values: st.SearchStrategy[Industry | None] = st.just(Industry(industry))
    else:
        industry_values = _maybe(
            industry if industry is not None else industries(policy=policy), complete
        )
    status = (
        st.just(ComputerisationStatus(computerisation))
        if computerisation is not None
        else st.sampled_from(list(ComputerisationStatus))
    )
    return st.builds(
        _prospect,
        name=st.sampled_from(["苏州精工机械", "东莞华信电子", "Acme Tools", "宁波甬达五金"]),
        annual_revenue_rmb=revenue_values,
        annual_profit_rmb=_maybe(profit if profit is not None else _profits(), complete),
        industry=industry_values,
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
            stakeholder if stakeholder is not None else stakeholders(policy=policy),
            min_size=min_stakeholders,
            max_size=max_stakeholders,
            unique_by=lambda s: s.name,
        ),
    )


def _prospect(**fields: Any) -> Prospect:
    if fields["waiting_on"] and fields["selection"] not in ("waiting", "unknown"):
        fields["waiting_on"] = None
    return Prospect(**fields)


def territories(
    *, max_prospects: int = 3, policy: Policy | None = None
) -> st.SearchStrategy[Territory]:
    """Territories with criteria and a few matching-or-not prospects.

    Args:
        max_prospects: The most prospects on a territory's list.
        policy: Passed to :func:`prospects`.
    """
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
        prospects=st.lists(prospects(max_stakeholders=1, policy=policy), max_size=max_prospects),
    )
