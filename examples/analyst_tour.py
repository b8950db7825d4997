# %% [markdown]
# # An analyst's tour: a prospect list in pictures
#
# Run it as a script (`PYTHONPATH=src python examples/analyst_tour.py [OUT_DIR]`) or cell
# by cell in an editor that understands `# %%` cells (VS Code, PyCharm, Jupytext). It needs
# the plot extra: `pip install 'erpsales[plot]'`.
#
# The list: the twelve prospects of `examples/prospects.json` and 500 generated ones (the
# benchmarks' deterministic generator). The pictures go to `out/` (or `OUT_DIR`):
# `quadrant.png`, `funnel.png`, `heatmap.png` and `forecast.png`.

# %%
from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt  # importing pyplot does not choose a backend yet
from matplotlib.figure import Figure

import erpsales

HERE = Path(__file__).resolve().parent
OUT = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parent / "out"
AS_OF = "2026-11-28"  # the date the schedules are read against; fixed for reproducibility
TERRITORIES = {"江苏": "east-jiangsu", "浙江": "east-zhejiang", "广东": "south-guangdong",
               "山东": "north-shandong"}  # fmt: skip


def generated(n: int) -> list[dict[str, Any]]:
    """``n`` prospects from benchmarks/_generate.py, each given its region's territory."""
    spec = importlib.util.spec_from_file_location(
        "_generate", HERE.parent / "benchmarks" / "_generate.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    items: list[dict[str, Any]] = module.generate(n)
    return [{**item, "territory": TERRITORIES[item["region"]]} for item in items]


prospects = json.loads((HERE / "prospects.json").read_text(encoding="utf-8")) + generated(500)
OUT.mkdir(parents=True, exist_ok=True)
print(f"{len(prospects)} prospects; erpsales {erpsales.__version__}")

# %% [markdown]
# ## Qualify the list
#
# `qualify_many` keeps every item: a record that does not validate comes back as an
# `ItemError` in its place. The plots and the forecast take these results as they are
# (or the DataFrame of `erpsales.qualify_frame`).

# %%
results = list(erpsales.qualify_many(prospects, as_of=AS_OF, backend="compiled"))
assessments = {r.prospect_id: r for r in results if isinstance(r, erpsales.Assessment)}
print(f"{len(assessments)} qualified, {len(results) - len(assessments)} bad items")

# %% [markdown]
# ## On whom to spend time: two stakeholder maps
#
# 东莞华信 (GD-DG-002) is graded A, but its approver is a devil 魔鬼. 天津 (TJ-009) has a
# decision maker whose support nobody has scored yet: he is listed under the map. The
# numbers are the attention order (1 first); the dashed lines are the policy's thresholds.

# %%
fig = Figure(figsize=(17, 7.5), layout="constrained")  # two maps side by side; display(fig)
left, right = fig.subplots(1, 2)
erpsales.plot_stakeholders(assessments["GD-DG-002"], ax=left, locale="zh")
erpsales.plot_stakeholders(assessments["TJ-009"], ax=right, locale="zh")
fig.savefig(OUT / "quadrant.png", dpi=110)

# %% [markdown]
# ## The funnel: target market → D → C → B → A, per territory, by product
#
# Called without `ax`, each function makes its own (pyplot) figure; outside a notebook it
# uses the non-interactive Agg backend, and the figures are closed once saved.

# %%
ax = erpsales.plot_funnel(results, group="territory")
ax.figure.savefig(OUT / "funnel.png", dpi=110)
plt.close(ax.figure)

# %% [markdown]
# ## Which contradictions go with which grade
#
# An A prospect with schedule-vs-decision contradictions (CX-SD-*) is an A to challenge.

# %%
ax = erpsales.plot_findings_heatmap(results)
ax.figure.savefig(OUT / "heatmap.png", dpi=110)
plt.close(ax.figure)

# %% [markdown]
# ## The expected pipeline by month, with its assumptions

# %%
forecast = erpsales.forecast_pipeline(results, as_of=AS_OF, by=("product",))
print(forecast[["month", "product", "A", "B", "C", "expected_closes"]].to_string(index=False))
for sentence in forecast.attrs["assumptions"]:
    print(f"- {sentence}")
ax = erpsales.plot_forecast(forecast)
ax.figure.savefig(OUT / "forecast.png", dpi=110)
plt.close(ax.figure)

# %%
for name in ("quadrant.png", "funnel.png", "heatmap.png", "forecast.png"):
    print(OUT / name)
