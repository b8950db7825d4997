"""Reading prospects from files: JSON, JSON Lines and CSV, one :class:`Record` per item.

:func:`read_records` turns a file into records that keep their place in the file (the
row or line number), so that a bad row can be reported where it is and the rest of the
file still goes through. Problems with the *file* (missing, not UTF-8, empty, an unknown
extension, a JSON document that does not parse) raise :class:`~erpsales.errors.InputError`;
problems with one *row* (a JSON Lines line that does not parse, a CSV row with an unknown
column or a bad boolean) become a record whose :attr:`Record.error` says what is wrong.

CSV columns map onto :class:`~erpsales.models.Prospect` (see ``docs/cli.md``): flat
fields by name, ``key_info`` and ``stakeholders`` as JSON, and dotted columns such as
``key_info.budget.amount_rmb`` into nested objects.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import sys
import types
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel

from erpsales.errors import InputError
from erpsales.models._prospect import Prospect

__all__ = ["STDIN", "Record", "RowError", "read_records"]

#: The path that means standard input.
STDIN = "-"
_STDIN_NAME = "<stdin>"
_SUFFIXES = (".json", ".jsonl", ".csv")
_JSON_WS = " \t\n\r"
_TRUE = frozenset({"true", "yes", "1", "是"})
_FALSE = frozenset({"false", "no", "0", "否"})


@dataclass(frozen=True, slots=True)
class RowError:
    """Why one row or line could not be read as a prospect object.

    Attributes:
        code: ``input.syntax`` (the row does not parse) or ``input.invalid`` (it parses
            but cannot be mapped, e.g. an unknown CSV column or a bad boolean).
        message: One line saying what is wrong, naming the column when there is one.
        field: The column (CSV) or ``"(line)"`` / ``"(item)"`` for a whole line or item.
        detail: The problem without the column name, when ``message`` names a column.
    """

    code: str
    message: str
    field: str
    detail: str | None = None


@dataclass(frozen=True, slots=True)
class Record:
    """One item read from an input file: a prospect dict, or the reason it is not one.

    Attributes:
        file: The file's name as given (``"<stdin>"`` for standard input).
        index: 0-based position of the item in the file (blank lines are not items).
        row: 1-based row (CSV, the header is row 1) or line (JSON, JSON Lines) number.
        data: The prospect object, when the item could be read.
        error: Why the item could not be read, otherwise.
        key: The item's ``id`` or ``name`` when it could be seen despite an error.
    """

    file: str
    index: int
    row: int
    data: dict[str, Any] | None = None
    error: RowError | None = None
    key: str | None = None


def read_records(path: str | Path, /) -> Iterator[Record]:
    """Read the prospects in ``path`` (``.json``, ``.jsonl``, ``.csv`` or ``"-"`` for stdin).

    A ``.json`` file holds an array of prospect objects or one object; a ``.jsonl`` file
    one object per line (blank lines are skipped); a ``.csv`` file a header row and one
    prospect per row. Standard input is sniffed: a JSON array or object, else JSON Lines.
    Files are read as UTF-8; a byte-order mark is tolerated.

    Args:
        path: The file to read, or ``"-"`` for standard input.

    Yields:
        One :class:`Record` per item, in file order. A JSON Lines line or CSV row that
        cannot be read yields a record with :attr:`Record.error` set, and reading goes on.

    Raises:
        InputError: The file is missing or unreadable, not UTF-8, empty, has an unknown
            extension, or (``.json``) does not parse. The error names the file.
    """
    if str(path) == STDIN:
        yield from _read_stdin()
        return
    file = Path(path)
    name = str(path)
    suffix = file.suffix.lower()
    if suffix not in _SUFFIXES:
        raise InputError(
            f"unknown file type {suffix or '(no extension)'!r}; expected .json, .jsonl or .csv "
            "(or '-' for standard input)",
            code="input.format",
            file=name,
        )
    text = _decode(_read_bytes(file, name), name)
    if suffix == ".json":
        yield from _json_records(text, name)
    elif suffix == ".jsonl":
        yield from _jsonl_records(text, name)
    else:
        yield from _csv_records(text, name)


# --------------------------------------------------------------------------- reading text


def _read_bytes(file: Path, name: str) -> bytes:
    try:
        return file.read_bytes()
    except FileNotFoundError:
        raise InputError("no such file", code="input.not_found", file=name) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a file", code="input.unreadable", file=name) from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise InputError(f"cannot read: {reason}", code="input.unreadable", file=name) from None


def _decode(raw: bytes, name: str) -> str:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise InputError(
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
            "save the file as UTF-8",
            code="input.encoding",
            file=name,
            line=line,
        ) from None
    if not text.strip():
        raise InputError("the file is empty", code="input.empty", file=name)
    return text


def _read_stdin() -> Iterator[Record]:
    stream: Any = sys.stdin
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        text = _decode(buffer.read(), _STDIN_NAME)
    else:  # a text stream without a buffer (e.g. io.StringIO)
        text = str(stream.read()).removeprefix("\ufeff")
        if not text.strip():
            raise InputError("the file is empty", code="input.empty", file=_STDIN_NAME)
    head = text.lstrip(_JSON_WS)[:1]
    if head == "[":
        yield from _json_records(text, _STDIN_NAME)
        return
    if head != "{":
        raise InputError(
            "standard input is neither JSON nor JSON Lines (it must start with '[' or '{')",
            code="input.format",
            file=_STDIN_NAME,
        )
    try:
        json.loads(text)
    except json.JSONDecodeError:
        yield from _jsonl_records(text, _STDIN_NAME)
    else:
        yield from _json_records(text, _STDIN_NAME)


# --------------------------------------------------------------------------- JSON, JSONL


def _key_of(item: Mapping[str, Any]) -> str | None:
    for key in ("id", "name"):
        value = item.get(key)
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()
    return None


def _kind(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean"}.get(
        type(value), "null" if value is None else "number"
    )


def _object_record(name: str, index: int, row: int, value: Any) -> Record:
    if isinstance(value, dict):
        return Record(name, index, row, data=value, key=_key_of(value))
    error = RowError("input.invalid", f"expected a JSON object, got {_kind(value)}", "(item)")
    return Record(name, index, row, error=error)


def _skip_ws(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _JSON_WS:
        pos += 1
    return pos


def _json_records(text: str, name: str) -> Iterator[Record]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"not valid JSON: {exc.msg} (column {exc.colno})",
            code="input.syntax",
            file=name,
            line=exc.lineno,
        ) from None
    start = _skip_ws(text, 0)
    if isinstance(document, dict):
        yield _object_record(name, 0, text.count("\n", 0, start) + 1, document)
        return
    if not isinstance(document, list):
        raise InputError(
            f"expected an array of prospect objects or one object, got {_kind(document)}",
            code="input.format",
            file=name,
        )
    # Walk the (valid) array again to learn the line each element starts on.
    decoder = json.JSONDecoder()
    pos, line, counted = _skip_ws(text, start + 1), 1, 0
    for index in range(len(document)):
        line += text.count("\n", counted, pos)
        counted = pos
        _, end = decoder.raw_decode(text, pos)
        yield _object_record(name, index, line, document[index])
        pos = _skip_ws(text, end)
        pos = _skip_ws(text, pos + 1)  # the ',' (or the closing ']')


def _jsonl_records(text: str, name: str) -> Iterator[Record]:
    index = 0
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.removesuffix("\r")
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            error = RowError(
                "input.syntax", f"not valid JSON: {exc.msg} (column {exc.colno})", "(line)"
            )
            yield Record(name, index, number, error=error)
        else:
            yield _object_record(name, index, number, value)
        index += 1


# --------------------------------------------------------------------------- CSV

ColumnKind = Literal["text", "bool", "list", "json_object", "json_array"]


@dataclass(frozen=True, slots=True)
class _Column:
    """Where one CSV column goes in the prospect object, and how its cells are read."""

    name: str
    path: tuple[str, ...]
    kind: ColumnKind
    field: tuple[str, ...]  # the path in field names (aliases such as revenue resolved)


def _unwrap(annotation: Any) -> Any:
    """Strip ``Optional``/``| None`` and ``Annotated`` from a field annotation."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _kind_of(annotation: Any) -> ColumnKind:
    annotation = _unwrap(annotation)
    if annotation is bool:
        return "bool"
    if _is_model(annotation):
        return "json_object"
    origin = typing.get_origin(annotation)
    if origin is dict:
        return "json_object"
    if origin in (list, set, frozenset, tuple):
        args = typing.get_args(annotation)
        if args and _is_model(_unwrap(args[0])):
            return "json_array"
        return "list"
    return "text"


def _field_names(model: type[BaseModel]) -> dict[str, str]:
    """Map every accepted input key of ``model`` (names and aliases) to its field name."""
    names: dict[str, str] = {}
    for field_name, info in model.model_fields.items():
        names[field_name] = field_name
        alias = info.validation_alias
        if isinstance(alias, str):
            names[alias] = field_name
        elif isinstance(alias, AliasChoices):
            for choice in alias.choices:
                if isinstance(choice, str):
                    names[choice] = field_name
        if isinstance(info.alias, str):
            names[info.alias] = field_name
    return names


def _all_columns(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Every column a header may name, for "did you mean" suggestions."""
    columns: list[str] = []
    for key, field_name in _field_names(model).items():
        columns.append(prefix + key)
        inner = _unwrap(model.model_fields[field_name].annotation)
        if _is_model(inner) and key == field_name:
            columns.extend(_all_columns(inner, f"{prefix}{key}."))
    return columns


def _plan_column(name: str) -> _Column | RowError:
    """Resolve a CSV header to a path in the prospect object, or say why it is unknown."""
    model: type[BaseModel] = Prospect
    parts = name.split(".")
    fields: list[str] = []
    for depth, part in enumerate(parts):
        field_name = _field_names(model).get(part)
        if field_name is None:
            break
        fields.append(field_name)
        annotation = model.model_fields[field_name].annotation
        if depth == len(parts) - 1:
            return _Column(name, tuple(parts), _kind_of(annotation), tuple(fields))
        inner = _unwrap(annotation)
        if not _is_model(inner):
            break
        model = inner
    if not name:
        message = "a column has no header"
    else:
        message = f"unknown column {name!r}: not a prospect field"
        close = difflib.get_close_matches(name, _all_columns(Prospect), n=1, cutoff=0.75)
        if close:
            message += f" (did you mean {close[0]!r}?)"
    return RowError("input.invalid", message, name or "(column)")


def _cell_value(column: _Column, cell: str) -> Any:
    """Convert one non-empty cell; raise ValueError with a message naming the problem."""
    if column.kind == "text":
        return cell
    if column.kind == "bool":
        folded = cell.lower()
        if folded in _TRUE:
            return True
        if folded in _FALSE:
            return False
        raise ValueError(f"{cell!r} is not a boolean; use true/false, yes/no, 1/0 or 是/否")
    if column.kind == "list" and not cell.startswith("["):
        return [item.strip() for item in cell.split(";") if item.strip()]
    try:
        value = json.loads(cell)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON: {exc.msg} (character {exc.pos + 1})") from None
    if column.kind == "json_object" and not isinstance(value, dict):
        raise ValueError(f"expected a JSON object, got {_kind(value)}")
    if column.kind in ("json_array", "list") and not isinstance(value, list):
        raise ValueError(f"expected a JSON array, got {_kind(value)}")
    return value


def _place(target: dict[str, Any], column: _Column, value: Any) -> None:
    """Put ``value`` at ``column.path`` in ``target``, merging into objects given by JSON."""
    node = target
    for part in column.path[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ValueError(f"{part!r} is given by another column as a non-object")
        node = child
    leaf = column.path[-1]
    if leaf in node:
        raise ValueError("the same value is also given by another column")
    node[leaf] = value


def _csv_records(text: str, name: str) -> Iterator[Record]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [cell.strip() for cell in next(reader)]
    except csv.Error as exc:
        raise InputError(
            f"the header row is not valid CSV: {exc}", code="input.syntax", file=name, line=1
        ) from None
    if not any(header):
        raise InputError("the first row must be a header naming the columns", file=name, line=1)
    # Whole-object columns first, so that dotted columns merge into them.
    plans = [_plan_column(column) for column in header]
    order = sorted(
        range(len(header)),
        key=lambda i: len(p.path) if isinstance(p := plans[i], _Column) else 0,
    )
    seen: dict[tuple[str, ...], str] = {}
    header_errors: list[RowError] = []
    for column, plan in zip(header, plans, strict=True):
        if isinstance(plan, RowError):
            header_errors.append(plan)
            continue
        other = seen.setdefault(plan.field, column)
        if other != column:
            message = f"columns {other!r} and {column!r} both give {'.'.join(plan.field)!r}"
            header_errors.append(RowError("input.invalid", message, column))
        elif header.count(column) > 1 and column not in {e.field for e in header_errors}:
            message = f"column {column!r} appears twice in the header"
            header_errors.append(RowError("input.invalid", message, column))
    index, row = 0, 1
    while True:
        row += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield Record(
                name, index, row, error=RowError("input.syntax", f"not valid CSV: {exc}", "(row)")
            )
            index += 1
            continue
        if not any(cell.strip() for cell in cells):
            continue  # a blank row
        yield _csv_record(name, index, row, header, plans, order, header_errors, cells)
        index += 1


def _csv_record(
    name: str,
    index: int,
    row: int,
    header: list[str],
    plans: list[_Column | RowError],
    order: list[int],
    header_errors: list[RowError],
    cells: list[str],
) -> Record:
    raw = {header[i]: cells[i].strip() for i in range(min(len(header), len(cells)))}
    key = raw.get("id") or raw.get("name") or None
    if header_errors:
        error = header_errors[0]
        if len(header_errors) > 1:
            message = "; ".join(e.message for e in header_errors)
            error = RowError(error.code, message, error.field)
        return Record(name, index, row, error=error, key=key)
    extra = [cell for cell in cells[len(header) :] if cell.strip()]
    if extra:
        message = f"the row has {len(cells)} cells but the header names {len(header)} columns"
        return Record(name, index, row, error=RowError("input.invalid", message, "(row)"), key=key)
    data: dict[str, Any] = {}
    for i in order:
        plan = plans[i]
        cell = raw.get(header[i], "")
        if not cell or not isinstance(plan, _Column):
            continue  # an empty cell means "absent"; a missing trailing cell is empty
        try:
            _place(data, plan, _cell_value(plan, cell))
        except ValueError as exc:
            error = RowError("input.invalid", f"column {plan.name!r}: {exc}", plan.name, str(exc))
            return Record(name, index, row, error=error, key=key)
    return Record(name, index, row, data=data, key=key)
