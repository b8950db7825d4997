"""Grading A/B/C/D (spec §5.10 R-GR, AMB-08..12, AMB-27, AMB-28)."""

from __future__ import annotations

import pytest

import erpsales
from erpsales import Grade

from .conftest import Qualify, days, fitted


def _seed_with(**grading: object) -> erpsales.Policy:
    return erpsales.policy_from_dict({"extends": "seed", "settings": {"grading": grading}})


NEW = {"computerisation": "not_computerised"}
REPLACE = {"computerisation": "computerised"}


def test_started_selection_closing_within_a_month_is_a(qualify: Qualify) -> None:
    """R-GR-02: not computerised, selection started, close within 1 month → A."""
    a = qualify(fitted(**NEW, selection="started", months_to_close=1))
    assert a.grade is Grade.A
    assert a.grading.descriptor_rules == ("GR-A-NEW",)
    assert "展开信息化" in a.grading.definition.zh


def test_computerised_prospect_replacing_its_system_is_a(qualify: Qualify) -> None:
    """R-GR-02: already computerised, selection started to replace or expand → A."""
    a = qualify(fitted(**REPLACE, selection="started", months_to_close=0))
    assert a.grade is Grade.A
    assert a.grading.descriptor_rules == ("GR-A-REPLACE",)


def test_selection_starting_within_the_imminent_window_counts_as_soon(qualify: Qualify) -> None:
    """AMB-28 / R-GR-07: 「即将于近期」 = selection starts within 1 month (read from S6)."""
    soon = {"key_info": {"schedule": {"selection_start": days(20), "contract_signing": days(25)}}}
    a = qualify(fitted(**NEW, **soon))
    assert a.grade is Grade.A
    assert (
        a.trace[[r.rule_id for r in a.trace].index("GR-A-NEW")].facts["prospect.selection"]
        == "imminent"
    )
    later = {"key_info": {"schedule": {"selection_start": days(45), "contract_signing": days(25)}}}
    assert qualify(fitted(**NEW, **later)).grading.descriptor_grade is Grade.D


def test_imminent_horizon_is_a_setting(qualify: Qualify) -> None:
    """AMB-28 ``imminent_selection_months`` is configurable."""
    later = {"key_info": {"schedule": {"selection_start": days(45), "contract_signing": days(25)}}}
    a = qualify(fitted(**NEW, **later), policy=_seed_with(imminent_selection_months=2))
    assert a.grading.descriptor_grade is Grade.A


def test_affirmed_necessity_waiting_on_a_named_matter_is_b(qualify: Qualify) -> None:
    """R-GR-03: affirms necessity but waits for a specific matter → B (2–3 months)."""
    a = qualify(fitted(**NEW, necessity_affirmed=True, waiting_on="新厂房竣工", months_to_close=3))
    assert a.grade is Grade.B
    assert a.grading.descriptor_rules == ("GR-B-NEW",)


def test_without_affirmed_necessity_waiting_is_not_b(qualify: Qualify) -> None:
    """R-GR-03 needs affirmed necessity; otherwise D (AMB-12: necessity not yet affirmed)."""
    a = qualify(fitted(**NEW, necessity_affirmed=False, waiting_on="新厂房竣工", months_to_close=3))
    assert a.grading.descriptor_grade is Grade.D
    assert a.grade is Grade.D
    assert "尚未肯定信息化的必要性" in a.grading.definition.zh


@pytest.mark.parametrize("pain", ["vendor_unresponsive", "in_house_unmaintainable"])
def test_orphan_pains_of_a_computerised_prospect_are_b(qualify: Qualify, pain: str) -> None:
    """R-GR-03 / §6.2 / AMB-11: the orphan 「已信息化者」 text completes B by default."""
    a = qualify(fitted(**REPLACE, pains=[pain], months_to_close=2))
    assert a.grade is Grade.B
    assert a.grading.descriptor_rules == ("GR-ORPHAN-PAIN",)


def test_orphan_assignment_c_moves_the_orphan_and_the_synthesised_text(qualify: Qualify) -> None:
    """AMB-11: orphan → C; AMB-10's synthesised text moves to B, mirroring B's not-computerised text."""
    policy = _seed_with(orphan_assignment="C")
    a = qualify(fitted(**REPLACE, pains=["vendor_unresponsive"], months_to_close=5), policy=policy)
    assert a.grade is Grade.C
    waiting = fitted(**REPLACE, necessity_affirmed=True, waiting_on="集团批准", months_to_close=3)
    b = qualify(waiting, policy=policy)
    assert b.grade is Grade.B
    assert b.grading.descriptor_rules == ("GR-B-REPLACE-SYNTH",)
    assert "synthesised" in b.grading.definition.en
    assert qualify(waiting).grading.descriptor_grade is Grade.D  # default: no synthesised B


def test_synthesised_c_for_computerised_prospects_is_marked(qualify: Qualify) -> None:
    """AMB-10: C (already computerised) is synthesised from C's text, and says so."""
    a = qualify(
        fitted(
            **REPLACE,
            pains=["inadequate_for_scale"],
            necessity_affirmed=True,
            selection="no_action",
            months_to_close=5,
        )
    )
    assert a.grade is Grade.C
    assert a.grading.descriptor_rules == ("GR-C-REPLACE-SYNTH",)
    assert a.grading.definition.en.startswith("[synthesised]")
    assert a.grading.definition.zh.startswith("【合成定义】")


def test_affirmed_necessity_without_action_is_c(qualify: Qualify) -> None:
    """R-GR-04: industry and scale call for ERP, necessity affirmed, no action → C (4–6 months)."""
    a = qualify(fitted(**NEW, necessity_affirmed=True, selection="no_action", months_to_close=5))
    assert a.grade is Grade.C
    assert a.grading.descriptor_rules == ("GR-C-NEW",)


def test_no_descriptor_holding_is_d(qualify: Qualify) -> None:
    """R-GR-05 / AMB-12: in the target market but no A–C descriptor holds → D."""
    a = qualify(fitted(**REPLACE, months_to_close=2))
    assert a.grade is Grade.D
    assert "no evident pain" in a.grading.definition.en


@pytest.mark.parametrize(
    ("months", "grade"),
    [(0, "A"), (1, "A"), (2, "B"), (3, "B"), (4, "C"), (6, "C"), (7, "D"), (48, "D")],
)
def test_close_windows_are_contiguous_buckets(qualify: Qualify, months: int, grade: str) -> None:
    """AMB-08 / R-GR-06: ≤1 → A, 2–3 → B, 4–6 → C, >6 → D; no gaps."""
    a = qualify(
        fitted(**NEW, selection="started", months_to_close=months),
        policy=_seed_with(basis="window"),
    )
    assert a.grading.window_grade is Grade(grade)
    assert a.grade is Grade(grade)


def test_unknown_close_is_the_d_window(qualify: Qualify) -> None:
    """AMB-08: unknown expected close → D window."""
    a = qualify(fitted(**NEW, selection="started"))
    assert a.grading.window_grade is Grade.D
    assert a.grading.months_to_close is None


@pytest.mark.parametrize(
    ("signing", "months"),
    [("2026-12-28", 1), ("2026-12-29", 2), ("2027-02-28", 3), ("2027-03-01", 4), ("2026-11-28", 0)],
)
def test_months_to_close_from_the_signing_date_round_up(
    qualify: Qualify, signing: str, months: int
) -> None:
    """AMB-08 ``month_rounding = ceil``: calendar months from as-of (2026-11-28) to S3, rounded up."""
    a = qualify(fitted(**NEW, key_info={"schedule": {"contract_signing": signing}}))
    assert a.grading.months_to_close == months


def test_month_rounding_floor_is_a_setting(qualify: Qualify) -> None:
    """AMB-08: ``month_rounding`` can be ``floor``."""
    a = qualify(
        fitted(**NEW, key_info={"schedule": {"contract_signing": "2026-12-29"}}),
        policy=_seed_with(month_rounding="floor"),
    )
    assert a.grading.months_to_close == 1


def test_grade_windows_are_settings(qualify: Qualify) -> None:
    """AMB-08: ``grade_windows`` is configurable (B widened to 4 months)."""
    policy = _seed_with(windows={"A": 1, "B": 4, "C": 6}, basis="window")
    assert qualify(fitted(**NEW, months_to_close=4), policy=policy).grade is Grade.B


def test_conservative_basis_takes_the_lower_grade_and_warns(qualify: Qualify) -> None:
    """AMB-09: descriptor A but close in 5 months → the lower grade C, with grade_window_mismatch."""
    a = qualify(fitted(**NEW, selection="started", months_to_close=5))
    assert (a.grading.descriptor_grade, a.grading.window_grade, a.grade) == (
        Grade.A,
        Grade.C,
        Grade.C,
    )
    finding = a.findings[a.finding_ids().index("GR-WINDOW-MISMATCH")]
    assert finding.kind == "warning"
    assert "conservative" in finding.message.en


@pytest.mark.parametrize(("basis", "grade"), [("descriptor", "A"), ("window", "C")])
def test_grade_basis_alternatives(qualify: Qualify, basis: str, grade: str) -> None:
    """AMB-09 ``grade_basis``: descriptor wins, or window wins."""
    a = qualify(
        fitted(**NEW, selection="started", months_to_close=5), policy=_seed_with(basis=basis)
    )
    assert a.grade is Grade(grade)


def test_unknown_status_grades_by_window_capped_at_b(qualify: Qualify) -> None:
    """AMB-27 / R-GR-01: status unknown → the window alone, never above B, missing_computerisation_status."""
    a = qualify(fitted(selection="started", months_to_close=1))
    assert a.grade is Grade.B
    assert a.grading.basis == "window_capped"
    finding = a.findings[a.finding_ids().index("GR-UNKNOWN-STATUS")]
    assert "missing_computerisation_status" in finding.message.en
    assert qualify(fitted(months_to_close=5)).grade is Grade.C


def test_unknown_status_cap_is_a_setting(qualify: Qualify) -> None:
    """AMB-27 ``unknown_status_cap``."""
    a = qualify(fitted(months_to_close=1), policy=_seed_with(unknown_status_cap="C"))
    assert a.grade is Grade.C


def test_disqualified_is_a_status_not_a_grade(qualify: Qualify) -> None:
    """AMB-12: "no need / no chance" is the ``disqualified`` status; the grade is still given."""
    a = qualify(fitted(**NEW, months_to_close=2, disqualified=True))
    assert a.status == "disqualified"
    assert a.grade is Grade.D
    policy = erpsales.policy_from_dict(
        {"extends": "seed", "settings": {"switches": {"disqualified_status": False}}}
    )
    assert (
        qualify(fitted(**NEW, months_to_close=2, disqualified=True), policy=policy).status
        == "active"
    )


def test_grade_windows_must_increase() -> None:
    """AMB-08: windows that overlap are a policy error naming the setting."""
    with pytest.raises(erpsales.PolicyError, match=r"0 <= A < B < C") as info:
        _seed_with(windows={"A": 3, "B": 2, "C": 6})
    assert info.value.field == "settings.grading.windows"


def test_a_close_date_in_the_past_is_an_unknown_close_with_a_warning(qualify: Qualify) -> None:
    """AMB-08: a passed close date says nothing about the next close; flag the stale schedule."""
    a = qualify(
        fitted(**NEW, selection="started", key_info={"schedule": {"contract_signing": days(-12)}})
    )
    assert a.grading.months_to_close is None
    assert a.grading.window_grade is Grade.D
    finding = a.findings[a.finding_ids().index("GR-CLOSE-PASSED")]
    assert finding.evidence["close.days_overdue"] == 12
    assert "12 days ago" in finding.message.en
    today = qualify(
        fitted(**NEW, selection="started", key_info={"schedule": {"contract_signing": days(0)}})
    )
    assert today.grading.months_to_close == 0
    assert "GR-CLOSE-PASSED" not in today.finding_ids()


def test_d_from_the_window_is_explained_by_the_window_not_the_descriptor(qualify: Qualify) -> None:
    """AMB-12: D because the close is far away is not D because necessity is not affirmed."""
    a = qualify(fitted(**NEW, selection="started", months_to_close=9))
    assert a.grade is Grade.D
    assert "more than 6 months away" in a.grading.definition.en


@pytest.mark.parametrize(
    ("months", "phase", "pipeline"),
    [
        (1, "sales_process", True),
        (3, "sales_process", True),
        (5, "relationship_maintenance", False),
        (9, "relationship_maintenance", False),
    ],
)
def test_phase_and_pipeline_follow_the_grade(
    qualify: Qualify, months: int, phase: str, pipeline: bool
) -> None:
    """R-PF-02/03 / AMB-21: D, C → relationship maintenance 客户关系维护; B, A → sales process and PIPELINE."""
    a = qualify(
        fitted(**NEW, selection="started", months_to_close=months),
        policy=_seed_with(basis="window"),
    )
    assert (a.phase, a.in_pipeline) == (phase, pipeline)


def test_pipeline_can_include_c(qualify: Qualify) -> None:
    """AMB-21 ``pipeline_includes_C``."""
    policy = erpsales.policy_from_dict(
        {"extends": "seed", "settings": {"pipeline": {"pipeline_grades": ["A", "B", "C"]}}}
    )
    assert qualify(fitted(**NEW, selection="started", months_to_close=5), policy=policy).in_pipeline


def test_out_of_market_prospects_are_never_on_the_pipeline(qualify: Qualify) -> None:
    a = qualify(
        industry="retail",
        revenue="3亿",
        profit="2000万",
        computerisation="not_computerised",
        selection="started",
        months_to_close=1,
    )
    assert a.grade is Grade.A
    assert not a.in_pipeline
