"""The erpsales pytest plugin (entry point ``pytest11: erpsales``; disable with ``-p no:erpsales``).

It gives a project that tests its grading policy:

* **case files as tests**: every ``*.cases.toml`` / ``.yaml`` / ``.yml`` / ``.json`` file is
  collected, one test item per case, named by the case id; a failure shows expected vs
  actual and the rules that fired;
* **fixtures**: ``erpsales_policy`` (from ``--erpsales-policy`` or the ini option
  ``erpsales_policy``; the seed policy by default), ``erpsales_engine`` (one engine per
  available backend: tests using it run on each), and ``assert_qualifies``;
* **per-rule coverage**: ``--erpsales-coverage`` lists, at the end of the run, the rules of
  the policy that no case or test fired.

The module imports nothing of erpsales until a fixture or a case file needs it, so the
plugin costs nothing in projects that do not use it.
"""

from __future__ import annotations

import fnmatch
import functools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from erpsales import Assessment, Engine, Policy
    from erpsales.testing.cases import Case, CaseFile, CaseResult

_PATTERNS = ("*.cases.toml", "*.cases.yaml", "*.cases.yml", "*.cases.json")


class _Coverage:
    """The rule ids fired during the session, per policy id.

    Keyed by id, not content hash: a case that changes a setting runs the same rules.
    """

    def __init__(self) -> None:
        self.fired: dict[str, set[str]] = {}
        self.rules: dict[str, tuple[str, tuple[str, ...]]] = {}

    def record(self, assessment: Assessment) -> None:
        fired = self.fired.setdefault(assessment.policy_id, set())
        fired.update(r.rule_id for r in assessment.trace)

    def know(self, policy: Policy) -> None:
        from erpsales.policy._compile import compile_program

        self.rules.setdefault(policy.id, (policy.content_hash, compile_program(policy).ids))


_COVERAGE = pytest.StashKey[_Coverage]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add the ``--erpsales-*`` options and the ``erpsales_*`` ini keys."""
    group = parser.getgroup("erpsales", "erpsales policy testing")
    group.addoption("--erpsales-policy", default=None, help="policy file for the erpsales fixtures")
    group.addoption(
        "--erpsales-backend",
        default=None,
        help="run erpsales fixtures and case files on one backend (compiled or durable)",
    )
    group.addoption(
        "--erpsales-coverage",
        action="store_true",
        default=False,
        help="report the policy rules that no case or test fired",
    )
    parser.addini("erpsales_policy", "policy file for the erpsales fixtures (default: seed)")
    parser.addini(
        "erpsales_cases", "glob patterns of case files", type="args", default=list(_PATTERNS)
    )


def pytest_configure(config: pytest.Config) -> None:
    """Start the session's rule coverage."""
    config.stash[_COVERAGE] = _Coverage()


def _policy(config: pytest.Config) -> Policy:
    from erpsales import load_policy, seed_policy

    name = config.getoption("--erpsales-policy") or config.getini("erpsales_policy")
    if not name or name == "seed":
        return seed_policy()
    path = Path(name)
    return load_policy(path if path.is_absolute() else config.rootpath / path)


def _backends(config: pytest.Config) -> tuple[str, ...]:
    from erpsales import available_backends

    chosen = config.getoption("--erpsales-backend")
    return (chosen,) if chosen else available_backends()


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    """Collect case files (by the ``erpsales_cases`` patterns)."""
    patterns = parent.config.getini("erpsales_cases")
    if any(fnmatch.fnmatch(file_path.name, p) for p in patterns):
        return CaseFileCollector.from_parent(parent, path=file_path)
    return None


class CaseFileCollector(pytest.File):
    """A case file: one item per case and backend."""

    def collect(self) -> Iterator[pytest.Item]:
        """One item per case (and per backend when several run)."""
        from erpsales.errors import ErpsalesError
        from erpsales.testing.cases import load_case_file

        try:
            cases = load_case_file(self.path)
        except ErpsalesError as exc:
            raise self.CollectError(str(exc)) from None
        backends = _backends(self.config)
        for case in cases.cases:
            for backend in backends:
                name = case.id if len(backends) == 1 else f"{case.id}[{backend}]"
                yield CaseItem.from_parent(self, name=name, cases=cases, case=case, backend=backend)


class CaseMismatchError(AssertionError):
    """A case's expectations did not hold."""

    def __init__(self, result: CaseResult) -> None:
        super().__init__(result.render())
        self.result = result


class CaseItem(pytest.Item):
    """One case of a case file, run on one backend."""

    def __init__(self, *, cases: CaseFile, case: Case, backend: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cases, self.case, self.backend = cases, case, backend
        self.user_properties.append(("implements", ",".join(case.implements)))

    def runtest(self) -> None:
        """Run the case; raise :class:`CaseMismatchError` when an expectation does not hold."""
        from erpsales import Engine
        from erpsales.testing.cases import _with_settings, check_case, policy_for

        override = None
        if self.config.getoption("--erpsales-policy") or self.config.getini("erpsales_policy"):
            override = _policy(self.config)
        policy = _with_settings(policy_for(self.cases, override), self.case.settings)
        coverage = self.config.stash[_COVERAGE]
        coverage.know(policy_for(self.cases, override))
        result = check_case(Engine(policy, backend=self.backend), self.cases, self.case)
        if result.assessment is not None:
            coverage.record(result.assessment)
        if result.outcome != "passed":
            raise CaseMismatchError(result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        """Expected vs actual and the fired rules, instead of a traceback."""
        if isinstance(excinfo.value, CaseMismatchError):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo, style=style))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        """The case file and the line of the case."""
        line = self.cases.lines.get(self.case.id)
        return self.path, (line - 1) if line else None, f"case {self.case.id} [{self.backend}]"


@pytest.fixture(scope="session")
def erpsales_policy(request: pytest.FixtureRequest) -> Policy:
    """The policy under test: ``--erpsales-policy`` / ini ``erpsales_policy``, else the seed."""
    policy = _policy(request.config)
    request.config.stash[_COVERAGE].know(policy)
    return policy


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run tests that use ``erpsales_engine`` once per backend."""
    if "erpsales_engine" in metafunc.fixturenames:
        metafunc.parametrize("erpsales_backend", _backends(metafunc.config), scope="session")


@pytest.fixture(scope="session")
def erpsales_engine(
    request: pytest.FixtureRequest, erpsales_policy: Policy, erpsales_backend: str
) -> Iterator[Engine]:
    """An engine for the policy under test, once per backend; what it qualifies is covered."""
    engine = _recording_engine_class()(erpsales_policy, backend=erpsales_backend)
    engine.coverage = request.config.stash[_COVERAGE]  # type: ignore[attr-defined]
    yield engine
    engine.close()


@functools.cache
def _recording_engine_class() -> type[Engine]:
    from erpsales import Engine

    class RecordingEngine(Engine):
        coverage: _Coverage | None = None

        def qualify(self, prospect: Any, /, *, as_of: Any = None) -> Assessment:
            assessment = super().qualify(prospect, as_of=as_of)
            if self.coverage is not None:
                self.coverage.record(assessment)
            return assessment

    return RecordingEngine


@pytest.fixture
def assert_qualifies(erpsales_engine: Engine) -> Callable[..., Assessment]:
    """``assert_qualifies(prospect, *, as_of=..., product=..., grade=..., findings=[...], …)``.

    Runs the prospect on ``erpsales_engine`` and checks the given expectations (the keys of
    a case file's ``expect``); on failure the message shows expected vs actual and every
    rule that fired.
    """
    from erpsales.testing.assertions import check_qualifies

    def run(prospect: Any, /, *, as_of: Any, **expect: Any) -> Assessment:
        return check_qualifies(erpsales_engine, prospect, as_of=as_of, **expect)

    return run


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """Report the per-rule coverage when ``--erpsales-coverage`` is given."""
    if not config.getoption("--erpsales-coverage"):
        return
    coverage = config.stash[_COVERAGE]
    terminalreporter.section("erpsales rule coverage")
    if not coverage.rules:
        terminalreporter.write_line("no erpsales policy was used")
    for policy_id, (policy_hash, rules) in coverage.rules.items():
        fired = coverage.fired.get(policy_id, set())
        never = [r for r in rules if r not in fired]
        terminalreporter.write_line(
            f"{policy_id} ({policy_hash[:12]}): {len(rules) - len(never)}/{len(rules)} rules fired"
        )
        if never:
            terminalreporter.write_line("never fired: " + ", ".join(never))
