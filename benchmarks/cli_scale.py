"""Benchmark: ``erpsales qualify`` on a 1,000,000-row CSV, end to end, in a subprocess.

Run: ``python benchmarks/cli_scale.py`` (``--rows``, ``--jobs``, ``--format``, ``--workdir``).
It writes a CSV of generated prospects (the generator of ``benchmarks/_generate.py``,
flattened: flat columns, a few dotted ``key_info`` columns and a ``stakeholders`` JSON
column) into a temporary directory, then runs::

    erpsales qualify data.csv --output out.csv --as-of 2026-11-28

as a child process and prints the wall time, rows/s, and the peak resident memory: the
largest single process (``getrusage(RUSAGE_CHILDREN).ru_maxrss``, which covers the
worker processes too once they have exited) and the whole process tree, sampled from
``/proc`` every 50 ms (the sum over the CLI and its workers).

Targets (2-core machine): under 60 s, peak RSS under 1 GiB. The figures are
measurements, not assertions: the machine is shared, so the load average and the CPU
time used are printed alongside the wall time.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from _generate import prospect

ROOT = Path(__file__).resolve().parents[1]
AS_OF = dt.date(2026, 11, 28)
FLAT = (
    "id", "name", "industry", "annual_revenue_rmb", "annual_profit_rmb", "region", "owner",
    "computerisation", "selection", "necessity_affirmed", "pains", "system_installed_year",
    "process_complexity",
)  # fmt: skip
DOTTED = (
    "key_info.schedule.contract_signing",
    "key_info.budget.mode",
    "key_info.budget.amount_rmb",
    "key_info.requirement.modules",
    "key_info.decision.majority_supports",
)
HEADER = (*FLAT, *DOTTED, "stakeholders")


def cell(value: Any) -> str:
    """A prospect value as a CSV cell, the way docs/cli.md reads it back."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(str(item) for item in value)
    return str(value)


def dotted(item: dict[str, Any], path: str) -> Any:
    node: Any = item
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def flat_row(item: dict[str, Any]) -> list[str]:
    """One generated prospect as a CSV row of :data:`HEADER`."""
    return [
        *(cell(item.get(column)) for column in FLAT),
        *(cell(dotted(item, column)) for column in DOTTED),
        json.dumps(item["stakeholders"], ensure_ascii=False),
    ]


def write_csv(path: Path, rows: int, *, seed: int = 7) -> None:
    """Write ``rows`` generated prospects to ``path`` (deterministic for a seed)."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(HEADER)
        for i in range(rows):
            writer.writerow(flat_row(prospect(i, rng, AS_OF)))


def tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            parent, pages = int(fields[1]), int(fields[21])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry.name))
        rss[int(entry.name)] = pages * os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        total += rss.get(current, 0)
        todo.extend(children.get(current, []))
    return total


class TreeSampler(threading.Thread):
    """Samples the process tree's total RSS every ``interval`` seconds; keeps the peak."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak = pid, interval, 0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            self.peak = max(self.peak, tree_rss(self.pid))
            self.stopped.wait(self.interval)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--format", default="csv", choices=("csv", "jsonl", "parquet"))
    parser.add_argument("--jobs", type=int, help="pass --jobs N to the CLI (default: its own)")
    parser.add_argument("--workdir", type=Path, help="keep the files here (reused if present)")
    args = parser.parse_args()

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="erpsales-cli-scale-"))
    workdir.mkdir(parents=True, exist_ok=True)
    data = workdir / f"data-{args.rows}.csv"
    out = workdir / f"out.{args.format}"
    print(f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs")
    try:
        if not data.exists():
            start = time.perf_counter()
            write_csv(data, args.rows)
            print(f"generated {args.rows:,} rows in {time.perf_counter() - start:.1f} s")
        size = data.stat().st_size
        print(f"input: {data} ({size / 2**20:,.0f} MiB, {args.rows:,} rows, {len(HEADER)} columns)")

        command = [sys.executable, "-m", "erpsales", "qualify", str(data), "--output", str(out)]
        command += ["--as-of", AS_OF.isoformat()]
        if args.jobs:
            command += ["--jobs", str(args.jobs)]
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        print("$ erpsales " + " ".join(command[3:]))
        load_before = os.getloadavg()[0]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        child = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
        sampler = TreeSampler(child.pid)
        sampler.start()
        _, stderr = child.communicate()
        wall = time.perf_counter() - start
        sampler.stopped.set()
        sampler.join()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if child.returncode not in (0, 1):
            sys.exit(f"the CLI failed with exit code {child.returncode}:\n{stderr}")

        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        largest = after.ru_maxrss * 1024  # KiB on Linux
        written = _count_rows(out, args.format)
        print(f"\nexit code {child.returncode}; {written:,} rows written to {out.name}")
        print(f"wall time        {wall:8.1f} s")
        print(f"rows/s           {args.rows / wall:8,.0f}")
        print(f"CPU time         {cpu:8.1f} s (CLI and workers, user + system)")
        print(f"peak RSS         {largest / 2**20:8,.0f} MiB (largest process, ru_maxrss)")
        print(f"peak RSS, tree   {sampler.peak / 2**20:8,.0f} MiB (CLI + workers, sampled)")
        print(f"load average     {load_before:8.2f} before, {os.getloadavg()[0]:.2f} after")
        print("\ntargets:")
        print(f"  < 60 s: {wall:.1f} s {'met' if wall < 60 else 'NOT met'}")
        peak = max(largest, sampler.peak)
        print(f"  peak RSS < 1 GiB: {peak / 2**20:,.0f} MiB {'met' if peak < 2**30 else 'NOT met'}")
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)


def _count_rows(path: Path, fmt: str) -> int:
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return int(pq.ParquetFile(path).metadata.num_rows)
    with path.open("rb") as stream:
        lines = sum(block.count(b"\n") for block in iter(lambda: stream.read(1 << 20), b""))
    return lines - 1 if fmt == "csv" else lines


if __name__ == "__main__":
    main()
