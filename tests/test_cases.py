"""Policy test cases as data, the seed's own case file, and the pytest plugin."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import erpsales
from erpsales.errors import InputError
from erpsales.testing import assert_qualifies, load_case_file, run_cases

ROOT = Path(__file__).parent.parent
SEED_CASES = ROOT / "src" / "erpsales" / "policy" / "seed.cases.toml"


def _write(tmp_path: Path, text: str, name: str = "my.cases.toml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.mark.parametrize("backend", erpsales.available_backends())
def test_the_seed_cases_pass_and_cover_every_rule(backend: str) -> None:
    report = run_cases(SEED_CASES, backend=backend)
    assert report.passed, report.render()
    assert report.uncovered == ()
    assert set(report.covered) == set(report.rules)
    assert len(report.results) >= 40


def test_the_seed_cases_name_every_requirement_the_seed_rules_implement() -> None:
    """One case (at least) per spec id that the policy's rules say they implement."""
    cases = load_case_file(SEED_CASES)
    demonstrated = {spec for case in cases.cases for spec in case.implements}
    implemented = {spec for rule in erpsales.seed_policy().rules for spec in rule.implements}
    switched_off = {"AMB-29", "R-SC-04", "AMB-30", "R-SC-05"}  # hints off in the seed
    assert implemented - demonstrated - switched_off == set()


def test_a_moved_band_edge_makes_named_cases_fail_readably(tmp_path: Path) -> None:
    """Issue 3, done means: a broken copy of the seed (one band edge moved) fails named cases."""
    broken = erpsales.policy_from_dict(
        {
            "extends": "seed",
            "settings": {
                "products": [
                    {"id": "ERP1", "revenue_max_rmb": 120_000_000},
                    {"id": "ERP2", "revenue_min_rmb": 120_000_000},
                ]
            },
        }
    )
    report = run_cases(SEED_CASES, policy=broken)
    failed = {r.case_id: r for r in report.results if r.outcome != "passed"}
    assert "R-TM-07-exactly-one-yi-is-erp2" in failed
    text = failed["R-TM-07-exactly-one-yi-is-erp2"].render()
    assert "product: expected ERP2, got none" in text or "product: expected ERP2, got ERP1" in text
    assert "TM-ERP1-REVENUE" in text  # the rules that fired are listed
    assert "R-TM-03-one-to-five-yi-is-erp2" not in failed


def test_bases_and_per_case_changes_merge(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
        as_of = "2026-11-28"

        [bases.maker]
        name = "x"
        industry = "food"
        annual_revenue_rmb = "3亿"
        annual_profit_rmb = "600万"
        key_info.budget = { mode = "budgeted", amount_rmb = "100万" }

        [[cases]]
        id = "erp2"
        base = "maker"
        expect = { product = "ERP2", status = "active" }

        [[cases]]
        id = "too-small-for-tiptop"
        base = "maker"
        prospect = { annual_revenue_rmb = "8亿", key_info.budget.covers = ["software"] }
        expect = { product = "ERP2" }
        """,
    )
    report = run_cases(path)
    outcomes = {r.case_id: r.outcome for r in report.results}
    assert outcomes == {"erp2": "passed", "too-small-for-tiptop": "failed"}
    failed = report.results[1]
    assert failed.mismatches[0].what == "product"
    assert failed.mismatches[0].actual is None  # 8亿 needs 1000万 profit for TIPTOP


def test_a_bad_case_is_reported_and_the_rest_still_run(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
        as_of = "2026-11-28"

        [[cases]]
        id = "bad-support"
        prospect = { name = "x", stakeholders = [{ name = "a", support = 9 }] }
        expect = { grade = "D" }

        [[cases]]
        id = "fine"
        prospect = { name = "y" }
        expect = { grade = "D" }
        """,
    )
    report = run_cases(path)
    bad, fine = report.results
    assert bad.outcome == "error"
    assert "stakeholders.0.support" in (bad.error or "")
    assert fine.outcome == "passed"


def test_a_case_naming_an_unknown_field_is_named_with_file_and_case(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
        as_of = "2026-11-28"

        [[cases]]
        id = "typo"
        prospect = { name = "x" }
        expect = { grad = "A" }
        """,
    )
    with pytest.raises(InputError) as info:
        load_case_file(path)
    assert "case 'typo'" in str(info.value)
    assert info.value.field == "cases.0.expect.grad"
    assert info.value.line == 5
    report = run_cases([path, SEED_CASES])
    assert report.results[0].outcome == "error"
    assert sum(r.outcome == "passed" for r in report.results) >= 40  # the other file still ran


def test_unknown_base_is_an_error(tmp_path: Path) -> None:
    path = _write(tmp_path, '[[cases]]\nid = "x"\nbase = "nope"\nexpect = {}\n')
    with pytest.raises(InputError, match="unknown base 'nope'"):
        load_case_file(path)


def test_report_renders_in_chinese(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
        as_of = "2026-11-28"

        [[cases]]
        id = "wrong"
        prospect = { name = "x", industry = "retail" }
        expect = { status = "active" }
        """,
    )
    text = run_cases(path).render("zh")
    assert "FAILED wrong" in text
    assert "status: expected active, got out_of_market" in text
    assert "触发的规则" in text
    assert "1 failed" in text


def test_assert_qualifies_lists_the_fired_rules_on_failure() -> None:
    prospect = {"name": "x", "industry": "food", "revenue": "3亿", "profit": "600万"}
    assert assert_qualifies(prospect, as_of="2026-11-28", product="ERP2").product == "ERP2"
    with pytest.raises(AssertionError) as info:
        assert_qualifies(prospect, as_of="2026-11-28", product="TIPTOP", grade="A")
    message = str(info.value)
    assert "product: expected TIPTOP, got ERP2" in message
    assert "grade: expected A, got D" in message
    assert "TM-ERP2-REVENUE: prospect.revenue=300000000" in message


def _pytest(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_plugin_collects_case_files_and_reports_coverage(tmp_path: Path) -> None:
    (tmp_path / "seed.cases.toml").write_text(SEED_CASES.read_text("utf-8"), encoding="utf-8")
    _write(
        tmp_path,
        """
        policy = "seed"
        as_of = "2026-11-28"

        [[cases]]
        id = "wrongly-expects-tiptop"
        prospect = { name = "x", industry = "food", annual_revenue_rmb = "3亿", annual_profit_rmb = "600万" }
        expect = { product = "TIPTOP" }
        """,
        "broken.cases.toml",
    )
    done = _pytest(
        tmp_path, "--erpsales-coverage", "--erpsales-backend", "compiled", "-p", "no:cacheprovider"
    )
    out = done.stdout
    assert done.returncode == 1, out
    assert "1 failed" in out
    assert "wrongly-expects-tiptop" in out
    assert "product: expected TIPTOP, got ERP2" in out
    assert "erpsales rule coverage" in out
    assert "37/37 rules fired" in out or "rules fired" in out
    assert "never fired" not in out


def test_the_plugin_fixtures_work_without_a_conftest(tmp_path: Path) -> None:
    (tmp_path / "test_mine.py").write_text(
        textwrap.dedent(
            """
            def test_policy(erpsales_policy):
                assert erpsales_policy.id == "seed"

            def test_engine_per_backend(erpsales_engine, assert_qualifies):
                a = assert_qualifies({"name": "x", "industry": "food", "revenue": "3亿", "profit": "600万"},
                                     as_of="2026-11-28", product="ERP2", fit_status="fit")
                assert a.backend == erpsales_engine.backend_name
            """
        ),
        encoding="utf-8",
    )
    done = _pytest(tmp_path, "-p", "no:cacheprovider")
    expected = 1 + len(erpsales.available_backends())
    assert f"{expected} passed" in done.stdout, done.stdout + done.stderr
    disabled = _pytest(tmp_path, "-p", "no:erpsales", "-p", "no:cacheprovider")
    assert "fixture 'erpsales_policy' not found" in disabled.stdout
