"""From a validated :class:`~erpsales.Prospect` to flat facts (the backends' input).

One *prospect fact* per prospect and one *person fact* per stakeholder, as dicts keyed
by :attr:`FieldSpec.key`. Unknown values are ``None`` here; the durable backend drops
them (a missing property), the compiled backend tests for ``None``: the same meaning.

Every field is derived by one line of :data:`PROSPECT_DERIVATIONS` or
:data:`PERSON_DERIVATIONS` (aggregates over the people by :data:`AGGREGATES`). Those lines
are the only definition of the fact vocabulary: :func:`derivation_code` turns the lines a
caller needs into Python source, so the fact builder that both backends read
(:func:`build_facts`) and the compiled backend's fused batch program (which derives only
the fields its rules read) cannot disagree about what a prospect is.
"""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
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
from erpsales.policy._fields import FIELDS
from erpsales.policy._model import PolicySettings

__all__ = [
    "AGGREGATES",
    "ASSUMED_INFLUENCE",
    "PERSON_DERIVATIONS",
    "PROSPECT_DERIVATIONS",
    "SUMS",
    "FactContext",
    "Facts",
    "add_months",
    "build_facts",
    "derivation_code",
    "indent",
    "months_between",
    "place",
]

Fact = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Facts:
    """The facts of one prospect: its prospect fact and one person fact per stakeholder."""

    prospect: Fact
    people: tuple[Fact, ...]


_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def add_months(day: dt.date, months: int) -> dt.date:
    """Return ``day`` plus ``months`` calendar months, clamping to the month's last day.

    A result past the calendar's end (year 9999) is :attr:`datetime.date.max`, before its
    start :attr:`datetime.date.min`: every date there is.
    """
    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    if year > dt.MAXYEAR:
        return dt.date.max
    if year < dt.MINYEAR:
        return dt.date.min
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
_SCORES = (None, 1, 2, 3, 4, 5)
_QUADRANT_WEIGHTS = {q: 1 << (32 * i) for i, q in enumerate(Quadrant)}


@dataclass(frozen=True, slots=True)
class FactContext:
    """The settings the fact builder needs, precomputed once per policy.

    Attributes:
        quadrants: ``quadrants[influence][support]``, the quadrant of every pair of scores
            (``None`` for an unknown score): placing a person is two dict lookups.
    """

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
    industry_class: dict[Industry | None, str | None] = field(default_factory=dict)
    quadrants: dict[int | None, dict[int | None, Quadrant]] = field(default_factory=dict)
    _builder: list[Callable[..., tuple[Fact, tuple[Fact, ...]]]] = field(
        default_factory=list, repr=False, compare=False
    )

    @classmethod
    def of(cls, settings: PolicySettings) -> FactContext:
        """Precompute the context for ``settings``."""
        caps = settings.capabilities

        def fold(values: tuple[str, ...] | None) -> frozenset[str] | None:
            return None if values is None else frozenset(v.casefold() for v in values)

        smap = settings.stakeholder_map
        core = frozenset(Industry(i) for i in settings.industries.core)
        classes: dict[Industry | None, str | None] = {None: None}
        for industry in Industry:
            classes[industry] = (
                "core"
                if industry in core
                else "other_manufacturing"
                if industry.is_manufacturing
                else "non_manufacturing"
            )
        high, support_high = smap.high_threshold, smap.support_threshold
        return cls(
            core=core,
            tier_map=dict(settings.tier_product_map),
            imminent_months=settings.grading.imminent_selection_months,
            rounding=settings.grading.month_rounding,
            modules=fold(caps.modules),
            languages=fold(caps.languages),
            regions=fold(caps.regions),
            high=high,
            support_high=support_high,
            assume_roles=frozenset(smap.assume_influence_for_roles),
            industry_class=classes,
            quadrants={
                i: {s: _quadrant(i, s, high, support_high) for s in _SCORES} for i in _SCORES
            },
        )

    def names(self) -> dict[str, Any]:
        """The globals that derivation code reads (see :func:`derivation_code`)."""
        return {
            **_HELPERS,
            "_IC": self.industry_class,
            "_TIER": self.tier_map,
            "_ROUND": self.rounding,
            "_IMMINENT": self.imminent_months,
            "_MODS": self.modules,
            "_LANGS": self.languages,
            "_REGS": self.regions,
            "_QT": self.quadrants,
            "_ASSUME": self.assume_roles,
        }

    def builder(self) -> Callable[..., tuple[Fact, tuple[Fact, ...]]]:
        """The generated builder of every field: ``build(P, D, IMM) -> (fact, people)``."""
        if not self._builder:
            self._builder.append(_full_builder(self))
        return self._builder[0]


def _quadrant(influence: int | None, support: int | None, high: int, support_high: int) -> Quadrant:
    if influence is None or support is None:
        return _UNCLASSIFIED
    if influence >= high:
        return _ANGEL if support >= support_high else _DEVIL
    return _SWEETHEART if support >= support_high else _IMP


def place(person: Stakeholder, ctx: FactContext) -> Quadrant:
    """The quadrant of ``person`` (R-SM-03, AMB-13, AMB-16): it depends only on the thresholds."""
    influence = person.influence
    if influence is None and ctx.assume_roles & person.roles:
        influence = 5
    return ctx.quadrants[influence][person.support]


def _unsupported(values: list[str], offered: frozenset[str]) -> int:
    """How many of ``values`` are not ``offered`` (compared case-insensitively)."""
    return sum(1 for v in values if v.casefold() not in offered)


_ORDER = (
    ("selection_start", "S6"),
    ("selection_end", "S5"),
    ("vendor_decision", "S4"),
    ("contract_signing", "S3"),
    ("implementation_start", "S2"),
    ("go_live", "S1"),
)


def _order_violation(schedule: Any) -> str | None:
    """The first pair of known schedule dates out of order (R-KI-03), as text."""
    known = [(name, label, getattr(schedule, name)) for name, label in _ORDER]
    known = [k for k in known if k[2] is not None]
    for (n1, l1, d1), (n2, l2, d2) in itertools.pairwise(known):
        if d1 > d2:
            return f"{l1} {n1} {d1.isoformat()} is after {l2} {n2} {d2.isoformat()}"
    return None


def _infer_selection(
    start: dt.date | None, as_of: dt.date, imminent: dt.date, waiting_on: str | None
) -> str:
    """The selection status read from S6 when the prospect does not state it (AMB-28)."""
    if start is not None:
        if start <= as_of:
            return "started"
        if start <= imminent:
            return "imminent"
    if waiting_on:
        return "waiting"
    return "unknown"


def _leader_advantage(top: str, leaders: list[Any]) -> bool:
    """Whether ``top`` is one of the leading competitors' advantages (R-KE-01)."""
    folded = top.casefold()
    for competitor in leaders:
        for advantage in competitor.advantages:
            if advantage.casefold() == folded:
                return True
    return False


_HELPERS: dict[str, Any] = {
    "_months_between": months_between,
    "_LEADING": operator.attrgetter("leading"),
    "_unsupported": _unsupported,
    "_order_violation": _order_violation,
    "_infer_selection": _infer_selection,
    "_leader_advantage": _leader_advantage,
    "_SEL_UNKNOWN": SelectionStatus.UNKNOWN,
    "_HIGHLY_COMPLEX": ProcessComplexity.HIGHLY_COMPLEX,
    "_APPROVER": _APPROVER,
    "_MAKER": _MAKER,
    "_INFLUENCER": _INFLUENCER,
    "_GATEKEEPER": _GATEKEEPER,
    "_DEVIL": _DEVIL,
    "_ANGEL": _ANGEL,
    "_IMP": _IMP,
    "_SWEETHEART": _SWEETHEART,
    "_UNCLASSIFIED": _UNCLASSIFIED,
    "_QW": _QUADRANT_WEIGHTS,
    "len": len,
    "filter": filter,
    "list": list,
    "bool": bool,
    "max": max,
    "sum": sum,
    "sorted": sorted,
    "tuple": tuple,
}

# -- the derivations ------------------------------------------------------------------------
#
# ``name = expression`` lines, in an order where every line only reads names defined above
# it. ``P`` is the prospect, ``D`` the as-of date, ``IMM`` the date the imminent-selection
# window ends (AMB-28); names starting with ``_`` are the helpers and the context's values
# (``FactContext.names``). Names with ``__`` are fact fields; the others are intermediates.

#: Prospect-scope fields (and the intermediates they share).
PROSPECT_DERIVATIONS: tuple[tuple[str, str], ...] = (
    ("info", "P.key_info"),
    ("sched", "info.schedule"),
    ("budget", "info.budget"),
    ("req", "info.requirement"),
    ("dec", "info.decision"),
    ("comp", "info.competition"),
    ("ev", "info.key_evaluation"),
    ("prospect__industry", "P.industry"),
    ("prospect__industry_class", "_IC[prospect__industry]"),
    ("prospect__revenue", "P.annual_revenue_rmb"),
    ("prospect__profit", "P.annual_profit_rmb"),
    ("prospect__computerisation", "P.computerisation"),
    ("selection_start", "sched.selection_start"),
    (
        "prospect__selection",
        "P.selection if P.selection is not _SEL_UNKNOWN "
        "else _infer_selection(selection_start, D, IMM, P.waiting_on)",
    ),
    ("prospect__waiting_on_named_event", "bool(P.waiting_on)"),
    ("prospect__necessity_affirmed", "P.necessity_affirmed"),
    ("pains", "P.pains"),
    ("prospect__pain_vendor_unresponsive", "'vendor_unresponsive' in pains"),
    ("prospect__pain_in_house_unmaintainable", "'in_house_unmaintainable' in pains"),
    ("prospect__pain_inadequate", "'inadequate_for_scale' in pains"),
    ("prospect__disqualified", "P.disqualified"),
    ("installed", "P.system_installed_year"),
    ("prospect__system_age_years", "None if installed is None else max(0, D.year - installed)"),
    ("complexity", "P.process_complexity"),
    ("prospect__matrix_product", "_TIER.get(complexity) if complexity else None"),
    (
        "prospect__group_complexity",
        "None if complexity is None else complexity is _HIGHLY_COMPLEX",
    ),
    # the close: months_to_close, else expected_close, else S3; a passed date is not a
    # known close (AMB-08)
    ("signing", "sched.contract_signing"),
    ("close", "P.expected_close or signing"),
    ("close__days_overdue", "(D - close).days if close is not None and close < D else None"),
    ("close__date_passed", "None if close is None else close__days_overdue is not None"),
    ("stated_months", "P.months_to_close"),
    (
        "close__months",
        "stated_months if stated_months is not None else None "
        "if close is None or close__days_overdue is not None "
        "else _months_between(D, close, _ROUND)",
    ),
    # the schedule S6 … S1 (R-KI-02/03, AMB-17)
    (
        "known_dates",  # a date is never false: filter(None, …) drops exactly the unknown ones
        "list(filter(None, (selection_start, sched.selection_end, sched.vendor_decision, "
        "signing, sched.implementation_start, sched.go_live)))",
    ),
    ("schedule__known_count", "len(known_dates)"),
    (
        "schedule__order_ok",
        "None if len(known_dates) < 2 else known_dates == sorted(known_dates)",
    ),
    (
        "schedule__order_violation",
        "None if schedule__order_ok is not False else _order_violation(sched)",
    ),
    ("schedule__days_to_signing", "None if signing is None else (signing - D).days"),
    ("vendor_decision", "sched.vendor_decision"),
    (
        "schedule__days_to_vendor_decision",
        "None if vendor_decision is None else (vendor_decision - D).days",
    ),
    (
        "schedule__days_to_selection_start",
        "None if selection_start is None else (selection_start - D).days",
    ),
    ("go_live", "sched.go_live"),
    ("schedule__days_to_go_live", "None if go_live is None else (go_live - D).days"),
    (
        "schedule__selection_to_signing_months",
        "_months_between(selection_start, signing, _ROUND) "
        "if selection_start and signing else None",
    ),
    # budget (R-BU, AMB-24)
    ("budget__mode", "budget.mode"),
    ("budgeted", "budget.amount_rmb"),
    ("budget__amount", "budgeted if budgeted is not None else budget.affordable_rmb"),
    ("covers", "budget.covers"),
    ("budget__coverage_known", "covers is not None"),
    ("budget__covers_software", "None if covers is None else 'software' in covers"),
    ("budget__covers_services", "None if covers is None else 'services' in covers"),
    ("budget__covers_hardware", "None if covers is None else 'hardware' in covers"),
    ("budget__covers_database", "None if covers is None else 'database' in covers"),
    ("budget__covers_network", "None if covers is None else 'network' in covers"),
    # requirement (R-RQ)
    ("requirement__motive_known", "req.motive is not None"),
    ("problems", "req.problems"),
    ("requirement__problem_count", "None if problems is None else len(problems)"),
    ("modules", "req.modules"),
    ("services", "req.services"),
    ("sites", "req.sites"),
    ("languages", "req.languages"),
    ("requirement__needs_software", "None if modules is None else bool(modules)"),
    ("requirement__needs_services", "None if services is None else bool(services)"),
    ("requirement__module_count", "None if modules is None else len(modules)"),
    ("requirement__site_count", "None if sites is None else len(sites)"),
    ("requirement__language_count", "None if languages is None else len(languages)"),
    (
        "requirement__unsupported_module_count",
        "None if modules is None else 0 if _MODS is None else _unsupported(modules, _MODS)",
    ),
    (
        "requirement__unsupported_language_count",
        "None if languages is None else 0 if _LANGS is None else _unsupported(languages, _LANGS)",
    ),
    (
        "requirement__unsupported_site_count",
        "None if sites is None else 0 if _REGS is None else _unsupported(sites, _REGS)",
    ),
    # decision (R-DE)
    ("decision__initiator_known", "dec.initiator is not None"),
    ("decision__makers_known", "bool(dec.decision_makers)"),
    ("decision__process_known", "dec.process is not None"),
    ("decision__criteria_known", "bool(dec.criteria)"),
    ("decision__majority_supports", "dec.majority_supports"),
    ("decision__parent_role_declared", "dec.parent_company_role is not None"),
    ("decision__group_hq_role_declared", "dec.group_hq_role is not None"),
    ("external", "dec.external_roles"),
    ("decision__external_role_count", "None if external is None else len(external)"),
    # competition (R-CO) and key evaluation (R-KE)
    ("competitors", "comp.competitors"),
    ("leaders", "None if competitors is None else list(filter(_LEADING, competitors))"),
    ("competition__competitor_count", "None if competitors is None else len(competitors)"),
    ("competition__leader_count", "None if leaders is None else len(leaders)"),
    ("competition__differentiator_count", "len(comp.differentiators or ())"),
    ("top", "ev.top_factor"),
    (
        "competition__top_factor_is_leader_advantage",
        "None if top is None or leaders is None else _leader_advantage(top, leaders)",
    ),
    ("factors", "ev.factors"),
    ("evaluation__factor_count", "None if factors is None else len(factors)"),
    ("evaluation__top_factor_known", "top is not None"),
    ("stakeholders__count", "len(P.stakeholders)"),
)

#: Person-scope fields; ``Q`` is the stakeholder.
PERSON_DERIVATIONS: tuple[tuple[str, str], ...] = (
    ("roles", "Q.roles"),
    ("person__name", "Q.name"),
    ("person__influence", "Q.influence"),
    ("person__support", "Q.support"),
    ("person__quadrant", "_QT[person__influence][person__support]"),
    ("person__level", "Q.level"),
    ("person__is_approver", "_APPROVER in roles"),
    ("person__is_decision_maker", "_MAKER in roles"),
    ("person__is_influencer", "_INFLUENCER in roles"),
    ("person__is_gatekeeper", "_GATEKEEPER in roles"),
    ("person__role_count", "len(roles)"),
)

#: Person lines that replace those of the same name when the policy assumes high influence
#: for some roles (``stakeholder_map.assume_influence_for_roles``, AMB-16).
ASSUMED_INFLUENCE: dict[str, str] = {
    "person__quadrant": "(_QT[5] if person__influence is None and _ASSUME & roles "
    "else _QT[person__influence])[person__support]",
}

#: Sums over the people: each person adds the expression's value. The quadrant counts
#: share one sum, a 32-bit field per quadrant (one addition per person, not five).
SUMS: tuple[tuple[str, str], ...] = (
    ("stakeholders__approver_count", "person__is_approver"),
    ("stakeholders__decision_maker_count", "person__is_decision_maker"),
    ("stakeholders__influencer_count", "person__is_influencer"),
    ("stakeholders__gatekeeper_count", "person__is_gatekeeper"),
    ("quadrant_tally", "_QW[person__quadrant]"),
    (
        "stakeholders__devil_decider_count",
        "person__quadrant is _DEVIL and (person__is_approver or person__is_decision_maker)",
    ),
)

#: Prospect-scope fields read off the sums, after the loop over the people.
AGGREGATES: tuple[tuple[str, str], ...] = tuple(
    (f"stakeholders__{q.value}_count", f"quadrant_tally >> {32 * i} & 0xFFFFFFFF")
    for i, q in enumerate(Quadrant)
)
_NAME = re.compile(r"(?<![.\w'])([A-Za-z_]\w*)")


def _closure(table: tuple[tuple[str, str], ...], wanted: Iterable[str]) -> list[tuple[str, str]]:
    """The lines of ``table`` that ``wanted`` needs (themselves and what they read), in order."""
    lines = dict(table)
    need: set[str] = set()
    stack = [w for w in wanted if w in lines]
    while stack:
        name = stack.pop()
        if name in need:
            continue
        need.add(name)
        stack += [n for n in _NAME.findall(lines[name]) if n in lines]
    return [(name, code) for name, code in table if name in need]


@dataclass(frozen=True, slots=True)
class DerivationCode:
    """Source lines deriving a set of fields (see :func:`derivation_code`).

    Attributes:
        prospect: Lines for the prospect fields, before the loop over the people.
        loop_init: Lines that zero the sums.
        person: Lines for the person fields, inside ``for Q in P.stakeholders:``.
        loop_add: Lines that add each person to the sums.
        after: Lines for the fields read off the sums, after the loop.
    """

    prospect: list[str]
    loop_init: list[str]
    person: list[str]
    loop_add: list[str]
    after: list[str]


def derivation_code(
    ctx: FactContext, prospect_fields: Iterable[str], person_fields: Iterable[str]
) -> DerivationCode:
    """Statements deriving ``prospect_fields`` (aggregates included) and ``person_fields``.

    Only the lines those fields need are emitted, so a program derives what it reads and
    nothing more. Every field becomes a local variable named by its key.
    """
    wanted = set(prospect_fields)
    after = _closure(AGGREGATES, wanted)
    sums = _closure(SUMS, [*wanted, *(n for _, code in after for n in _NAME.findall(code))])
    people = PERSON_DERIVATIONS
    if ctx.assume_roles:
        people = tuple((name, ASSUMED_INFLUENCE.get(name, code)) for name, code in people)
    person = _closure(
        people,
        [*person_fields, *(n for _, code in sums for n in _NAME.findall(code))],
    )
    return DerivationCode(
        prospect=[f"{name} = {code}" for name, code in _closure(PROSPECT_DERIVATIONS, wanted)],
        loop_init=[f"{name} = 0" for name, _ in sums],
        person=[f"{name} = {code}" for name, code in person],
        loop_add=[f"{name} += {code}" for name, code in sums],
        after=[f"{name} = {code}" for name, code in after],
    )


def indent(lines: Iterable[str], depth: int) -> list[str]:
    """``lines`` indented ``depth`` levels, for generated source."""
    return ["    " * depth + line for line in lines]


_PROSPECT_KEYS = tuple(f.key for f in FIELDS.values() if f.scope == "prospect" and f.phase == 1)
_PERSON_KEYS = tuple(f.key for f in FIELDS.values() if f.scope == "stakeholder")


def _full_builder(ctx: FactContext) -> Callable[..., tuple[Fact, tuple[Fact, ...]]]:
    code = derivation_code(ctx, _PROSPECT_KEYS, _PERSON_KEYS)
    person = ", ".join(f"{k!r}: {k}" for k in _PERSON_KEYS)
    fact = ", ".join(f"{k!r}: {k}" for k in _PROSPECT_KEYS)
    source = "\n".join(
        [
            "def build(P, D, IMM):",
            *indent(code.prospect, 1),
            *indent(code.loop_init, 1),
            "    people = []",
            "    for Q in P.stakeholders:",
            *indent(code.person, 2),
            *indent(code.loop_add, 2),
            f"        people.append({{{person}}})",
            *indent(code.after, 1),
            f"    return {{{fact}}}, tuple(people)",
            "",
        ]
    )
    namespace = {**ctx.names(), "__builtins__": {}}
    exec(compile(source, "<erpsales:build_facts>", "exec"), namespace)  # generated code
    builder: Callable[..., tuple[Fact, tuple[Fact, ...]]] = namespace["build"]
    builder.__erpsales_source__ = source  # type: ignore[attr-defined]
    return builder


def build_facts(prospect: Prospect, ctx: FactContext, as_of: dt.date) -> Facts:
    """Derive the prospect fact and the person facts of ``prospect`` as of ``as_of``."""
    fact, people = ctx.builder()(prospect, as_of, add_months(as_of, ctx.imminent_months))
    return Facts(fact, people)
