"""Benchmark: qualify_frame rows/s on generated flat rows (and where the time goes).

Run: ``python benchmarks/frame.py`` (``--profile`` adds a cProfile of one run). It prints,
on the same generated prospects as ``benchmarks/qualify.py``:

* **flat**: 100,000 rows of the scalar columns a CRM export holds (id, name, industry,
  revenue, profit, region, owner, computerisation, selection, necessity, pains as ``a;b``,
  the year of the current system, process complexity); no key information, no people;
* **full**: 20,000 rows that add ``key_info`` and ``stakeholders`` (5 people) as JSON text;

and for each, rows/s of ``qualify_frame`` (``detail="verdict"``, the default, and
``detail="full"``), next to what the same work costs without a DataFrame:

* **dicts**: the rows as dicts (``df.to_dict("records")``, done beforehand), their JSON
  parsed, validated with pydantic and given to ``Engine.verdict``: a hand-written loop;
* **models**: ``Engine.verdict`` alone on prospects validated beforehand: the rules, the
  ceiling of any path that starts from rows.

Target (issue 4, 2-core machine): ``qualify_frame`` >= 50,000 rows/s. Figures are
measurements on a shared, noisy machine: each is the best of ``--runs`` runs, by the wall
clock or (``--clock cpu``) by this process's CPU time.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import io
import json
import platform
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import pandas as pd
from _generate import generate

import erpsales
from erpsales import Engine, Prospect
from erpsales.frame import qualify_frame

AS_OF = dt.date(2026, 11, 28)
TARGET = 50_000
FLAT = (
    "id", "name", "industry", "annual_revenue_rmb", "annual_profit_rmb", "region", "owner",
    "computerisation", "selection", "necessity_affirmed", "pains", "system_installed_year",
    "process_complexity",
)  # fmt: skip


def rows(n: int, *, full: bool) -> list[dict[str, Any]]:
    """``n`` generated prospects as flat rows (JSON text for the nested parts when ``full``)."""
    out = []
    for item in generate(n):
        row = {k: item[k] for k in FLAT}
        row["pains"] = ";".join(item["pains"])
        if full:
            row["key_info"] = json.dumps(item["key_info"], ensure_ascii=False)
            row["stakeholders"] = json.dumps(item["stakeholders"], ensure_ascii=False)
        out.append(row)
    return out


def best(run: Callable[[], object], n: int, runs: int) -> float:
    """Best-of-``runs`` rows/s of ``run``, by the clock chosen with ``--clock``."""
    rate = 0.0
    for _ in range(runs):
        gc.collect()
        start = CLOCK()
        run()
        rate = max(rate, n / (CLOCK() - start))
    return rate


CLOCK: Callable[[], float] = time.perf_counter


def from_dicts(records: list[dict[str, Any]]) -> None:
    """The rows as dicts, without a DataFrame: JSON parsed, validated, Engine.verdict."""
    engine = Engine(backend="compiled")
    for record in records:
        item = dict(record)
        for key in ("key_info", "stakeholders"):
            if key in item:
                item[key] = json.loads(item[key])
        engine.verdict(Prospect.model_validate(item), as_of=AS_OF)


def from_models(prospects: list[Prospect]) -> None:
    """Verdicts of validated prospects: the rules alone."""
    engine = Engine(backend="compiled")
    for prospect in prospects:
        engine.verdict(prospect, as_of=AS_OF)


def records(df: Any) -> list[dict[str, Any]]:
    """The frame's rows as dicts (missing cells left out, pains as a list, JSON as text)."""
    out = []
    for record in df.to_dict("records"):
        item = {k: v for k, v in record.items() if not (isinstance(v, float) and v != v)}
        item["pains"] = [p for p in item["pains"].split(";") if p]
        out.append(item)
    return out


def measure(name: str, df: Any, runs: int) -> dict[str, float]:
    n = len(df)
    items = records(df)
    prospects = [
        Prospect.model_validate(
            {k: json.loads(v) if k in ("key_info", "stakeholders") else v for k, v in r.items()}
        )
        for r in items
    ]
    figures = {
        "verdict": best(lambda: qualify_frame(df, as_of=AS_OF), n, runs),
        "full": best(lambda: qualify_frame(df, as_of=AS_OF, detail="full"), n, runs),
        "dicts": best(lambda: from_dicts(items), n, runs),
        "models": best(lambda: from_models(prospects), n, runs),
    }
    print(
        f"{name:<5} {n:>8,} {figures['verdict']:>10,.0f} {figures['full']:>10,.0f} "
        f"{figures['dicts']:>10,.0f} {figures['models']:>10,.0f}"
    )
    return figures


def profile(df: Any, top: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    qualify_frame(df, as_of=AS_OF)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    print(out.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="flat rows")
    parser.add_argument("--full-rows", type=int, default=20_000, help="rows with JSON columns")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="profile one flat run")
    parser.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        default="wall",
        help="wall time, or this process's CPU time (on a shared machine: others' jobs then "
        "do not count against the figures)",
    )
    args = parser.parse_args()
    global CLOCK
    CLOCK = time.process_time if args.clock == "cpu" else time.perf_counter

    print(
        f"erpsales {erpsales.__version__}, pandas {pd.__version__}, "
        f"Python {platform.python_version()}, {platform.machine()}"
    )
    flat = pd.DataFrame(rows(args.rows, full=False))
    full = pd.DataFrame(rows(args.full_rows, full=True))
    print(f"rows/s ({args.clock} clock), best of {args.runs} runs. qualify_frame: verdict, full;")
    print("without a frame: dicts = validate + Engine.verdict, models = Engine.verdict alone")
    print(f"{'rows':<5} {'n':>8} {'verdict':>10} {'full':>10} {'dicts':>10} {'models':>10}")
    figures = measure("flat", flat, args.runs)
    measure("full", full, args.runs)
    rate = figures["verdict"]
    print(
        f"\ntarget: qualify_frame >= {TARGET:,} rows/s on flat rows: {rate:,.0f} "
        f"{'met' if rate >= TARGET else 'NOT met'} "
        f"({rate / figures['dicts']:.0%} of dicts, {rate / figures['models']:.0%} of models)"
    )
    if args.profile:
        profile(flat, 25)


if __name__ == "__main__":
    main()
