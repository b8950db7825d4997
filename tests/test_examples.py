"""The bundled examples cover what they claim, and the example scripts run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import erpsales

from .conftest import AS_OF

ROOT = Path(__file__).parent.parent
EXAMPLES = ROOT / "examples"
ITEMS = json.loads((EXAMPLES / "prospects.json").read_text("utf-8"))
CONTRADICTIONS = {
    "CX-SCHED-ORDER", "CX-BR-1", "CX-BR-2", "CX-BR-3", "CX-SD-1", "CX-SD-2", "CX-SD-3",
    "CX-SD-4", "CX-RC-1", "CX-RC-2", "CX-RC-3",
}  # fmt: skip


def _run_all(policy: erpsales.Policy | None = None) -> list[erpsales.Assessment]:
    return [
        erpsales.qualify(item, policy=policy, as_of=AS_OF, backend="compiled") for item in ITEMS
    ]


def test_examples_cover_every_product_grade_status_and_quadrant() -> None:
    results = _run_all()
    assert len(results) >= 8
    assert {a.product for a in results} >= {"ERP1", "ERP2", "TIPTOP", None}
    assert {a.grade.value for a in results} == {"A", "B", "C", "D"}
    assert {a.status for a in results} >= {"active", "out_of_market"}
    quadrants = {p.quadrant.value for a in results for p in a.stakeholders}
    assert quadrants >= {"devil", "angel", "imp", "sweetheart"}


def test_examples_cover_every_contradiction_pair() -> None:
    """R-CX-02: budget↔requirement, schedule↔decision, requirement↔competition, each rule."""
    seed = {f for a in _run_all() for f in a.finding_ids()}
    custom = {
        f
        for a in _run_all(erpsales.load_policy(EXAMPLES / "policy-custom.toml"))
        for f in a.finding_ids()
    }
    assert CONTRADICTIONS - {"CX-RC-1"} <= seed
    assert "CX-RC-1" in custom  # needs the capabilities of the custom policy
    assert {"SM-NO-APPROVER", "SM-DECIDER-DEVIL", "SM-NO-ANGEL"} <= seed


@pytest.mark.parametrize("script", ["crm_embed.py", "notebook_tour.py"])
def test_example_scripts_run(script: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / script)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout.strip()
