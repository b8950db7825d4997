"""Reading prospects from files: JSON, JSON Lines and CSV, one :class:`Record` per item.

:func:`read_records` turns a file into records that keep their place in the file (the
row or line number), so that a bad row can be reported where it is and the rest of the
file still goes through. Problems with the *file* (missing, not UTF-8, empty, an unknown
extension, a JSON document that does not parse, a CSV header without the required
``name`` column) raise :class:`~erpsales.errors.InputError`; problems with one *row* (a
JSON Lines line that does not parse, a CSV row with an unknown column or a bad boolean)
become a record whose :attr:`Record.error` says what is wrong.

CSV and JSON Lines files are read lazily, in constant memory, whatever their size:
:func:`open_records` opens a file and checks its start (that it exists, decodes as UTF-8,
is not empty and, for CSV, has a usable header) before any record is read, and returns a
:class:`RecordSource` that reads the rest on demand. A ``.json`` file is one document and
is read whole.

CSV columns map onto :class:`~erpsales.models.Prospect` (see ``docs/cli.md``): flat
fields by name, ``key_info`` and ``stakeholders`` as JSON, and dotted columns such as
``key_info.budget.amount_rmb`` into nested objects. A CRM's own column names are mapped
onto those with a column mapping (:func:`load_column_mapping`, :func:`map_columns`).
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import os
import sys
import types
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

from pydantic import AliasChoices, BaseModel

from erpsales.errors import InputError
from erpsales.models._prospect import Prospect

__all__ = [
    "REQUIRED_COLUMNS",
    "STDIN",
    "Record",
    "RecordDecoder",
    "RecordSource",
    "RowError",
    "load_column_mapping",
    "map_columns",
    "open_records",
    "read_records",
    "relabel",
]

#: The path that means standard input.
STDIN = "-"
#: The prospect fields a CSV header (or a frame) must give: without them no row can pass.
REQUIRED_COLUMNS = ("name",)
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


#: Turns one raw item of a file into a :class:`Record`: ``decoder(index, row, payload)``.
#: Decoders are picklable, so the raw items can be decoded in another process.
RecordDecoder = Callable[[int, int, Any], Record]


class RecordSource:
    """An input file, opened and checked, whose records are read lazily, in file order.

    Made by :func:`open_records`. Iterating yields :class:`Record` objects; :meth:`items`
    yields the raw items instead (the cells of a CSV row, the text of a JSON Lines line),
    which :attr:`decoder` turns into records, possibly in another process. A source can be
    read once. Use it as a context manager, or call :meth:`close`.

    Attributes:
        name: The file's name as given (``"<stdin>"`` for standard input).
        size: The file's size in bytes, or ``None`` (standard input).
        decoder: ``decoder(index, row, payload)`` makes the record of one raw item.
    """

    def __init__(
        self,
        name: str,
        items: Iterator[tuple[int, Any]],
        decoder: RecordDecoder,
        *,
        size: int | None = None,
        position: Callable[[], int] | None = None,
        close: Callable[[], None] | None = None,
    ) -> None:
        self.name = name
        self.size = size
        self.decoder = decoder
        self._items = items
        self._position = position
        self._close = close
        self._closed = False

    def items(self) -> Iterator[tuple[int, Any]]:
        """Yield ``(row, payload)`` for each item, in file order, reading lazily.

        Raises:
            InputError: A byte that is not UTF-8 turns up part-way through the file.
        """
        return self._items

    def __iter__(self) -> Iterator[Record]:
        decode = self.decoder
        for index, (row, payload) in enumerate(self._items):
            yield decode(index, row, payload)

    def position(self) -> int:
        """How many bytes of the file have been read so far (0 when unknown)."""
        if self._position is None:
            return 0
        if self._closed:
            return self.size or 0
        try:
            return self._position()
        except (OSError, ValueError):
            return 0

    def close(self) -> None:
        """Close the file (idempotent)."""
        if not self._closed:
            self._closed = True
            if self._close is not None:
                self._close()

    def __enter__(self) -> RecordSource:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def read_records(
    path: str | Path, /, *, columns: Mapping[str, str] | None = None
) -> Iterator[Record]:
    """Read the prospects in ``path`` (``.json``, ``.jsonl``, ``.csv`` or ``"-"`` for stdin).

    A ``.json`` file holds an array of prospect objects or one object; a ``.jsonl`` file
    one object per line (blank lines are skipped); a ``.csv`` file a header row and one
    prospect per row. Standard input is sniffed: a JSON array or object, else JSON Lines.
    Files are read as UTF-8; a byte-order mark is tolerated. CSV and JSON Lines are read
    lazily, in constant memory.

    Args:
        path: The file to read, or ``"-"`` for standard input.
        columns: A column mapping, CRM column name → prospect column (see
            :func:`map_columns`); for JSON it renames the objects' top-level keys.

    Yields:
        One :class:`Record` per item, in file order. A JSON Lines line or CSV row that
        cannot be read yields a record with :attr:`Record.error` set, and reading goes on.

    Raises:
        InputError: The file is missing or unreadable, not UTF-8 (also part-way through),
            empty, has an unknown extension, (``.json``) does not parse, or (``.csv``) has
            no column for a required field. The error names the file.
    """
    with open_records(path, columns=columns) as source:
        yield from source


def open_records(path: str | Path, /, *, columns: Mapping[str, str] | None = None) -> RecordSource:
    """Open ``path`` and check its start now; read its records later, lazily.

    Everything that can be known about the file without reading it all is checked here:
    that it exists, that its start decodes as UTF-8, that it is not empty, and for CSV
    that the header parses and gives the required columns. So a caller that opens every
    input first stops on an unreadable file before producing any output.

    Args:
        path: The file to read (``.json``, ``.jsonl``, ``.csv``), or ``"-"`` for stdin.
        columns: A column mapping, as for :func:`read_records`.

    Returns:
        The open :class:`RecordSource`; close it when done.

    Raises:
        InputError: As for :func:`read_records`, except that a byte that is not UTF-8
            later in a CSV or JSON Lines file is found only while reading.
    """
    mapping = _checked_mapping(columns or {}, None)
    if str(path) == STDIN:
        return _open_stdin(mapping)
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
    if suffix == ".json":
        raw = _read_bytes(file, name)
        text = _decode(raw, name)
        size = len(raw)
        return RecordSource(
            name,
            _json_items(text, name),
            _ObjectDecoder(name, mapping),
            size=size,
            position=lambda: size,
        )
    binary = _open_binary(file, name)
    try:
        size = os.fstat(binary.fileno()).st_size
        if suffix == ".jsonl":
            return _open_jsonl(binary, name, mapping, size)
        return _open_csv(binary, file, name, mapping, size)
    except BaseException:
        binary.close()
        raise


# --------------------------------------------------------------------------- reading bytes


def _read_bytes(file: Path, name: str) -> bytes:
    try:
        return file.read_bytes()
    except OSError as exc:
        raise _os_error(exc, name) from None


def _open_binary(file: Path, name: str) -> IO[bytes]:
    try:
        return file.open("rb")
    except OSError as exc:
        raise _os_error(exc, name) from None


def _os_error(exc: OSError, name: str) -> InputError:
    if isinstance(exc, FileNotFoundError):
        return InputError("no such file", code="input.not_found", file=name)
    if isinstance(exc, IsADirectoryError):
        return InputError("is a directory, not a file", code="input.unreadable", file=name)
    reason = exc.strerror or str(exc)
    return InputError(f"cannot read: {reason}", code="input.unreadable", file=name)


def _encoding_error(name: str, byte: int, offset: int, line: int) -> InputError:
    return InputError(
        f"not UTF-8 text (byte 0x{byte:02x} at offset {offset}); save the file as UTF-8",
        code="input.encoding",
        file=name,
        line=line,
    )


def _decode(raw: bytes, name: str) -> str:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise _encoding_error(name, raw[exc.start], exc.start, line) from None
    if not text.strip():
        raise InputError("the file is empty", code="input.empty", file=name)
    return text


def _locate_encoding_error(file: Path, name: str) -> InputError:
    """Find the first byte of ``file`` that is not UTF-8: its line and offset (error path)."""
    offset = 0
    try:
        with file.open("rb") as binary:
            for line, raw in enumerate(binary, start=1):
                try:
                    raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    return _encoding_error(name, raw[exc.start], offset + exc.start, line)
                offset += len(raw)
    except OSError as exc:
        return _os_error(exc, name)
    return InputError("not UTF-8 text; save the file as UTF-8", code="input.encoding", file=name)


class _Lines:
    """The lines of a binary stream, decoded one by one as UTF-8 (a BOM is tolerated).

    Decoding line by line names the exact line and byte offset of a byte that is not
    UTF-8, even part-way through a large file or a pipe.
    """

    def __init__(self, binary: Iterable[bytes], name: str) -> None:
        self.binary = binary
        self.name = name
        self.position = 0
        self.number = 0

    def __iter__(self) -> Iterator[str]:
        for raw in self.binary:
            self.number += 1
            try:
                text = raw.decode("utf-8-sig" if self.number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                raise _encoding_error(
                    self.name, raw[exc.start], self.position + exc.start, self.number
                ) from None
            self.position += len(raw)
            yield text


def _empty(name: str) -> InputError:
    return InputError("the file is empty", code="input.empty", file=name)


# --------------------------------------------------------------------------- column mapping


def load_column_mapping(path: str | Path, /) -> dict[str, str]:
    """Read a column mapping: a JSON object, CRM column name → prospect column.

    The prospect columns are those of a CSV header (``docs/cli.md``): ``name``,
    ``revenue``, ``stakeholders``, dotted ``key_info.budget.amount_rmb`` and so on::

        {"Company": "name", "Account ID": "id", "Umsatz": "revenue",
         "Budget (RMB)": "key_info.budget.amount_rmb"}

    Args:
        path: The ``.json`` file.

    Returns:
        The mapping, checked: every value names a prospect column, no two keys map to
        the same one.

    Raises:
        InputError: The file cannot be read, is not a JSON object of strings, or maps a
            column to something that is not a prospect column (with a suggestion).
    """
    name = str(path)
    text = _decode(_read_bytes(Path(path), name), name)
    document = _json_document(text, name)
    if not isinstance(document, dict) or not all(
        isinstance(key, str) and isinstance(value, str) for key, value in document.items()
    ):
        raise InputError(
            'a column mapping is a JSON object of strings: {"CRM column": "prospect column"}',
            code="input.format",
            file=name,
        )
    return _checked_mapping(document, name)


def map_columns(
    columns: Iterable[str],
    mapping: Mapping[str, str] | None = None,
    /,
    *,
    source: str | None = None,
) -> list[str]:
    """Rename a table's columns to prospect columns, and check that the required ones are there.

    Columns the mapping does not name keep their name (so an export that already uses
    prospect column names needs no mapping). For a CSV header, a pandas frame or any
    other table of prospects.

    Args:
        columns: The table's column names, in order.
        mapping: CRM column name → prospect column (``name``, ``revenue``,
            ``key_info.budget.amount_rmb`` …), e.g. from :func:`load_column_mapping`.
        source: The file the columns come from, named in errors.

    Returns:
        The prospect column of each column, in the same order.

    Raises:
        InputError: The mapping names something that is not a prospect column, or no
            column gives a required field (``name``); the message says which column was
            expected under the mapping.

    Example:
        >>> map_columns(["Company", "Umsatz", "region"], {"Company": "name", "Umsatz": "revenue"})
        ['name', 'revenue', 'region']
    """
    names = list(columns)
    checked = _checked_mapping(mapping or {}, None)
    renamed = [checked.get(column, column) for column in names]
    for required in REQUIRED_COLUMNS:
        if required not in renamed:
            raise _missing_column(required, names, checked, source)
    return renamed


def _checked_mapping(mapping: Mapping[str, str], file: str | None) -> dict[str, str]:
    checked: dict[str, str] = {}
    given: dict[str, str] = {}
    for key, target in mapping.items():
        plan = _plan_column(target)
        if isinstance(plan, RowError):
            close = difflib.get_close_matches(target, _all_columns(Prospect), n=1, cutoff=0.6)
            raise InputError(
                f"the column mapping maps {key!r} to {target!r}, which is not a prospect column",
                file=file,
                suggestion=close[0] if close else None,
            )
        other = given.setdefault(".".join(plan.field), key)
        if other != key:
            raise InputError(
                f"the column mapping maps both {other!r} and {key!r} to {'.'.join(plan.field)!r}",
                file=file,
            )
        checked[key] = target
    return checked


def _missing_column(
    required: str, header: list[str], mapping: Mapping[str, str], source: str | None
) -> InputError:
    mapped = [key for key, target in mapping.items() if target == required]
    expected = " or ".join(repr(key) for key in mapped)
    if mapped:
        how = f"expected the column {expected} (mapped to {required!r} by the column mapping)"
    else:
        how = f"expected a column {required!r}"
    shown = ", ".join(repr(column) for column in header[:12]) + (" …" if len(header) > 12 else "")
    message = f"no column gives the required field {required!r}: {how}; the header has {shown}"
    close = difflib.get_close_matches((mapped or [required])[0], header, n=1, cutoff=0.6)
    return InputError(
        message, file=source, line=1 if source else None, suggestion=close[0] if close else None
    )


def _relabels(mapping: Mapping[str, str]) -> dict[str, str]:
    """Prospect column → the CRM column it came from, to name the user's column in errors."""
    return {target: key for key, target in mapping.items() if key != target}


def relabel(field: str, labels: Mapping[str, str]) -> str:
    """Name ``field`` (a dotted path, e.g. ``stakeholders.0.support``) by its source column."""
    if not labels:
        return field
    parts = field.split(".")
    for end in range(len(parts), 0, -1):
        label = labels.get(".".join(parts[:end]))
        if label is not None:
            return ".".join([label, *parts[end:]])
    return field


# --------------------------------------------------------------------------- stdin


def _open_stdin(mapping: dict[str, str]) -> RecordSource:
    stream: Any = sys.stdin
    buffer = getattr(stream, "buffer", None)
    lines: Iterator[str]
    position: Callable[[], int] | None = None
    if buffer is not None:
        reader = _Lines(buffer, _STDIN_NAME)
        lines = iter(reader)
        position = lambda: reader.position  # noqa: E731
    else:  # a text stream without a buffer (e.g. io.StringIO)
        lines = (line.removeprefix("\ufeff") if i == 0 else line for i, line in enumerate(stream))
    head: list[str] = []
    for line in lines:
        head.append(line)
        if line.strip():
            break
    else:
        raise _empty(_STDIN_NAME)
    first = head[-1].lstrip(_JSON_WS)[:1]
    if first not in "[{":
        raise InputError(
            "standard input is neither JSON nor JSON Lines (it must start with '[' or '{')",
            code="input.format",
            file=_STDIN_NAME,
        )
    if first == "{":
        try:
            json.loads(head[-1])
        except json.JSONDecodeError:
            pass  # an object over several lines (JSON), or a broken first line (JSON Lines)
        else:  # one object per line: stream it
            items = _jsonl_items(_chain(head, lines))
            return RecordSource(
                _STDIN_NAME, items, _JsonLineDecoder(_STDIN_NAME, mapping), position=position
            )
    text = "".join(head) + "".join(lines)
    if first == "{":
        try:
            json.loads(text)
        except json.JSONDecodeError:
            items = _jsonl_items(iter(text.split("\n")))
            return RecordSource(_STDIN_NAME, items, _JsonLineDecoder(_STDIN_NAME, mapping))
    return RecordSource(
        _STDIN_NAME, _json_items(text, _STDIN_NAME), _ObjectDecoder(_STDIN_NAME, mapping)
    )


def _chain(head: list[str], rest: Iterator[str]) -> Iterator[str]:
    yield from head
    yield from rest


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


def _object_record(
    name: str, index: int, row: int, value: Any, mapping: Mapping[str, str] | None = None
) -> Record:
    if not isinstance(value, dict):
        error = RowError("input.invalid", f"expected a JSON object, got {_kind(value)}", "(item)")
        return Record(name, index, row, error=error)
    if mapping:
        renamed: dict[str, Any] = {}
        for key, item in value.items():
            target = mapping.get(key, key)
            column = _plan_column(target)
            try:
                if isinstance(column, RowError) or "." not in target:
                    if target in renamed:
                        raise ValueError("the same value is also given by another key")
                    renamed[target] = item
                else:
                    _place(renamed, column, item)
            except ValueError as exc:
                error = RowError("input.invalid", f"key {key!r}: {exc}", key, str(exc))
                return Record(name, index, row, error=error, key=_key_of(renamed))
        value = renamed
    return Record(name, index, row, data=value, key=_key_of(value))


class _ObjectDecoder:
    """Decodes the already-parsed items of a JSON document (picklable)."""

    def __init__(self, name: str, mapping: dict[str, str]) -> None:
        self.name = name
        self.mapping = mapping
        self.labels = _relabels(mapping)

    def __call__(self, index: int, row: int, payload: Any) -> Record:
        if isinstance(payload, RowError):
            return Record(self.name, index, row, error=payload)
        return _object_record(self.name, index, row, payload, self.mapping)


class _JsonLineDecoder(_ObjectDecoder):
    """Decodes one JSON Lines line (picklable)."""

    def __call__(self, index: int, row: int, payload: Any) -> Record:
        if isinstance(payload, RowError):
            return Record(self.name, index, row, error=payload)
        try:
            value = json.loads(payload)
        except json.JSONDecodeError as exc:
            error = RowError(
                "input.syntax", f"not valid JSON: {exc.msg} (column {exc.colno})", "(line)"
            )
            return Record(self.name, index, row, error=error)
        return _object_record(self.name, index, row, value, self.mapping)


def _skip_ws(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _JSON_WS:
        pos += 1
    return pos


def _json_document(text: str, name: str) -> Any:
    """Parse a whole JSON file; a syntax error names the file, line and column."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"not valid JSON: {exc.msg} (column {exc.colno})",
            code="input.syntax",
            file=name,
            line=exc.lineno,
        ) from None


def _json_items(text: str, name: str) -> Iterator[tuple[int, Any]]:
    """Parse a JSON document now; yield ``(line, element)`` for each prospect object."""
    document = _json_document(text, name)
    start = _skip_ws(text, 0)
    if isinstance(document, dict):
        return iter([(text.count("\n", 0, start) + 1, document)])
    if not isinstance(document, list):
        raise InputError(
            f"expected an array of prospect objects or one object, got {_kind(document)}",
            code="input.format",
            file=name,
        )
    return _array_items(text, start, document)


def _array_items(text: str, start: int, document: list[Any]) -> Iterator[tuple[int, Any]]:
    # Walk the (valid) array again to learn the line each element starts on.
    decoder = json.JSONDecoder()
    pos, line, counted = _skip_ws(text, start + 1), 1, 0
    for element in document:
        line += text.count("\n", counted, pos)
        counted = pos
        _, end = decoder.raw_decode(text, pos)
        yield line, element
        pos = _skip_ws(text, end)
        pos = _skip_ws(text, pos + 1)  # the ',' (or the closing ']')


def _open_jsonl(binary: IO[bytes], name: str, mapping: dict[str, str], size: int) -> RecordSource:
    reader = _Lines(binary, name)
    lines = iter(reader)
    head: list[str] = []
    for line in lines:  # decode up to the first item now: an empty or non-UTF-8 start stops here
        head.append(line)
        if line.strip():
            break
    else:
        raise _empty(name)
    return RecordSource(
        name,
        _jsonl_items(_chain(head, lines)),
        _JsonLineDecoder(name, mapping),
        size=size,
        position=lambda: reader.position,
        close=binary.close,
    )


def _jsonl_items(lines: Iterator[str]) -> Iterator[tuple[int, str]]:
    for number, raw in enumerate(lines, start=1):
        line = (raw[:-1] if raw.endswith("\n") else raw).removesuffix("\r")
        if line.strip():
            yield number, line


# --------------------------------------------------------------------------- CSV

ColumnKind = Literal["text", "bool", "list", "json_object", "json_array"]


@dataclass(frozen=True, slots=True)
class _Column:
    """Where one CSV column goes in the prospect object, and how its cells are read."""

    name: str  # the column as written in the header
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


def _plan_column(name: str, label: str | None = None) -> _Column | RowError:
    """Resolve a column to a path in the prospect object, or say why it is unknown.

    Args:
        name: The prospect column (``revenue``, ``key_info.budget.mode`` …).
        label: The column as written in the header, when a mapping renamed it.
    """
    label = name if label is None else label
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
            return _Column(label, tuple(parts), _kind_of(annotation), tuple(fields))
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
    return RowError("input.invalid", message, label or "(column)")


# Cell converters by column kind: each takes a non-empty, trimmed cell and raises
# ValueError with a message naming the problem.


def _text_cell(cell: str) -> Any:
    return cell


def _bool_cell(cell: str) -> Any:
    folded = cell.lower()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise ValueError(f"{cell!r} is not a boolean; use true/false, yes/no, 1/0 or 是/否")


def _json_cell(cell: str) -> Any:
    try:
        return json.loads(cell)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON: {exc.msg} (character {exc.pos + 1})") from None


def _list_cell(cell: str) -> Any:
    if not cell.startswith("["):
        return [item.strip() for item in cell.split(";") if item.strip()]
    return _json_array_cell(cell)


def _json_array_cell(cell: str) -> Any:
    value = _json_cell(cell)
    if not isinstance(value, list):
        raise ValueError(f"expected a JSON array, got {_kind(value)}")
    return value


def _json_object_cell(cell: str) -> Any:
    value = _json_cell(cell)
    if not isinstance(value, dict):
        raise ValueError(f"expected a JSON object, got {_kind(value)}")
    return value


_CONVERTERS: dict[ColumnKind, Callable[[str], Any]] = {
    "text": _text_cell,
    "bool": _bool_cell,
    "list": _list_cell,
    "json_object": _json_object_cell,
    "json_array": _json_array_cell,
}


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


def _open_csv(
    binary: IO[bytes], file: Path, name: str, mapping: dict[str, str], size: int
) -> RecordSource:
    text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
    reader = csv.reader(text, strict=True)
    try:
        header = [cell.strip() for cell in next(reader)]
    except StopIteration:
        raise _empty(name) from None
    except csv.Error as exc:
        raise InputError(
            f"the header row is not valid CSV: {exc}", code="input.syntax", file=name, line=1
        ) from None
    except UnicodeDecodeError:
        raise _locate_encoding_error(file, name) from None
    if not any(header):
        try:
            blank = not any(line.strip() for line in text)
        except UnicodeDecodeError:
            raise _locate_encoding_error(file, name) from None
        if blank:
            raise _empty(name)
        raise InputError("the first row must be a header naming the columns", file=name, line=1)
    targets = map_columns(header, mapping, source=name)
    return RecordSource(
        name,
        _csv_items(reader, file, name),
        _CsvDecoder(name, header, targets, mapping),
        size=size,
        position=binary.tell,
        close=text.close,
    )


def _csv_items(reader: Any, file: Path, name: str) -> Iterator[tuple[int, list[str] | RowError]]:
    """Yield ``(row, cells)`` per non-blank row, or ``(row, RowError)`` for a broken one."""
    row = 1
    line = reader.line_num
    while True:
        try:
            for cells in reader:
                row += 1
                line = reader.line_num
                if (cells and cells[0].strip()) or any(cell.strip() for cell in cells):
                    yield row, cells
            return
        except csv.Error as exc:
            row += 1
            first, line = line + 1, reader.line_num
            where = f" (lines {first}-{line}: an unclosed quote?)" if line > first else ""
            yield row, RowError("input.syntax", f"not valid CSV: {exc}{where}", "(row)")
        except UnicodeDecodeError:
            raise _locate_encoding_error(file, name) from None


class _CsvDecoder:
    """Turns the cells of one CSV row into a prospect object (picklable).

    The header is planned once: which path each column fills, how its cells are read,
    and the header's own problems (unknown or duplicate columns), which fail every row.
    """

    def __init__(
        self, name: str, header: list[str], targets: list[str], mapping: Mapping[str, str]
    ) -> None:
        self.name = name
        self.width = len(header)
        self.labels = _relabels(mapping)
        plans = [_plan_column(target, label) for target, label in zip(targets, header, strict=True)]
        seen: dict[tuple[str, ...], str] = {}
        errors: list[RowError] = []
        for column, plan in zip(header, plans, strict=True):
            if isinstance(plan, RowError):
                errors.append(plan)
                continue
            other = seen.setdefault(plan.field, column)
            if other != column:
                message = f"columns {other!r} and {column!r} both give {'.'.join(plan.field)!r}"
                errors.append(RowError("input.invalid", message, column))
            elif header.count(column) > 1 and column not in {e.field for e in errors}:
                message = f"column {column!r} appears twice in the header"
                errors.append(RowError("input.invalid", message, column))
        self.header_error: RowError | None = None
        if errors:
            error = errors[0]
            if len(errors) > 1:
                error = RowError(error.code, "; ".join(e.message for e in errors), error.field)
            self.header_error = error
        # Whole-object columns first, so that dotted columns merge into them.
        valid = [(i, plan) for i, plan in enumerate(plans) if isinstance(plan, _Column)]
        valid.sort(key=lambda item: len(item[1].path))
        self.simple = tuple(
            (i, plan.path[0]) for i, plan in valid if len(plan.path) == 1 and plan.kind == "text"
        )
        self.complex = tuple(
            (i, _CONVERTERS[plan.kind], plan.path[:-1], plan.path[-1], plan.name)
            for i, plan in valid
            if len(plan.path) > 1 or plan.kind != "text"
        )
        fields = {plan.field: i for i, plan in reversed(valid)}
        self.key_at = tuple(fields[key] for key in (("id",), ("name",)) if key in fields)

    def __call__(self, index: int, row: int, payload: Any) -> Record:
        if isinstance(payload, RowError):
            return Record(self.name, index, row, error=payload)
        cells: list[str] = payload
        count = len(cells)
        key = None
        for i in self.key_at:
            if i < count and (key := cells[i].strip()):
                break
        key = key or None
        if self.header_error is not None:
            return Record(self.name, index, row, error=self.header_error, key=key)
        if count > self.width and any(cell.strip() for cell in cells[self.width :]):
            message = f"the row has {count} cells but the header names {self.width} columns"
            error = RowError("input.invalid", message, "(row)")
            return Record(self.name, index, row, error=error, key=key)
        data: dict[str, Any] = {}
        for i, leaf in self.simple:  # an empty cell means "absent"; a missing one is empty
            if i < count and (cell := cells[i].strip()):
                data[leaf] = cell
        for i, convert, parents, leaf, column in self.complex:
            if i < count and (cell := cells[i].strip()):
                try:
                    value = convert(cell)
                    node = data
                    for part in parents:  # dotted columns merge into objects given by JSON
                        node = node.setdefault(part, {})
                        if not isinstance(node, dict):
                            raise ValueError(f"{part!r} is given by another column as a non-object")
                    if leaf in node:
                        raise ValueError("the same value is also given by another column")
                    node[leaf] = value
                except ValueError as exc:
                    message = f"column {column!r}: {exc}"
                    error = RowError("input.invalid", message, column, str(exc))
                    return Record(self.name, index, row, error=error, key=key)
        return Record(self.name, index, row, data=data, key=key)
