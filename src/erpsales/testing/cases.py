"""Policy test cases as data: a sales-ops person writes what a prospect should get.

A case file (TOML, YAML or JSON) holds named base prospects and cases. A case takes a
prospect — written out, or as changes on top of a base — and says what the policy must
decide::

    as_of = "2026-11-28"

    [bases.erp2_maker]
    name = "基准制造有限公司"
    industry = "machinery"
    annual_revenue_rmb = "3亿"
    annual_profit_rmb = "2000万"

    [[cases]]
    id = "exactly-one-yi-is-erp2"
    implements = ["R-TM-07", "AMB-02"]
    base = "erp2_maker"
    prospect = { annual_revenue_rmb = 100_000_000 }
    expect = { product = "ERP2", findings = [], absent = ["TM-BAND-AMBIGUOUS"] }

``run_cases`` runs them and returns a :class:`CaseReport`: which cases passed, for each
failure the expected and actual values and the rules that fired, and which rules of the
policy no case fired (per-rule coverage). ``erpsales policy test`` and the pytest plugin
(each case one test item) use the same runner.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import tomllib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from erpsales._api import Engine
from erpsales.assessment import Assessment
from erpsales.errors import InputError
from erpsales.i18n import Locale
from erpsales.models._enums import Grade, Quadrant
from erpsales.models._prospect import Prospect
from erpsales.policy._compile import compile_program
from erpsales.policy._load import _merge, load_policy, policy_from_dict, seed_policy
from erpsales.policy._model import Policy

__all__ = [
    "Case",
    "CaseFile",
    "CaseReport",
    "CaseResult",
    "Expectation",
    "Mismatch",
    "check_case",
    "load_case_file",
    "run_cases",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Expectation(_Strict):
    """What a case expects. Every key is optional; only the given ones are checked.

    Attributes:
        product: The fitted product, or ``"none"`` for no product.
        findings: Rule ids that must be among the findings.
        absent: Rule ids that must not be among the findings.
        only_findings: The exact set of finding rule ids.
        fired: Rule ids that must have fired (in the trace), generated rules included.
        quadrants: Stakeholder name → quadrant.
    """

    product: str | None = None
    fit_status: Literal["fit", "no_fit", "unknown"] | None = None
    grade: Grade | None = None
    status: Literal["active", "out_of_market", "disqualified"] | None = None
    in_pipeline: bool | None = None
    findings: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    only_findings: tuple[str, ...] | None = None
    fired: tuple[str, ...] = ()
    quadrants: dict[str, Quadrant] = Field(default_factory=dict)


class Case(_Strict):
    """One case: a prospect (or changes on a base) and what the policy must decide."""

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$", max_length=120)
    description: str | None = None
    implements: tuple[str, ...] = Field((), description="Spec ids the case demonstrates.")
    base: str | None = Field(None, description="A name from the file's [bases].")
    as_of: dt.date | None = None
    settings: dict[str, Any] = Field(
        default_factory=dict,
        description="Settings changed for this case only (merged like a policy's extends).",
    )
    prospect: dict[str, Any] = Field(default_factory=dict)
    expect: Expectation


class CaseFile(_Strict):
    """A case file: defaults, named base prospects and the cases."""

    policy: str | None = Field(None, description="'seed' or a policy path relative to the file.")
    as_of: dt.date | None = None
    bases: dict[str, dict[str, Any]] = Field(default_factory=dict)
    cases: tuple[Case, ...] = Field(min_length=1)
    source: str | None = Field(None, exclude=True)
    lines: dict[str, int] = Field(default_factory=dict, exclude=True)


class Mismatch(_Strict):
    """One expectation that did not hold."""

    what: str
    expected: Any
    actual: Any


class CaseResult(_Strict):
    """The outcome of one case."""

    file: str | None
    case_id: str
    line: int | None = None
    implements: tuple[str, ...] = ()
    outcome: Literal["passed", "failed", "error"]
    mismatches: tuple[Mismatch, ...] = ()
    error: str | None = None
    assessment: Assessment | None = None

    def render(self, locale: Locale = "en") -> str:
        """Expected vs actual, and the rules that fired, in ``locale``."""
        where = f"{self.file}:{self.line}" if self.file and self.line else (self.file or "")
        head = f"{self.case_id} ({where})" if where else self.case_id
        if self.outcome == "passed":
            return f"PASSED {head}"
        lines = [f"{self.outcome.upper()} {head}"]
        if self.error:
            lines.append(f"  {self.error}")
        for m in self.mismatches:
            lines.append(f"  {m.what}: expected {_show(m.expected)}, got {_show(m.actual)}")
        if self.assessment is not None:
            a = self.assessment
            label = "触发的规则" if locale == "zh" else "rules fired"
            lines.append(f"  {label}:")
            for fired in a.trace:
                who = f" @{fired.subject}" if fired.subject else ""
                facts = ", ".join(f"{k}={_show(v)}" for k, v in fired.facts.items())
                lines.append(f"    {fired.rule_id}{who}: {facts}")
            for finding in a.findings:
                lines.append(f"    → {finding.rule_id}: {finding.message.get(locale)}")
        return "\n".join(lines)


def _show(value: Any) -> str:
    if isinstance(value, tuple | list | set | frozenset):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return "none" if value is None else str(value)


class CaseReport(_Strict):
    """The outcome of running case files against a policy.

    Attributes:
        results: One per case, in file order.
        rules: Every rule id of the compiled policy.
        covered: The rules some case fired.
    """

    policy_id: str
    policy_hash: str
    backend: str
    results: tuple[CaseResult, ...]
    rules: tuple[str, ...]
    covered: tuple[str, ...]

    @property
    def passed(self) -> bool:
        """Whether every case passed."""
        return all(r.outcome == "passed" for r in self.results)

    @property
    def uncovered(self) -> tuple[str, ...]:
        """Rules of the policy that no case fired."""
        fired = set(self.covered)
        return tuple(r for r in self.rules if r not in fired)

    def render(self, locale: Locale = "en", *, verbose: bool = False) -> str:
        """A readable report: failures in full, a summary, and the rule coverage."""
        lines = [r.render(locale) for r in self.results if verbose or r.outcome != "passed"]
        counts = {
            o: sum(r.outcome == o for r in self.results) for o in ("passed", "failed", "error")
        }
        lines.append(
            f"{counts['passed']} passed, {counts['failed']} failed, {counts['error']} errors "
            f"(policy {self.policy_id} {self.policy_hash[:12]}, {self.backend})"
        )
        covered = len(self.rules) - len(self.uncovered)
        lines.append(f"rule coverage: {covered}/{len(self.rules)} rules fired by some case")
        if self.uncovered:
            lines.append("never fired: " + ", ".join(self.uncovered))
        return "\n".join(lines)


# -- reading ------------------------------------------------------------------------------


def _parse(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the case file: {exc}", file=str(path)) from None
    try:
        if path.suffix == ".toml":
            data: Any = tomllib.loads(text)
        elif path.suffix == ".json":
            data = json.loads(text)
        elif path.suffix in (".yaml", ".yml"):
            import yaml

            data = yaml.safe_load(text)
        else:
            raise InputError("a case file ends in .toml, .json, .yaml or .yml", file=str(path))
    except InputError:
        raise
    except Exception as exc:  # a syntax error in the file, whatever the format
        raise InputError(
            f"not a valid case file: {exc}", code="input.syntax", file=str(path)
        ) from None
    if not isinstance(data, dict):
        raise InputError("a case file is a table at the top level", file=str(path))
    return data


_ID_LINE = re.compile(r"""^\s*-?\s*["']?id["']?\s*[:=]\s*["']([^"']+)["']""")


def load_case_file(path: str | Path, /) -> CaseFile:
    """Read and check a case file.

    Raises:
        InputError: The file does not parse, or a case is malformed; the message names the
            file, the case id and the field.
    """
    file = Path(path)
    data = _parse(file)
    text = file.read_text(encoding="utf-8")
    lines: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        found = _ID_LINE.match(line)
        if found:
            lines.setdefault(found.group(1), number)
    try:
        cases = CaseFile.model_validate({**data, "source": str(file), "lines": lines})
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = list(err["loc"])
        case_id = None
        if loc[:1] == ["cases"] and len(loc) > 1 and isinstance(loc[1], int):
            raw = data.get("cases", [])
            item = raw[loc[1]] if isinstance(raw, list) and loc[1] < len(raw) else None
            case_id = item.get("id") if isinstance(item, dict) else None
        where = f"case {case_id!r}: " if case_id else ""
        raise InputError(
            f"{where}{'.'.join(map(str, loc))}: {err['msg']}",
            code="input.invalid",
            file=str(file),
            line=lines.get(str(case_id)) if case_id else None,
            field=".".join(map(str, loc)),
        ) from None
    names = [c.id for c in cases.cases]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate:
        raise InputError(
            f"case id {duplicate!r} is used twice", file=str(file), line=lines.get(duplicate)
        )
    for case in cases.cases:
        if case.base is not None and case.base not in cases.bases:
            raise InputError(
                f"case {case.id!r}: unknown base {case.base!r}; "
                f"the file's bases are {sorted(cases.bases)}",
                file=str(file),
                line=lines.get(case.id),
                field="base",
            )
    return cases


def _merged(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merged(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def case_prospect(cases: CaseFile, case: Case) -> dict[str, Any]:
    """The prospect of ``case``: its base (if any) with the case's changes merged in."""
    base = cases.bases[case.base] if case.base else {}
    prospect = _merged(base, case.prospect)
    prospect.setdefault("name", case.id)
    prospect.setdefault("id", case.id)
    return prospect


# -- checking -----------------------------------------------------------------------------


def compare(expect: Expectation, a: Assessment) -> list[Mismatch]:
    """Every expectation of ``expect`` that ``a`` does not meet."""
    out: list[Mismatch] = []
    given = expect.model_fields_set
    ids = a.finding_ids()
    if "product" in given:
        wanted = None if expect.product in (None, "none") else expect.product
        if a.product != wanted:
            out.append(Mismatch(what="product", expected=wanted, actual=a.product))
    for name, actual in (
        ("fit_status", a.fit.status),
        ("grade", a.grade),
        ("status", a.status),
        ("in_pipeline", a.in_pipeline),
    ):
        if name in given and getattr(expect, name) != actual:
            out.append(Mismatch(what=name, expected=getattr(expect, name), actual=actual))
    missing = [f for f in expect.findings if f not in ids]
    if missing:
        out.append(Mismatch(what="findings", expected=list(expect.findings), actual=list(ids)))
    present = [f for f in expect.absent if f in ids]
    if present:
        out.append(Mismatch(what="absent findings", expected=[], actual=present))
    if expect.only_findings is not None and sorted(set(expect.only_findings)) != sorted(set(ids)):
        out.append(
            Mismatch(
                what="only findings", expected=sorted(expect.only_findings), actual=sorted(set(ids))
            )
        )
    fired = {r.rule_id for r in a.trace}
    not_fired = [r for r in expect.fired if r not in fired]
    if not_fired:
        out.append(Mismatch(what="fired rules", expected=list(expect.fired), actual=sorted(fired)))
    placed = {p.name: p.quadrant for p in a.stakeholders}
    for name, quadrant in expect.quadrants.items():
        if placed.get(name) != quadrant:
            out.append(
                Mismatch(what=f"quadrant of {name}", expected=quadrant, actual=placed.get(name))
            )
    return out


def check_case(engine: Engine, cases: CaseFile, case: Case) -> CaseResult:
    """Run one case on ``engine``; a prospect that does not validate is an ``error`` result."""
    line = cases.lines.get(case.id)
    common = {"file": cases.source, "case_id": case.id, "line": line, "implements": case.implements}
    as_of = case.as_of or cases.as_of
    if as_of is None:
        return CaseResult(
            **common, outcome="error", error="no as_of: give one in the case or the file"
        )
    try:
        prospect = Prospect.model_validate(case_prospect(cases, case))
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or '(prospect)'}: {e['msg']}"
            for e in exc.errors(include_url=False)
        )
        return CaseResult(**common, outcome="error", error=f"the prospect is not valid: {problems}")
    assessment = engine.qualify(prospect, as_of=as_of)
    mismatches = compare(case.expect, assessment)
    return CaseResult(
        **common,
        outcome="failed" if mismatches else "passed",
        mismatches=tuple(mismatches),
        assessment=assessment,
    )


def _with_settings(policy: Policy, settings: dict[str, Any]) -> Policy:
    """``policy`` with ``settings`` merged in (checked and compiled like any policy)."""
    if not settings:
        return policy
    data = policy.model_dump(mode="json")
    return policy_from_dict(_merge(data, {"settings": settings}, path=""), source=policy.source)


def policy_for(cases: CaseFile, override: Policy | None) -> Policy:
    """The policy a case file runs against: ``override``, else the file's, else the seed."""
    if override is not None:
        return override
    if cases.policy in (None, "seed"):
        return seed_policy()
    base = Path(cases.source).parent if cases.source else Path.cwd()
    return load_policy(base / cases.policy)


def run_cases(
    files: Iterable[str | Path] | str | Path,
    /,
    *,
    policy: Policy | None = None,
    backend: str = "compiled",
) -> CaseReport:
    """Run case files against ``policy`` (default: each file's own policy, else the seed).

    A file that does not load, and a case whose prospect does not validate, become
    ``error`` results; the other cases still run.

    Returns:
        A :class:`CaseReport` with a result per case and the policy's rule coverage.
    """
    paths: Sequence[str | Path] = [files] if isinstance(files, str | Path) else list(files)
    results: list[CaseResult] = []
    engines: dict[str, Engine] = {}
    main: Policy | None = policy
    for path in paths:
        try:
            cases = load_case_file(path)
            chosen = policy_for(cases, policy)
        except (InputError, ValueError) as exc:
            results.append(
                CaseResult(file=str(path), case_id="(file)", outcome="error", error=str(exc))
            )
            continue
        main = main or chosen
        for case in cases.cases:
            try:
                effective = _with_settings(chosen, case.settings)
            except ValueError as exc:
                results.append(
                    CaseResult(
                        file=cases.source,
                        case_id=case.id,
                        line=cases.lines.get(case.id),
                        outcome="error",
                        error=f"the case's settings do not apply: {exc}",
                    )
                )
                continue
            engine = engines.get(effective.content_hash)
            if engine is None:
                engine = engines[effective.content_hash] = Engine(effective, backend=backend)
            results.append(check_case(engine, cases, case))
    main = main or seed_policy()
    program = compile_program(main)
    # a case that changes settings runs the same rules of the same policy (same id)
    covered = {
        fired.rule_id
        for r in results
        if r.assessment is not None and r.assessment.policy_id == main.id
        for fired in r.assessment.trace
    }
    return CaseReport(
        policy_id=main.id,
        policy_hash=main.content_hash,
        backend=backend,
        results=tuple(results),
        rules=program.ids,
        covered=tuple(r for r in program.ids if r in covered),
    )
