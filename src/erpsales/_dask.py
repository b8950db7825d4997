"""Grading a data set too big for one machine: ``qualify_frame`` on every Dask partition.

Each partition is qualified by :func:`erpsales.qualify_frame` on a worker. The policy
travels as data (its JSON form) and is checked and compiled again on the worker, so what
runs there is exactly the policy given here; the as-of date is fixed once, so every
partition reads the schedule against the same day.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from erpsales._api import BackendName, _as_date
from erpsales.policy._load import policy_from_dict, seed_policy
from erpsales.policy._model import Policy

__all__ = ["qualify_dask"]


def _require() -> Any:
    try:
        import dask.dataframe as dd
    except ImportError:
        raise ImportError("qualify_dask needs Dask: pip install 'erpsales[dask]'") from None
    return dd


def _partition(part: Any, policy_data: dict[str, Any], options: dict[str, Any]) -> Any:
    from erpsales.frame import qualify_frame

    policy = policy_from_dict(policy_data)
    return qualify_frame(part, policy=policy, **options)


def qualify_dask(
    ddf: Any,
    /,
    *,
    policy: Policy | None = None,
    as_of: dt.date | str | None = None,
    backend: BackendName | str = "compiled",
    detail: str = "verdict",
    **frame_options: Any,
) -> Any:
    """Qualify a ``dask.dataframe.DataFrame`` partition by partition (lazily).

    Args:
        ddf: One row per prospect, the columns of :func:`erpsales.qualify_frame`.
        policy: The policy (default: the seed); sent to the workers as data.
        as_of: The as-of date for every partition (default: today, fixed here).
        backend: The backend on the workers (``compiled`` is the fast one).
        detail: ``"verdict"`` or ``"full"``, as for ``qualify_frame``.
        **frame_options: Other keyword arguments of ``qualify_frame`` (``columns``, ``lang``…).

    Returns:
        A lazy Dask DataFrame with ``qualify_frame``'s result columns and the input's
        index; ``.compute()`` gives the same rows as ``qualify_frame`` on the whole data.

    Example:
        >>> import dask.dataframe as dd, pandas as pd
        >>> frame = pd.DataFrame({"name": ["甲", "乙"], "industry": ["food", "retail"],
        ...                       "revenue": ["3亿", "3亿"], "profit": ["600万", "600万"]})
        >>> result = qualify_dask(dd.from_pandas(frame, npartitions=2), as_of="2026-11-28")
        >>> list(result.compute()["product"].fillna("-"))
        ['ERP2', '-']
    """
    _require()
    from erpsales.frame import result_meta

    chosen = policy or seed_policy()
    options = {"as_of": _as_date(as_of), "backend": backend, "detail": detail, **frame_options}
    meta = result_meta(detail)  # type: ignore[arg-type]
    return ddf.map_partitions(
        _partition, chosen.model_dump(mode="json"), options, meta=meta, align_dataframes=False
    )
