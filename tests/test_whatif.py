"""What would move this prospect (issue 3, part 6): changes checked on the policy itself."""

from __future__ import annotations

from typing import Any

import erpsales
from erpsales.whatif import suggest_moves

AS_OF = "2026-11-28"
MAKER = {"name": "苏州基准机械", "industry": "machinery", "revenue": "3亿", "profit": "2000万"}


def _moves(prospect: dict[str, Any], **kw: Any) -> list[erpsales.whatif.Move]:
    return list(suggest_moves(prospect, as_of=AS_OF, **kw))


def test_starting_selection_raises_the_grade_and_the_policy_agrees() -> None:
    """R-GR-02: not computerised, close within a month, selection unknown → starting it gives A."""
    prospect = {**MAKER, "computerisation": "not_computerised", "months_to_close": 1}
    moves = _moves(prospect)
    first = moves[0]
    assert (first.grade_before, first.grade_after) == (erpsales.Grade.D, erpsales.Grade.A)
    assert [(c.field, c.after) for c in first.changes] == [("prospect.selection", "started")]
    assert first.changes[0].question.zh == "选型工作已经开始了吗？何时开始？"
    assert first.effect.en.startswith("grade D → A")
    # independently: the same change made on the input gives A
    again = erpsales.qualify({**prospect, "selection": "started"}, as_of=AS_OF, backend="compiled")
    assert again.grade is erpsales.Grade.A


def test_budget_covering_services_removes_cx_br_1() -> None:
    """The issue's example: "budget must also cover services" removes CX-BR-1."""
    prospect = {
        **MAKER,
        "key_info": {
            "budget": {"mode": "budgeted", "amount_rmb": "200万", "covers": ["software"]},
            "requirement": {"modules": ["财务"], "services": ["实施"]},
        },
    }
    moves = [m for m in _moves(prospect) if "CX-BR-1" in m.removes]
    assert moves
    assert [(c.field, c.before, c.after) for c in moves[0].changes] == [
        ("budget.covers_services", False, True)
    ]
    assert moves[0].changes[0].question.en == "Does the budget also cover implementation services?"
    fixed = {
        **prospect,
        "key_info": {
            **prospect["key_info"],
            "budget": {
                "mode": "budgeted",
                "amount_rmb": "200万",
                "covers": ["software", "services"],
            },
        },
    }
    assert "CX-BR-1" not in erpsales.qualify(fixed, as_of=AS_OF, backend="compiled").finding_ids()


def test_confirming_the_decision_people_clears_cx_sd_1() -> None:
    """CX-SD-1 fires on any of three unknowns: clearing it needs all three; dates that would
    lower the grade are not suggested."""
    prospect = {
        **MAKER,
        "computerisation": "not_computerised",
        "selection": "started",
        "key_info": {
            "schedule": {"selection_start": "2026-11-01", "contract_signing": "2026-12-18"}
        },
    }
    moves = [m for m in _moves(prospect) if "CX-SD-1" in m.removes]
    assert moves
    fields = {c.field for c in moves[0].changes}
    assert fields == {
        "decision.makers_known",
        "decision.process_known",
        "stakeholders.approver_count",
    }
    assert all(m.grade_after.rank >= m.grade_before.rank for m in _moves(prospect))


def test_a_profit_near_miss_suggests_the_floor() -> None:
    """AMB-03 near miss: the smallest profit that gives the product."""
    moves = _moves({**MAKER, "profit": "300万"})
    fit = [m for m in moves if m.product_after]
    assert fit[0].product_after == "ERP2"
    assert [(c.field, c.after) for c in fit[0].changes] == [("prospect.profit", 5_000_000)]
    assert fit[0].changes[0].describe("zh") == "prospect.profit：300万元 → 500万元"


def test_who_a_prospect_is_is_never_changed() -> None:
    """Industry and a known computerisation status are facts about the company, not levers."""
    for move in _moves({**MAKER, "computerisation": "not_computerised", "months_to_close": 2}):
        for change in move.changes:
            assert change.field not in (
                "prospect.industry",
                "prospect.industry_class",
                "prospect.computerisation",
            )


def test_nothing_to_suggest_for_a_clean_a() -> None:
    prospect = {
        **MAKER,
        "computerisation": "not_computerised",
        "selection": "started",
        "months_to_close": 1,
        "key_info": {"schedule": {"selection_start": "2026-11-01"}},
        "stakeholders": [{"name": "周总", "roles": ["approver"], "influence": 5, "support": 5}],
    }
    assert erpsales.qualify(prospect, as_of=AS_OF, backend="compiled").findings == ()
    assert _moves(prospect) == []


def test_moves_are_the_same_on_both_backends() -> None:
    prospect = {
        **MAKER,
        "computerisation": "not_computerised",
        "months_to_close": 1,
        "profit": "300万",
    }
    results = {b: _moves(prospect, backend=b) for b in erpsales.available_backends()}
    values = list(results.values())
    assert all(v == values[0] for v in values)
