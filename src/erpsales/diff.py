"""What-if: compare two policies on the same prospects, and change one setting in place.

:func:`diff_policies` qualifies every prospect under an old and a new policy and tells
what moved: a grade transition matrix (how many A stayed A, how many C became B …),
the product and status changes, the findings that appeared or vanished, and for each
prospect that moved, the rules whose firing differs between the two runs::

    import erpsales
    wider = erpsales.policy_with(erpsales.seed_policy(), {"grading.windows.B": 4})
    diff = erpsales.diff_policies(erpsales.seed_policy(), wider, prospects, as_of="2026-11-28")
    print(diff.to_table("zh"))
    print(diff.model_dump_json())

:func:`policy_with` makes the "new" policy without a second file: a copy of a policy with
some settings (or rule fields) changed, checked and compiled like a loaded one.
"""

from __future__ import annotations

import datetime as dt
import difflib
import itertools
import json
import unicodedata
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Annotated, Any, Literal, TypeAlias, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field

from erpsales._api import BackendName, Engine, _as_date
from erpsales.assessment import Assessment, FiredRule, ItemError, Status
from erpsales.errors import PolicyError
from erpsales.i18n import Locale, text
from erpsales.models._enums import Grade
from erpsales.models._prospect import Prospect
from erpsales.policy._load import _merge, policy_from_dict
from erpsales.policy._model import Policy

__all__ = ["FindingChange", "MovedProspect", "PolicyDiff", "diff_policies", "policy_with"]

#: The rows and columns of :attr:`PolicyDiff.grade_matrix`.
GRADES: tuple[str, ...] = tuple(g.value for g in Grade)
#: The rows and columns of :attr:`PolicyDiff.status_matrix`.
STATUSES: tuple[str, ...] = get_args(Status)
#: How "no product" is shown in :attr:`PolicyDiff.product_matrix`.
NO_PRODUCT = "none"

Matrix: TypeAlias = dict[str, dict[str, int]]
Item: TypeAlias = Prospect | Mapping[str, Any]


class _Result(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FindingChange(_Result):
    """How many compared prospects gained, and how many lost, the findings of one rule."""

    gained: int = 0
    lost: int = 0


class MovedProspect(_Result):
    """One prospect whose product, grade, status or findings differ between the policies.

    Attributes:
        index: 0-based position of the prospect in the input.
        row: 1-based row or line in the input file, when it came from one.
        new_findings: Rule ids of findings the new policy raises and the old one does not.
        vanished_findings: Rule ids of findings the old policy raises and the new one does not.
            (A rule raised under both, for more or fewer people, is in neither; it moves
            the prospect, and is among the causes.)
        causes: The rules whose firing differs between the two runs: fired under one
            policy only, or fired under both on different fact values. Sorted.
    """

    index: int
    row: int | None = None
    id: str
    name: str
    old_product: str | None
    new_product: str | None
    old_grade: Grade
    new_grade: Grade
    old_status: Status
    new_status: Status
    new_findings: tuple[str, ...] = ()
    vanished_findings: tuple[str, ...] = ()
    causes: tuple[str, ...] = ()


class PolicyDiff(_Result):
    """What changes when the same prospects are qualified under a new policy.

    The matrices count old → new: ``grade_matrix["C"]["B"]`` is how many prospects graded
    C by the old policy are graded B by the new one. Every cell is present, zeros
    included; the product matrix shows "no product" as ``"none"``. Only compared
    prospects are counted: a bad input item is listed once in :attr:`errors` and skipped.

    Attributes:
        total: How many input items there were.
        compared: How many were qualified under both policies (``total - len(errors)``).
        grade_matrix: Old grade → new grade → count, for A, B, C, D.
        status_matrix: Old status → new status → count.
        product_matrix: Old product → new product → count; products of both policies.
        moved: The prospects whose product, grade, status or finding ids changed, in order.
        finding_changes: Per rule id: how many prospects gained and lost its findings.
        errors: The input items that could not be qualified, in order.
    """

    old_policy_id: str
    old_policy_version: str
    old_policy_hash: str
    new_policy_id: str
    new_policy_version: str
    new_policy_hash: str
    as_of: dt.date
    backend: str
    total: int
    compared: int
    grade_matrix: Matrix
    status_matrix: Matrix
    product_matrix: Matrix
    moved: tuple[MovedProspect, ...]
    finding_changes: dict[str, FindingChange] = Field(
        description="Rule id → prospects that gained / lost its findings; changed rules only."
    )
    errors: tuple[ItemError, ...] = ()

    def to_table(
        self, locale: Locale = "en", *, max_moved: int = 20, show_errors: bool = True
    ) -> str:
        """Render the diff as readable text in ``"en"`` or ``"zh"``.

        Args:
            locale: The language of the labels.
            max_moved: List at most this many moved prospects (and bad items), then say
                how many more there are.
            show_errors: List the bad input items (the command line prints them to
                stderr instead).

        Returns:
            The grade transition matrix with totals, the product and status changes, the
            findings gained and lost, the moved prospects and the bad items.
        """
        return _render(self, locale, max_moved, show_errors=show_errors)


# --------------------------------------------------------------------------- diffing


def diff_policies(
    old: Policy,
    new: Policy,
    prospects: Iterable[Item],
    /,
    *,
    as_of: dt.date | str | None = None,
    backend: BackendName | str = "compiled",
) -> PolicyDiff:
    """Qualify every prospect under ``old`` and under ``new``, and compare the verdicts.

    The prospects are streamed: both policies qualify them in lockstep, so a large
    iterable is read once and not held in memory (only the moved prospects are kept).

    Args:
        old: The policy in use.
        new: The policy to compare it with (e.g. from :func:`policy_with`).
        prospects: Prospects or dicts that validate as prospects.
        as_of: The date schedules are read against (default: today), the same for both.
        backend: The backend both policies run on.

    Returns:
        A frozen :class:`PolicyDiff`. An item that does not validate is listed in
        :attr:`PolicyDiff.errors`, with its index, and the rest are compared.

    Example:
        >>> import erpsales
        >>> seed = erpsales.seed_policy()
        >>> wider = erpsales.policy_with(seed, {"grading.windows.B": 4})
        >>> p = {"name": "甲", "computerisation": "not_computerised", "selection": "started",
        ...      "months_to_close": 4}
        >>> diff = erpsales.diff_policies(seed, wider, [p], as_of="2026-01-01")
        >>> diff.grade_matrix["C"]["B"], diff.moved[0].causes
        (1, ('GR-WINDOW-B', 'GR-WINDOW-C'))
    """
    return _diff(old, new, ((None, item) for item in prospects), as_of=as_of, backend=backend)


def _diff(
    old: Policy,
    new: Policy,
    items: Iterable[tuple[int | None, Item | ItemError]],
    *,
    as_of: dt.date | str | None,
    backend: BackendName | str,
) -> PolicyDiff:
    """:func:`diff_policies` over ``(row, item)`` pairs; an :class:`ItemError` item is a bad row.

    The command line uses this to diff file records, whose rows may already have failed
    to parse; their errors are reported in order with the others.
    """
    day = _as_date(as_of)
    tally = _Tally(old, new)
    places: deque[tuple[int, int | None]] = deque()

    def good() -> Iterator[Item]:
        for index, (row, item) in enumerate(items):
            tally.total += 1
            if isinstance(item, ItemError):
                tally.fail(item, index, row)
            else:
                places.append((index, row))
                yield item

    with Engine(old, backend=backend) as before, Engine(new, backend=backend) as after:
        left, right = itertools.tee(good())
        pairs = zip(
            before.qualify_many(left, as_of=day),
            after.qualify_many(right, as_of=day),
            strict=True,
        )
        for was, now in pairs:
            index, row = places.popleft()
            if isinstance(was, ItemError):
                tally.fail(was, index, row)
            elif isinstance(now, ItemError):
                tally.fail(now, index, row)
            else:
                tally.add(index, row, was, now)
        return tally.result(day, before.backend_name)


def _matrix(keys: Sequence[str]) -> Matrix:
    return {row: dict.fromkeys(keys, 0) for row in keys}


class _Tally:
    """The counts of a diff in progress."""

    def __init__(self, old: Policy, new: Policy) -> None:
        self.old, self.new = old, new
        self.total = 0
        self.grades = _matrix(GRADES)
        self.statuses = _matrix(STATUSES)
        products = dict.fromkeys(p.id for p in (*old.settings.products, *new.settings.products))
        self.products = _matrix([*products, NO_PRODUCT])
        self.moved: list[MovedProspect] = []
        self.findings: dict[str, list[int]] = {}
        self.errors: list[ItemError] = []

    def fail(self, error: ItemError, index: int, row: int | None) -> None:
        self.errors.append(error.model_copy(update={"index": index, "row": row}))

    def add(self, index: int, row: int | None, was: Assessment, now: Assessment) -> None:
        self.grades[was.grade.value][now.grade.value] += 1
        self.statuses[was.status][now.status] += 1
        self.products[was.product or NO_PRODUCT][now.product or NO_PRODUCT] += 1
        before, after = Counter(was.finding_ids()), Counter(now.finding_ids())
        # a rule id is gained (lost) when it is raised only under the new (old) policy; one
        # raised for more or fewer people under the new policy still moves the prospect
        gained = tuple(dict.fromkeys(i for i in now.finding_ids() if i not in before))
        lost = tuple(dict.fromkeys(i for i in was.finding_ids() if i not in after))
        for rule_id in gained:
            self.findings.setdefault(rule_id, [0, 0])[0] += 1
        for rule_id in lost:
            self.findings.setdefault(rule_id, [0, 0])[1] += 1
        same = (
            was.product == now.product
            and was.grade == now.grade
            and was.status == now.status
            and before == after
        )
        if same:
            return
        self.moved.append(
            MovedProspect(
                index=index,
                row=row,
                id=now.prospect_id,
                name=now.prospect_name,
                old_product=was.product,
                new_product=now.product,
                old_grade=was.grade,
                new_grade=now.grade,
                old_status=was.status,
                new_status=now.status,
                new_findings=gained,
                vanished_findings=lost,
                causes=_causes(was.trace, now.trace),
            )
        )

    def result(self, day: dt.date, backend: str) -> PolicyDiff:
        return PolicyDiff(
            old_policy_id=self.old.id,
            old_policy_version=self.old.version,
            old_policy_hash=self.old.content_hash,
            new_policy_id=self.new.id,
            new_policy_version=self.new.version,
            new_policy_hash=self.new.content_hash,
            as_of=day,
            backend=backend,
            total=self.total,
            compared=self.total - len(self.errors),
            grade_matrix=self.grades,
            status_matrix=self.statuses,
            product_matrix=self.products,
            moved=tuple(self.moved),
            finding_changes={
                rule_id: FindingChange(gained=gained, lost=lost)
                for rule_id, (gained, lost) in sorted(self.findings.items())
            },
            errors=tuple(sorted(self.errors, key=lambda e: e.index)),
        )


def _firings(trace: Iterable[FiredRule]) -> dict[str, set[tuple[str | None, frozenset[Any]]]]:
    out: dict[str, set[tuple[str | None, frozenset[Any]]]] = {}
    for fired in trace:
        out.setdefault(fired.rule_id, set()).add((fired.subject, frozenset(fired.facts.items())))
    return out


def _causes(old: Iterable[FiredRule], new: Iterable[FiredRule]) -> tuple[str, ...]:
    """Rule ids that fired in one trace only, or in both on different facts or people."""
    before, after = _firings(old), _firings(new)
    return tuple(sorted(r for r in before.keys() | after.keys() if before.get(r) != after.get(r)))


# --------------------------------------------------------------------------- policy_with


def policy_with(policy: Policy, changes: Mapping[str, Any], /) -> Policy:
    """Return a copy of ``policy`` with the settings or rule fields at dotted keys changed.

    Keys are paths into the policy file format. Products and rules are addressed by id;
    a key that does not start with a top-level key of the file (``id``, ``version``,
    ``title``, ``settings``, ``rules``, ``messages``) is read relative to ``settings``::

        policy_with(seed, {
            "settings.grading.windows.B": 4,            # or "grading.windows.B"
            "settings.products.ERP2.min_deal_rmb": 800_000,
            "rules.CX-SD-1.severity": "high",
            "params.imminent_days": 45,
        })

    Values are used as given (parse them first). A value that is a table merges into
    the table it replaces, as in a file that ``extends`` another; anything else replaces
    the old value. The result is validated and compiled like a loaded policy; its id,
    version and title stay those of ``policy`` unless changed too.

    Args:
        policy: The policy to start from; it is not changed.
        changes: Dotted key → new value, applied in order.

    Returns:
        A new, checked :class:`Policy`.

    Raises:
        PolicyError: A key names nothing in the policy (with a "did you mean"), or the
            changed policy does not check; the error's ``field`` is the key.

    Example:
        >>> import erpsales
        >>> wider = policy_with(erpsales.seed_policy(), {"grading.windows.B": 4})
        >>> wider.settings.grading.windows
        {'A': 1, 'B': 4, 'C': 6}
    """
    data = policy.model_dump(mode="json")
    located: list[tuple[str, Any, tuple[str, ...], str | None]] = []
    for key, value in changes.items():
        where, rule_id = _apply(data, key, value)
        located.append((key, value, where, rule_id))
    try:
        return policy_from_dict(data)
    except PolicyError as exc:
        raise _blame(exc, located) from exc


_TOP_LEVEL = tuple(name for name in Policy.model_fields if name != "source")
_SETTINGS = ("settings",)

Shape = Literal["model", "list", "dict", "value"]


def _shape(annotation: Any) -> tuple[Shape, Any]:
    """What a field holds: a model, a list of something, a table of something, or a value."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _shape(get_args(annotation)[0])
    args = [a for a in get_args(annotation) if a is not type(None)]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "model", annotation
    if origin in (tuple, list) and args:
        return "list", args[0]
    if origin is dict and len(args) == 2:
        return "dict", args[1]
    if len(args) == 1 and type(None) in get_args(annotation):  # X | None
        return _shape(args[0])
    return "value", None


def _apply(data: dict[str, Any], key: str, value: Any) -> tuple[tuple[str, ...], str | None]:
    """Set ``key`` in the policy dump ``data``; return its path with list positions.

    Also returns the id of the rule the key is inside, if any, to blame errors on it.
    """
    parts = key.split(".")
    if not key or not all(parts):
        raise PolicyError("a key is a dotted path such as 'grading.windows.B'", field=key)
    implied = parts[0] not in _TOP_LEVEL
    if implied:
        parts = [*_SETTINGS, *parts]
    node: Any = data
    annotation: Any = Policy
    walked: list[str] = []  # as written, for messages
    where: list[str] = []  # with list positions, as validation errors give them
    rule_id: str | None = None
    shape: Shape = "model"
    i = 0
    while True:
        previous = shape
        shape, inner = _shape(annotation)
        part = parts[i]
        step: str | int
        if shape == "model":
            fields = [name for name in inner.model_fields if name != "source"]
            if part not in fields:
                extra = list(_TOP_LEVEL) if implied and i == 1 else []
                raise _unknown(key, walked, part, [*fields, *extra])
            step, size, annotation = part, 1, inner.model_fields[part].annotation
        elif shape == "dict":
            # the longest existing key first: message keys contain dots
            rest = parts[i:]
            joined = [".".join(rest[:j]) for j in range(len(rest), 0, -1)]
            found = next((k for k in joined if k in node), joined[0])
            step, size, annotation = found, found.count(".") + 1, inner
        elif shape == "list":
            ids = [item.get("id") if isinstance(item, dict) else None for item in node]
            if part in ids:
                step = ids.index(part)
            elif part.isdigit() and int(part) < len(node):
                step = int(part)
            else:
                known = [str(x) for x in ids if x is not None]
                raise _unknown(key, walked, part, known, what="id")
            size, annotation = 1, inner
            if walked == ["rules"]:
                rule_id = str(node[step].get("id"))
        else:
            raise PolicyError(
                f"{'.'.join(walked)!r} is a single value; it has no {part!r}", field=key
            )
        walked.extend(parts[i : i + size])
        where.append(str(step))
        i += size
        if i == len(parts):
            in_item = shape == "model" and previous == "list"
            _set_leaf(node, step, value, key, "." + ".".join(walked), item=in_item)
            return tuple(where), rule_id
        child = node[step]
        if child is None:  # an optional table that is not set yet: start an empty one
            child = node[step] = {}
        if not isinstance(child, dict | list):
            raise PolicyError(
                f"{'.'.join(walked)!r} is a single value; it has no {parts[i]!r}", field=key
            )
        node = child


def _set_leaf(node: Any, step: str | int, value: Any, key: str, path: str, *, item: bool) -> None:
    """Put ``value`` at ``node[step]``; a table merges into the table it replaces."""
    current = node[step] if isinstance(step, int) or step in node else None
    old_id = node.get("id") if item and step == "id" else None
    if isinstance(current, dict) and isinstance(node, list):  # a whole rule or product
        old_id = current.get("id")
        value_id = value.get("id", old_id) if isinstance(value, Mapping) else old_id
    else:
        value_id = value
    if old_id is not None and value_id != old_id:
        raise PolicyError("an id cannot be changed; add or remove the entry instead", field=key)
    node[step] = _merge(current, value, path) if current is not None else value


def _unknown(
    key: str, walked: list[str], part: str, known: list[str], *, what: str = "key"
) -> PolicyError:
    inside = f"in {'.'.join(walked)!r}" if walked else "at the top of the policy"
    close = difflib.get_close_matches(part, known, n=1, cutoff=0.6)
    listed = ", ".join(known[:12]) + (", …" if len(known) > 12 else "")
    return PolicyError(
        f"no {what} {part!r} {inside} (known: {listed})",
        field=key,
        suggestion=close[0] if close else None,
    )


def _blame(
    exc: PolicyError, located: list[tuple[str, Any, tuple[str, ...], str | None]]
) -> PolicyError:
    """Re-raise a check failure of the changed policy naming the key(s) that caused it."""
    field = (exc.field or "").split(".") if exc.field else []
    guilty = [
        (key, value)
        for key, value, where, rule_id in located
        if (field and _overlap(field, list(where))) or (rule_id and rule_id == exc.rule_id)
    ] or [(key, value) for key, value, _, _ in located]
    shown = ", ".join(
        f"{key} = {json.dumps(value, ensure_ascii=False, default=str)}" for key, value in guilty
    )
    return type(exc)(  # the original names the rule, if any: ``__cause__`` keeps it
        f"the policy does not check after setting {shown}: {exc}",
        code=exc.code,
        field=guilty[0][0] if len(guilty) == 1 else None,
    )


def _overlap(a: list[str], b: list[str]) -> bool:
    n = min(len(a), len(b))
    return n > 0 and a[:n] == b[:n]


# --------------------------------------------------------------------------- the table

_NAME_WIDTH = 24
_CELL_WIDTH = 40


def _label(key: str, locale: Locale, **values: object) -> str:
    return text(f"diff.{key}", locale).format(**values)


def _status(status: str, locale: Locale) -> str:
    return text(f"cli.status_{status}", locale)


def _render(diff: PolicyDiff, locale: Locale, max_moved: int, *, show_errors: bool) -> str:
    arrow = " → "
    lines = [
        f"{_label('title', locale)}: {diff.old_policy_id} {diff.old_policy_version} "
        f"({diff.old_policy_hash[:12]}){arrow}{diff.new_policy_id} {diff.new_policy_version} "
        f"({diff.new_policy_hash[:12]})",
        _label("as_of", locale, day=diff.as_of.isoformat(), backend=diff.backend),
        _label(
            "counts",
            locale,
            total=diff.total,
            compared=diff.compared,
            moved=len(diff.moved),
            failed=len(diff.errors),
        ),
        "",
        _label("grades", locale),
        *_matrix_lines(diff.grade_matrix, locale),
        "",
        _label("products", locale),
        *_change_lines(
            diff.product_matrix,
            locale,
            lambda p: p if p != NO_PRODUCT else text("cli.none", locale),
        ),
        "",
        _label("statuses", locale),
        *_change_lines(diff.status_matrix, locale, lambda s: _status(s, locale)),
        "",
        _label("findings", locale),
    ]
    if diff.finding_changes:
        width = max(_width(r) for r in diff.finding_changes)
        for rule_id, change in diff.finding_changes.items():
            lines.append(f"  {_pad(rule_id, width)}  +{change.gained:<5} -{change.lost}")
    else:
        lines.append(f"  {_label('no_change', locale)}")
    lines += ["", _label("moved", locale, count=len(diff.moved))]
    if diff.moved:
        lines += _moved_lines(diff.moved[: max(max_moved, 0)], locale)
        hidden = len(diff.moved) - max(max_moved, 0)
        if hidden > 0:
            lines.append(f"  {_label('more', locale, count=hidden)}")
    else:
        lines.append(f"  {_label('no_change', locale)}")
    if diff.errors and show_errors:
        lines += ["", _label("errors", locale, count=len(diff.errors))]
        for error in diff.errors[: max(max_moved, 0)]:
            where = f"row {error.row}" if error.row is not None else f"#{error.index}"
            who = f" ({error.id})" if error.id else ""
            lines.append(f"  {where}{who}: {error.message}")
        hidden = len(diff.errors) - max(max_moved, 0)
        if hidden > 0:
            lines.append(f"  {_label('more', locale, count=hidden)}")
    return "\n".join(lines)


def _matrix_lines(matrix: Matrix, locale: Locale) -> list[str]:
    keys = list(matrix)
    total = _label("total", locale)
    rows = [[_label("corner", locale), *keys, total]]
    for key in keys:
        counts = [matrix[key][k] for k in keys]
        rows.append([key, *map(str, counts), str(sum(counts))])
    columns = [sum(matrix[row][k] for row in keys) for k in keys]
    rows.append([total, *map(str, columns), str(sum(columns))])
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  " + "  ".join(_pad(cell, widths[i], right=i > 0) for i, cell in enumerate(row)).rstrip()
        for row in rows
    ]


def _change_lines(matrix: Matrix, locale: Locale, show: Callable[[str], str]) -> list[str]:
    changes = [
        (f"{show(old)} → {show(new)}", count)
        for old, row in matrix.items()
        for new, count in row.items()
        if old != new and count
    ]
    if not changes:
        return [f"  {_label('no_change', locale)}"]
    width = max(_width(label) for label, _ in changes)
    return [f"  {_pad(label, width)}  {count}" for label, count in changes]


def _moved_lines(moved: Sequence[MovedProspect], locale: Locale) -> list[str]:
    with_rows = any(m.row is not None for m in moved)
    head = [
        _label("row" if with_rows else "index", locale),
        text("cli.id", locale),
        text("cli.name", locale),
        text("cli.product", locale),
        text("cli.grade", locale),
        text("cli.status", locale),
        _label("finding_col", locale),
        _label("causes", locale),
    ]
    none = text("cli.none", locale)
    rows = [head]
    for m in moved:
        findings = " ".join(
            [*(f"+{i}" for i in m.new_findings), *(f"-{i}" for i in m.vanished_findings)]
        )
        rows.append(
            [
                str(m.row if with_rows and m.row is not None else m.index),
                _truncate(m.id, _NAME_WIDTH),
                _truncate(m.name, _NAME_WIDTH),
                _change(m.old_product or none, m.new_product or none),
                _change(m.old_grade.value, m.new_grade.value),
                _change(_status(m.old_status, locale), _status(m.new_status, locale)),
                _truncate(findings, _CELL_WIDTH),
                _truncate(",".join(m.causes), _CELL_WIDTH),
            ]
        )
    widths = [max(_width(row[i]) for row in rows) for i in range(len(head))]
    out = []
    for number, row in enumerate(rows):
        out.append("  " + "  ".join(_pad(c, widths[i]) for i, c in enumerate(row)).rstrip())
        if number == 0:
            out.append("  " + "  ".join("-" * w for w in widths))
    return out


def _change(old: str, new: str) -> str:
    return old if old == new else f"{old}→{new}"


def _width(value: str) -> int:
    """Terminal columns of ``value``: CJK wide and fullwidth characters count 2."""
    return sum(
        0
        if unicodedata.combining(c) or unicodedata.category(c) in ("Mn", "Me", "Cf")
        else 2
        if unicodedata.east_asian_width(c) in ("W", "F")
        else 1
        for c in value
    )


def _pad(value: str, width: int, *, right: bool = False) -> str:
    gap = " " * (width - _width(value))
    return gap + value if right else value + gap


def _truncate(value: str, limit: int) -> str:
    value = " ".join(value.split())
    if _width(value) <= limit:
        return value
    kept: list[str] = []
    used = 0
    for char in value:
        if used + _width(char) > limit - 3:
            break
        kept.append(char)
        used += _width(char)
    return "".join(kept) + "..."
