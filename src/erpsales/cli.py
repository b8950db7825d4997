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
import contextlib
import datetime as dt
import json
import os
import sys
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Literal, TextIO

from pydantic import BaseModel, ValidationError

from erpsales import __version__
from erpsales._api import Engine, item_error
from erpsales._io import Record, read_records
from erpsales.assessment import Assessment, ItemError
from erpsales.diff import _diff, policy_with
from erpsales.errors import ErpsalesError
from erpsales.i18n import Locale, text
from erpsales.models import KeyInfo, Prospect, Stakeholder, Territory
from erpsales.models._enums import Quadrant
from erpsales.policy import Policy, check_policy, load_policy, seed_policy
from erpsales.testing.cases import run_cases

__all__ = ["main"]

Format = Literal["table", "json", "jsonl"]

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

    qualify = commands.add_parser(
        "qualify",
        help="qualify the prospects in JSON, JSON Lines or CSV files",
        description="Qualify the prospects in FILEs (.json, .jsonl, .csv, or - for stdin).",
    )
    qualify.add_argument("files", nargs="+", metavar="FILE", help="input file, or - for stdin")
    qualify.add_argument(
        "--format", choices=("table", "json", "jsonl"), default="table", help="output format"
    )
    qualify.add_argument("--lang", choices=("en", "zh"), default="en", help="language of the table")
    qualify.add_argument("--policy", metavar="POLICY_FILE", help="policy file (default: seed)")
    qualify.add_argument(
        "--backend",
        choices=("auto", "compiled", "durable"),
        default="compiled",
        help="rules backend (default: compiled)",
    )
    qualify.add_argument(
        "--as-of",
        type=_iso_date,
        metavar="YYYY-MM-DD",
        help="the date schedules are read against (default: today)",
    )
    qualify.add_argument(
        "--errors", metavar="ERRFILE", help="write failed rows as JSON Lines here, not stderr"
    )
    qualify.set_defaults(handler=_cmd_qualify)

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
    test.add_argument("--backend", default="compiled", choices=("compiled", "durable", "auto"))
    test.add_argument("--lang", choices=("en", "zh"), default="en", help="language of the report")
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


def _cmd_qualify(args: argparse.Namespace) -> int:
    policy = load_policy(args.policy) if args.policy else None
    as_of: dt.date = args.as_of or dt.date.today()
    # Read every file first: an unreadable file stops the run before anything is printed.
    records: list[Record] = []
    for path in args.files:
        records.extend(read_records(path))
    fmt: Format = args.format
    lang: Locale = args.lang
    with contextlib.ExitStack() as stack:
        if args.errors:
            errors = _ErrorSink(
                stack.enter_context(open(args.errors, "w", encoding="utf-8")),
                as_json=True,
                with_file=len(args.files) > 1,
            )
        else:
            errors = _ErrorSink(sys.stderr, as_json=fmt != "table", with_file=len(args.files) > 1)
        engine = stack.enter_context(Engine(policy, backend=args.backend))
        results = _results(engine, records, as_of)
        ok, failed = _write(results, fmt, lang, errors, sys.stdout)
    if fmt == "table":
        print(_labels(lang)["summary"].format(ok=ok, failed=failed))
    return 1 if failed else 0


# --------------------------------------------------------------------------- qualifying


def _results(
    engine: Engine, records: Iterable[Record], as_of: dt.date
) -> Iterator[tuple[Record, Assessment | ItemError]]:
    """Qualify each record, turning a bad one into an :class:`ItemError` at its row."""
    for index, record in enumerate(records):
        if record.error is not None:
            problem = record.error
            yield (
                record,
                ItemError(
                    index=index,
                    row=record.row,
                    id=record.key,
                    code=problem.code,
                    message=problem.message,
                    errors=(
                        {"field": problem.field, "message": problem.detail or problem.message},
                    ),
                ),
            )
            continue
        data = record.data or {}
        try:
            yield record, engine.qualify(data, as_of=as_of)
        except ValidationError as exc:
            yield record, item_error(index, data, exc, row=record.row)
        except ErpsalesError as exc:  # the backend failed on this one item
            yield (
                record,
                ItemError(
                    index=index, row=record.row, id=record.key, code=exc.code, message=str(exc)
                ),
            )


class _ErrorSink:
    """Where failed rows go: ``row N: message`` lines, or JSON lines."""

    def __init__(self, stream: TextIO, *, as_json: bool, with_file: bool) -> None:
        self.stream = stream
        self.as_json = as_json
        self.with_file = with_file

    def write(self, file: str, error: ItemError) -> None:
        if self.as_json:
            line = json.dumps({"file": file, **error.model_dump(mode="json")}, ensure_ascii=False)
        else:
            where = f"{file}: " if self.with_file else ""
            who = f" (id {error.id})" if error.id else ""
            line = f"{where}row {error.row}: {error.message}{who}"
        print(line, file=self.stream)


def _write(
    results: Iterable[tuple[Record, Assessment | ItemError]],
    fmt: Format,
    lang: Locale,
    errors: _ErrorSink,
    out: TextIO,
) -> tuple[int, int]:
    """Print the assessments in ``fmt``, send the failures to ``errors``; count both."""
    good: list[Assessment] = []
    ok = failed = 0
    for record, result in results:
        if isinstance(result, ItemError):
            failed += 1
            errors.write(record.file, result)
            continue
        ok += 1
        if fmt == "jsonl":  # streamed as it comes
            print(result.model_dump_json(), file=out)
        else:
            good.append(result)
    if fmt == "json":
        payload = [a.model_dump(mode="json") for a in good]
        print(json.dumps(payload, ensure_ascii=False, indent=2), file=out)
    elif fmt == "table":
        print(render_table(good, lang), file=out)
    return ok, failed


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


def _quadrants(assessment: Assessment) -> str:
    counts = dict.fromkeys(Quadrant, 0)
    for placement in assessment.stakeholders:
        counts[placement.quadrant] += 1
    text = " ".join(f"{letter}{counts[quadrant]}" for quadrant, letter in _QUADRANT_LETTERS)
    unscored = counts[Quadrant.UNCLASSIFIED]
    return f"{text} U{unscored}" if unscored else text


def render_table(assessments: Sequence[Assessment], lang: Locale = "en") -> str:
    """Render assessments as an aligned text table; CJK characters count double width.

    Args:
        assessments: The assessments, one row each, in order.
        lang: ``"en"`` or ``"zh"`` column headers and status labels.

    Returns:
        The table, header and rule line included, without a trailing newline.
    """
    labels = _labels(lang)
    keys = ("id", "name", "product", "grade", "status", "count", "findings", "map")
    rows: list[tuple[str, ...]] = [tuple(labels[key] for key in keys)]
    for a in assessments:
        rows.append(
            (
                _truncate(_one_line(a.prospect_id), _NAME_WIDTH),
                _truncate(_one_line(a.prospect_name), _NAME_WIDTH),
                a.product or labels["none"],
                a.grade.value,
                labels.get(f"status_{a.status}", a.status),
                str(len(a.findings)),
                _finding_ids(a.finding_ids()),
                _quadrants(a),
            )
        )
    widths = [max(display_width(row[i]) for row in rows) for i in range(len(keys))]
    numeric = {keys.index("count")}
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
    diff.add_argument("--lang", choices=("en", "zh"), default="en", help="language of the table")
    diff.add_argument(
        "--as-of",
        type=_iso_date,
        metavar="YYYY-MM-DD",
        help="the date schedules are read against (default: today)",
    )
    diff.add_argument(
        "--backend",
        choices=("auto", "compiled", "durable"),
        default="compiled",
        help="rules backend for both policies (default: compiled)",
    )
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
