"""Benchmark: erpsales against its peers on the seed's product-fit and grading rules.

Run: ``python benchmarks/peers.py`` (``--prospects N``, default 10,000; ``--profile`` adds a
cProfile of erpsales and of the hand-written function). On the same generated, validated
prospects (``benchmarks/_generate.py``) it times, end to end from the ``Prospect`` models:

* erpsales, compiled backend: ``Engine.qualify`` (the full explained Assessment) and
  ``Engine.verdict`` (the same decisions without texts or trace), on the full seed policy,
  and ``verdict`` on the seed reduced to its product-fit and grading rules;
* erpsales, durable backend: ``Engine.verdict``;
* the same product and grade written by hand in plain Python (the practical limit), as a raw
  durable-rules ruleset, as a GoRules JDM decision graph in zen-engine (two ways of calling
  it) and as rule-engine expressions (``benchmarks/_peers/``).

erpsales does more than the peers (findings, stakeholder map, status, phase); the table says
what each row computes. Correctness first: every implementation must give erpsales' product
and grade on a sample before anything is timed, and on every prospect of every timed run.
Each figure is the best of three runs (``--runs``; the rows take turns) with the results
consumed (collected as ``(product, grade)`` pairs); this machine is shared and noisy.

Targets (issue 4, part 7; 2-core machine): the compiled backend ≥ 100,000 prospects/s for the
full seed policy from validated models, and within 3× of the hand-written Python on the same
rules. Figures are measurements, not assertions.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import importlib.metadata
import os
import platform
import pstats
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from _generate import generate
from _peers.common import Decision
from _peers.gorules import ZenDecision, ZenLoader
from _peers.handwritten import handwritten
from _peers.raw_durable import RawDurable
from _peers.ruleengine import RuleEngine

import erpsales
from erpsales import VERDICT_COLUMNS, Engine, Policy, Prospect, policy_from_dict, seed_policy
from erpsales._facts import add_months

AS_OF = dt.date(2026, 11, 28)
Run = Callable[[list[Prospect]], list[Any]]


@dataclass
class Impl:
    """One implementation: its name, what it computes, and a batch runner."""

    name: str
    does: str
    run: Run
    rate: float = 0.0
    mismatches: int = 0


def fit_and_grading_policy() -> Policy:
    """The seed without its finding rules: product fit, windows and grade descriptors only."""
    findings = [rule.id for rule in seed_policy().rules if rule.kind != "grade"]
    return policy_from_dict(
        {"extends": "seed", "id": "seed-fit-grading", "remove_rules": findings},
        source="seed minus findings",
    )


def erpsales_runner(engine: Engine, *, lean: bool) -> Run:
    """A batch runner over ``Engine.verdicts`` (lean) or ``Engine.qualify_many``."""
    stream = engine.verdicts if lean else engine.qualify_many

    def run(prospects: list[Prospect]) -> list[Any]:
        return [(r.product, r.grade) for r in stream(prospects, as_of=AS_OF)]

    return run


_PRODUCT, _GRADE = VERDICT_COLUMNS.index("product"), VERDICT_COLUMNS.index("grade")


def rows_runner(engine: Engine) -> Run:
    """A batch runner over ``Engine.verdict_rows`` (flat rows of VERDICT_COLUMNS)."""

    def run(prospects: list[Prospect]) -> list[Any]:
        return [(r[_PRODUCT], r[_GRADE]) for r in engine.verdict_rows(prospects, as_of=AS_OF)]

    return run


def peer_runner(peer: Callable[[Prospect], Decision]) -> Run:
    """A batch runner that calls ``peer`` once per prospect."""

    def run(prospects: list[Prospect]) -> list[Any]:
        return [peer(p) for p in prospects]

    return run


def implementations() -> tuple[list[Impl], list[Callable[[], None]]]:
    """Every implementation, and the clean-ups to call at the end."""
    seed_rules = len(Engine(backend="compiled").program.rules)
    reduced = fit_and_grading_policy()
    reduced_rules = len(Engine(reduced, backend="compiled").program.rules)
    durable_raw = RawDurable(AS_OF)
    impls = [
        Impl(
            "erpsales compiled qualify",
            f"full seed ({seed_rules} rules): Assessment with fit, grade, findings and their "
            "en+zh texts, stakeholder placements, trace",
            erpsales_runner(Engine(backend="compiled"), lean=False),
        ),
        Impl(
            "erpsales compiled verdict",
            f"full seed ({seed_rules} rules): Verdict with fit, grade, status, phase, finding "
            "ids, quadrant counts",
            erpsales_runner(Engine(backend="compiled"), lean=True),
        ),
        Impl(
            "erpsales compiled verdict_rows",
            f"full seed ({seed_rules} rules): the same verdict as a flat row of "
            "VERDICT_COLUMNS (finding ids joined, counts by kind and quadrant)",
            rows_runner(Engine(backend="compiled")),
        ),
        Impl(
            "erpsales compiled verdict_rows, fit+grading",
            f"the seed minus its finding rules ({reduced_rules} rules): the same row",
            rows_runner(Engine(reduced, backend="compiled")),
        ),
    ]
    if "durable" in erpsales.available_backends():
        impls.append(
            Impl(
                "erpsales durable verdict",
                f"full seed ({seed_rules} rules) on durable-rules' C core: the same Verdict",
                erpsales_runner(Engine(backend="durable"), lean=True),
            )
        )
    impls += [
        Impl(
            "hand-written Python",
            "product + grade only: one function reading the Prospect",
            peer_runner(handwritten(AS_OF)),
        ),
        Impl(
            "raw durable-rules",
            "product + grade: 12 rules + a catch-all, QuietHost, 1 fact and 1 sid per "
            "prospect, decided in Python",
            peer_runner(durable_raw),
        ),
        Impl(
            "zen-engine decision.evaluate",
            "product + grade: GoRules JDM graph of 4 decision tables",
            peer_runner(ZenDecision(AS_OF)),
        ),
        Impl(
            "zen-engine engine.evaluate",
            "the same JDM graph, through a loader returning parsed content",
            peer_runner(ZenLoader(AS_OF)),
        ),
        Impl(
            "rule-engine",
            "product + grade: 12 compiled Rule expressions on a dict, decided in Python",
            peer_runner(RuleEngine(AS_OF)),
        ),
    ]
    return impls, [durable_raw.close]


def mismatches(results: Iterable[Any], reference: list[Decision]) -> int:
    """How many results differ from the reference (product, grade)."""
    return sum(1 for got, want in zip(results, reference, strict=True) if tuple(got) != want)


def time_all(
    impls: list[Impl], prospects: list[Prospect], runs: int, reference: list[Decision]
) -> None:
    """Best-of-``runs`` prospects/s of each implementation, checking every run's results.

    The implementations take turns (run 1 of each, then run 2 of each …), so that a burst of
    load from elsewhere on this shared machine does not fall on one row only.
    """
    for _ in range(runs):
        for impl in impls:
            gc.collect()
            start = time.perf_counter()
            results = impl.run(prospects)
            impl.rate = max(impl.rate, len(prospects) / (time.perf_counter() - start))
            impl.mismatches = max(impl.mismatches, mismatches(results, reference))
            del results


def load() -> str:
    """The 1-minute load average (Linux), to judge how much else competed for the CPUs."""
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "unknown"


def verdict_mark(ok: bool) -> str:
    return "met" if ok else "NOT met"


def version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def stages(prospects: list[Prospect], runs: int) -> None:
    """µs per prospect of each step of the compiled batch loop, without a profiler.

    ``Engine.verdict_rows`` runs one generated loop per policy. Its source is cut after
    each step and the truncated loops are timed: the difference between two consecutive
    cuts is what that step costs. This reaches into erpsales' internals (the fused
    program's source and globals); it is a profiling aid and may need updating when they
    change.
    """
    cuts = (
        ("derive the fields the rules read, place the people", "m = 0"),
        ("phase-1 rules into a mask, look the decision up", "f = d["),
        ("phase-2 rules into a mask, look the finding ids up", "status = "),
        ("status, pipeline and the row", None),
    )
    for label, policy in (("full seed", None), ("fit+grading only", fit_and_grading_policy())):
        fused = Engine(policy, backend="compiled")._fused
        assert fused is not None
        imminent = add_months(AS_OF, fused._ctx.imminent_months)
        source = fused.source["row"]
        names = fused._run["row"].__globals__
        lines = source.splitlines()
        print(f"\nsteps of erpsales compiled verdict_rows, {label} (best of {runs}, no profiler):")
        before = 0.0
        for name, mark in cuts:
            if mark is None:
                cut = source
            else:
                at = next(i for i, line in enumerate(lines) if line.strip().startswith(mark))
                cut = "\n".join([*lines[:at], "        append(P)", "    return out", ""])
            namespace = dict(names)
            exec(compile(cut, "<steps>", "exec"), namespace)  # erpsales' own generated code
            run = namespace["run"]
            best = float("inf")
            for _ in range(runs):
                gc.collect()
                start = time.perf_counter()
                run(prospects, AS_OF, imminent)
                best = min(best, time.perf_counter() - start)
            total = best / len(prospects) * 1e6
            print(f"  {name:<58} {total - before:>6.1f} µs")
            before = total
        print(f"  {'all of it':<58} {before:>6.1f} µs")


def profile(impls: list[Impl], prospects: list[Prospect]) -> None:
    """cProfile one run of erpsales compiled verdict_rows and of the hand-written function."""
    for name in ("erpsales compiled verdict_rows", "hand-written Python"):
        impl = next(i for i in impls if i.name == name)
        profiler = cProfile.Profile()
        profiler.enable()
        impl.run(prospects)
        profiler.disable()
        stats = pstats.Stats(profiler)
        total = stats.total_tt
        print(
            f"\ncProfile, {name}: {total:.3f} s for {len(prospects):,} prospects "
            f"({total / len(prospects) * 1e6:.1f} µs each under the profiler)"
        )
        print(f"  {'function':<58} {'own %':>6} {'incl %':>7} {'calls/prospect':>15}")
        rows = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)
        for (file, line, func), (_cc, calls, own, incl, _callers) in rows[:14]:
            where = f"{Path(file).name}:{line}" if line else file
            label = f"{func} ({where})"[:58]
            print(
                f"  {label:<58} {own / total * 100:>5.1f}% {incl / total * 100:>6.1f}% "
                f"{calls / len(prospects):>15.1f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prospects", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3, help="timed runs per row (best counts)")
    parser.add_argument("--check", type=int, default=1_000, help="sample checked before timing")
    parser.add_argument("--profile", action="store_true", help="cProfile erpsales and hand-written")
    args = parser.parse_args()

    print(
        f"erpsales {erpsales.__version__}, Python {platform.python_version()}, "
        f"{platform.machine()}, {os.cpu_count()} CPUs; zen-engine {version('zen-engine')}, "
        f"rule-engine {version('rule-engine')}, durable-rules {version('durable-rules')}"
    )
    prospects = [Prospect.model_validate(item) for item in generate(args.prospects)]
    print(f"{len(prospects):,} generated prospects, validated before timing, as of {AS_OF}")

    impls, cleanups = implementations()
    try:
        report(impls, prospects, args)
    finally:
        for cleanup in cleanups:
            cleanup()


def report(impls: list[Impl], prospects: list[Prospect], args: argparse.Namespace) -> None:
    """Check, time and print every implementation (and profile, with ``--profile``)."""
    reference_impl = next(i for i in impls if i.name == "erpsales compiled verdict")
    reference = [(p, g.value) for p, g in reference_impl.run(prospects)]
    mix = Counter(g for _, g in reference)
    products = Counter(p or "none" for p, _ in reference)
    print(
        "reference (erpsales compiled verdict): grades "
        + ", ".join(f"{g} {mix[g]:,}" for g in "ABCD")
        + "; products "
        + ", ".join(f"{p} {n:,}" for p, n in sorted(products.items()))
    )

    # correctness first: every implementation on a sample, before any timing
    sample = prospects[: args.check]
    failed = False
    print(f"\ncorrectness on the first {len(sample):,} prospects (product and grade):")
    for impl in impls:
        bad = mismatches(impl.run(sample), reference[: len(sample)])
        failed |= bad > 0
        print(f"  {impl.name:<40} {bad} mismatches")
    if failed:
        raise SystemExit("mismatches: the implementations do not decide the same; not timing")

    before = load()
    time_all(impls, prospects, args.runs, reference)

    rates = {i.name: i.rate for i in impls}
    verdict, qualify = rates["erpsales compiled verdict"], rates["erpsales compiled qualify"]
    rows = rates["erpsales compiled verdict_rows"]
    print(
        f"\nbest of {args.runs} runs, end to end from validated Prospect models; "
        "÷ rows / ÷ qualify = this row's prospects/s divided by erpsales compiled "
        f"verdict_rows' / qualify's; load average {before} before, {load()} after "
        f"({os.cpu_count()} CPUs)"
    )
    header = (
        f"{'implementation':<44} {'prospects/s':>12} {'µs each':>8} {'÷ rows':>10} "
        f"{'÷ qualify':>10} {'mismatches':>11}"
    )
    print(header)
    print("-" * len(header))
    for impl in impls:
        print(
            f"{impl.name:<44} {impl.rate:>12,.0f} {1e6 / impl.rate:>8.1f} "
            f"{impl.rate / rows:>9.2f}× {impl.rate / qualify:>9.2f}× {impl.mismatches:>11}"
        )
    print("\nwhat each row computes:")
    for impl in impls:
        print(f"  {impl.name}: {impl.does}")

    hand = rates["hand-written Python"]
    reduced = rates["erpsales compiled verdict_rows, fit+grading"]
    print("\nerpsales against the hand-written function (same product and grade, same data):")
    for label, rate in (
        ("compiled verdict_rows, fit+grading rules only", reduced),
        ("compiled verdict_rows, full seed", rows),
        ("compiled verdict, full seed", verdict),
        ("compiled qualify, full seed", qualify),
    ):
        print(f"  {label:<48} {hand / rate:>6.1f}× slower than hand-written")

    print("\ntargets (issue 4, part 7):")
    print(
        f"  compiled >= 100,000 prospects/s, full seed policy, from validated models: "
        f"verdict_rows {rows:,.0f}/s {verdict_mark(rows >= 100_000)}; "
        f"verdict {verdict:,.0f}/s {verdict_mark(verdict >= 100_000)}; "
        f"qualify {qualify:,.0f}/s {verdict_mark(qualify >= 100_000)}"
    )
    print(
        f"  compiled within 3x of hand-written Python on the same rules (fit+grading): "
        f"verdict_rows {hand / reduced:.1f}x {verdict_mark(hand / reduced <= 3)}"
    )
    total_bad = sum(i.mismatches for i in impls)
    print(f"  mismatches against erpsales, all rows, all prospects: {total_bad}")

    if args.profile:
        stages(prospects, args.runs)
        profile(impls, prospects)
    if total_bad:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
