"""Shared fixtures: every behaviour test runs on each backend available here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

import erpsales
from erpsales import Assessment, Policy

AS_OF = dt.date(2026, 11, 28)
BACKENDS = erpsales.available_backends()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The name of a backend usable on this Python (compiled, and durable where it imports)."""
    return str(request.param)


Qualify = Callable[..., Assessment]


@pytest.fixture
def qualify(backend: str) -> Qualify:
    """``qualify(prospect_dict, policy=None, **prospect_fields)`` on the current backend."""

    def run(
        prospect: dict[str, Any] | None = None,
        *,
        policy: Policy | None = None,
        as_of: dt.date = AS_OF,
        **fields: Any,
    ) -> Assessment:
        data = {"name": "测试制造有限公司", **(prospect or {}), **fields}
        return erpsales.qualify(data, policy=policy, as_of=as_of, backend=backend)

    return run


def days(n: int) -> str:
    """The ISO date ``n`` days after the tests' as-of date."""
    return (AS_OF + dt.timedelta(days=n)).isoformat()


def fitted(**extra: Any) -> dict[str, Any]:
    """A prospect that fits ERP2 cleanly (core industry, 3亿 revenue, 2000万 profit)."""
    return {"industry": "machinery", "revenue": "3亿", "profit": "2000万", **extra}
