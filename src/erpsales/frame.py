"""pandas in and out: one flat row per prospect in, one result row per input row out.

Importing this module needs pandas (``pip install 'erpsales[pandas]'``) and registers the
``df.erpsales`` accessor::

    import erpsales.frame  # registers df.erpsales; erpsales.qualify_frame imports it too

    result = erpsales.qualify_frame(df, as_of="2026-11-28")   # = df.erpsales.qualify(...)
    findings = erpsales.findings_frame(df, as_of="2026-11-28")  # = df.erpsales.findings(...)

Input columns are the CLI's CSV columns (``docs/cli.md``): the prospect fields by name,
``key_info`` and ``stakeholders`` as JSON (text, or dict/list objects), dotted columns such
as ``key_info.budget.amount_rmb``. ``columns=`` maps a CRM's own column names onto them;
``stakeholders=`` and ``key_info=`` take second tables joined by ``prospect_id``. A
missing cell (``None``, ``NaN``, ``NA``, ``NaT``, an empty text) means unknown.

Output: :data:`RESULT_COLUMNS` (and :data:`FULL_COLUMNS` with ``detail="full"``), one row per
input row, in order, on the input's index; a row that cannot be qualified keeps its place
with its ``error`` and empty results. :func:`result_meta` gives the empty frame with the
output dtypes (for ``dask.dataframe.map_partitions(qualify_frame, meta=...)``).
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import json
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

try:
    import numpy as np
    import pandas as pd  # type: ignore[import-untyped,unused-ignore]
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError("erpsales.frame needs pandas: pip install 'erpsales[pandas]'") from exc

from pydantic import BaseModel, ValidationError

from erpsales._api import BackendName, Engine, _as_date, _engine_for
from erpsales._gc import paused_gc
from erpsales._io import ColumnKind, _field_names, _is_model, _kind_of, _unwrap
from erpsales._rows import VERDICT_COLUMNS, finding_kinds, verdict_row
from erpsales.assessment import Assessment, ItemError
from erpsales.display import BatchView, batch
from erpsales.errors import ErpsalesError, InputError
from erpsales.i18n import Locale
from erpsales.models._enums import Quadrant
from erpsales.models._keyinfo import KeyInfo
from erpsales.models._people import Stakeholder
from erpsales.models._prospect import Prospect
from erpsales.policy._model import Policy

__all__ = [
    "FINDING_COLUMNS",
    "FULL_COLUMNS",
    "RESULT_COLUMNS",
    "STAKEHOLDER_COLUMNS",
    "ErpsalesAccessor",
    "findings_frame",
    "qualify_frame",
    "result_meta",
    "stakeholders_frame",
]

Detail = Literal["verdict", "full"]
ExtraColumns = Literal["error", "ignore"]

#: The output columns of :func:`qualify_frame`, in order (a contract: do not rename).
RESULT_COLUMNS: Final = (*VERDICT_COLUMNS, "error")
#: The columns with ``detail="full"``: :data:`RESULT_COLUMNS`, then the two texts.
FULL_COLUMNS: Final = (*RESULT_COLUMNS, "grade_reason", "reasons")
#: The columns of :func:`findings_frame`.
FINDING_COLUMNS: Final = (
    "prospect_id",
    "rule_id",
    "kind",
    "severity",
    "between",
    "message",
    "subject",
    "risk",
    "opportunity",
    "question",
)
#: The columns of :func:`stakeholders_frame`.
STAKEHOLDER_COLUMNS: Final = (
    "prospect_id",
    "name",
    "title",
    "level",
    "quadrant",
    "roles",
    "influence",
    "support",
    "attention",
    "advice",
)

_GRADES: Final = ("D", "C", "B", "A")  # ordered: D < C < B < A, so max() is the best grade
_FIT: Final = ("fit", "no_fit", "unknown")
_STATUS: Final = ("active", "out_of_market", "disqualified")
_PHASE: Final = ("relationship_maintenance", "sales_process")
_KINDS: Final = ("contradiction", "red_flag", "warning", "info")
_SEVERITIES: Final = ("info", "low", "medium", "high")  # ordered
_QUADRANTS: Final = tuple(q.value for q in Quadrant)
_STRING: Final = "string"
_INT: Final = "Int64"
_BOOL: Final = "boolean"
_TRUE: Final = frozenset({"true", "yes", "1", "是"})
_FALSE: Final = frozenset({"false", "no", "0", "否"})
_PROSPECT_ID: Final = "prospect_id"
#: The DataFrame dtype of each output column (categories are made by :func:`_dtype`).
_DTYPES: Final[dict[str, str | tuple[tuple[str, ...], bool]]] = {
    "id": _STRING,
    "name": _STRING,
    "owner": _STRING,
    "territory": _STRING,
    "product": _STRING,
    "fit_status": (_FIT, False),
    "grade": (_GRADES, True),
    "descriptor_grade": (_GRADES, True),
    "window_grade": (_GRADES, True),
    "months_to_close": _INT,
    "status": (_STATUS, False),
    "phase": (_PHASE, False),
    "in_pipeline": _BOOL,
    "finding_count": _INT,
    "finding_ids": _STRING,
    "contradiction_count": _INT,
    "red_flag_count": _INT,
    "warning_count": _INT,
    **dict.fromkeys(_QUADRANTS, _INT),
    "error": _STRING,
    "grade_reason": _STRING,
    "reasons": _STRING,
    "prospect_id": _STRING,
    "rule_id": _STRING,
    "kind": (_KINDS, False),
    "severity": (_SEVERITIES, True),
    "between": _STRING,
    "message": _STRING,
    "subject": _STRING,
    "risk": _STRING,
    "opportunity": _STRING,
    "question": _STRING,
    "title": _STRING,
    "level": _STRING,
    "quadrant": (_QUADRANTS, False),
    "roles": _STRING,
    "influence": _INT,
    "support": _INT,
    "attention": _INT,
    "advice": _STRING,
}


def _dtype(column: str) -> Any:
    spec = _DTYPES[column]
    if isinstance(spec, str):
        return spec
    categories, ordered = spec
    return pd.CategoricalDtype(list(categories), ordered=ordered)


def _frame(data: Mapping[str, list[Any]], columns: Sequence[str], index: Any) -> Any:
    """A DataFrame of ``columns`` from lists of Python values (``None`` = missing)."""
    # built on a fresh index, then given ``index``: aligning on it would scramble (or blank)
    # rows whose labels repeat
    frame = pd.DataFrame({c: pd.Series(data[c], dtype=_dtype(c)) for c in columns})
    frame.index = index
    return frame


def result_meta(detail: Detail = "verdict") -> Any:
    """The empty result frame of :func:`qualify_frame`: its columns and dtypes.

    Example:
        >>> list(result_meta().columns[:3])
        ['id', 'name', 'owner']
    """
    columns = FULL_COLUMNS if detail == "full" else RESULT_COLUMNS
    return _frame({c: [] for c in columns}, columns, pd.RangeIndex(0))


# --------------------------------------------------------------------------- column planning

# the CLI's CSV reader and the frame reader read columns the same way
Kind = ColumnKind
_accepted = _field_names


def _known(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Every column name ``model`` accepts, dotted into sub-models (for suggestions)."""
    out: list[str] = []
    for key, name in _accepted(model).items():
        out.append(prefix + key)
        inner = _unwrap(model.model_fields[name].annotation)
        if _is_model(inner) and key == name:
            out.extend(_known(inner, f"{prefix}{key}."))
    return out


@dataclass(frozen=True, slots=True)
class _Plan:
    """Where one input column goes and how its cells are read.

    Attributes:
        source: The column's label in its table.
        target: The canonical (dotted) name it maps to.
        path: The field names from the prospect down to the value.
        kind: How a text cell is read (as in the CSV reader).
        text: The field is a string: numbers become their text (an id 1001 → "1001").
        table: ``"main"``, ``"key_info"`` or ``"stakeholders"``: which table it is in.
    """

    source: Hashable
    target: str
    path: tuple[str, ...]
    kind: Kind
    text: bool
    table: str = "main"


def _plan(source: Hashable, target: str, model: type[BaseModel], table: str) -> _Plan | str:
    """Resolve ``target`` against ``model``; a ``str`` result says why it is unknown."""
    parts = target.split(".")
    fields: list[str] = []
    current = model
    for depth, part in enumerate(parts):
        name = _accepted(current).get(part)
        if name is None:
            break
        fields.append(name)
        annotation = current.model_fields[name].annotation
        if depth == len(parts) - 1:
            return _Plan(
                source, target, tuple(fields), _kind_of(annotation), _unwrap(annotation) is str,
                table,
            )  # fmt: skip
        inner = _unwrap(annotation)
        if not _is_model(inner):
            break
        current = inner
    message = f"unknown column {target!r}: not a {model.__name__} field"
    close = difflib.get_close_matches(target, _known(model), n=1, cutoff=0.75)
    if close:
        message += f" (did you mean {close[0]!r}?)"
    return message


def _label_text(label: Hashable) -> str:
    return label if isinstance(label, str) else repr(label)


def _plan_table(
    labels: Sequence[Hashable],
    model: type[BaseModel],
    table: str,
    *,
    columns: Mapping[Any, str] | None = None,
    skip: frozenset[str] = frozenset(),
    prefix: tuple[str, ...] = (),
    strip: str = "",
    extra: ExtraColumns = "error",
) -> list[_Plan]:
    """Plan every column of one table, or raise :class:`InputError` naming the bad ones."""
    mapping = dict(columns or {})
    where = "" if table == "main" else f" of the {table} table"
    absent = [k for k in mapping if k not in set(labels)]
    if absent:
        raise InputError(
            f"columns= maps {', '.join(_label_text(a) for a in absent)}, which the frame"
            f"{where} does not have; its columns are {[_label_text(c) for c in labels]}",
            field=_label_text(absent[0]),
        )
    plans: list[_Plan] = []
    problems: list[str] = []
    seen: dict[tuple[str, ...], Hashable] = {}
    for label in labels:
        target = mapping.get(label, label)
        if not isinstance(target, str):
            if extra == "error":
                problems.append(f"column {label!r} is not named by text; map it with columns=")
            continue
        if target in skip:
            continue
        name = target.removeprefix(strip) if strip else target
        plan = _plan(label, name, model, table)
        if isinstance(plan, str):
            if extra == "error" or label in mapping:
                problems.append(plan if target == label else f"column {label!r} maps to {plan}")
            continue
        if prefix:
            plan = _Plan(label, target, prefix + plan.path, plan.kind, plan.text, table)
        other = seen.setdefault(plan.path, label)
        if other != label:
            problems.append(
                f"columns {_label_text(other)!r} and {_label_text(label)!r} both give "
                f"{'.'.join(plan.path)!r}"
            )
            continue
        plans.append(plan)
    if problems:
        hint = "; map a column with columns={'Your column': 'field'}" + (
            " or pass extra_columns='ignore' to leave the others out" if table == "main" else ""
        )
        raise InputError(f"the frame{where} cannot be read: " + "; ".join(problems) + hint)
    # whole objects first, so that dotted columns merge into them
    return sorted(plans, key=lambda p: len(p.path))


# --------------------------------------------------------------------------- cells


class _Skip:
    """The marker of a missing cell (absent from the prospect object)."""

    __slots__ = ()


_SKIP: Final = _Skip()


@dataclass(frozen=True, slots=True)
class _Bad:
    """A cell that cannot be read, and why."""

    message: str


def _json_kind(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean"}.get(
        type(value), "null" if value is None else "number"
    )


def _native(value: Any) -> Any:
    """A pandas/numpy scalar as a plain Python value; ``_SKIP`` for a missing one."""
    if value is None or value is pd.NA or value is pd.NaT:
        return _SKIP
    if isinstance(value, float):
        return _SKIP if value != value else value
    if isinstance(value, np.generic):
        return _native(value.item())
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, dt.datetime):  # pandas.Timestamp too
        if isinstance(value, pd.Timestamp):
            value = value.to_pydatetime()
        if value.tzinfo is None and value.time() == dt.time(0):
            return value.date()
        return value
    return value


def _read_text(plan: _Plan, value: Any) -> Any:
    if isinstance(value, str | bool):
        return value
    if plan.text:
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        if isinstance(value, int | float):
            return str(value)
        if isinstance(value, dt.date):
            return value.isoformat()
    return value


def _read_bool(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        folded = value.lower()
        if folded in _TRUE:
            return True
        if folded in _FALSE:
            return False
        raise ValueError(f"{value!r} is not a boolean; use true/false, yes/no, 1/0 or 是/否")
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    raise ValueError(f"{value!r} is not a boolean; use true/false, yes/no, 1/0 or 是/否")


def _read_json(plan: _Plan, value: Any) -> Any:
    if isinstance(value, str):
        if plan.kind == "list" and not value.startswith("["):
            return [item.strip() for item in value.split(";") if item.strip()]
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not valid JSON: {exc.msg} (character {exc.pos + 1})") from None
    elif isinstance(value, tuple | set | frozenset):
        value = list(value)
    else:
        value = copy.deepcopy(value)  # never merge dotted columns into the caller's objects
    if plan.kind == "json_object" and not isinstance(value, dict):
        raise ValueError(f"expected a JSON object, got {_json_kind(value)}")
    if plan.kind in ("json_array", "list") and not isinstance(value, list):
        raise ValueError(f"expected a JSON array, got {_json_kind(value)}")
    return value


def _converter(plan: _Plan) -> Callable[[Any], Any]:
    """The function that reads one cell of ``plan``'s column: a value, ``_SKIP`` or ``_Bad``."""
    kind = plan.kind

    def read(value: Any) -> Any:
        if type(value) is str:  # the common case first
            value = value.strip()
            if not value:
                return _SKIP
        else:
            value = _native(value)
            if value is _SKIP:
                return _SKIP
            if isinstance(value, str):
                value = value.strip()
                if not value:
                    return _SKIP
        try:
            if kind == "text":
                return _read_text(plan, value)
            if kind == "bool":
                return _read_bool(value)
            return _read_json(plan, value)
        except ValueError as exc:
            return _Bad(str(exc))

    return read


def _cells(values: list[Any], plan: _Plan) -> list[Any]:
    """Read one column's cells (plain Python values): a value, ``_SKIP`` or ``_Bad`` each.

    Text cells of text fields, by far the most common, are read inline; only the others
    pay for a call.
    """
    read = _converter(plan)
    skip = _SKIP
    if plan.kind != "text":
        return [read(v) for v in values]
    if plan.text:
        return [((s if (s := v.strip()) else skip) if type(v) is str else read(v)) for v in values]
    return [
        ((s if (s := v.strip()) else skip) if (t := type(v)) is str else v if t is int else read(v))
        for v in values
    ]


def _place(target: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    """Put ``value`` at ``path`` in ``target``, merging into objects given by JSON."""
    node = target
    for part in path[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ValueError(f"{part!r} is given by another column as a non-object")
        node = child
    if path[-1] in node:
        raise ValueError("the same value is also given by another column")
    node[path[-1]] = value


def _key(value: Any) -> str | None:
    """A join key: the text of an id cell (``1001``, ``1001.0`` and ``"1001"`` are equal)."""
    value = _native(value)
    if value is _SKIP:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


# --------------------------------------------------------------------------- reading a frame

#: Built once: a prospect without key information gets this (frozen) instance instead of
#: a new default; validating it costs nothing, building a default costs seven models.
_NO_KEY_INFO: Final = KeyInfo()
#: Rows read, validated and qualified at a time: memory stays bounded by the chunk, not
#: by the frame (a row's cells become Python objects only while its chunk is processed).
_CHUNK: Final = 8192

_Person = dict[str, Any] | _Bad


@dataclass(slots=True)
class _Source:
    """Where the cells of one plan come from: a column of the frame, or cells read already.

    Attributes:
        plan: The plan.
        reader: The plan's cell reader (:func:`_converter`).
        deferred: The cells become containers (JSON, lists) or go into nested objects:
            they are read row by row, just before the row is validated, and dropped with it.
            Parsing a chunk's JSON up front keeps hundreds of thousands of containers alive,
            and Python's cyclic garbage collector walks them again and again (5× slower).
        series: The frame's column (read chunk by chunk), or ``None``.
        cells: Every row's cell, read already (a joined table), or ``None``.
    """

    plan: _Plan
    reader: Callable[[Any], Any]
    deferred: bool
    series: Any = None
    cells: list[Any] | None = None

    def read(self, start: int, stop: int) -> list[Any]:
        """Rows ``start:stop``: read cells, or raw ones when the source is deferred."""
        if self.cells is not None:
            return self.cells[start:stop]
        raw = self.series.iloc[start:stop].tolist()
        return raw if self.deferred else _cells(raw, self.plan)

    def cell(self, raw: Any) -> Any:
        """One cell of a deferred source, read."""
        return raw if self.cells is not None else self.reader(raw)


def _source(plan: _Plan, *, series: Any = None, cells: list[Any] | None = None) -> _Source:
    deferred = len(plan.path) > 1 or plan.kind not in ("text", "bool")
    return _Source(plan, _converter(plan), deferred, series, cells)


@dataclass(slots=True)
class _Chunk:
    """Rows ``start``… of a frame: their scalar fields, and the raw cells of the rest.

    Attributes:
        start: The position of the first row in the frame.
        rows: One dict per row with the scalar top-level fields (dicts of scalars are not
            tracked by the garbage collector); :meth:`_Reader.finish` adds the rest.
        failed: Why some rows cannot be read (by position in the chunk).
        columns: Each source's cells: read, or raw for deferred sources.
        later: The deferred sources and their raw cells.
    """

    start: int
    rows: list[dict[str, Any] | None]
    failed: dict[int, str]
    columns: list[list[Any]]
    later: list[tuple[_Source, list[Any]]]


@dataclass(slots=True)
class _Reader:
    """A DataFrame, planned: it reads its rows into prospect objects chunk by chunk."""

    sources: list[_Source]
    labels: list[Any]
    people: dict[int, list[tuple[Any, _Person]]] = field(default_factory=dict)
    key_info_rows: list[Any] | None = None
    errors: dict[int, str] = field(default_factory=dict)

    def row_label(self, i: int) -> str:
        label = self.labels[i]
        return str(label) if isinstance(label, int | np.integer) else repr(label)

    def where(self, plan: _Plan, i: int) -> str:
        if plan.table == "key_info" and self.key_info_rows is not None:
            return f"key_info table row {self.key_info_rows[i]!r}, column {plan.source!r}"
        return f"column {plan.source!r}"

    def _bad(self, plan: _Plan, i: int, problem: str) -> str:
        return f"row {self.row_label(i)}: {self.where(plan, i)}: {problem}"

    def chunk(self, start: int, stop: int) -> _Chunk:
        """Read rows ``start:stop``: the scalar columns into one dict per row, column-wise."""
        columns = [source.read(start, stop) for source in self.sources]
        rows: list[dict[str, Any]] = [{} for _ in range(stop - start)]
        failed = {i - start: m for i, m in self.errors.items() if start <= i < stop}
        for source, cells in zip(self.sources, columns, strict=True):
            if source.deferred:
                continue
            plan = source.plan
            if plan.kind == "bool":  # the only scalar kind whose cells can be bad
                for k in [k for k, v in enumerate(cells) if type(v) is _Bad]:
                    failed.setdefault(k, self._bad(plan, start + k, cells[k].message))
            key = plan.path[0]
            for row, value in zip(rows, cells, strict=True):
                if value is not _SKIP:
                    row[key] = value
        later = [(s, c) for s, c in zip(self.sources, columns, strict=True) if s.deferred]
        return _Chunk(start, list(rows), failed, columns, later)

    def finish(self, chunk: _Chunk, k: int, row: dict[str, Any]) -> str | None:
        """Add the deferred cells to ``row``, row ``k`` of ``chunk``; or say why one cannot."""
        i = chunk.start + k
        for source, cells in chunk.later:
            value = source.cell(cells[k])
            if value is _SKIP:
                continue
            plan = source.plan
            if type(value) is _Bad:
                return self._bad(plan, i, value.message)
            try:
                _place(row, plan.path, value)
            except ValueError as exc:
                return self._bad(plan, i, str(exc))
        return None

    def attach(self, i: int, row: dict[str, Any]) -> str | None:
        """Add row ``i``'s people from the stakeholders table; or say why that fails."""
        people = self.people.get(i)
        if people is None:
            return None
        if "stakeholders" in row:
            return (
                f"row {self.row_label(i)}: stakeholders are given both in a column and in "
                "the stakeholders table"
            )
        for label, person in people:
            if type(person) is _Bad:
                return f"row {self.row_label(i)}: stakeholders table row {label!r}: " + (
                    person.message
                )
        row["stakeholders"] = [p for _, p in people]
        return None

    def describe(self, chunk: _Chunk, k: int, exc: ValidationError) -> str:
        """A validation error of a row, naming the row and each column as the frame has it."""
        i = chunk.start + k
        problems = []
        for err in exc.errors(include_url=False):
            loc = tuple(str(p) for p in err["loc"])
            problems.append(f"{self._column_of(chunk, k, loc)}: {err['msg']}")
        return f"row {self.row_label(i)}: " + "; ".join(problems)

    def _column_of(self, chunk: _Chunk, k: int, loc: tuple[str, ...]) -> str:
        i = chunk.start + k
        if not loc:
            return "(row)"
        if loc[0] == "stakeholders" and i in self.people and len(loc) > 1 and loc[1].isdigit():
            label = self.people[i][int(loc[1])][0]
            rest = ".".join(loc[2:]) or "(person)"
            return f"stakeholders table row {label!r}, column {rest!r}"
        best: _Plan | None = None
        for source, cells in zip(self.sources, chunk.columns, strict=True):
            plan = source.plan
            if (
                loc[: len(plan.path)] == plan.path
                and (source.cell(cells[k]) if source.deferred else cells[k]) is not _SKIP
                and (best is None or len(plan.path) > len(best.path))
            ):
                best = plan
        if best is None:
            return ".".join(loc)
        where = self.where(best, i)
        return f"{where} ({'.'.join(loc)})" if loc[len(best.path) :] else where


def _join_table(
    other: Any, name: str, keys: list[str | None]
) -> tuple[list[int | None], dict[int, str]]:
    """For each main row, the position of its row in ``other`` (joined on ``prospect_id``).

    Returns:
        The positions (``None``: no row) and errors for main rows whose join is ambiguous.
    """
    if _PROSPECT_ID not in other.columns:
        raise InputError(
            f"the {name} table has no {_PROSPECT_ID!r} column; its columns are "
            f"{[_label_text(c) for c in other.columns]}",
            field=_PROSPECT_ID,
        )
    other_keys = [_key(v) for v in other[_PROSPECT_ID].tolist()]
    missing = [lab for lab, k in zip(other.index.tolist(), other_keys, strict=True) if k is None]
    if missing:
        raise InputError(
            f"the {name} table has rows without a {_PROSPECT_ID}: {missing[:10]!r}",
            field=_PROSPECT_ID,
        )
    counts: dict[str, int] = {}
    for k in keys:
        if k is not None:
            counts[k] = counts.get(k, 0) + 1
    where: dict[str, list[int]] = {}
    for pos, k in enumerate(other_keys):
        assert k is not None
        where.setdefault(k, []).append(pos)
    positions: list[int | None] = []
    errors: dict[int, str] = {}
    for i, k in enumerate(keys):
        found = where.get(k) if k is not None else None
        positions.append(found[0] if found else None)
        if not found:
            continue
        if counts[k or ""] > 1:
            errors[i] = f"the {name} table cannot be joined: prospect id {k!r} is on several rows"
        elif name == "key_info" and len(found) > 1:
            errors[i] = f"the key_info table has {len(found)} rows for prospect id {k!r}"
    return positions, errors


def _read(
    df: Any,
    *,
    columns: Mapping[Any, str] | None,
    stakeholders: Any,
    key_info: Any,
    extra_columns: ExtraColumns,
) -> _Reader:
    """Plan ``df`` (and the joined tables); the rows are read later, chunk by chunk."""
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"expected a pandas DataFrame, got {type(df).__name__}")
    labels = list(df.columns)
    if len(set(labels)) != len(labels):
        twice = sorted({_label_text(c) for c in labels if labels.count(c) > 1})
        raise InputError(f"the frame has duplicate column names: {twice}")
    plans = _plan_table(labels, Prospect, "main", columns=columns, extra=extra_columns)
    if not any(p.path == ("name",) for p in plans):
        guess = difflib.get_close_matches("name", [str(c).lower() for c in labels], n=1)
        example = next((c for c in labels if str(c).lower() == guess[0]), None) if guess else None
        mapping = (
            f"{{{_label_text(example)!r}: 'name'}}"
            if example is not None
            else "{'<your name column>': 'name'}"
        )
        raise InputError(
            "missing required column 'name' (the prospect's name); the frame has columns "
            f"{[_label_text(c) for c in labels]}; map yours with columns={mapping}",
            field="name",
        )
    reader = _Reader([_source(p, series=df[p.source]) for p in plans], df.index.tolist())
    if stakeholders is None and key_info is None:
        return reader
    keys = _row_keys(reader)
    if key_info is not None:
        _join_key_info(reader, key_info, keys)
    if stakeholders is not None:
        _join_people(reader, stakeholders, keys)
    return reader


def _row_keys(reader: _Reader) -> list[str | None]:
    """Each row's prospect key (its id, else its name), as the join sees it."""
    by_path = {s.plan.path: s for s in reader.sources}
    n = len(reader.labels)
    names = by_path[("name",)].read(0, n)
    ids = by_path[("id",)].read(0, n) if ("id",) in by_path else [_SKIP] * n
    keys: list[str | None] = []
    for ident, name in zip(ids, names, strict=True):
        value = name if ident is _SKIP or type(ident) is _Bad else ident
        keys.append(None if value is _SKIP or type(value) is _Bad else _key(value))
    return keys


def _join_key_info(reader: _Reader, table: Any, keys: list[str | None]) -> None:
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"key_info= takes a DataFrame, got {type(table).__name__}")
    positions, errors = _join_table(table, "key_info", keys)
    reader.errors.update({i: f"row {reader.row_label(i)}: {m}" for i, m in errors.items()})
    labels = [c for c in table.columns if c != _PROSPECT_ID]
    plans = _plan_table(labels, KeyInfo, "key_info", prefix=("key_info",), strip="key_info.")
    taken = {s.plan.path for s in reader.sources}
    clash = [p.source for p in plans if p.path in taken]
    if clash:
        raise InputError(
            f"the key_info table's columns {clash} are also columns of the frame",
            field=_label_text(clash[0]),
        )
    table_labels = table.index.tolist()
    reader.key_info_rows = [None if pos is None else table_labels[pos] for pos in positions]
    for plan in plans:
        cells = _cells(table[plan.source].tolist(), plan)
        aligned = [_SKIP if pos is None else cells[pos] for pos in positions]
        reader.sources.append(_source(plan, cells=aligned))
    reader.sources.sort(key=lambda s: len(s.plan.path))  # whole objects first, then dotted


def _join_people(reader: _Reader, table: Any, keys: list[str | None]) -> None:
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"stakeholders= takes a DataFrame, got {type(table).__name__}")
    _join_table(table, "stakeholders", keys)  # checks the prospect_id column
    labels = [c for c in table.columns if c != _PROSPECT_ID]
    plans = _plan_table(labels, Stakeholder, "stakeholders")
    cells = [_cells(table[p.source].tolist(), p) for p in plans]
    table_labels = table.index.tolist()
    by_key: dict[str, list[int]] = {}
    for pos, value in enumerate(table[_PROSPECT_ID].tolist()):
        key = _key(value)
        if key is not None:
            by_key.setdefault(key, []).append(pos)
    counts: dict[str, int] = {}
    for k in keys:
        if k is not None:
            counts[k] = counts.get(k, 0) + 1
    for i, k in enumerate(keys):
        found = by_key.get(k) if k is not None else None
        if not found:
            continue
        if counts[k or ""] > 1:
            reader.errors.setdefault(
                i,
                f"row {reader.row_label(i)}: the stakeholders table cannot be joined: "
                f"prospect id {k!r} is on several rows",
            )
            continue
        people: list[tuple[Any, _Person]] = []
        for pos in found:
            person: _Person = {}
            for plan, column in zip(plans, cells, strict=True):
                value = column[pos]
                if value is _SKIP:
                    continue
                if type(value) is _Bad:
                    person = _Bad(f"column {plan.source!r}: {value.message}")
                    break
                assert isinstance(person, dict)
                person[plan.path[0]] = value
            people.append((table_labels[pos], person))
        reader.people[i] = people


# --------------------------------------------------------------------------- qualifying


def _failed(
    echo: tuple[str | None, ...],
    error: str,
    index: int,
    blank: tuple[None, ...],
    tail: tuple[None, ...],
    kept: list[Assessment | ItemError | None] | None,
    k: int,
) -> tuple[Any, ...]:
    """The record of row ``k`` of a chunk, which failed (and its ItemError in ``kept``)."""
    if kept is not None:
        kept[k] = ItemError(index=index, id=echo[0], code="input.invalid", message=error)
    return (*echo, *blank, error, *tail)


def _assessment_record(
    a: Assessment, kinds: Mapping[str, str], lang: Locale | None
) -> tuple[Any, ...]:
    """The record of an assessment: its verdict row, no error, and with ``lang`` its texts."""
    row = (*verdict_row(a.to_verdict(), kinds), None)
    if lang is None:
        return row
    return (
        *row,
        a.grading.definition.get(lang),
        "; ".join(r.get(lang) for r in a.fit.reasons),
    )


def _named(prospect: Prospect) -> tuple[str | None, ...]:
    """id, name, owner and territory of a valid prospect whose qualification failed."""
    return (prospect.key, prospect.name, prospect.owner, prospect.territory)


def _echo(data: dict[str, Any]) -> tuple[str | None, str | None, str | None, str | None]:
    """id, name, owner and territory of a row that failed, where they could be read."""
    ident, name, owner, territory = (
        value if isinstance(value := data.get(key), str) else None
        for key in ("id", "name", "owner", "territory")
    )
    return (ident or name, name, owner, territory)


def _run(
    df: Any,
    *,
    policy: Policy | None,
    columns: Mapping[Any, str] | None,
    stakeholders: Any,
    key_info: Any,
    as_of: dt.date | str | None,
    backend: BackendName | str,
    detail: Detail,
    lang: Locale,
    extra_columns: ExtraColumns,
    keep: list[Assessment | ItemError] | None = None,
) -> Any:
    """Qualify every row of ``df``; when ``keep`` is a list, also collect the assessments."""
    if detail not in ("verdict", "full"):
        raise ValueError(f"detail must be 'verdict' or 'full', got {detail!r}")
    if lang not in ("en", "zh"):
        raise ValueError(f"lang must be 'en' or 'zh', got {lang!r}")
    engine = _engine_for(policy, backend)
    day = _as_date(as_of)
    reader = _read(
        df,
        columns=columns,
        stakeholders=stakeholders,
        key_info=key_info,
        extra_columns=extra_columns,
    )
    kinds = finding_kinds(engine.policy)
    full = detail == "full" or keep is not None
    texts = detail == "full"
    out_columns = FULL_COLUMNS if texts else RESULT_COLUMNS
    records: list[tuple[Any, ...]] = []
    n = len(reader.labels)
    for start in range(0, n, _CHUNK):
        # the collector is paused chunk by chunk: a chunk makes many objects and no cycles
        with paused_gc():
            records += _chunk_records(
                reader, engine, day, kinds, full, texts, lang, keep, start, min(start + _CHUNK, n)
            )
    data_by_column = (
        dict(zip(out_columns, (list(c) for c in zip(*records, strict=True)), strict=True))
        if records
        else {c: [] for c in out_columns}
    )
    result_frame = _frame(data_by_column, out_columns, df.index)
    result_frame.attrs["as_of"] = day
    return result_frame


def _chunk_records(
    reader: _Reader,
    engine: Engine,
    day: dt.date,
    kinds: Mapping[str, str],
    full: bool,
    texts: bool,
    lang: Locale,
    keep: list[Assessment | ItemError] | None,
    start: int,
    stop: int,
) -> list[tuple[Any, ...]]:
    """The records of rows ``start:stop`` of ``reader``, in order."""
    blank = (None,) * (len(RESULT_COLUMNS) - 5)  # between the echo and the error
    tail = (None, None) if texts else ()
    validate = Prospect.model_validate
    joined = bool(reader.people)
    chunk = reader.chunk(start, stop)
    failed = chunk.failed
    rows = chunk.rows
    done: list[tuple[Any, ...] | None] = [None] * len(rows)
    kept: list[Assessment | ItemError | None] | None = None if keep is None else [None] * len(rows)
    valid: list[Prospect] = []
    where: list[int] = []  # the chunk position of each valid prospect
    for k in range(len(rows)):
        data = rows[k]
        assert data is not None
        rows[k] = None  # this row's objects die with it (see _Source.deferred)
        error = failed.get(k) if failed else None
        if error is None:
            error = reader.finish(chunk, k, data)
        if error is None and joined:
            error = reader.attach(start + k, data)
        if error is None:
            if "key_info" not in data:
                data["key_info"] = _NO_KEY_INFO
            try:
                valid.append(validate(data))
                where.append(k)
                continue
            except ValidationError as exc:
                error = reader.describe(chunk, k, exc)
        done[k] = _failed(_echo(data), error, start + k, blank, tail, kept, k)
    if full:
        for k, prospect in zip(where, valid, strict=True):
            try:
                a = engine.qualify(prospect, as_of=day)
            except ErpsalesError as exc:
                error = f"row {reader.row_label(start + k)}: {exc}"
                done[k] = _failed(_named(prospect), error, start + k, blank, tail, kept, k)
                continue
            if kept is not None:
                kept[k] = a
            done[k] = _assessment_record(a, kinds, lang if texts else None)
    else:
        verdicts = engine.verdict_rows(valid, as_of=day)
        for k, prospect, row in zip(where, valid, verdicts, strict=True):
            if isinstance(row, ItemError):  # the backend failed on this one item
                error = f"row {reader.row_label(start + k)}: {row.message}"
                done[k] = _failed(_named(prospect), error, start + k, blank, tail, kept, k)
            else:
                done[k] = (*row, None)
    if keep is not None:
        keep += kept  # type: ignore[arg-type]  # every position is filled, in row order
    return done  # type: ignore[return-value]  # every position is filled


def qualify_frame(
    df: pd.DataFrame,
    /,
    *,
    policy: Policy | None = None,
    columns: Mapping[str, str] | None = None,
    stakeholders: pd.DataFrame | None = None,
    key_info: pd.DataFrame | None = None,
    as_of: dt.date | str | None = None,
    backend: BackendName | str = "compiled",
    detail: Detail = "verdict",
    lang: Locale = "en",
    extra_columns: ExtraColumns = "error",
) -> pd.DataFrame:
    """Qualify one prospect per row of ``df``; return one result row per input row.

    Args:
        df: One row per prospect. Columns are prospect fields as in the CLI's CSV files
            (``docs/cli.md``): ``name`` (required), ``id``, ``industry``, ``revenue`` …,
            ``key_info`` and ``stakeholders`` as JSON (text, or dicts and lists), dotted
            columns such as ``key_info.budget.amount_rmb``. A missing cell means unknown.
        policy: The policy; the seed policy when ``None``.
        columns: Maps ``df``'s own column names to those fields, e.g.
            ``{"CRM Name": "name", "Umsatz": "annual_revenue_rmb"}``.
        stakeholders: A second table, one row per person: ``prospect_id`` (the prospect's
            ``id``, or its ``name`` when it has no id), ``name``, ``title``, ``level``,
            ``roles`` (``;``-separated or a list), ``influence``, ``support``. People whose
            ``prospect_id`` matches no row are not used (one table can serve many frames).
        key_info: A second table, one row per prospect: ``prospect_id`` and key-information
            columns such as ``budget.amount_rmb`` or ``schedule.contract_signing``.
        as_of: The date schedules are read against (default: today, once for the frame).
        backend: ``"compiled"`` (default), ``"durable"`` or ``"auto"``.
        detail: ``"verdict"`` (fast: :meth:`Engine.verdict`, no texts) or ``"full"``
            (:meth:`Engine.qualify`; adds ``grade_reason`` and ``reasons`` in ``lang``).
        lang: The language of the ``detail="full"`` texts, ``"en"`` or ``"zh"``.
        extra_columns: ``"error"`` (default): a column that is not a prospect field is an
            error; ``"ignore"``: such columns are left out.

    Returns:
        A DataFrame on ``df``'s index with the columns :data:`RESULT_COLUMNS` (plus
        ``grade_reason`` and ``reasons`` with ``detail="full"``). Every input row has its
        row, in order. ``error`` is missing (``<NA>``) on good rows; on a bad row it names
        the row and the column, and the result columns are missing. ``attrs["as_of"]``
        holds the date the rows were qualified as of.

    Raises:
        InputError: The frame cannot be read at all: no ``name`` column (the message says
            which mapping was expected), an unknown or duplicated column, a ``columns=``
            entry naming no column, a joined table without ``prospect_id``.
        BackendUnavailableError: The requested backend cannot be used here.

    Example:
        >>> import pandas as pd
        >>> df = pd.DataFrame({"name": ["甲"], "industry": ["机械"], "revenue": ["3亿"],
        ...                    "profit": ["2000万"]})
        >>> qualify_frame(df, as_of="2026-11-28")[["product", "grade"]].iloc[0].tolist()
        ['ERP2', 'D']
    """
    return _run(
        df,
        policy=policy,
        columns=columns,
        stakeholders=stakeholders,
        key_info=key_info,
        as_of=as_of,
        backend=backend,
        detail=detail,
        lang=lang,
        extra_columns=extra_columns,
    )


# --------------------------------------------------------------------------- long formats


def _results(
    data: pd.DataFrame | Iterable[Assessment | ItemError],
    options: dict[str, Any],
) -> tuple[Any, list[Assessment | ItemError]]:
    """(the input's index, one result per input row) from a DataFrame or from results."""
    if isinstance(data, pd.DataFrame):
        kept: list[Assessment | ItemError] = []
        _run(data, detail="verdict", lang="en", keep=kept, **options)
        return data.index, kept
    given = {k: v for k, v in options.items() if v is not _DEFAULTS[k]}
    if given:
        raise TypeError(
            f"{', '.join(sorted(given))} apply to a DataFrame input only; these results are "
            "already qualified"
        )
    items = list(data)
    for item in items:
        if not isinstance(item, Assessment | ItemError):
            raise TypeError(
                "expected a DataFrame or Assessments (e.g. list(engine.qualify_many(items))), "
                f"got {type(item).__name__}"
            )
    return pd.RangeIndex(len(items)), items


_DEFAULTS: Final[dict[str, Any]] = {
    "policy": None,
    "columns": None,
    "stakeholders": None,
    "key_info": None,
    "as_of": None,
    "backend": "compiled",
    "extra_columns": "error",
}


def _long_index(index: Any, positions: list[int]) -> Any:
    """The input's index repeated for a long table: labels, type and names kept."""
    return index.take(positions)


def _long_frame(
    data: Any,
    options: dict[str, Any],
    columns: Sequence[str],
    items: Callable[[Assessment], Iterable[Any]],
    row: Callable[[Assessment, Any], tuple[Any, ...]],
) -> pd.DataFrame:
    """One row per item (finding, person) of each assessment, indexed by the input row."""
    index, results = _results(data, options)
    out: dict[str, list[Any]] = {c: [] for c in columns}
    rows: list[int] = []
    for position, result in enumerate(results):
        if not isinstance(result, Assessment):
            continue
        for item in items(result):
            rows.append(position)
            for column, value in zip(columns, row(result, item), strict=True):
                out[column].append(value)
    return _frame(out, columns, _long_index(index, rows))


def findings_frame(
    data: pd.DataFrame | Iterable[Assessment | ItemError],
    /,
    *,
    lang: Locale = "en",
    policy: Policy | None = None,
    columns: Mapping[str, str] | None = None,
    stakeholders: pd.DataFrame | None = None,
    key_info: pd.DataFrame | None = None,
    as_of: dt.date | str | None = None,
    backend: BackendName | str = "compiled",
    extra_columns: ExtraColumns = "error",
) -> pd.DataFrame:
    """One row per finding, in long format: :data:`FINDING_COLUMNS`.

    Args:
        data: Assessments (``list(engine.qualify_many(items))``; an :class:`ItemError` has
            no findings and adds no row), or an input DataFrame as for :func:`qualify_frame`,
            which is qualified here with the other options.
        lang: The language of ``message``, ``risk``, ``opportunity`` and ``question``.
        policy: As for :func:`qualify_frame` (DataFrame input only).
        columns: As for :func:`qualify_frame` (DataFrame input only).
        stakeholders: As for :func:`qualify_frame` (DataFrame input only).
        key_info: As for :func:`qualify_frame` (DataFrame input only).
        as_of: As for :func:`qualify_frame` (DataFrame input only).
        backend: As for :func:`qualify_frame` (DataFrame input only).
        extra_columns: As for :func:`qualify_frame` (DataFrame input only).

    Returns:
        A DataFrame indexed by the input row (the DataFrame's index label, or the position
        in the list), so ``findings.join(df)`` lines up; ``between`` is a comma-joined list
        of key-information parts; ``subject`` is the stakeholder of a per-person finding.
    """
    options = {
        "policy": policy,
        "columns": columns,
        "stakeholders": stakeholders,
        "key_info": key_info,
        "as_of": as_of,
        "backend": backend,
        "extra_columns": extra_columns,
    }

    def row(result: Assessment, f: Any) -> tuple[Any, ...]:
        return (
            result.prospect_id,
            f.rule_id,
            f.kind,
            f.severity,
            ",".join(p.value for p in f.between),
            f.message.get(lang),
            f.subject,
            f.risk.get(lang) if f.risk else None,
            f.opportunity.get(lang) if f.opportunity else None,
            f.question.get(lang) if f.question else None,
        )

    return _long_frame(data, options, FINDING_COLUMNS, lambda r: r.findings, row)


def stakeholders_frame(
    data: pd.DataFrame | Iterable[Assessment | ItemError],
    /,
    *,
    lang: Locale = "en",
    policy: Policy | None = None,
    columns: Mapping[str, str] | None = None,
    stakeholders: pd.DataFrame | None = None,
    key_info: pd.DataFrame | None = None,
    as_of: dt.date | str | None = None,
    backend: BackendName | str = "compiled",
    extra_columns: ExtraColumns = "error",
) -> pd.DataFrame:
    """One row per stakeholder placement, in attention order: :data:`STAKEHOLDER_COLUMNS`.

    Args:
        data: Assessments, or an input DataFrame as for :func:`findings_frame`.
        lang: The language of ``advice``.
        policy: As for :func:`qualify_frame` (DataFrame input only).
        columns: As for :func:`qualify_frame` (DataFrame input only).
        stakeholders: As for :func:`qualify_frame` (DataFrame input only).
        key_info: As for :func:`qualify_frame` (DataFrame input only).
        as_of: As for :func:`qualify_frame` (DataFrame input only).
        backend: As for :func:`qualify_frame` (DataFrame input only).
        extra_columns: As for :func:`qualify_frame` (DataFrame input only).

    Returns:
        A DataFrame indexed like :func:`findings_frame`'s. ``quadrant`` is ``devil``,
        ``angel``, ``imp``, ``sweetheart`` or ``unclassified``; ``roles`` is
        ``;``-separated (as the ``stakeholders=`` input takes it); ``attention`` is 1 for
        the person to spend time on first.
    """
    options = {
        "policy": policy,
        "columns": columns,
        "stakeholders": stakeholders,
        "key_info": key_info,
        "as_of": as_of,
        "backend": backend,
        "extra_columns": extra_columns,
    }

    def row(result: Assessment, p: Any) -> tuple[Any, ...]:
        return (
            result.prospect_id,
            p.name,
            p.title,
            p.level.value if p.level else None,
            p.quadrant.value,
            ";".join(r.value for r in p.roles),
            p.influence,
            p.support,
            p.attention,
            p.advice.get(lang) if p.advice else None,
        )

    return _long_frame(data, options, STAKEHOLDER_COLUMNS, lambda r: r.stakeholders, row)


# --------------------------------------------------------------------------- the accessor


@pd.api.extensions.register_dataframe_accessor("erpsales")
class ErpsalesAccessor:
    """``df.erpsales``: the functions of this module on a DataFrame.

    Registered when :mod:`erpsales.frame` is imported (``erpsales.qualify_frame`` and the
    other frame functions import it).

    Example:
        >>> import pandas as pd
        >>> df = pd.DataFrame({"name": ["甲"], "revenue": ["3亿"]})
        >>> df.erpsales.qualify(as_of="2026-11-28")["grade"].tolist()
        ['D']
    """

    def __init__(self, df: pd.DataFrame) -> None:
        self._df = df

    def qualify(self, **options: Any) -> pd.DataFrame:
        """:func:`qualify_frame` on this frame."""
        return qualify_frame(self._df, **options)

    def findings(self, **options: Any) -> pd.DataFrame:
        """:func:`findings_frame` on this frame."""
        return findings_frame(self._df, **options)

    def stakeholders(self, **options: Any) -> pd.DataFrame:
        """:func:`stakeholders_frame` on this frame."""
        return stakeholders_frame(self._df, **options)

    def summary(self, locale: Locale = "en") -> BatchView:
        """Summarise this :func:`qualify_frame` result (grade × product, findings, errors).

        Raises:
            ValueError: This frame is not a ``qualify_frame`` result.
        """
        missing = [c for c in ("grade", "product", "status", "error") if c not in self._df]
        if missing:
            raise ValueError(
                f"summary() reads a qualify_frame result, and this frame lacks {missing}; "
                "use df.erpsales.qualify(...).erpsales.summary()"
            )
        return batch(self._df, locale=locale)
