"""Flat verdict rows.

The one layout of the CLI's CSV/Parquet output, ``qualify_frame`` and the batch
functions of plots and forecasts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from erpsales.assessment import Verdict
from erpsales.models._enums import Grade, Quadrant
from erpsales.policy._compile import RESOLVER_FINDINGS
from erpsales.policy._model import Policy

__all__ = ["VERDICT_COLUMNS", "FindingSummary", "finding_kinds", "finding_summary", "verdict_row"]

#: The columns of a flat verdict row, in order.
VERDICT_COLUMNS: tuple[str, ...] = (
    "id", "name", "owner", "territory", "product", "fit_status", "grade", "descriptor_grade",
    "window_grade", "months_to_close", "status", "phase", "in_pipeline", "finding_count",
    "finding_ids", "contradiction_count", "red_flag_count", "warning_count",
    "devil", "angel", "imp", "sweetheart", "unclassified",
)  # fmt: skip

#: Count, comma-joined ids, contradictions, red flags, warnings.
FindingSummary = tuple[int, str, int, int, int]
_COUNTED = ("contradiction", "red_flag", "warning")
_LETTER = {grade: grade.value for grade in Grade}  # dict lookup: .value is a slow descriptor
_QUADRANTS = (
    Quadrant.DEVIL,
    Quadrant.ANGEL,
    Quadrant.IMP,
    Quadrant.SWEETHEART,
    Quadrant.UNCLASSIFIED,
)


def finding_kinds(policy: Policy) -> dict[str, str]:
    """The kind of every finding id ``policy`` can raise.

    Its rules' first, in order, then the resolver's own findings (``GR-WINDOW-MISMATCH``,
    ``TM-FINANCIALS-UNKNOWN`` …), which are all warnings.
    """
    rules = {rule.id: rule.kind for rule in policy.rules if rule.kind != "grade"}
    return {**rules, **dict.fromkeys(RESOLVER_FINDINGS, "warning")}


def finding_summary(ids: tuple[str, ...], kinds: Mapping[str, str]) -> FindingSummary:
    """Count, comma-joined ids, and the contradictions, red flags and warnings among ``ids``."""
    counts = dict.fromkeys(_COUNTED, 0)
    for rule_id in ids:
        kind = kinds.get(rule_id, "warning")
        if kind in counts:
            counts[kind] += 1
    return (len(ids), ",".join(ids), counts["contradiction"], counts["red_flag"], counts["warning"])


def verdict_row(
    verdict: Verdict,
    kinds: Mapping[str, str],
    cache: dict[tuple[str, ...], FindingSummary] | None = None,
    cache_size: int = 4_096,
) -> tuple[Any, ...]:
    """One row of :data:`VERDICT_COLUMNS`.

    ``cache`` remembers the summary of each combination of finding ids (there are few).
    """
    ids = verdict.finding_ids
    summary = None if cache is None else cache.get(ids)
    if summary is None:
        summary = finding_summary(ids, kinds)
        if cache is not None and len(cache) < cache_size:
            cache[ids] = summary
    quadrants = verdict.quadrants
    return (
        verdict.prospect_id,
        verdict.prospect_name,
        verdict.owner,
        verdict.territory,
        verdict.product,
        verdict.fit_status,
        _LETTER[verdict.grade],
        _LETTER[verdict.descriptor_grade],
        _LETTER[verdict.window_grade],
        verdict.months_to_close,
        verdict.status,
        verdict.phase,
        verdict.in_pipeline,
        *summary,
        *(quadrants.get(quadrant, 0) for quadrant in _QUADRANTS),
    )
