"""``check_qualifies``: assert what a policy decides, with the fired rules in the message."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from erpsales._api import Engine
from erpsales.assessment import Assessment
from erpsales.models._prospect import Prospect
from erpsales.testing.cases import CaseResult, Expectation, compare

__all__ = ["assert_qualifies", "check_qualifies"]


def check_qualifies(
    engine: Engine,
    prospect: Prospect | Mapping[str, Any],
    /,
    *,
    as_of: dt.date | str,
    **expect: Any,
) -> Assessment:
    """Qualify ``prospect`` on ``engine`` and check ``expect`` (the keys of a case's expect).

    Returns:
        The assessment, for further checks.

    Raises:
        AssertionError: An expectation does not hold; the message shows expected vs actual
            and every rule that fired, with the facts it read.
    """
    wanted = Expectation.model_validate(expect)
    assessment = engine.qualify(prospect, as_of=as_of)
    mismatches = compare(wanted, assessment)
    if mismatches:
        result = CaseResult(
            file=None,
            case_id=assessment.prospect_id,
            outcome="failed",
            mismatches=tuple(mismatches),
            assessment=assessment,
        )
        raise AssertionError(result.render())
    return assessment


def assert_qualifies(
    prospect: Prospect | Mapping[str, Any],
    /,
    *,
    as_of: dt.date | str,
    policy: Any = None,
    backend: str = "compiled",
    **expect: Any,
) -> Assessment:
    """Like :func:`check_qualifies` on a fresh engine for ``policy`` (default: the seed).

    Example:
        >>> from erpsales.testing import assert_qualifies
        >>> a = assert_qualifies({"name": "x", "industry": "food", "revenue": "3亿",
        ...                       "profit": "600万"}, as_of="2026-11-28", product="ERP2")
    """
    return check_qualifies(Engine(policy, backend=backend), prospect, as_of=as_of, **expect)
