"""Tools for testing policies.

* :func:`assert_qualifies` — assert what a policy decides, with the fired rules on failure;
* :func:`run_cases` — run policy test case files (also ``erpsales policy test`` and the
  pytest plugin);
* ``erpsales.testing.strategies`` — hypothesis strategies (needs ``erpsales[testing]``);
* ``erpsales.testing.invariants`` — ready-made policy invariants.

``import erpsales`` does not import this package.
"""

from erpsales.testing.assertions import assert_qualifies, check_qualifies
from erpsales.testing.cases import (
    Case,
    CaseFile,
    CaseReport,
    CaseResult,
    Expectation,
    Mismatch,
    load_case_file,
    run_cases,
)

__all__ = [
    "Case",
    "CaseFile",
    "CaseReport",
    "CaseResult",
    "Expectation",
    "Mismatch",
    "assert_qualifies",
    "check_qualifies",
    "load_case_file",
    "run_cases",
]
