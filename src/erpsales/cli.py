"""The ``erpsales`` command line: qualify files of prospects, check policies, print schemas.

Usage::

    erpsales qualify prospects.csv more.jsonl --format table --lang zh --as-of 2026-11-28
    erpsales policy check my-policy.toml
    erpsales policy diff seed my-policy.toml prospects.csv --lang zh
    erpsales schema --model Prospect
    erpsales --version

Exit codes: 0 when everything went through, 1 when some rows failed (the good rows are
still printed), 2 for a usage error, unreadable input or a bad policy. Expected failures
print one line to stderr, never a traceback. See ``docs/cli.md``.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import csv
import datetime as dt
import gc
import importlib
import io
import itertools
import json
import multiprocessing
import os
import signal
import sys
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import IO, Any, Literal, Protocol, TextIO

from pydantic import BaseModel, ValidationError

from erpsales import __version__
from erpsales._api import Engine, item_error
from erpsales._gc import paused_gc
from erpsales._io import (
    Record,
    RecordDecoder,
    RecordSource,
    load_column_mapping,
    open_records,
    read_records,
    relabel,
)
from erpsales._rows import VERDICT_COLUMNS
from erpsales.assessment import Assessment, ItemError, Verdict
from erpsales.diff import _diff, policy_with
from erpsales.errors import ErpsalesError
from erpsales.i18n import Locale, text
from erpsales.models import KeyInfo, Prospect, Stakeholder, Territory
from erpsales.models._enums import Quadrant
from erpsales.policy import Policy, check_policy, load_policy, seed_policy
from erpsales.testing.cases import run_cases

__all__ = ["main"]

Format = Literal["table", "json", "jsonl", "csv", "parquet"]
Detail = Literal["verdict", "full"]

#: The models ``erpsales schema`` prints: the inputs, the results and the policy.
SCHEMA_MODELS: dict[str, type[BaseModel]] = {
    "Prospect": Prospect,
    "KeyInfo": KeyInfo,
    "Stakeholder": Stakeholder,
    "Territory": Territory,
    "Assessment": Assessment,
    "ItemError": ItemError,
    "Policy": Policy,
}

_LABEL_KEYS = (
    "id", "name", "product", "grade", "status", "count", "findings", "map", "none", "summary",
    "status_active", "status_out_of_market", "status_disqualified",
)  # fmt: skip


def _labels(lang: Locale) -> dict[str, str]:
    """The table's texts in ``lang``, from the message catalog."""
    return {key: text(f"cli.{key}", lang) for key in _LABEL_KEYS}


#: Quadrant letters of the map column: devil, angel, imp, sweetheart (+ unclassified).
_QUADRANT_LETTERS = (
    (Quadrant.DEVIL, "D"),
    (Quadrant.ANGEL, "A"),
    (Quadrant.IMP, "I"),
    (Quadrant.SWEETHEART, "S"),
)
_NAME_WIDTH = 28
_FINDINGS_WIDTH = 36


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``erpsales`` command line.

    Args:
        argv: The arguments without the program name; ``sys.argv[1:]`` when ``None``.

    Returns:
        The exit code: 0 all good, 1 some rows failed, 2 usage error, unreadable input
        or bad policy.
    """
    parser = _parser()
    try:
        args = parser.parse_args(None if argv is None else list(argv))
    except SystemExit as exc:  # --help, --version and usage errors
        return _exit_code(exc.code)
    if getattr(args, "handler", None) is None:
        return _usage_error(parser, "a command is required (qualify, policy, schema)")
    try:
        return int(args.handler(args))
    except ErpsalesError as exc:
        _fail(str(exc))
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"]) or "(input)"
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        _fail(f"invalid {exc.title}: {where}: {first['msg']}{more}")
    except BrokenPipeError:
        _silence_stdout()
        return 1
    except OSError as exc:
        _fail(f"{exc.filename}: {exc.strerror}" if exc.filename and exc.strerror else str(exc))
    except KeyboardInterrupt:
        return 130
    return 2


# --------------------------------------------------------------------------- arguments


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="erpsales",
        description="Qualify B2B ERP sales prospects: product fit, grade, findings, stakeholders.",
    )
    parser.add_argument("--version", action="version", version=f"erpsales {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    _add_qualify(commands)

    policy = commands.add_parser("policy", help="work with policy files")
    policy_commands = policy.add_subparsers(title="commands", metavar="COMMAND")
    check = policy_commands.add_parser(
        "check", help="load and check a policy file", description="Load and check a policy file."
    )
    check.add_argument("file", metavar="FILE", help="the policy (.toml, .json, .yaml) or 'seed'")
    check.add_argument(
        "--strict", action="store_true", help="exit 1 when the static checks find a warning"
    )
    check.set_defaults(handler=_cmd_policy_check)
    test = policy_commands.add_parser(
        "test",
        help="run policy test case files",
        description="Run case files (TOML, YAML, JSON) against a policy and report.",
    )
    test.add_argument("policy", metavar="POLICY", help="a policy file, or 'seed'")
    test.add_argument("cases", nargs="+", metavar="CASES", help="case files")
    _add_run_options(test, what="report", as_of=False)
    test.add_argument("--verbose", action="store_true", help="list passing cases too")
    test.add_argument("--format", choices=("text", "json"), default="text")
    test.set_defaults(handler=_cmd_policy_test)
    _add_policy_diff(policy_commands)
    policy.set_defaults(handler=lambda _args: _usage_error(policy, "a policy command is required"))

    schema = commands.add_parser(
        "schema",
        help="print the JSON Schema of the input, result and policy models",
        description="Print JSON Schemas: " + ", ".join(SCHEMA_MODELS) + ".",
    )
    schema.add_argument(
        "--model",
        type=_model_name,
        metavar="NAME",
        help="only this model: " + ", ".join(SCHEMA_MODELS),
    )
    schema.set_defaults(handler=_cmd_schema)
    return parser


def _add_run_options(
    parser: argparse.ArgumentParser,
    *,
    what: str,
    as_of: bool = True,
    backend_help: str = "rules backend",
) -> None:
    """The options every command that runs a policy shares: language, backend, as-of."""
    parser.add_argument(
        "--lang", choices=("en", "zh"), default="en", help=f"language of the {what}"
    )
    parser.add_argument(
        "--backend",
        choices=("auto", "compiled", "durable"),
        default="compiled",
        help=f"{backend_help} (default: compiled)",
    )
    if as_of:
        parser.add_argument(
            "--as-of",
            type=_iso_date,
            metavar="YYYY-MM-DD",
            help="the date schedules are read against (default: today)",
        )


def _iso_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date in YYYY-MM-DD form: {value!r}") from None


def _model_name(value: str) -> str:
    for name in SCHEMA_MODELS:
        if name.lower() == value.lower():
            return name
    raise argparse.ArgumentTypeError(
        f"unknown model {value!r}; choose from {', '.join(SCHEMA_MODELS)}"
    )


def _exit_code(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 2


def _usage_error(parser: argparse.ArgumentParser, message: str) -> int:
    parser.print_usage(sys.stderr)
    print(f"{parser.prog}: error: {message}", file=sys.stderr)
    return 2


def _fail(message: str) -> None:
    print(f"erpsales: error: {message}", file=sys.stderr)


def _silence_stdout() -> None:
    """After a closed pipe (``erpsales … | head``), stop Python complaining at exit."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


# --------------------------------------------------------------------------- commands


def _cmd_policy_check(args: argparse.Namespace) -> int:
    try:
        policy = _policy_arg(args.file)
    except ErpsalesError as exc:
        # str(exc) already reads "file:line, rule …, field …: … (did you mean …?)".
        print(str(exc), file=sys.stderr)
        return 2
    print(
        f"OK: {policy.id} {policy.version} "
        f"({len(policy.rules)} rules, hash {policy.content_hash[:12]})"
    )
    problems = check_policy(policy)
    for problem in problems:
        print(problem)
    worst = {p.severity for p in problems}
    if "error" in worst or (args.strict and "warning" in worst):
        return 1
    return 0


def _cmd_policy_test(args: argparse.Namespace) -> int:
    try:
        policy = _policy_arg(args.policy)
    except ErpsalesError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    report = run_cases(args.cases, policy=policy, backend=args.backend)
    if args.format == "json":
        print(report.model_dump_json(indent=2))
    else:
        print(report.render(args.lang, verbose=args.verbose))
    if any(r.outcome == "error" for r in report.results):
        return 2 if all(r.outcome == "error" for r in report.results) else 1
    return 0 if report.passed else 1


def _cmd_schema(args: argparse.Namespace) -> int:
    names = [args.model] if args.model else list(SCHEMA_MODELS)
    schemas = {name: SCHEMA_MODELS[name].model_json_schema() for name in names}
    print(json.dumps(schemas, ensure_ascii=False, indent=2))
    return 0


# --------------------------------------------------------------------------- qualify: arguments

#: Output formats of ``erpsales qualify``, and the ones an ``--output`` suffix implies.
_FORMATS: tuple[Format, ...] = ("table", "json", "jsonl", "csv", "parquet")
_SUFFIX_FORMATS: dict[str, Format] = {
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".json": "json",
    ".parquet": "parquet",
}

_PIPELINE_AT = VERDICT_COLUMNS.index("in_pipeline")

_CHUNK_ROWS = 1_000  # rows qualified, written and counted together
_POOL_AFTER_ROWS = 10_000  # start worker processes once the input proves this long
_MAX_AUTO_JOBS = 4
_ROW_GROUP_ROWS = 65_536  # Parquet rows per row group
_REDRAW_SECONDS = 0.2  # the progress bar redraws at most 5 times a second


def _add_qualify(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``erpsales qualify`` to the commands."""
    qualify = commands.add_parser(
        "qualify",
        help="qualify the prospects in JSON, JSON Lines or CSV files",
        description=(
            "Qualify the prospects in FILEs (.json, .jsonl, .csv, or - for stdin). CSV and "
            "JSON Lines are streamed in constant memory, whatever their size."
        ),
    )
    qualify.add_argument("files", nargs="+", metavar="FILE", help="input file, or - for stdin")
    qualify.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write the results to FILE (.csv, .jsonl, .json, .parquet); it appears only when "
        "complete (written as FILE.partial, then renamed)",
    )
    qualify.add_argument(
        "--format",
        choices=_FORMATS,
        default=None,
        help="output format (default: from the --output suffix, else table)",
    )
    qualify.add_argument(
        "--detail",
        choices=("verdict", "full"),
        default=None,
        help="json/jsonl: full assessments (default) or flat verdict rows; "
        "csv/parquet/table are always verdict rows",
    )
    qualify.add_argument("--policy", metavar="POLICY_FILE", help="policy file (default: seed)")
    _add_run_options(qualify, what="table")
    qualify.add_argument(
        "--errors", metavar="ERRFILE", help="write failed rows as JSON Lines here, not stderr"
    )
    qualify.add_argument(
        "--columns",
        metavar="MAPPING",
        help='a JSON file mapping your column names to prospect columns: {"Company": "name"}',
    )
    qualify.add_argument(
        "--jobs",
        type=_jobs,
        default=None,
        metavar="N",
        help=f"worker processes for inputs over {_POOL_AFTER_ROWS:,} rows "
        f"(default: one per CPU, at most {_MAX_AUTO_JOBS}; 1 = qualify in this process)",
    )
    qualify.add_argument(
        "-q", "--quiet", action="store_true", help="no progress bar (it only shows on a terminal)"
    )
    qualify.set_defaults(handler=_cmd_qualify)


def _jobs(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"not a number of processes: {value!r}")
    return number


def _auto_jobs() -> int:
    affinity = getattr(os, "sched_getaffinity", None)
    cpus = len(affinity(0)) if affinity is not None else (os.cpu_count() or 1)
    return max(1, min(cpus, _MAX_AUTO_JOBS))


def _output_choice(
    fmt: Format | None, output: str | None, detail: Detail | None
) -> tuple[Format, Detail]:
    """The output format and detail from the options; ValueError names a bad combination."""
    if fmt is None:
        if output is None:
            fmt = "table"
        else:
            suffix = os.path.splitext(output)[1].lower()
            inferred = _SUFFIX_FORMATS.get(suffix)
            if inferred is None:
                known = ", ".join(_SUFFIX_FORMATS)
                raise ValueError(
                    f"cannot tell the format of {output!r} from its suffix ({known}); pass --format"
                )
            fmt = inferred
    if fmt == "parquet" and output is None:
        raise ValueError("--format parquet writes a file: pass --output FILE.parquet")
    if fmt in ("json", "jsonl"):
        return fmt, detail or "full"
    if detail == "full":
        raise ValueError(f"--detail full needs --format json or jsonl, not {fmt}")
    return fmt, "verdict"


# --------------------------------------------------------------------------- qualify: the run


def _cmd_qualify(args: argparse.Namespace) -> int:
    try:
        fmt, detail = _output_choice(args.format, args.output, args.detail)
    except ValueError as exc:
        _fail(str(exc))
        return 2
    if fmt == "parquet":
        try:
            importlib.import_module("pyarrow.parquet")
        except ImportError:
            _fail("writing Parquet needs pyarrow: pip install 'erpsales[parquet]'")
            return 2
    mapping = load_column_mapping(args.columns) if args.columns else None
    policy = load_policy(args.policy) if args.policy else None
    as_of: dt.date = args.as_of or dt.date.today()
    lang: Locale = args.lang
    jobs: int = args.jobs or _auto_jobs()
    with contextlib.ExitStack() as stack:
        # Open every file and check its start first: an unreadable file stops the run
        # before any output. The records themselves are read later, chunk by chunk.
        sources = [stack.enter_context(open_records(path, columns=mapping)) for path in args.files]
        engine = stack.enter_context(Engine(policy, backend=args.backend))
        plan = _Plan(fmt, detail, as_of, lang)
        out = _Target(args.output)
        err = _Target(args.errors) if args.errors else None
        sizes = [source.size for source in sources]
        total = None if None in sizes else sum(size or 0 for size in sizes)
        progress = _Progress(sys.stderr, total, enabled=_show_progress(args.quiet, args.output))
        try:
            sink = _sink(plan, out)
            errors = _ErrorSink(
                err.open_text() if err else sys.stderr,
                as_json=err is not None or fmt != "table",
                with_file=len(args.files) > 1,
                before=None if err else progress.clear,
            )
            workers = _WorkerArgs(args.policy, args.backend, plan)
            ok, failed = _pump(engine, plan, sources, sink, errors, progress, jobs, workers)
            sink.finish(ok, failed)
            out.commit()
            if err:
                err.commit()
        except BaseException as exc:
            progress.stop()
            removed = [t.path for t in (out, err) if t is not None and t.path and t.discard()]
            return _aborted(exc, removed)
        progress.done(ok, failed)
    return 1 if failed else 0


def _aborted(exc: BaseException, removed: list[str]) -> int:
    """Report a run that stopped part-way (its partial files are gone); re-raise the rest."""
    note = f"; {' and '.join(removed)} not written" if removed else ""
    if isinstance(exc, KeyboardInterrupt):
        print(f"erpsales: interrupted{note}", file=sys.stderr)
        return 130
    if isinstance(exc, BrokenPipeError):
        raise exc
    if isinstance(exc, ErpsalesError):
        _fail(f"{exc}{note}")
        return 2
    if isinstance(exc, BrokenProcessPool):
        _fail(f"a worker process stopped unexpectedly ({exc}){note}; try --jobs 1")
        return 2
    if isinstance(exc, OSError):
        where = f"{exc.filename}: {exc.strerror}" if exc.filename and exc.strerror else str(exc)
        _fail(f"{where}{note}")
        return 2
    raise exc


def _show_progress(quiet: bool, output: str | None) -> bool:
    """A progress bar on a terminal's stderr, unless the results go to that terminal too."""
    if quiet or not _isatty(sys.stderr):
        return False
    return output is not None or not _isatty(sys.stdout)


def _isatty(stream: object) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty()) if callable(isatty) else False
    except (OSError, ValueError):
        return False


class _Target:
    """An output file written as ``FILE.partial`` and renamed when complete; or stdout.

    A run that stops part-way removes the partial file, so a file at ``FILE`` is always
    complete.
    """

    def __init__(self, path: str | None) -> None:
        self.path = path
        self.partial = None if path is None else path + ".partial"
        self.close: Callable[[], None] | None = None

    def open_text(self) -> TextIO:
        """The stream to write to: the partial file, or stdout."""
        if self.partial is None:
            return sys.stdout
        stream: IO[str] = open(self.partial, "w", encoding="utf-8", newline="")  # noqa: SIM115
        self.close = stream.close
        return stream  # type: ignore[return-value]

    def commit(self) -> None:
        """Close the partial file and rename it into place: the output is complete."""
        if self.close is not None:
            self.close()
        if self.path is not None and self.partial is not None:
            os.replace(self.partial, self.path)

    def discard(self) -> bool:
        """Remove the partial file; return whether there was one to remove."""
        if self.close is not None:
            with contextlib.suppress(Exception):
                self.close()
        if self.partial is None:
            return False
        try:
            os.remove(self.partial)
        except FileNotFoundError:
            return False
        return True


# --------------------------------------------------------------------------- qualify: chunks


@dataclass(frozen=True)
class _Plan:
    """What to compute for each row and how to render it (sent to worker processes)."""

    fmt: Format
    detail: Detail
    as_of: dt.date
    lang: Locale


@dataclass(frozen=True)
class _Chunk:
    """Consecutive raw items of one file, qualified as one task."""

    decoder: RecordDecoder
    start: int  # the index of the first item across all inputs
    file_start: int  # its index in its file
    items: list[tuple[int, Any]]


@dataclass(frozen=True)
class _Done:
    """A qualified chunk: its rendered output, and the items that failed."""

    ok: int
    errors: list[tuple[str, ItemError]]
    payload: Any


@dataclass(frozen=True)
class _WorkerArgs:
    """How a worker process rebuilds the engine: the policy file, the backend, the plan."""

    policy: str | None
    backend: str
    plan: _Plan


def _chunks(sources: Sequence[RecordSource], size: int) -> Iterator[_Chunk]:
    start = 0
    for source in sources:
        items = source.items()
        file_start = 0
        while batch := list(itertools.islice(items, size)):
            yield _Chunk(source.decoder, start, file_start, batch)
            start += len(batch)
            file_start += len(batch)


def _pump(
    engine: Engine,
    plan: _Plan,
    sources: Sequence[RecordSource],
    sink: _Sink,
    errors: _ErrorSink,
    progress: _Progress,
    jobs: int,
    workers: _WorkerArgs,
) -> tuple[int, int]:
    """Qualify the sources chunk by chunk, writing each chunk as it is done; count ok/failed.

    The first rows are qualified in this process; once the input proves longer than
    ``_POOL_AFTER_ROWS`` rows and ``jobs > 1``, the chunks go to worker processes, at most
    a few at a time, and come back in order. Nothing but the chunks in flight is held.
    """
    ok = failed = 0

    def handle(done: _Done) -> None:
        nonlocal ok, failed
        sink.write(done.payload)
        for file, error in done.errors:
            errors.write(file, error)
        ok += done.ok
        failed += len(done.errors)
        progress.update(ok + failed, failed, sum(source.position() for source in sources))

    pool: _Pool | None = None
    try:
        for chunk in _chunks(sources, _CHUNK_ROWS):
            if pool is None and jobs > 1 and chunk.start >= _POOL_AFTER_ROWS:
                pool = _Pool(jobs, workers)
            if pool is None:
                handle(_qualify_chunk(engine, plan, chunk))
            else:
                for done in pool.submit(chunk):
                    handle(done)
        if pool is not None:
            for done in pool.drain():
                handle(done)
    finally:
        if pool is not None:
            pool.close()
    return ok, failed


def _qualify_chunk(engine: Engine, plan: _Plan, chunk: _Chunk) -> _Done:
    """Decode, qualify and render one chunk; a bad item becomes an ItemError at its row."""
    decoder = chunk.decoder
    labels: Mapping[str, str] = getattr(decoder, "labels", {})
    as_of = plan.as_of
    valid: list[Prospect] = []
    where: list[tuple[int, int | None, str | None, str]] = []  # index, row, key, file
    errors: list[tuple[str, ItemError]] = []
    with paused_gc():
        for offset, (row, payload) in enumerate(chunk.items):
            record = decoder(chunk.file_start + offset, row, payload)
            index = chunk.start + offset
            if record.error is not None:
                errors.append((record.file, _row_error(index, record)))
                continue
            data = record.data or {}
            try:
                valid.append(Prospect.model_validate(data))
            except ValidationError as exc:
                error = item_error(index, data, exc, row=row)
                errors.append((record.file, _relabelled(error, labels)))
                continue
            where.append((index, row, record.key, record.file))
        if plan.detail == "full":
            graded: Iterable[Any] = _each(engine.qualify, valid, as_of)
        elif plan.fmt == "table":
            graded = engine.verdicts(valid, as_of=as_of)
        else:
            graded = engine.verdict_rows(valid, as_of=as_of)
        results: list[Any] = []
        for (index, line, key, file), result in zip(where, graded, strict=True):
            if isinstance(result, ItemError):  # the backend failed on this one item
                error = ItemError(
                    index=index, row=line, id=key, code=result.code, message=result.message
                )
                errors.append((file, error))
            else:
                results.append(result)
        return _Done(len(results), errors, _render(plan, results))


def _each(one: Callable[..., Any], prospects: list[Prospect], as_of: dt.date) -> Iterator[Any]:
    """``one`` on each prospect; a backend failure becomes an :class:`ItemError` in place."""
    for index, prospect in enumerate(prospects):
        try:
            yield one(prospect, as_of=as_of)
        except ErpsalesError as exc:
            yield ItemError(index=index, id=prospect.key, code=exc.code, message=str(exc))


def _row_error(index: int, record: Record) -> ItemError:
    problem = record.error
    assert problem is not None
    return ItemError(
        index=index,
        row=record.row,
        id=record.key,
        code=problem.code,
        message=problem.message,
        errors=({"field": problem.field, "message": problem.detail or problem.message},),
    )


def _relabelled(error: ItemError, labels: Mapping[str, str]) -> ItemError:
    """Name the user's own columns (from ``--columns``) in a validation error."""
    if not labels:
        return error
    problems = tuple(
        {"field": relabel(p["field"], labels), "message": p["message"]} for p in error.errors
    )
    message = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
    return error.model_copy(update={"errors": problems, "message": message})


# --------------------------------------------------------------------------- qualify: rendering


def _render(plan: _Plan, results: list[Any]) -> Any:
    """The output of one chunk, ready to write: text, JSON texts, columns or table cells."""
    fmt = plan.fmt
    if fmt == "table":
        labels = _labels(plan.lang)
        return [_table_cells(verdict, labels) for verdict in results]
    if plan.detail == "full":
        if fmt == "jsonl":
            return "".join(f"{a.model_dump_json()}\n" for a in results)
        return [_indented(a.model_dump(mode="json")) for a in results]
    rows = results  # flat verdict rows (Engine.verdict_rows)
    if fmt == "csv":
        buffer = io.StringIO()
        at = _PIPELINE_AT
        csv.writer(buffer, lineterminator="\n").writerows(
            (*row[:at], "true" if row[at] else "false", *row[at + 1 :]) for row in rows
        )
        return buffer.getvalue()
    if fmt == "parquet":
        return [list(column) for column in zip(*rows, strict=True)] if rows else []
    objects = (dict(zip(VERDICT_COLUMNS, row, strict=True)) for row in rows)
    if fmt == "jsonl":
        return "".join(json.dumps(obj, ensure_ascii=False) + "\n" for obj in objects)
    return [_indented(obj) for obj in objects]


def _indented(obj: Any) -> str:
    """One element of a pretty-printed JSON array, as ``json.dumps(array, indent=2)`` has it."""
    return "  " + json.dumps(obj, ensure_ascii=False, indent=2).replace("\n", "\n  ")


class _Sink(Protocol):
    def write(self, payload: Any) -> None: ...

    def finish(self, ok: int, failed: int) -> None: ...


def _sink(plan: _Plan, target: _Target) -> _Sink:
    if plan.fmt == "parquet":
        assert target.partial is not None
        return _ParquetSink(target)
    stream = target.open_text()
    if plan.fmt == "table":
        return _TableSink(stream, plan.lang)
    if plan.fmt == "json":
        return _JsonArraySink(stream)
    if plan.fmt == "csv":
        header = io.StringIO()
        csv.writer(header, lineterminator="\n").writerow(VERDICT_COLUMNS)
        stream.write(header.getvalue())
    return _TextSink(stream)


class _TextSink:
    """CSV and JSON Lines: each chunk's text is written as it comes."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, payload: str) -> None:
        if payload:
            self.stream.write(payload)

    def finish(self, ok: int, failed: int) -> None:
        self.stream.flush()


class _JsonArraySink:
    """One JSON array, streamed element by element; the same text as ``json.dumps(indent=2)``."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.started = False

    def write(self, payload: list[str]) -> None:
        if not payload:
            return
        self.stream.write((",\n" if self.started else "[\n") + ",\n".join(payload))
        self.started = True

    def finish(self, ok: int, failed: int) -> None:
        self.stream.write("\n]\n" if self.started else "[]\n")
        self.stream.flush()


class _TableSink:
    """The aligned table needs every row's width: it keeps the (short) cells of each row."""

    def __init__(self, stream: TextIO, lang: Locale) -> None:
        self.stream = stream
        self.lang = lang
        self.rows: list[tuple[str, ...]] = []

    def write(self, payload: list[tuple[str, ...]]) -> None:
        self.rows.extend(payload)

    def finish(self, ok: int, failed: int) -> None:
        labels = _labels(self.lang)
        print(_render_cells(self.rows, labels), file=self.stream)
        print(labels["summary"].format(ok=ok, failed=failed), file=self.stream)
        self.stream.flush()


class _ParquetSink:
    """Parquet in row groups of ``_ROW_GROUP_ROWS`` rows, so memory stays constant."""

    def __init__(self, target: _Target) -> None:
        # pyarrow is optional (erpsales[parquet]) and untyped: imported by name, used as Any
        pa: Any = importlib.import_module("pyarrow")
        pq: Any = importlib.import_module("pyarrow.parquet")
        self.pa = pa
        self.schema = _parquet_schema(pa)
        assert target.partial is not None
        self.writer = pq.ParquetWriter(target.partial, self.schema)
        self.columns: list[list[Any]] = [[] for _ in VERDICT_COLUMNS]
        self.rows = 0
        target.close = self.writer.close  # so that a discarded run closes the file

    def write(self, payload: list[list[Any]]) -> None:
        if not payload:
            return
        for column, values in zip(self.columns, payload, strict=True):
            column.extend(values)
        self.rows += len(payload[0])
        if self.rows >= _ROW_GROUP_ROWS:
            self._flush()

    def _flush(self) -> None:
        if self.rows:
            table = self.pa.Table.from_arrays(
                [
                    self.pa.array(values, type=field.type)
                    for values, field in zip(self.columns, self.schema, strict=True)
                ],
                schema=self.schema,
            )
            self.writer.write_table(table, row_group_size=self.rows)
            self.columns = [[] for _ in VERDICT_COLUMNS]
            self.rows = 0

    def finish(self, ok: int, failed: int) -> None:
        self._flush()


def _parquet_schema(pa: Any) -> Any:
    text = {"id", "name", "owner", "territory", "product", "fit_status", "grade",
            "descriptor_grade", "window_grade", "status", "phase", "finding_ids"}  # fmt: skip
    fields = []
    for column in VERDICT_COLUMNS:
        if column in text:
            kind = pa.string()
        elif column == "in_pipeline":
            kind = pa.bool_()
        else:
            kind = pa.int32()
        fields.append(
            pa.field(
                column,
                kind,
                nullable=column in ("owner", "territory", "product", "months_to_close"),
            )
        )
    return pa.schema(fields)


# --------------------------------------------------------------------------- qualify: workers


class _Pool:
    """Worker processes that qualify chunks; results come back in submission order.

    At most ``2 * jobs + 1`` chunks are in flight, so memory stays bounded however fast
    the file is read. Each worker builds its own engine from the policy file, and ignores
    Ctrl-C, which the main process handles.
    """

    def __init__(self, jobs: int, workers: _WorkerArgs) -> None:
        for stream in (sys.stdout, sys.stderr):  # a forked child must not write them again
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        self.executor = ProcessPoolExecutor(
            max_workers=jobs,
            mp_context=multiprocessing.get_context(_start_method()),
            initializer=_init_worker,
            initargs=(workers,),
        )
        self.limit = 2 * jobs + 1
        self.pending: collections.deque[Future[_Done]] = collections.deque()

    def submit(self, chunk: _Chunk) -> Iterator[_Done]:
        self.pending.append(self.executor.submit(_worker_chunk, chunk))
        while self.pending and (len(self.pending) > self.limit or self.pending[0].done()):
            yield self.pending.popleft().result()

    def drain(self) -> Iterator[_Done]:
        while self.pending:
            yield self.pending.popleft().result()

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)


def _start_method() -> str:
    """``fork`` on Linux while this process has one thread, else ``spawn``.

    A forked worker starts at once and does not import the caller's ``__main__`` again
    (spawn does, which needs an ``if __name__ == "__main__":`` guard in a calling script);
    forking a process with threads is unsafe, and fork is unreliable on macOS.
    """
    if sys.platform == "linux" and threading.active_count() == 1:
        return "fork"
    return "spawn"


_WORKER: tuple[Engine, _Plan] | None = None


def _init_worker(workers: _WorkerArgs) -> None:
    """Build the worker's engine once (runs in each worker process)."""
    global _WORKER
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    policy = load_policy(workers.policy) if workers.policy else None
    _WORKER = (Engine(policy, backend=workers.backend), workers.plan)
    # The engine and the modules live as long as the worker: keep the collector off them.
    gc.collect()
    gc.freeze()


def _worker_chunk(chunk: _Chunk) -> _Done:
    assert _WORKER is not None
    engine, plan = _WORKER
    return _qualify_chunk(engine, plan, chunk)


# --------------------------------------------------------------------------- qualify: progress


class _Progress:
    """A one-line progress bar on stderr: rows, rows/s, errors, and % when sizes are known.

    It redraws at most every ``_REDRAW_SECONDS`` and does nothing when disabled.
    """

    def __init__(
        self,
        stream: TextIO,
        total: int | None,
        *,
        enabled: bool,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream
        self.total = total or None
        self.enabled = enabled
        self.clock = clock
        self.started = self.last = clock()  # the first frame after one redraw interval
        self.drawn = False

    def update(self, rows: int, failed: int, done: int) -> None:
        if not self.enabled:
            return
        now = self.clock()
        if now - self.last < _REDRAW_SECONDS:
            return
        self.last = now
        elapsed = max(now - self.started, 1e-9)
        rate = rows / elapsed
        parts = [f"{rows:,} rows", f"{rate:,.0f} rows/s", _errors_text(failed)]
        if self.total:
            share = min(done / self.total, 1.0)
            filled = int(share * 20)
            bar = f"[{'#' * filled}{'-' * (20 - filled)}] {share:4.0%}"
            if 0 < share < 1:
                parts.append(f"{_clock_text(elapsed / share - elapsed)} left")
            parts.insert(0, bar)
        self._draw("  ".join(parts))

    def clear(self) -> None:
        """Erase the bar (before another line is written to the same terminal)."""
        if self.enabled and self.drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.drawn = False

    def stop(self) -> None:
        """Leave the bar where it is, on its own line (the run stopped)."""
        if self.enabled and self.drawn:
            self.stream.write("\n")
            self.stream.flush()
            self.drawn = False

    def done(self, ok: int, failed: int) -> None:
        if not self.enabled:
            return
        elapsed = max(self.clock() - self.started, 1e-9)
        rows = ok + failed
        self._draw(
            f"{rows:,} rows in {_clock_text(elapsed)} ({rows / elapsed:,.0f} rows/s): "
            f"{ok:,} qualified, {_errors_text(failed)}"
        )
        self.stream.write("\n")
        self.stream.flush()
        self.drawn = False

    def _draw(self, line: str) -> None:
        self.stream.write(f"\r{line}\x1b[K")
        self.stream.flush()
        self.drawn = True


def _errors_text(failed: int) -> str:
    return f"{failed:,} failed"


def _clock_text(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}:{rest:02d} min"


class _ErrorSink:
    """Where failed rows go: ``row N: message`` lines, or JSON lines."""

    def __init__(
        self,
        stream: TextIO,
        *,
        as_json: bool,
        with_file: bool,
        before: Callable[[], None] | None = None,
    ) -> None:
        self.stream = stream
        self.as_json = as_json
        self.with_file = with_file
        self.before = before

    def write(self, file: str, error: ItemError) -> None:
        if self.as_json:
            line = json.dumps({"file": file, **error.model_dump(mode="json")}, ensure_ascii=False)
        else:
            where = f"{file}: " if self.with_file else ""
            who = f" (id {error.id})" if error.id else ""
            line = f"{where}row {error.row}: {error.message}{who}"
        if self.before is not None:
            self.before()
        print(line, file=self.stream)


# --------------------------------------------------------------------------- the table


def display_width(text: str) -> int:
    """Return how many terminal columns ``text`` takes: CJK wide and fullwidth count 2.

    Example:
        >>> display_width("苏州ab")
        6
    """
    return sum(_char_width(char) for char in text)


def _char_width(char: str) -> int:
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def _truncate(text: str, limit: int) -> str:
    if display_width(text) <= limit:
        return text
    kept, used = [], 0
    for char in text:
        width = _char_width(char)
        if used + width > limit - 3:
            break
        kept.append(char)
        used += width
    return "".join(kept) + "..."


def _pad(text: str, width: int, *, right: bool = False) -> str:
    gap = " " * (width - display_width(text))
    return gap + text if right else text + gap


def _finding_ids(ids: Sequence[str], limit: int = _FINDINGS_WIDTH) -> str:
    """Join finding ids, keeping as many as fit in ``limit`` columns and counting the rest."""
    text = ",".join(ids)
    if len(text) <= limit:
        return text
    for keep in range(len(ids) - 1, 0, -1):
        head = ",".join(ids[:keep]) + f" +{len(ids) - keep}"
        if display_width(head) <= limit:
            return head
    return f"+{len(ids)}"


def _quadrants(counts: Mapping[Quadrant, int]) -> str:
    text = " ".join(f"{letter}{counts.get(quadrant, 0)}" for quadrant, letter in _QUADRANT_LETTERS)
    unscored = counts.get(Quadrant.UNCLASSIFIED, 0)
    return f"{text} U{unscored}" if unscored else text


_TABLE_KEYS = ("id", "name", "product", "grade", "status", "count", "findings", "map")


def _table_cells(verdict: Verdict, labels: Mapping[str, str]) -> tuple[str, ...]:
    """The cells of one table row (a :class:`Verdict` holds everything the table shows)."""
    return (
        _truncate(_one_line(verdict.prospect_id), _NAME_WIDTH),
        _truncate(_one_line(verdict.prospect_name), _NAME_WIDTH),
        verdict.product or labels["none"],
        verdict.grade.value,
        labels.get(f"status_{verdict.status}", verdict.status),
        str(len(verdict.finding_ids)),
        _finding_ids(verdict.finding_ids),
        _quadrants(verdict.quadrants),
    )


def render_table(assessments: Sequence[Assessment], lang: Locale = "en") -> str:
    """Render assessments as an aligned text table; CJK characters count double width.

    Args:
        assessments: The assessments, one row each, in order.
        lang: ``"en"`` or ``"zh"`` column headers and status labels.

    Returns:
        The table, header and rule line included, without a trailing newline.
    """
    labels = _labels(lang)
    return _render_cells([_table_cells(a.to_verdict(), labels) for a in assessments], labels)


def _render_cells(body: Sequence[tuple[str, ...]], labels: Mapping[str, str]) -> str:
    rows: list[tuple[str, ...]] = [tuple(labels[key] for key in _TABLE_KEYS), *body]
    widths = [max(display_width(row[i]) for row in rows) for i in range(len(_TABLE_KEYS))]
    numeric = {_TABLE_KEYS.index("count")}
    lines = []
    for number, row in enumerate(rows):
        cells = [_pad(cell, widths[i], right=i in numeric) for i, cell in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
        if number == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def _one_line(text: str) -> str:
    return " ".join(text.split())


# --------------------------------------------------------------------------- policy diff


def _add_policy_diff(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``erpsales policy diff`` to the ``policy`` sub-commands."""
    diff = commands.add_parser(
        "diff",
        help="compare two policies on a data set: grade transitions, moved prospects",
        description=(
            "Qualify the prospects in DATA under OLD and under NEW and show what changes: "
            "the grade transition matrix, product and status changes, findings gained and "
            "lost, and each prospect that moved with the rules that caused it."
        ),
    )
    diff.add_argument("old", metavar="OLD", help="the policy in use: a policy file, or 'seed'")
    diff.add_argument(
        "new",
        metavar="NEW",
        help="the policy to compare: a policy file, 'seed', or - for OLD with the --set changes",
    )
    diff.add_argument("data", metavar="DATA", help="prospects: .json, .jsonl, .csv, or - for stdin")
    diff.add_argument(
        "--set",
        dest="changes",
        action="append",
        default=[],
        type=_setting,
        metavar="KEY=VALUE",
        help="change a setting of NEW (e.g. grading.windows.B=4); VALUE is JSON, else text",
    )
    diff.add_argument("--format", choices=("table", "json"), default="table", help="output format")
    _add_run_options(diff, what="table", backend_help="rules backend for both policies")
    diff.add_argument(
        "--max-moved",
        type=_count,
        default=20,
        metavar="N",
        help="list at most N moved prospects in the table (default: 20)",
    )
    diff.set_defaults(handler=_cmd_policy_diff)


def _setting(value: str) -> tuple[str, Any]:
    key, sep, raw = value.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {value!r}")
    try:
        parsed: Any = json.loads(raw)
    except json.JSONDecodeError:
        parsed = raw
    return key.strip(), parsed


def _count(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = -1
    if number < 0:
        raise argparse.ArgumentTypeError(f"not a count: {value!r}")
    return number


def _policy_arg(name: str) -> Policy:
    return seed_policy() if name == "seed" else load_policy(name)


def _cmd_policy_diff(args: argparse.Namespace) -> int:
    old = _policy_arg(args.old)
    changes: dict[str, Any] = dict(args.changes)
    new = old if args.new == "-" else _policy_arg(args.new)
    if changes:
        new = policy_with(new, changes)
    fmt: Literal["table", "json"] = args.format
    lang: Locale = args.lang
    diff = _diff(old, new, _diff_items(args.data), as_of=args.as_of, backend=args.backend)
    errors = _ErrorSink(sys.stderr, as_json=fmt == "json", with_file=False)
    for error in diff.errors:
        errors.write(args.data, error)
    if fmt == "json":
        print(diff.model_dump_json(indent=2))
    else:
        print(diff.to_table(lang, max_moved=args.max_moved, show_errors=False))
    return 1 if diff.errors else 0


def _diff_items(path: str) -> Iterator[tuple[int | None, dict[str, Any] | ItemError]]:
    """The records of ``path`` as ``(row, prospect dict)``, or ``(row, ItemError)``."""
    for index, record in enumerate(read_records(path)):
        if record.error is None:
            yield record.row, record.data or {}
            continue
        problem = record.error
        yield (
            record.row,
            ItemError(
                index=index,
                row=record.row,
                id=record.key,
                code=problem.code,
                message=problem.message,
                errors=({"field": problem.field, "message": problem.detail or problem.message},),
            ),
        )
