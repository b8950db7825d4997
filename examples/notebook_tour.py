# %% [markdown]
# # A tour of erpsales on a salesperson's list
#
# Run it as a script (`PYTHONPATH=src python examples/notebook_tour.py`) or cell by cell
# in an editor that understands `# %%` cells (VS Code, PyCharm, Jupytext).
# The twelve prospects in `examples/prospects.json` are Chinese manufacturers (and two that
# are not in our market), with key information in various states of completeness.

# %%
from __future__ import annotations

import json
from pathlib import Path

import erpsales

HERE = Path(__file__).resolve().parent
AS_OF = "2026-11-28"  # the date the schedules are read against; fixed for reproducibility
BACKEND = "compiled"

prospects = json.loads((HERE / "prospects.json").read_text(encoding="utf-8"))
print(f"{len(prospects)} prospects loaded; erpsales {erpsales.__version__}")

# %% [markdown]
# ## Qualify the whole list
#
# `qualify_many` is lazy and never loses an item: a record that does not validate comes
# back as an `ItemError` in its place.

# %%
results = list(erpsales.qualify_many(prospects, as_of=AS_OF, backend=BACKEND))
assessments = {r.prospect_id: r for r in results if isinstance(r, erpsales.Assessment)}
for r in results:
    if isinstance(r, erpsales.ItemError):
        print(f"item {r.index} ({r.id}): {r.message}")


def table(rows: list[tuple[str, ...]], header: tuple[str, ...]) -> str:
    """Plain-text table; the last column is left unpadded (it may hold Chinese text)."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]
    lines = []
    for row in [header, *rows]:
        cells = [c.ljust(w) for c, w in zip(row, widths, strict=False)]
        lines.append("  ".join([*cells, row[-1]]))
    lines.insert(1, "  ".join("-" * w for w in widths) + "  " + "-" * 20)
    return "\n".join(lines)


def finding_ids(a: erpsales.Assessment) -> str:
    return ", ".join(f.rule_id for f in a.findings) or "-"


rows = [
    (a.prospect_id, a.product or "-", a.grade.value, a.status, finding_ids(a))
    for a in assessments.values()
]
print(table(rows, ("id", "product", "grade", "status", "findings")))

# %% [markdown]
# ## Where to spend time: the stakeholder maps
#
# Attention order follows the seed's quadrant numbers (devil 1, imp 2, angel 3, sweetheart 4).

# %%
for a in assessments.values():
    if a.stakeholders:
        people = "  ".join(f"{p.name}({p.quadrant.value})" for p in a.stakeholders)
        print(f"{a.prospect_id:<10}  {people}")

# %% [markdown]
# ## Explain one verdict in Chinese, another in English
#
# 东莞华信 is graded A, but the group HQ must approve, the chairman is a devil and selection
# has not started yet: an A that the sales manager should challenge.

# %%
print(assessments["GD-DG-002"].explain("zh"))

# %% [markdown]
# 宁波甬达 waits for its factory move (grade B); its budget covers software only and is too
# small for the five modules it wants.

# %%
print(assessments["ZJ-NB-003"].explain("en"))

# %% [markdown]
# ## A custom policy changes the outcome
#
# `examples/policy-custom.toml` extends the seed with what our products actually offer and
# turns on the gatekeeper warning. Requirements we cannot cover now count against us where a
# competitor leads (CX-RC-1), and a hostile gatekeeper is flagged (SM-GATEKEEPER-DEVIL).

# %%
custom = erpsales.load_policy(HERE / "policy-custom.toml")
print(f"policy {custom.id} {custom.version}: {custom.title.en}")
for r in erpsales.qualify_many(prospects, policy=custom, as_of=AS_OF, backend=BACKEND):
    if not isinstance(r, erpsales.Assessment):
        continue
    before = set(assessments[r.prospect_id].finding_ids())
    added = [f for f in r.findings if f.rule_id not in before]
    for f in added:
        print(f"{r.prospect_id}: +{f.rule_id} {f.message.get('en')}")

# %% [markdown]
# Settings can also be changed in code. Reading the "orphan" grade text as C instead of B
# (AMB-11) moves 佛山康成, whose software vendor no longer responds, from B to C.

# %%
orphan_c = erpsales.policy_from_dict(
    {"extends": "seed", "id": "orphan-c", "settings": {"grading": {"orphan_assignment": "C"}}}
)
record = next(p for p in prospects if p["id"] == "GD-FS-004")
seed_grade = assessments["GD-FS-004"].grade.value
new_grade = erpsales.qualify(record, policy=orphan_c, as_of=AS_OF, backend=BACKEND).grade.value
print(f"GD-FS-004 grade: seed {seed_grade} -> orphan_assignment=C {new_grade}")
