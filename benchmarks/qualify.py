"""Benchmark: throughput, latency and memory of `qualify` on both backends.

Run: ``python benchmarks/qualify.py`` (``make bench``). It prints, on N generated prospects
with 5 stakeholders and full key information each:

* prospects/s end to end from validated models, per backend (``Engine.qualify_many``);
* p50 / p99 latency of a single ``qualify`` call, per backend;
* RSS before and after 200,000 durable-backend qualifications.

Targets (2-core machine): compiled ≥ 20,000 prospects/s; durable p50 ≤ 300 µs; RSS growth
≤ 20 MiB over the 200,000 calls. Figures are measurements, not assertions: this machine is
shared and noisy, so each throughput figure is the best of three runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _generate import generate

import erpsales
from erpsales import Engine, Prospect

AS_OF = dt.date(2026, 11, 28)


def rss_mib() -> float:
    """Resident set size of this process, MiB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def throughput(
    engine: Engine, prospects: list[Prospect], runs: int = 3, *, lean: bool = False
) -> float:
    """Best-of-``runs`` prospects/s of qualify_many (or verdicts); results are dropped."""
    best = 0.0
    stream, kind = (
        (engine.verdicts, erpsales.Verdict) if lean else (engine.qualify_many, erpsales.Assessment)
    )
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        for result in stream(prospects, as_of=AS_OF):
            assert isinstance(result, kind)
        best = max(best, len(prospects) / (time.perf_counter() - start))
    return best


def latencies(engine: Engine, prospects: list[Prospect], calls: int) -> tuple[float, float]:
    samples = []
    qualify = engine.qualify
    clock = time.perf_counter
    for i in range(calls):
        prospect = prospects[i % len(prospects)]
        start = clock()
        qualify(prospect, as_of=AS_OF)
        samples.append(clock() - start)
    samples.sort()
    return statistics.median(samples) * 1e6, samples[int(len(samples) * 0.99)] * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prospects", type=int, default=10_000)
    parser.add_argument("--latency-calls", type=int, default=5_000)
    parser.add_argument("--memory-calls", type=int, default=200_000)
    args = parser.parse_args()

    print(
        f"erpsales {erpsales.__version__}, Python {platform.python_version()}, {platform.machine()}"
    )
    raw = generate(args.prospects)
    start = time.perf_counter()
    prospects = [Prospect.model_validate(item) for item in raw]
    validate_rate = len(raw) / (time.perf_counter() - start)
    people = sum(len(p.stakeholders) for p in prospects) / len(prospects)
    print(f"{len(prospects):,} prospects, {people:.0f} stakeholders each, full key information")
    print(f"validation (dict -> Prospect): {validate_rate:,.0f} prospects/s\n")

    rows = []
    for backend in erpsales.available_backends():
        engine = Engine(backend=backend)
        rate = throughput(engine, prospects)
        lean = throughput(engine, prospects, lean=True)
        p50, p99 = latencies(engine, prospects, args.latency_calls)
        rows.append((backend, rate, p50, p99, lean))
    print("qualify = full explained Assessment; verdict = the same decisions without texts/trace")
    print(f"{'backend':<10} {'qualify/s':>10} {'p50 µs':>8} {'p99 µs':>8} {'verdict/s':>10}")
    for backend, rate, p50, p99, lean in rows:
        print(f"{backend:<10} {rate:>10,.0f} {p50:>8.0f} {p99:>8.0f} {lean:>10,.0f}")

    if "durable" in erpsales.available_backends():
        engine = Engine(backend="durable")
        for prospect in prospects[:1000]:  # warm caches and allocator first
            engine.qualify(prospect, as_of=AS_OF)
        gc.collect()
        before = rss_mib()
        readings = [before]
        step = max(1, args.memory_calls // 5)
        for i in range(args.memory_calls):
            engine.qualify(prospects[i % len(prospects)], as_of=AS_OF)
            if (i + 1) % step == 0:
                readings.append(rss_mib())
        gc.collect()
        after = rss_mib()
        trail = " / ".join(f"{r:.1f}" for r in readings)
        print(f"\nRSS over {args.memory_calls:,} durable qualifications (MiB): {trail}")
        print(
            f"RSS before {before:.1f} MiB, after {after:.1f} MiB, growth {after - before:+.1f} MiB"
        )

    compiled = next(r for r in rows if r[0] == "compiled")
    print("\ntargets:")
    print(f"  compiled >= 20,000 prospects/s: qualify {compiled[1]:,.0f} "
          f"{'met' if compiled[1] >= 20_000 else 'NOT met'}; verdict {compiled[4]:,.0f} "
          f"{'met' if compiled[4] >= 20_000 else 'NOT met'}")  # fmt: skip
    durable = next((r for r in rows if r[0] == "durable"), None)
    if durable:
        print(
            f"  durable p50 <= 300 µs: {durable[2]:.0f} µs "
            f"{'met' if durable[2] <= 300 else 'NOT met'}"
        )
        growth = after - before
        print(f"  RSS growth <= 20 MiB: {growth:+.1f} MiB {'met' if growth <= 20 else 'NOT met'}")


if __name__ == "__main__":
    main()
