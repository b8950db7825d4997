"""The expected pipeline by month: when the graded prospects of a batch should close.

:func:`forecast_pipeline` reads a batch result — a DataFrame in the layout of
``erpsales.qualify_frame``, or the :class:`~erpsales.Assessment` / :class:`~erpsales.Verdict`
objects of ``qualify_many`` / ``Engine.verdicts`` — and spreads every active A, B or C
prospect over the months of its grade's close window (spec R-GR-02..04, AMB-08)::

    import erpsales
    results = erpsales.qualify_many(prospects, as_of="2026-11-28")
    forecast = erpsales.forecast_pipeline(results, as_of="2026-11-28")
    print(forecast)
    for sentence in forecast.attrs["assumptions"]:
        print(sentence)

It needs pandas (``pip install 'erpsales[pandas]'``); ``import erpsales`` does not import it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

from erpsales._api import _as_date
from erpsales._rows import VERDICT_COLUMNS, finding_kinds, verdict_row
from erpsales.assessment import Assessment, ItemError, Verdict
from erpsales.diff import NO_PRODUCT
from erpsales.policy._load import seed_policy
from erpsales.policy._model import Policy

if TYPE_CHECKING:
    import pandas as pd  # type: ignore[import-untyped, unused-ignore]

    DataFrame: TypeAlias = pd.DataFrame
    Series: TypeAlias = pd.Series
else:  # annotations stay evaluable (typing.get_type_hints) without importing pandas
    DataFrame = Series = Any

__all__ = [
    "BATCH_COLUMNS",
    "Batch",
    "batch_frame",
    "finding_kinds",
    "forecast_pipeline",
    "group_labels",
    "qualified",
    "require_pandas",
]

#: The columns of a batch result, as ``erpsales.qualify_frame`` returns them.
BATCH_COLUMNS: tuple[str, ...] = (*VERDICT_COLUMNS, "error")

#: A batch result: a DataFrame with :data:`BATCH_COLUMNS`, or the results of a batch run.
Batch: TypeAlias = DataFrame | Iterable[Assessment | Verdict | ItemError]

_WINDOW_GRADES = ("A", "B", "C")


def require_pandas(extra: str = "pandas") -> Any:
    """Import pandas, or say which extra installs it.

    Raises:
        ImportError: pandas is not installed; the message names ``pip install 'erpsales[extra]'``.
    """
    try:
        import pandas as pd  # type: ignore[import-untyped, unused-ignore]
    except ImportError as exc:
        raise ImportError(
            f"this erpsales feature needs pandas: pip install 'erpsales[{extra}]'"
        ) from exc
    return pd


def batch_frame(
    batch: Batch,
    /,
    *,
    policy: Policy | None = None,
    need: Sequence[str] = (),
    extra: str = "pandas",
) -> DataFrame:
    """A batch result as a DataFrame with :data:`BATCH_COLUMNS`.

    A DataFrame is returned as it is (not copied) once it has the columns in ``need``.
    Anything else is read as an iterable of :class:`Assessment`, :class:`Verdict` and
    :class:`ItemError` (an error row: ``error`` set, everything else empty). When every
    item is an :class:`Assessment` of one date, ``attrs["as_of"]`` holds that date.

    Args:
        batch: The batch result.
        policy: For a :class:`Verdict`, which carries finding ids but no kinds, the policy
            that says each rule's kind (the seed policy when ``None``).
        need: The columns the caller reads.
        extra: The extra to name if pandas is missing.

    Raises:
        ValueError: The DataFrame lacks some of ``need``.
        TypeError: An item is not a result.
    """
    pd = require_pandas(extra)
    if isinstance(batch, pd.DataFrame):
        missing = [c for c in need if c not in batch.columns]
        if missing:
            raise ValueError(
                f"the batch DataFrame lacks the columns {missing}; "
                f"expected the layout of erpsales.qualify_frame: {', '.join(BATCH_COLUMNS)}"
            )
        return batch
    kinds: dict[str, str] | None = None
    rows: list[dict[str, Any]] = []
    dates: set[dt.date] = set()
    undated = 0
    for index, item in enumerate(batch):
        if isinstance(item, Assessment):
            dates.add(item.as_of)
            own = {f.rule_id: f.kind for f in item.findings}  # the kinds it was judged with
            rows.append(_row(item.to_verdict(), own))
        elif isinstance(item, Verdict):
            undated += 1
            if kinds is None:
                kinds = finding_kinds(policy or seed_policy())
            rows.append(_row(item, kinds))
        elif isinstance(item, ItemError):
            rows.append({**dict.fromkeys(BATCH_COLUMNS), "id": item.id, "error": item.message})
        else:
            raise TypeError(
                f"batch item {index} is a {type(item).__name__}; expected a DataFrame or "
                "Assessment, Verdict and ItemError objects"
            )
    frame = pd.DataFrame(rows, columns=list(BATCH_COLUMNS))
    frame["months_to_close"] = frame["months_to_close"].astype("Int64")
    if len(dates) == 1 and not undated:
        frame.attrs["as_of"] = dates.pop()
    return frame


def _row(v: Verdict, kinds: Mapping[str, str]) -> dict[str, Any]:
    return {**dict(zip(VERDICT_COLUMNS, verdict_row(v, kinds), strict=True)), "error": None}


def forecast_pipeline(
    batch: Batch,
    /,
    *,
    policy: Policy | None = None,
    as_of: dt.date | str | None = None,
    by: Sequence[str] = ("product", "territory"),
    horizon_months: int = 6,
) -> DataFrame:
    """The expected closes of a batch by month, from the grade close windows (R-GR, AMB-08).

    Every active prospect graded A, B or C counts as one expected close. Its close month
    is ``months_to_close`` when that is known (0 counts as month 1); otherwise the prospect
    is spread evenly over the months of its grade's window from
    ``settings.grading.windows``: with the seed's ``{A: 1, B: 3, C: 6}``, A is month 1,
    B half in month 2 and half in month 3, C a third in each of months 4, 5 and 6. Grade
    D, prospects outside the target market or disqualified, and rows that could not be
    qualified are not counted. No win rate is applied.

    Args:
        batch: A batch result: a DataFrame in the layout of ``erpsales.qualify_frame``
            (:data:`BATCH_COLUMNS`), or an iterable of :class:`Assessment`,
            :class:`Verdict` and :class:`ItemError`.
        policy: The policy whose windows and PIPELINE grades to use; the seed policy when
            ``None``. Pass the policy the batch was qualified with.
        as_of: The date month 1 starts on; pass the date the batch was qualified as of.
            When ``None``: the common ``as_of`` of the assessments, else today.
        by: The batch columns to break the forecast down by (``()`` for months only).
            A missing value (no product, no territory) shows as ``"none"``.
        horizon_months: How many months to show; what falls later is left out and
            reported in the assumptions and in ``attrs["beyond_horizon"]``.

    Returns:
        One row per month and combination of ``by`` that has expected closes, sorted:
        ``month`` (1 = the first month after ``as_of``), ``start`` and ``end`` (the
        month's dates), the ``by`` columns, ``A``, ``B``, ``C`` (the expected closes from
        each grade), ``expected_closes`` (their sum) and ``pipeline_closes`` (the part from
        the policy's PIPELINE grades 「预计成交名单」, AMB-21). ``attrs["assumptions"]``
        lists the assumptions as English sentences; ``attrs`` also holds ``as_of``,
        ``horizon_months``, ``beyond_horizon``, ``policy``, ``by`` and ``pipeline_grades``.

    Raises:
        ImportError: pandas is missing (``pip install 'erpsales[pandas]'``).
        ValueError: ``by`` names a column the batch lacks, or ``month`` or ``grade``;
            ``horizon_months`` is below 1.

    Example:
        Under the seed policy an A, B or C grade implies a known close month; with the
        ``descriptor`` basis (AMB-09) a B without dates is spread over months 2 and 3:

        >>> import erpsales
        >>> policy = erpsales.policy_with(erpsales.seed_policy(), {"grading.basis": "descriptor"})
        >>> waiting = {"name": "甲", "industry": "machinery", "revenue": "3亿", "profit": "2000万",
        ...            "computerisation": "not_computerised", "selection": "waiting",
        ...            "necessity_affirmed": True}
        >>> results = erpsales.qualify_many([waiting], policy=policy, as_of="2026-11-28")
        >>> f = erpsales.forecast_pipeline(results, policy=policy, by=())
        >>> f[["month", "B"]].to_dict("records")
        [{'month': 2, 'B': 0.5}, {'month': 3, 'B': 0.5}]
    """
    pd = require_pandas()
    policy = policy or seed_policy()
    keys = (by,) if isinstance(by, str) else tuple(by)
    reserved = sorted({"month", "grade", "start", "end", "weight"} & set(keys))
    if reserved:
        raise ValueError(f"by cannot name {reserved}: the forecast has such columns itself")
    if horizon_months < 1:
        raise ValueError(f"horizon_months must be at least 1, got {horizon_months}")
    frame = batch_frame(batch, policy=policy, need=("grade", "status", "months_to_close", *keys))
    if as_of is not None:
        day, origin = _as_date(as_of), "as_of"
    elif isinstance(frame.attrs.get("as_of"), dt.date):
        day, origin = frame.attrs["as_of"], "the assessments' as_of"
    else:
        day, origin = dt.date.today(), "today (no as_of was given)"

    grade = frame["grade"].astype("string")
    status = frame["status"].astype("string")
    ok = qualified(frame)
    active = ok & status.isin(["active"])
    counted = active & grade.isin(_WINDOW_GRADES)
    data = pd.DataFrame(
        {
            **{k: group_labels(frame.loc[counted, k]) for k in keys},
            "grade": grade[counted].astype(object),
            "months": pd.to_numeric(frame.loc[counted, "months_to_close"], errors="coerce"),
        }
    )
    known = data["months"].notna()
    dated = data[known].assign(month=data.loc[known, "months"].clip(lower=1).astype(int))
    dated = dated.groupby(["month", *keys, "grade"]).size().rename("weight").reset_index()
    spans = _spans(policy.settings.grading.windows)
    shares = pd.DataFrame(
        [(g, m, 1 / len(span)) for g, span in spans.items() for m in span],
        columns=["grade", "month", "share"],
    )
    spread = data[~known].groupby([*keys, "grade"]).size().rename("n").reset_index()
    spread = spread.merge(shares, on="grade")
    spread["weight"] = spread["n"] * spread["share"]
    columns = ["month", *keys, "grade", "weight"]
    parts = [p[columns] for p in (dated, spread) if len(p)]
    long = pd.concat(parts) if parts else pd.DataFrame(columns=columns)
    late = long["month"] > horizon_months
    beyond = float(long.loc[late, "weight"].sum())
    long = long[~late]

    table = long.groupby(["month", *keys, "grade"])["weight"].sum().unstack("grade")
    table = table.reindex(columns=list(_WINDOW_GRADES)).fillna(0.0).astype(float).reset_index()
    table.columns.name = None
    pipeline = [g.value for g in policy.settings.pipeline.pipeline_grades]
    table["expected_closes"] = table[list(_WINDOW_GRADES)].sum(axis=1)
    table["pipeline_closes"] = table[[g for g in _WINDOW_GRADES if g in pipeline]].sum(axis=1)
    table["month"] = table["month"].astype(int)
    first = pd.Timestamp(day)
    bounds = {m: first + pd.DateOffset(months=m - 1) for m in range(1, horizon_months + 2)}
    table.insert(1, "start", pd.to_datetime(table["month"].map(bounds)))
    table.insert(2, "end", pd.to_datetime((table["month"] + 1).map(bounds)))
    table = table.sort_values(["month", *keys], kind="stable").reset_index(drop=True)

    n_error = int((~ok).sum())
    n_inactive = int((ok & ~active).sum())
    n_other = int((active & ~counted).sum())
    w = policy.settings.grading.windows
    table.attrs = {
        "assumptions": [
            f"Counted: {int(counted.sum())} active prospects graded A, B or C, each as one "
            "expected close; no win rate is applied.",
            f"Not counted: {n_other} active prospects graded D, {n_inactive} outside the "
            f"target market or disqualified, and {n_error} rows that could not be qualified.",
            f"Month 1 starts on {day.isoformat()} ({origin}); month m runs from m - 1 to m "
            "months after that date.",
            f"Close windows of policy {policy.id} {policy.version}: A within {w['A']} "
            f"month(s), B within {w['B']}, C within {w['C']} (settings.grading.windows).",
            "A prospect whose months to close is known is counted whole in that month "
            "(0 counts as month 1); the others are spread evenly over their grade's window: "
            + "; ".join(f"{g} in month{_span_text(s)}" for g, s in spans.items())
            + ".",
            f"pipeline_closes counts the PIPELINE grades {', '.join(pipeline) or '(none)'} "
            "(settings.pipeline.pipeline_grades).",
            f"{beyond:g} expected closes fall after month {horizon_months} and are not shown.",
            *([f"A missing {' or '.join(keys)} is shown as '{NO_PRODUCT}'."] if keys else []),
        ],
        "as_of": day,
        "horizon_months": horizon_months,
        "beyond_horizon": beyond,
        "policy": f"{policy.id} {policy.version}",
        "by": keys,
        "pipeline_grades": tuple(pipeline),
    }
    return table


def qualified(frame: DataFrame) -> Series:
    """Which rows of a batch frame were qualified: no ``error`` (without that column: a grade)."""
    if "error" in frame.columns:
        return frame["error"].isna()
    return frame["grade"].notna()


def group_labels(values: Series) -> Series:
    """Group labels: a missing value becomes :data:`~erpsales.diff.NO_PRODUCT` (``"none"``)."""
    values = values.astype(object)
    return values.where(values.notna(), NO_PRODUCT)


def _spans(windows: dict[Any, int]) -> dict[str, range]:
    """The close months of each grade's window ``(previous bound, bound]``; A from month 1.

    With ``A = 0`` both A and a known 0 months to close mean month 1.
    """
    a, b, c = windows["A"], windows["B"], windows["C"]
    return {"A": range(1, max(a, 1) + 1), "B": range(a + 1, b + 1), "C": range(b + 1, c + 1)}


def _span_text(span: range) -> str:
    return f" {span[0]}" if len(span) == 1 else f"s {span[0]}-{span[-1]}"
