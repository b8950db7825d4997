"""From a validated :class:`~erpsales.Prospect` to flat facts (the backends' input).

One *prospect fact* per prospect and one *person fact* per stakeholder, as dicts keyed
by :attr:`FieldSpec.key`. Unknown values are ``None`` here; the durable backend drops
them (a missing property), the compiled backend tests for ``None``: the same meaning.

Both backends see exactly these facts, so they cannot disagree about what a prospect is.
"""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from erpsales.models._enums import (
    DecisionRole,
    Industry,
    ProcessComplexity,
    Quadrant,
    SelectionStatus,
)
from erpsales.models._people import Stakeholder
from erpsales.models._prospect import Prospect
from erpsales.policy._model import PolicySettings

__all__ = ["FactContext", "Facts", "add_months", "build_facts", "months_between", "place"]

Fact = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Facts:
    """The facts of one prospect: its prospect fact and one person fact per stakeholder."""

    prospect: Fact
    people: tuple[Fact, ...]


@dataclass(frozen=True, slots=True)
class FactContext:
    """The settings the fact builder needs, precomputed once per policy."""

    core: frozenset[Industry]
    tier_map: dict[ProcessComplexity, str]
    imminent_months: int
    rounding: str
    modules: frozenset[str] | None
    languages: frozenset[str] | None
    regions: frozenset[str] | None
    high: int
    support_high: int
    assume_roles: frozenset[DecisionRole]

    @classmethod
    def of(cls, settings: PolicySettings) -> FactContext:
        """Precompute the context for ``settings``."""
        caps = settings.capabilities

        def fold(values: tuple[str, ...] | None) -> frozenset[str] | None:
            return None if values is None else frozenset(v.casefold() for v in values)

        smap = settings.stakeholder_map
        return cls(
            core=frozenset(Industry(i) for i in settings.industries.core),
            tier_map=dict(settings.tier_product_map),
            imminent_months=settings.grading.imminent_selection_months,
            rounding=settings.grading.month_rounding,
            modules=fold(caps.modules),
            languages=fold(caps.languages),
            regions=fold(caps.regions),
            high=smap.high_threshold,
            support_high=smap.support_threshold,
            assume_roles=frozenset(smap.assume_influence_for_roles),
        )


_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def add_months(day: dt.date, months: int) -> dt.date:
    """Return ``day`` plus ``months`` calendar months, clamping to the month's last day."""
    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    last = _MONTH_DAYS[month - 1] + (month == 2 and calendar.isleap(year))
    return dt.date(year, month, min(day.day, last))


@lru_cache(maxsize=8192)
def months_between(start: dt.date, end: dt.date, rounding: str = "ceil") -> int:
    """Whole calendar months from ``start`` to ``end`` (0 when ``end`` is not after ``start``).

    ``ceil`` counts a started month as a whole one (AMB-08): 1 day → 1, 1 month + 1 day → 2.
    """
    if end <= start:
        return 0
    whole = (end.year - start.year) * 12 + end.month - start.month
    anchor = add_months(start, whole)
    if anchor > end:
        whole -= 1
        anchor = add_months(start, whole)
    if anchor == end or rounding == "floor":
        return whole
    if rounding == "ceil":
        return whole + 1
    span = (add_months(start, whole + 1) - anchor).days
    return whole + (1 if (end - anchor).days * 2 >= span else 0)


# Enum members looked up once: attribute access on an Enum class is slow on a hot path.
_APPROVER, _MAKER, _INFLUENCER, _GATEKEEPER = tuple(DecisionRole)
_DEVIL, _ANGEL, _IMP, _SWEETHEART, _UNCLASSIFIED = tuple(Quadrant)
_NO_QUADRANTS = dict.fromkeys(Quadrant, 0)
_UNKNOWN_SELECTION = SelectionStatus.UNKNOWN
_NO_ROLES = dict.fromkeys(DecisionRole, 0)


def place(person: Stakeholder, ctx: FactContext) -> Quadrant:
    """The quadrant of ``person`` (R-SM-03, AMB-13, AMB-16): it depends only on the thresholds."""
    influence = person.influence
    if influence is None and ctx.assume_roles & person.roles:
        influence = 5
    support = person.support
    if influence is None or support is None:
        return _UNCLASSIFIED
    if influence >= ctx.high:
        return _ANGEL if support >= ctx.support_high else _DEVIL
    return _SWEETHEART if support >= ctx.support_high else _IMP


def _count(values: list[str] | None) -> int | None:
    return None if values is None else len(values)


def _unsupported(values: list[str] | None, offered: frozenset[str] | None) -> int | None:
    if values is None:
        return None
    if offered is None:
        return 0
    return sum(1 for v in values if v.casefold() not in offered)


def _days(day: dt.date | None, as_of: dt.date) -> int | None:
    return None if day is None else (day - as_of).days


_ORDER = (
    ("selection_start", "S6"),
    ("selection_end", "S5"),
    ("vendor_decision", "S4"),
    ("contract_signing", "S3"),
    ("implementation_start", "S2"),
    ("go_live", "S1"),
)


def _schedule_order(schedule: Any) -> tuple[int, bool | None, str | None]:
    known = [(name, label, getattr(schedule, name)) for name, label in _ORDER]
    known = [k for k in known if k[2] is not None]
    if len(known) < 2:
        return len(known), None, None
    for (n1, l1, d1), (n2, l2, d2) in itertools.pairwise(known):
        if d1 > d2:
            return (
                len(known),
                False,
                f"{l1} {n1} {d1.isoformat()} is after {l2} {n2} {d2.isoformat()}",
            )
    return len(known), True, None


def _selection(prospect: Prospect, start: dt.date | None, as_of: dt.date, ctx: FactContext) -> str:
    if prospect.selection is not _UNKNOWN_SELECTION:
        return prospect.selection
    if start is not None:
        if start <= as_of:
            return "started"
        if start <= add_months(as_of, ctx.imminent_months):
            return "imminent"
    if prospect.waiting_on:
        return "waiting"
    return "unknown"


def build_facts(prospect: Prospect, ctx: FactContext, as_of: dt.date) -> Facts:
    """Derive the prospect fact and the person facts of ``prospect`` as of ``as_of``."""
    info = prospect.key_info
    sched, budget, req = info.schedule, info.budget, info.requirement
    dec, comp, ev = info.decision, info.competition, info.key_evaluation
    industry = prospect.industry
    if industry is None:
        industry_class = None
    elif industry in ctx.core:
        industry_class = "core"
    else:
        industry_class = "other_manufacturing" if industry.is_manufacturing else "non_manufacturing"

    close = prospect.expected_close or sched.contract_signing
    overdue = (as_of - close).days if close is not None and close < as_of else None
    if prospect.months_to_close is not None:
        months: int | None = prospect.months_to_close
    elif close is None or overdue is not None:
        months = None  # no date, or a date that has passed: the close is not known (AMB-08)
    else:
        months = months_between(as_of, close, ctx.rounding)

    known_count, order_ok, violation = _schedule_order(sched)
    cycle = (
        months_between(sched.selection_start, sched.contract_signing, ctx.rounding)
        if sched.selection_start and sched.contract_signing
        else None
    )
    covers = budget.covers
    amount = budget.amount_rmb if budget.amount_rmb is not None else budget.affordable_rmb

    competitors = comp.competitors
    leaders = [c for c in competitors if c.leading] if competitors is not None else None
    top = ev.top_factor
    top_is_leader = (
        None
        if top is None or leaders is None
        else any(top.casefold() == a.casefold() for c in leaders for a in c.advantages)
    )

    people: list[Fact] = []
    quad_counts = dict(_NO_QUADRANTS)
    role_counts = dict(_NO_ROLES)
    devil_deciders = 0
    for person in prospect.stakeholders:
        quadrant = place(person, ctx)
        quad_counts[quadrant] += 1
        roles = person.roles
        for role in roles:
            role_counts[role] += 1
        approver, maker = _APPROVER in roles, _MAKER in roles
        if quadrant is _DEVIL and (approver or maker):
            devil_deciders += 1
        people.append(
            {
                "person__name": person.name,
                "person__influence": person.influence,
                "person__support": person.support,
                "person__quadrant": quadrant,
                "person__level": person.level,
                "person__is_approver": approver,
                "person__is_decision_maker": maker,
                "person__is_influencer": _INFLUENCER in roles,
                "person__is_gatekeeper": _GATEKEEPER in roles,
                "person__role_count": len(roles),
            }
        )
    complexity = prospect.process_complexity
    fact: Fact = {
        "prospect__industry": industry,
        "prospect__industry_class": industry_class,
        "prospect__revenue": prospect.annual_revenue_rmb,
        "prospect__profit": prospect.annual_profit_rmb,
        "prospect__computerisation": prospect.computerisation,
        "prospect__selection": _selection(prospect, sched.selection_start, as_of, ctx),
        "prospect__waiting_on_named_event": bool(prospect.waiting_on),
        "prospect__necessity_affirmed": prospect.necessity_affirmed,
        "prospect__pain_vendor_unresponsive": "vendor_unresponsive" in prospect.pains,
        "prospect__pain_in_house_unmaintainable": "in_house_unmaintainable" in prospect.pains,
        "prospect__pain_inadequate": "inadequate_for_scale" in prospect.pains,
        "prospect__disqualified": prospect.disqualified,
        "prospect__system_age_years": (
            None
            if prospect.system_installed_year is None
            else max(0, as_of.year - prospect.system_installed_year)
        ),
        "prospect__matrix_product": ctx.tier_map.get(complexity) if complexity else None,
        "prospect__group_complexity": (
            None if complexity is None else complexity is ProcessComplexity.HIGHLY_COMPLEX
        ),
        "close__months": months,
        "close__date_passed": None if close is None else overdue is not None,
        "close__days_overdue": overdue,
        "schedule__known_count": known_count,
        "schedule__order_ok": order_ok,
        "schedule__order_violation": violation,
        "schedule__days_to_signing": _days(sched.contract_signing, as_of),
        "schedule__days_to_vendor_decision": _days(sched.vendor_decision, as_of),
        "schedule__days_to_selection_start": _days(sched.selection_start, as_of),
        "schedule__days_to_go_live": _days(sched.go_live, as_of),
        "schedule__selection_to_signing_months": cycle,
        "budget__mode": budget.mode,
        "budget__amount": amount,
        "budget__coverage_known": covers is not None,
        "budget__covers_software": None if covers is None else "software" in covers,
        "budget__covers_services": None if covers is None else "services" in covers,
        "budget__covers_hardware": None if covers is None else "hardware" in covers,
        "budget__covers_database": None if covers is None else "database" in covers,
        "budget__covers_network": None if covers is None else "network" in covers,
        "requirement__motive_known": req.motive is not None,
        "requirement__problem_count": _count(req.problems),
        "requirement__needs_software": None if req.modules is None else bool(req.modules),
        "requirement__needs_services": None if req.services is None else bool(req.services),
        "requirement__module_count": _count(req.modules),
        "requirement__site_count": _count(req.sites),
        "requirement__language_count": _count(req.languages),
        "requirement__unsupported_module_count": _unsupported(req.modules, ctx.modules),
        "requirement__unsupported_language_count": _unsupported(req.languages, ctx.languages),
        "requirement__unsupported_site_count": _unsupported(req.sites, ctx.regions),
        "decision__initiator_known": dec.initiator is not None,
        "decision__makers_known": bool(dec.decision_makers),
        "decision__process_known": dec.process is not None,
        "decision__criteria_known": bool(dec.criteria),
        "decision__majority_supports": dec.majority_supports,
        "decision__parent_role_declared": dec.parent_company_role is not None,
        "decision__group_hq_role_declared": dec.group_hq_role is not None,
        "decision__external_role_count": None
        if dec.external_roles is None
        else len(dec.external_roles),
        "competition__competitor_count": None if competitors is None else len(competitors),
        "competition__leader_count": None if leaders is None else len(leaders),
        "competition__differentiator_count": len(comp.differentiators or ()),
        "competition__top_factor_is_leader_advantage": top_is_leader,
        "evaluation__factor_count": _count(ev.factors),
        "evaluation__top_factor_known": top is not None,
        "stakeholders__count": len(people),
        "stakeholders__approver_count": role_counts[_APPROVER],
        "stakeholders__decision_maker_count": role_counts[_MAKER],
        "stakeholders__influencer_count": role_counts[_INFLUENCER],
        "stakeholders__gatekeeper_count": role_counts[_GATEKEEPER],
        "stakeholders__devil_count": quad_counts[_DEVIL],
        "stakeholders__angel_count": quad_counts[_ANGEL],
        "stakeholders__imp_count": quad_counts[_IMP],
        "stakeholders__sweetheart_count": quad_counts[_SWEETHEART],
        "stakeholders__unclassified_count": quad_counts[_UNCLASSIFIED],
        "stakeholders__devil_decider_count": devil_deciders,
    }
    return Facts(fact, tuple(people))
