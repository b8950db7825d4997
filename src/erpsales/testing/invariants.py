"""Ready-made policy invariants: one line each, run against your own policy.

Each check runs a hypothesis search for a counterexample and raises
:class:`InvariantViolation` (an ``AssertionError``) when it finds one. The message names the
invariant and the specification ids it checks, says what went wrong, and shows the
shrunk counterexample as JSON that ``erpsales.qualify`` accepts::

    from erpsales.testing import invariants

    def test_my_policy_keeps_the_invariants():
        policy = erpsales.load_policy("my-policy.toml")
        invariants.grade_monotone_in_time_to_close(policy)
        invariants.backends_agree(policy)

or all at once: ``invariants.check_all(policy)`` → ``{"exactly_one_grade": "ok", ...}``.

Common keyword options:

* ``max_examples``: how many inputs to try (the defaults keep each check to seconds);
* ``backend``: one backend name, or ``None`` for every backend available here;
* ``prospects``: a strategy to search instead of the default — sparse, complete, and
  complete with placed stakeholders from :mod:`erpsales.testing.strategies`, with the
  inputs that rules combine redrawn per prospect so that rare combinations turn up in
  every run — e.g. ``es.prospects(revenue_band="ERP2")``;
* ``as_of``: the date the prospects are qualified on (default
  :data:`~erpsales.testing.strategies.AS_OF`, the date the generated schedules centre on);
* ``random_seed``: make the search reproducible.

The checks use ``database=None`` and no deadline, so they leave no files behind and never
fail on a slow machine.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import inspect
import json
import random
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from hypothesis import Phase, find, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample

from erpsales._api import Engine
from erpsales.engine import available_backends
from erpsales.models import (
    ComputerisationStatus,
    DecisionRole,
    Grade,
    Industry,
    Pain,
    Prospect,
    SelectionStatus,
)
from erpsales.policy import Policy, check_policy, seed_policy
from erpsales.policy._compile import compile_program
from erpsales.policy._expr import AnyOf, Compare, Cond, Const, Group
from erpsales.testing import strategies as es

__all__ = [
    "InvariantViolation",
    "backends_agree",
    "check_all",
    "deterministic",
    "exactly_one_band",
    "exactly_one_grade",
    "fit_monotone_in_revenue",
    "grade_monotone_in_time_to_close",
    "no_unreachable_rules",
]

_T = TypeVar("_T")
_STATUSES = ("active", "out_of_market", "disqualified")

#: What each invariant says, and the specification ids it checks.
_ABOUT: dict[str, tuple[str, str]] = {
    "exactly_one_grade": (
        "R-GR-01, AMB-08, AMB-12",
        "every valid prospect qualifies, with one grade A–D, one status and exactly one "
        "close-window rule (the windows are contiguous buckets)",
    ),
    "exactly_one_band": (
        "spec §8 invariant 1; AMB-01, AMB-02",
        "every revenue ≥ 0 falls in exactly one revenue band, and with profit at or above "
        "every floor and a core industry it fits that band's product",
    ),
    "fit_monotone_in_revenue": (
        "spec §8 invariant 2; R-TM-09",
        "product fit never goes down as revenue goes up (products ranked by revenue band; "
        "no product ranks lowest)",
    ),
    "grade_monotone_in_time_to_close": (
        "spec §8 invariant 3; AMB-08",
        "the grade never rises as the expected close moves further away",
    ),
    "deterministic": (
        "engine guarantee, no spec id",
        "the same prospect gives the same assessment twice on one engine and on a "
        "freshly built engine",
    ),
    "backends_agree": (
        "engine guarantee, no spec id",
        "every backend gives the same assessment (trace included) and the same verdict",
    ),
    "no_unreachable_rules": (
        "policy hygiene; see also erpsales.check_policy",
        "every rule of the compiled policy fires for at least one prospect",
    ),
}


class InvariantViolation(AssertionError):  # noqa: N818 - it is an AssertionError, named for what it reports
    """An invariant does not hold for a policy.

    Attributes:
        invariant: The invariant's name, e.g. ``"grade_monotone_in_time_to_close"``.
        spec: The specification ids it checks.
        policy_id: The id of the policy checked.
        detail: What went wrong on the counterexample.
        counterexample: The shrunk input that breaks the invariant (a :class:`Prospect`, a
            tuple of inputs, or the list of rule ids that never fired).
    """

    def __init__(
        self, invariant: str, policy: Policy, detail: str, counterexample: object, shown: str
    ) -> None:
        spec, statement = _ABOUT[invariant]
        self.invariant = invariant
        self.spec = spec
        self.policy_id = policy.id
        self.detail = detail
        self.counterexample = counterexample
        super().__init__(
            f"invariant {invariant} ({spec}) does not hold for policy {policy.id!r}: "
            f"{statement}.\n  {detail}\n  counterexample: {shown}"
        )


# -- shared machinery ----------------------------------------------------------------------


def _policy(policy: Policy | None) -> Policy:
    return policy if policy is not None else seed_policy()


def _day(as_of: dt.date | str) -> dt.date:
    return as_of if isinstance(as_of, dt.date) else dt.date.fromisoformat(as_of)


def _names(backend: str | None) -> tuple[str, ...]:
    if backend is None:
        return available_backends()
    if backend == "auto":
        return available_backends()[-1:]
    return (backend,)


@contextlib.contextmanager
def _engines(policy: Policy, names: Sequence[str]) -> Iterator[dict[str, Engine]]:
    """One engine per backend name, closed afterwards."""
    with contextlib.ExitStack() as stack:
        yield {name: stack.enter_context(Engine(policy, backend=name)) for name in names}


def _settings(max_examples: int, *, shrink: bool = True) -> settings:
    phases = [Phase.generate, Phase.shrink] if shrink else [Phase.generate]
    return settings(max_examples=max_examples, database=None, deadline=None, phases=phases)


def _random(random_seed: int | None) -> random.Random | None:
    return None if random_seed is None else random.Random(random_seed)


def _show(example: object) -> str:
    """A counterexample as text: prospects as the JSON ``qualify`` accepts."""
    if isinstance(example, Prospect):
        data = example.model_dump(mode="json", exclude_defaults=True)
        return json.dumps(data, ensure_ascii=False, sort_keys=True)
    if isinstance(example, tuple):
        return "(" + ", ".join(_show(item) for item in example) + ")"
    if isinstance(example, Industry):
        return example.value
    if isinstance(example, int) and not isinstance(example, bool):
        return f"{example:,}"
    return repr(example)


def _search(
    invariant: str,
    policy: Policy,
    strategy: st.SearchStrategy[_T],
    problem_of: Callable[[_T], str | None],
    *,
    max_examples: int,
    random_seed: int | None,
) -> None:
    """Search ``strategy`` for an input on which ``problem_of`` reports a problem; raise it.

    An exception raised while checking an input is a problem too (named in the message).
    """
    last: list[tuple[_T, str]] = []

    def broken(example: _T) -> bool:
        try:
            problem = problem_of(example)
        except Exception as exc:  # any failure on valid input breaks the invariant
            problem = f"checking it raised {type(exc).__name__}: {exc}"
        if problem is not None:
            last[:] = [(example, problem)]
        return problem is not None

    try:
        found = find(
            strategy,
            broken,
            settings=_settings(max_examples),
            random=_random(random_seed),
        )
    except NoSuchExample:
        return
    detail = last[-1][1] if last and last[-1][0] is found else "(see the counterexample)"
    raise InvariantViolation(invariant, policy, detail, found, _show(found))


def _first_difference(left: Any, right: Any, path: str = "") -> str | None:
    """The first path at which two JSON-like values differ, with both values."""
    if isinstance(left, dict) and isinstance(right, dict):
        for key in [*left, *(k for k in right if k not in left)]:
            if key not in left or key not in right:
                return f"{path}.{key}: present on one side only"
            found = _first_difference(left[key], right[key], f"{path}.{key}")
            if found is not None:
                return found
        return None
    if isinstance(left, list) and isinstance(right, list):
        for index, (a, b) in enumerate(zip(left, right, strict=False)):
            found = _first_difference(a, b, f"{path}[{index}]")
            if found is not None:
                return found
        if len(left) != len(right):
            extra = repr((left if len(left) > len(right) else right)[min(len(left), len(right))])
            extra = extra if len(extra) <= 160 else extra[:157] + "..."
            return f"{path}: {len(left)} items vs {len(right)}; the first extra one is {extra}"
        return None
    if left != right:
        return f"{path or '(value)'}: {left!r} vs {right!r}"
    return None


def _dump(result: Any) -> Any:
    return result.model_dump(mode="json", exclude={"backend"})


def _solid_profits(policy: Policy, profit: int | None) -> st.SearchStrategy[int]:
    if profit is not None:
        return st.just(profit)
    floors = [p.profit_min_rmb for p in policy.settings.products if p.profit_min_rmb is not None]
    floor = max([0, *floors])
    return st.integers(floor, floor + 10**9)


def _core_industries(
    policy: Policy, industry: Industry | str | None
) -> st.SearchStrategy[Industry]:
    if industry is not None:
        return st.just(Industry(industry))
    if policy.settings.industries.core:
        return es.industries("core", policy=policy)
    return es.industries(policy=policy)


# -- the invariants ------------------------------------------------------------------------


def exactly_one_grade(
    policy: Policy | None = None,
    /,
    *,
    max_examples: int = 100,
    backend: str | None = None,
    prospects: st.SearchStrategy[Prospect] | None = None,
    as_of: dt.date | str = es.AS_OF,
    random_seed: int | None = None,
) -> None:
    """Every valid prospect qualifies, with exactly one grade and one status (exhaustiveness).

    Checks that ``qualify`` raises nothing, that the grade is one of A–D and the status one
    of active / out_of_market / disqualified, and that exactly one close-window rule
    (``GR-WINDOW-*``) fires: the windows are contiguous buckets (AMB-08) and D takes the
    rest (AMB-12).

    Args:
        policy: The policy; the seed policy when ``None``.
        max_examples: How many prospects to try.
        backend: A backend name; ``None`` checks every backend available here.
        prospects: The prospects to search (default: as in the module docstring).
        as_of: The date to qualify on.
        random_seed: Make the search reproducible.

    Raises:
        InvariantViolation: With the prospect that breaks it.
    """
    policy = _policy(policy)
    day = _day(as_of)
    windows = frozenset(r.id for r in compile_program(policy).rules if r.role == "window")

    with _engines(policy, _names(backend)) as engines:

        def problem(prospect: Prospect) -> str | None:
            for name, engine in engines.items():
                try:
                    a = engine.qualify(prospect, as_of=day)
                except Exception as exc:  # any exception on valid input is the violation
                    return f"qualify raised {type(exc).__name__} on the {name} backend: {exc}"
                if a.grade not in set(Grade):
                    return f"grade {a.grade!r} is not one of A–D ({name} backend)"
                if a.status not in _STATUSES:
                    return f"status {a.status!r} is not one of {_STATUSES} ({name} backend)"
                fired = [r.rule_id for r in a.trace if r.rule_id in windows]
                if len(fired) != 1:
                    return (
                        f"{len(fired)} close-window rules fired ({', '.join(fired) or 'none'}) "
                        f"for close.months = {a.grading.months_to_close} ({name} backend, "
                        f"as of {day})"
                    )
            return None

        _search(
            "exactly_one_grade",
            policy,
            prospects if prospects is not None else _default_prospects(policy, day),
            problem,
            max_examples=max_examples,
            random_seed=random_seed,
        )


def exactly_one_band(
    policy: Policy | None = None,
    /,
    *,
    profit: int | None = None,
    industry: Industry | str | None = None,
    max_examples: int = 200,
    backend: str | None = None,
    as_of: dt.date | str = es.AS_OF,
    random_seed: int | None = None,
) -> None:
    """Every revenue ≥ 0 falls in exactly one revenue band (spec §8 invariant 1).

    For each revenue (band edges and their neighbours favoured) exactly one product's
    revenue rule fires; and with profit at or above every floor and a core industry, the
    prospect fits that product. It holds under ``lower_inclusive`` and ``upper_inclusive``
    with ERP1 read as a cap (AMB-01, AMB-02); ``literal_inclusive`` puts each shared edge
    in two bands by design, and the ``range`` reading of ERP1 leaves revenues below its
    floor in none.

    Args:
        policy: The policy; the seed policy when ``None``.
        profit: A fixed profit (default: any profit at or above every floor).
        industry: A fixed industry (default: the policy's core industries).
        max_examples: How many revenues to try.
        backend: A backend name; ``None`` checks every backend available here.
        as_of: The date to qualify on.
        random_seed: Make the search reproducible.

    Raises:
        InvariantViolation: With the revenue (and profit, industry) that breaks it.
    """
    policy = _policy(policy)
    day = _day(as_of)
    bands = {r.id: r.product for r in compile_program(policy).rules if r.role == "revenue"}
    literal = policy.settings.band_boundary == "literal_inclusive"
    strategy = st.tuples(
        es.revenues(policy=policy),
        _solid_profits(policy, profit),
        _core_industries(policy, industry),
    )

    with _engines(policy, _names(backend)) as engines:

        def problem(case: tuple[int, int, Industry]) -> str | None:
            revenue, solid, sector = case
            for name, engine in engines.items():
                a = engine.qualify({"name": "x", "revenue": revenue}, as_of=day)
                fired = [r.rule_id for r in a.trace if r.rule_id in bands]
                if len(fired) != 1:
                    hint = (
                        " (band_boundary = 'literal_inclusive' reports both products "
                        "on a shared edge by design)"
                        if literal and fired
                        else ""
                    )
                    return (
                        f"revenue {revenue:,} falls in {len(fired)} bands "
                        f"({', '.join(fired) or 'none'}; {name} backend){hint}"
                    )
                product = bands[fired[0]]
                fit = engine.verdict(
                    {"name": "x", "revenue": revenue, "profit": solid, "industry": sector},
                    as_of=day,
                )
                if fit.product != product:
                    return (
                        f"revenue {revenue:,} is in {product}'s band, but with profit "
                        f"{solid:,} and industry {sector.value} the fit is "
                        f"{fit.product or 'no product'} ({fit.fit_status}; {name} backend)"
                    )
            return None

        _search(
            "exactly_one_band",
            policy,
            strategy,
            problem,
            max_examples=max_examples,
            random_seed=random_seed,
        )


def fit_monotone_in_revenue(
    policy: Policy | None = None,
    /,
    *,
    profit: int | None = None,
    industry: Industry | str | None = None,
    max_examples: int = 200,
    backend: str | None = None,
    as_of: dt.date | str = es.AS_OF,
    random_seed: int | None = None,
) -> None:
    """With profit above every floor, product fit never goes down as revenue rises (§8.2).

    Products are ranked by revenue band (the lowest band first); no product ranks below
    every product. For revenues ``low <= high`` of a prospect with the same profit and
    industry, the product at ``high`` never ranks below the product at ``low`` (R-TM-09).
    Each try draws a profit, an industry and two revenues, and checks the whole chain of
    those revenues and every band edge (with its neighbours) in order.

    With a fixed ``profit`` between two floors the invariant does not hold in the seed
    policy, by design: 300万 profit fits ERP1 at 0.5亿 revenue and nothing at 2亿 (ERP2's
    floor is 500万). Pass ``profit=`` to see how your floors behave.

    Args:
        policy: The policy; the seed policy when ``None``.
        profit: A fixed profit (default: any profit at or above every floor).
        industry: A fixed industry (default: the policy's core industries).
        max_examples: How many revenue pairs to try.
        backend: A backend name; ``None`` checks every backend available here.
        as_of: The date to qualify on.
        random_seed: Make the search reproducible.

    Raises:
        InvariantViolation: With the two revenues, the profit and the industry.
    """
    policy = _policy(policy)
    day = _day(as_of)
    order = sorted(policy.settings.products, key=lambda p: p.revenue_min_rmb or 0)
    rank = {p.id: i for i, p in enumerate(order, start=1)}
    edges = es.revenue_edges(policy)
    strategy = st.tuples(
        es.revenues(policy=policy),
        es.revenues(policy=policy),
        _solid_profits(policy, profit),
        _core_industries(policy, industry),
    )

    with _engines(policy, _names(backend)) as engines:

        def problem(case: tuple[int, int, int, Industry]) -> str | None:
            first, second, money, sector = case
            chain = sorted({first, second, *edges})  # fit only changes at the edges
            for name, engine in engines.items():
                previous: tuple[int, str | None] | None = None
                for revenue in chain:
                    product = engine.verdict(
                        {"name": "x", "revenue": revenue, "profit": money, "industry": sector},
                        as_of=day,
                    ).product
                    if previous is not None and rank.get(previous[1] or "", 0) > rank.get(
                        product or "", 0
                    ):
                        low, fitted = previous
                        why = engine.qualify(
                            {"name": "x", "revenue": revenue, "profit": money, "industry": sector},
                            as_of=day,
                        ).fit.reasons
                        return (
                            f"revenue {low:,} fits {fitted}, but the higher revenue {revenue:,} "
                            f"fits {product or 'no product'} (profit {money:,}, industry "
                            f"{sector.value}, {name} backend): "
                            + "; ".join(reason.en for reason in why)
                        )
                    previous = (revenue, product)
            return None

        _search(
            "fit_monotone_in_revenue",
            policy,
            strategy,
            problem,
            max_examples=max_examples,
            random_seed=random_seed,
        )


def grade_monotone_in_time_to_close(
    policy: Policy | None = None,
    /,
    *,
    max_examples: int = 100,
    backend: str | None = None,
    prospects: st.SearchStrategy[Prospect] | None = None,
    as_of: dt.date | str = es.AS_OF,
    random_seed: int | None = None,
) -> None:
    """The grade never rises as the expected close moves away (spec §8 invariant 3, AMB-08).

    Each prospect is graded at every ``months_to_close`` from 0 to twice the C window (at
    least 30 months); the grade never gets better from one month to the next, so for any
    ``near <= far`` the grade at ``far`` is never better than at ``near``. Window grades
    always behave; a grade *descriptor* that reads ``close.months`` can break it.

    Args:
        policy: The policy; the seed policy when ``None``.
        max_examples: How many prospects to try.
        backend: A backend name; ``None`` checks every backend available here.
        prospects: The prospects to search (default: as in the module docstring).
        as_of: The date to qualify on.
        random_seed: Make the search reproducible.

    Raises:
        InvariantViolation: With the prospect and the month at which the grade rises.
    """
    policy = _policy(policy)
    day = _day(as_of)
    horizon = max(30, 2 * policy.settings.grading.windows["C"])

    with _engines(policy, _names(backend)) as engines:

        def problem(prospect: Prospect) -> str | None:
            at = [prospect.model_copy(update={"months_to_close": m}) for m in range(horizon + 1)]
            for name, engine in engines.items():
                grades = [engine.verdict(p, as_of=day).grade for p in at]
                rise = next(
                    (m for m in range(horizon) if grades[m].rank < grades[m + 1].rank), None
                )
                if rise is not None:
                    how = []
                    for m in (rise, rise + 1):
                        g = engine.qualify(at[m], as_of=day).grading
                        rules = ", ".join(g.descriptor_rules) or "none"
                        how.append(
                            f"at {m} months: grade {grades[m].value} (descriptor "
                            f"{g.descriptor_grade.value} from {rules}; window "
                            f"{g.window_grade.value}; basis {g.basis})"
                        )
                    return (
                        f"closing in {rise + 1} months grades better than closing in {rise} "
                        f"({name} backend): " + "; ".join(how)
                    )
            return None

        _search(
            "grade_monotone_in_time_to_close",
            policy,
            prospects if prospects is not None else _default_prospects(policy, day),
            problem,
            max_examples=max_examples,
            random_seed=random_seed,
        )


def deterministic(
    policy: Policy | None = None,
    /,
    *,
    max_examples: int = 100,
    backend: str | None = None,
    prospects: st.SearchStrategy[Prospect] | None = None,
    as_of: dt.date | str = es.AS_OF,
    random_seed: int | None = None,
) -> None:
    """The same input always gives the same output.

    Each prospect is qualified twice on one engine and once on an engine built afresh for
    it; the three assessments (and two verdicts) must be equal.

    Args:
        policy: The policy; the seed policy when ``None``.
        max_examples: How many prospects to try.
        backend: A backend name; ``None`` checks every backend available here.
        prospects: The prospects to search (default: as in the module docstring).
        as_of: The date to qualify on.
        random_seed: Make the search reproducible.

    Raises:
        InvariantViolation: With the prospect and the first field that differs.
    """
    policy = _policy(policy)
    day = _day(as_of)

    with _engines(policy, _names(backend)) as engines:

        def problem(prospect: Prospect) -> str | None:
            for name, engine in engines.items():
                first = engine.qualify(prospect, as_of=day)
                with Engine(policy, backend=name) as fresh:
                    runs = {
                        "a second run on the same engine": engine.qualify(prospect, as_of=day),
                        "a freshly built engine": fresh.qualify(prospect, as_of=day),
                    }
                for label, other in runs.items():
                    if other != first:
                        where = _first_difference(_dump(first), _dump(other))
                        return f"{label} differs on the {name} backend at {where}"
                if engine.verdict(prospect, as_of=day) != engine.verdict(prospect, as_of=day):
                    return f"two verdicts on one {name} engine differ"
            return None

        _search(
            "deterministic",
            policy,
            prospects if prospects is not None else _default_prospects(policy, day),
            problem,
            max_examples=max_examples,
            random_seed=random_seed,
        )


def backends_agree(
    policy: Policy | None = None,
    /,
    *,
    max_examples: int = 100,
    backends: Sequence[str] | None = None,
    prospects: st.SearchStrategy[Prospect] | None = None,
    as_of: dt.date | str = es.AS_OF,
    random_seed: int | None = None,
) -> None:
    """Every backend gives the same assessment: one meaning on two engines.

    Compares the assessments (trace included, the ``backend`` field excepted) and the
    verdicts of the backends. It never skips: where only one backend is available (the
    durable backend needs Python < 3.13), it compares that backend with a second engine
    of the same backend built separately — a weaker check, but still one.

    Args:
        policy: The policy; the seed policy when ``None``.
        max_examples: How many prospects to try.
        backends: The backends to compare (default: every backend available here).
        prospects: The prospects to search (default: as in the module docstring).
        as_of: The date to qualify on.
        random_seed: Make the search reproducible.

    Raises:
        InvariantViolation: With the prospect and the first field that differs.
    """
    policy = _policy(policy)
    day = _day(as_of)
    names = tuple(backends) if backends is not None else available_backends()

    with contextlib.ExitStack() as stack:
        engines = {n: stack.enter_context(Engine(policy, backend=n)) for n in dict.fromkeys(names)}
        if len(engines) == 1:
            (only,) = engines
            engines[f"{only} (a second engine)"] = stack.enter_context(Engine(policy, backend=only))

        def problem(prospect: Prospect) -> str | None:
            (base, reference), *others = engines.items()
            expected = _dump(reference.qualify(prospect, as_of=day))
            verdict = reference.verdict(prospect, as_of=day)
            for name, engine in others:
                got = _dump(engine.qualify(prospect, as_of=day))
                where = _first_difference(expected, got)
                if where is not None:
                    return f"{base} and {name} differ at {where}"
                if engine.verdict(prospect, as_of=day) != verdict:
                    return f"the verdicts of {base} and {name} differ"
            return None

        _search(
            "backends_agree",
            policy,
            prospects if prospects is not None else _default_prospects(policy, day),
            problem,
            max_examples=max_examples,
            random_seed=random_seed,
        )


def _default_prospects(
    policy: Policy, day: dt.date, hints: Sequence[_Hint] = ()
) -> st.SearchStrategy[Prospect]:
    """Sparse, complete, and complete with placed stakeholders, then :func:`_vary`-ed."""
    generated = st.one_of(
        es.prospects(policy=policy),
        es.prospects(complete=True, policy=policy),
        es.prospects(
            complete=True,
            min_stakeholders=1,
            stakeholder=es.stakeholders(scored=True, policy=policy),
            policy=policy,
        ),
    )
    core = policy.settings.industries.core
    classes = {
        "core": list(core),
        "other_manufacturing": [i for i in Industry if i.is_manufacturing and i not in core],
        "non_manufacturing": [i for i in Industry if not i.is_manufacturing],
    }
    vary = functools.partial(
        _vary, classes={k: v for k, v in classes.items() if v}, day=day, hints=hints
    )
    return generated.map(vary)


#: A way to make one alternative of a rule's condition true: allowed values by field name.
_Hint = dict[str, tuple[object, ...]]
#: Prospect inputs that a fact field reads directly.
_INPUTS = {
    "prospect.computerisation": "computerisation",
    "prospect.selection": "selection",
    "prospect.necessity_affirmed": "necessity_affirmed",
    "prospect.disqualified": "disqualified",
}
_PAINS = {
    "prospect.pain_vendor_unresponsive": Pain.VENDOR_UNRESPONSIVE,
    "prospect.pain_in_house_unmaintainable": Pain.IN_HOUSE_UNMAINTAINABLE,
    "prospect.pain_inadequate": Pain.INADEQUATE_FOR_SCALE,
}
_HINTED = {*_INPUTS, *_PAINS, "prospect.industry_class", "prospect.waiting_on_named_event"}


def _hints(cond: Cond, limit: int = 32) -> list[_Hint]:
    """The alternatives of ``cond`` (its DNF), each as the input values its atoms need.

    Only atoms on fields that read one prospect input directly (status, selection,
    necessity, pains, industry class, disqualified) give values; the rest of the
    condition is left to the search.
    """

    def alternatives(c: Cond) -> list[list[Cond]]:
        if not isinstance(c, Group):
            return [[c]]
        parts = [alternatives(item) for item in c.items]
        if not c.all_of:
            return [a for p in parts for a in p][:limit]
        out: list[list[Cond]] = [[]]
        for p in parts:
            out = [a + b for a in out for b in p][:limit]
        return out

    hints: list[_Hint] = []
    for atoms in alternatives(cond):
        hint: _Hint = {}
        for atom in atoms:
            values: tuple[object, ...] | None = None
            if isinstance(atom, AnyOf) and not atom.negated:
                name, values = atom.field.spec.name, atom.values
            elif isinstance(atom, Compare) and atom.op == "==" and isinstance(atom.right, Const):
                name, values = atom.left.spec.name, (atom.right.value,)
            if values is None or name not in _HINTED:
                continue
            allowed = tuple(v for v in values if v in hint.get(name, values))
            hint[name] = allowed
        if hint and all(hint.values()):
            hints.append(hint)
    return hints


def _apply(
    data: dict[str, Any],
    hint: _Hint,
    rng: random.Random,
    classes: dict[str, list[Industry]],
) -> None:
    for name, values in hint.items():
        value = rng.choice(values)
        if name in _INPUTS:
            data[_INPUTS[name]] = value
        elif name in _PAINS:
            pains = set(data["pains"])
            data["pains"] = pains | {_PAINS[name]} if value else pains - {_PAINS[name]}
        elif name == "prospect.industry_class" and value in classes:
            data["industry"] = rng.choice(classes[str(value)])
        elif name == "prospect.waiting_on_named_event":
            data["waiting_on"] = "董事会" if value else None
            if value and data["selection"] not in ("waiting", "unknown"):
                data["selection"] = "waiting"


def _canonical(value: object) -> object:
    """``value`` with its sets sorted and its keys in order: the same text in every process."""
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((_canonical(v) for v in value), key=str)
    return value


def _vary(
    prospect: Prospect,
    *,
    classes: dict[str, list[Industry]],
    day: dt.date,
    hints: Sequence[_Hint],
) -> Prospect:
    """Redraw some inputs of ``prospect`` pseudo-randomly, seeded by its whole content.

    Hypothesis builds each example partly from earlier ones, so within one run the
    combinations that rules need (status × selection × necessity × pains × industry class
    for a grade descriptor; a devil approver *and* a near signing date for a contradiction)
    come in clumps: a run of a hundred prospects often lacks one entirely. Redrawing these
    inputs from a generator seeded by a digest of the prospect makes them independent from
    one example to the next — two prospects that differ anywhere get unrelated redraws —
    while the same prospect always gets the same ones, so hypothesis can replay and shrink
    ("swarm testing"). When one rule is searched for, half the prospects also take the
    input values one alternative of its condition needs (:func:`_hints`). The result is
    validated like any input.
    """
    data = prospect.model_dump()
    digest = hashlib.sha256(json.dumps(_canonical(data), default=str).encode()).digest()
    rng = random.Random(digest)
    if rng.random() < 0.5:
        data["computerisation"] = rng.choice(list(ComputerisationStatus))
    if rng.random() < 0.5:
        data["selection"] = rng.choice(list(SelectionStatus))
    if rng.random() < 0.5:
        data["necessity_affirmed"] = rng.choice([True, False, None])
    if rng.random() < 0.5:
        data["pains"] = {p for p in Pain if rng.random() < 0.5}
    if rng.random() < 0.5:
        data["industry"] = rng.choice(classes[rng.choice(list(classes))])
    if rng.random() < 0.5:
        data["disqualified"] = rng.random() < 0.5
    if hints and rng.random() < 0.5:
        _apply(data, rng.choice(hints), rng, classes)
    if data["waiting_on"] and data["selection"] not in ("waiting", "unknown"):
        data["waiting_on"] = None
    info = data["key_info"]
    if rng.random() < 0.25:  # signing soon, or just passed
        info["schedule"]["contract_signing"] = day + dt.timedelta(days=rng.randint(-5, 60))
    if data["stakeholders"] and rng.random() < 0.25:  # someone with a role, rescored
        person = rng.choice(data["stakeholders"])
        person["roles"] = {r for r in DecisionRole if rng.random() < 0.5}
        person["influence"], person["support"] = rng.randint(1, 5), rng.randint(1, 5)
    advantages = [
        a for c in info["competition"]["competitors"] or () if c["leading"] for a in c["advantages"]
    ]
    if advantages and rng.random() < 0.25:  # the customer values what a leader offers
        factor = rng.choice(advantages)
        evaluation = info["key_evaluation"]
        factors = list(evaluation["factors"] or ())
        evaluation["factors"] = factors if factor in factors else [*factors, factor]
        evaluation["top_factor"] = factor
    return Prospect.model_validate(data)


def no_unreachable_rules(
    policy: Policy | None = None,
    /,
    *,
    strict: bool = False,
    max_examples: int = 300,
    backend: str = "compiled",
    prospects: st.SearchStrategy[Prospect] | None = None,
    as_of: dt.date | str = es.AS_OF,
    random_seed: int | None = None,
) -> list[str]:
    """The rules of the compiled policy that no generated prospect fired.

    Generated rules (bands, floors, market, windows) count too; rules switched off by a
    setting are not in the compiled policy. The search first tries ``max_examples``
    prospects for all rules at once, then up to ``max_examples`` more for each rule still
    unfired — except the rules :func:`erpsales.check_policy` proves can never fire.

    A listed rule either cannot fire (a contradiction such as ``budget.amount < 0``, or a
    setting that makes a field constant: the seed's CX-RC-1 waits for
    ``settings.capabilities``), or needs prospects the search rarely makes: pass
    ``prospects=`` or a larger ``max_examples`` to look harder.

    Args:
        policy: The policy; the seed policy when ``None``.
        strict: Raise :class:`InvariantViolation` when a rule is listed.
        max_examples: Prospects for the first sweep, and again for each unfired rule.
        backend: The backend to run (both give the same firings; see
            :func:`backends_agree`).
        prospects: The prospects to search (default: as for the other invariants, and
            when one rule is searched for, half of them take the inputs it needs).
        as_of: The date to qualify on.
        random_seed: Make the search reproducible.

    Returns:
        The ids of the rules that never fired, in policy order.

    Raises:
        InvariantViolation: ``strict`` and some rule never fired.
    """
    policy = _policy(policy)
    day = _day(as_of)
    program = compile_program(policy)
    ids = program.ids
    rng = _random(random_seed) or random.Random()
    fired: set[str] = set()
    static = {
        p.rule_id: p.message
        for p in check_policy(policy)
        if p.code == "rule.unreachable" and p.rule_id is not None
    }

    with Engine(policy, backend=backend) as engine:

        def fires(prospect: Prospect, rule_id: str | None) -> bool:
            fired.update(r.rule_id for r in engine.qualify(prospect, as_of=day).trace)
            return fired.issuperset(ids) if rule_id is None else rule_id in fired

        for rule in (None, *program.rules):
            if rule is not None and (rule.id in fired or rule.id in static):
                continue
            if prospects is not None:
                strategy = prospects
            else:
                hints = _hints(rule.cond) if rule is not None else []
                strategy = _default_prospects(policy, day, hints)
            with contextlib.suppress(NoSuchExample):
                find(
                    strategy,
                    functools.partial(fires, rule_id=None if rule is None else rule.id),
                    settings=_settings(max_examples, shrink=False),
                    random=rng,
                )
            if fired.issuperset(ids):
                break

    missing = [rule_id for rule_id in ids if rule_id not in fired]
    if strict and missing:
        lines = []
        for rule_id in missing:
            reason = static.get(rule_id) or (
                f"did not fire in {max_examples} generated prospects, nor in "
                f"{max_examples} more searched for it alone"
            )
            when = next((r.when for r in policy.rules if r.id == rule_id), "generated rule")
            lines.append(f"{rule_id} (when: {when}): {reason}")
        raise InvariantViolation(
            "no_unreachable_rules",
            policy,
            f"{len(missing)} rule(s) never fired:\n    " + "\n    ".join(lines),
            missing,
            ", ".join(missing),
        )
    return missing


_CHECKS: dict[str, Callable[..., object]] = {
    "exactly_one_grade": exactly_one_grade,
    "exactly_one_band": exactly_one_band,
    "fit_monotone_in_revenue": fit_monotone_in_revenue,
    "grade_monotone_in_time_to_close": grade_monotone_in_time_to_close,
    "deterministic": deterministic,
    "backends_agree": backends_agree,
    "no_unreachable_rules": no_unreachable_rules,
}


def check_all(policy: Policy | None = None, /, **options: Any) -> dict[str, str]:
    """Run every invariant on ``policy``; return each one's outcome by name.

    Args:
        policy: The policy; the seed policy when ``None``.
        **options: Keyword options, each passed to the invariants that take it
            (``max_examples``, ``as_of``, ``random_seed``, ``strict`` …).

    Returns:
        ``{name: outcome}`` in a fixed order. The outcome is ``"ok"``, or the failure
        message; ``no_unreachable_rules`` (unless ``strict=True``) passes with a note,
        ``"ok (never fired: CX-RC-1)"``. So ``outcome.startswith("ok")`` means it held.

    Raises:
        TypeError: An option no invariant takes.
    """
    known = {
        name
        for check in _CHECKS.values()
        for name in inspect.signature(check).parameters
        if name != "policy"
    }
    unknown = sorted(set(options) - known)
    if unknown:
        raise TypeError(f"check_all() got options no invariant takes: {unknown}")
    outcomes: dict[str, str] = {}
    for name, check in _CHECKS.items():
        accepted = inspect.signature(check).parameters
        try:
            result = check(policy, **{k: v for k, v in options.items() if k in accepted})
        except InvariantViolation as exc:
            outcomes[name] = str(exc)
            continue
        missing = result if isinstance(result, list) else []
        outcomes[name] = f"ok (never fired: {', '.join(missing)})" if missing else "ok"
    return outcomes
