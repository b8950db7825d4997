"""The pipeline forecast: expected closes by month from the grade windows (R-GR-02..04, AMB-08)."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import erpsales
from erpsales.forecast import BATCH_COLUMNS, batch_frame, forecast_pipeline, require_pandas

from .conftest import AS_OF, days, fitted

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "prospects.json"

GRADES = ["A", "B", "C"]


def row(id: str, grade: str | None, **fields: Any) -> dict[str, Any]:
    """One row of a batch frame: active, ERP2, east, months unknown unless given."""
    base: dict[str, Any] = dict.fromkeys(BATCH_COLUMNS)
    base.update(id=id, grade=grade, status="active", product="ERP2", territory="east")
    base.update(fields)
    return base


def frame(*rows: dict[str, Any]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=list(BATCH_COLUMNS))


def table(forecast: pd.DataFrame, *keys: str) -> list[tuple[Any, ...]]:
    """The forecast as (month, *keys, A, B, C) tuples, amounts rounded to 6 places."""
    cols = ["month", *keys, *GRADES]
    return [
        tuple(round(v, 6) if isinstance(v, float) else v for v in r)
        for r in forecast[cols].itertuples(index=False)
    ]


HAND_BATCH = frame(
    row("a", "A"),  # month 1
    row("b1", "B"),  # months 2 and 3, a half each
    row("b2", "B", product="ERP1", territory="west"),  # months 2 and 3, a half each
    row("c1", "C"),  # months 4, 5 and 6, a third each
    row("c2", "C", months_to_close=5),  # known: month 5, whole
    row("b0", "B", months_to_close=0),  # known: 0 months counts as month 1
    row("c3", "C", product=None, territory=None),  # months 4-6, shown as "none"
    row("d", "D"),  # grade D: not counted
    row("d2", "D", months_to_close=2),  # grade D: not counted, even with a month
    row("out", "A", status="out_of_market", product=None),  # not active
    row("dq", "B", status="disqualified"),  # not active
    row("bad", None, status=None, error="input.invalid"),  # could not be qualified
)


def test_hand_built_batch_gives_the_expected_closes_by_month_product_and_territory() -> None:
    """R-GR-02..04 / AMB-08: A → month 1, B → 2–3 evenly, C → 4–6 evenly, known months whole."""
    third = round(1 / 3, 6)
    expected = [
        (1, "ERP2", "east", 1.0, 1.0, 0.0),  # a (A), b0 (B, 0 months)
        (2, "ERP1", "west", 0.0, 0.5, 0.0),  # b2
        (2, "ERP2", "east", 0.0, 0.5, 0.0),  # b1
        (3, "ERP1", "west", 0.0, 0.5, 0.0),
        (3, "ERP2", "east", 0.0, 0.5, 0.0),
        (4, "ERP2", "east", 0.0, 0.0, third),  # c1
        (4, "none", "none", 0.0, 0.0, third),  # c3
        (5, "ERP2", "east", 0.0, 0.0, round(1 + 1 / 3, 6)),  # c1 and c2 (known: 5)
        (5, "none", "none", 0.0, 0.0, third),
        (6, "ERP2", "east", 0.0, 0.0, third),
        (6, "none", "none", 0.0, 0.0, third),
    ]
    result = forecast_pipeline(HAND_BATCH, as_of=AS_OF)
    assert table(result, "product", "territory") == expected
    assert result["expected_closes"].sum() == pytest.approx(7)  # a, b1, b2, b0, c1, c2, c3
    assert list(result["pipeline_closes"].round(6)) == [2.0, 0.5, 0.5, 0.5, 0.5, 0, 0, 0, 0, 0, 0]
    assert list(result.columns) == [
        "month", "start", "end", "product", "territory", "A", "B", "C",
        "expected_closes", "pipeline_closes",
    ]  # fmt: skip
    assert result.loc[0, "start"] == pd.Timestamp("2026-11-28")
    assert result.loc[0, "end"] == pd.Timestamp("2026-12-28")
    assert result["start"].iloc[-1] == pd.Timestamp("2027-04-28")  # month 6


def test_assumptions_are_stated_with_the_counts_and_the_windows() -> None:
    result = forecast_pipeline(HAND_BATCH, as_of=AS_OF)
    text = "\n".join(result.attrs["assumptions"])
    assert "Counted: 7 active prospects graded A, B or C" in text
    assert "Not counted: 2 active prospects graded D, 2 outside the target market or " in text
    assert "and 1 rows that could not be qualified" in text
    assert "Month 1 starts on 2026-11-28 (as_of)" in text
    assert "A within 1 month(s), B within 3, C within 6" in text
    assert "A in month 1; B in months 2-3; C in months 4-6" in text
    assert "PIPELINE grades A, B" in text
    assert all(isinstance(s, str) and s.endswith(".") for s in result.attrs["assumptions"])
    assert result.attrs["as_of"] == AS_OF
    assert result.attrs["pipeline_grades"] == ("A", "B")


def test_the_forecast_is_reproducible() -> None:
    first = forecast_pipeline(HAND_BATCH, as_of=AS_OF)
    again = forecast_pipeline(HAND_BATCH.copy(), as_of="2026-11-28")
    pd.testing.assert_frame_equal(first, again)
    assert first.attrs == again.attrs


def test_a_wider_b_window_spreads_b_over_months_2_to_4_and_moves_c() -> None:
    """AMB-08: the windows come from settings.grading.windows; B = 4 makes B 2–4 and C 5–6."""
    wider = erpsales.policy_with(erpsales.seed_policy(), {"grading.windows.B": 4})
    batch = frame(row("b", "B"), row("c", "C"))
    seed = forecast_pipeline(batch, as_of=AS_OF, by=())
    assert table(seed) == [
        (2, 0.0, 0.5, 0.0),
        (3, 0.0, 0.5, 0.0),
        (4, 0.0, 0.0, round(1 / 3, 6)),
        (5, 0.0, 0.0, round(1 / 3, 6)),
        (6, 0.0, 0.0, round(1 / 3, 6)),
    ]
    third = round(1 / 3, 6)
    assert table(forecast_pipeline(batch, policy=wider, as_of=AS_OF, by=())) == [
        (2, 0.0, third, 0.0),
        (3, 0.0, third, 0.0),
        (4, 0.0, third, 0.0),
        (5, 0.0, 0.0, 0.5),
        (6, 0.0, 0.0, 0.5),
    ]


def test_a_known_months_to_close_is_used_instead_of_the_window_spread() -> None:
    batch = frame(row("b", "B", months_to_close=3), row("c", "C", months_to_close=4))
    assert table(forecast_pipeline(batch, as_of=AS_OF, by=())) == [
        (3, 0.0, 1.0, 0.0),
        (4, 0.0, 0.0, 1.0),
    ]


def test_d_grades_and_rows_that_are_not_active_are_excluded() -> None:
    batch = frame(
        row("d", "D"),
        row("d-dated", "D", months_to_close=2),
        row("out", "A", status="out_of_market", months_to_close=1),
        row("dq", "B", status="disqualified"),
        row("bad", "A", error="input.invalid"),
    )
    result = forecast_pipeline(batch, as_of=AS_OF)
    assert result.empty
    assert list(result.columns)[:5] == ["month", "start", "end", "product", "territory"]
    assert "Counted: 0 active" in result.attrs["assumptions"][0]


def test_closes_after_the_horizon_are_left_out_and_reported() -> None:
    batch = frame(row("late", "C", months_to_close=8), row("c", "C"))
    result = forecast_pipeline(batch, as_of=AS_OF, by=(), horizon_months=5)
    assert table(result) == [(4, 0.0, 0.0, round(1 / 3, 6)), (5, 0.0, 0.0, round(1 / 3, 6))]
    assert result.attrs["beyond_horizon"] == pytest.approx(1 + 1 / 3)
    assert "1.33333 expected closes fall after month 5" in " ".join(result.attrs["assumptions"])


def test_by_chooses_the_breakdown() -> None:
    batch = frame(row("a1", "A", owner="李明"), row("a2", "A", owner="王芳", product="ERP1"))
    assert table(forecast_pipeline(batch, as_of=AS_OF, by=("owner",)), "owner") == [
        (1, "李明", 1.0, 0.0, 0.0),
        (1, "王芳", 1.0, 0.0, 0.0),
    ]
    assert table(forecast_pipeline(batch, as_of=AS_OF, by="product"), "product") == [
        (1, "ERP1", 1.0, 0.0, 0.0),
        (1, "ERP2", 1.0, 0.0, 0.0),
    ]
    assert table(forecast_pipeline(batch, as_of=AS_OF, by=())) == [(1, 2.0, 0.0, 0.0)]


def test_pipeline_closes_follow_the_policys_pipeline_grades() -> None:
    """AMB-21: with C on the PIPELINE, pipeline_closes includes C."""
    with_c = erpsales.policy_with(
        erpsales.seed_policy(), {"pipeline.pipeline_grades": ["A", "B", "C"]}
    )
    batch = frame(row("c", "C", months_to_close=4), row("b", "B", months_to_close=4))
    assert list(forecast_pipeline(batch, as_of=AS_OF, by=())["pipeline_closes"]) == [1.0]
    assert list(forecast_pipeline(batch, policy=with_c, as_of=AS_OF, by=())["pipeline_closes"]) == [
        2.0
    ]


def _prospects() -> list[dict[str, Any]]:
    return [
        {"name": "甲", **fitted(), "computerisation": "not_computerised", "selection": "started",
         "months_to_close": 1, "territory": "east"},
        {"name": "乙", **fitted(), "computerisation": "not_computerised", "selection": "waiting",
         "necessity_affirmed": True, "key_info": {"schedule": {"contract_signing": days(80)}}},
        {"name": "丙", "industry": "retail", "revenue": "3亿", "profit": "2000万"},
        {"name": 3},  # does not validate
    ]  # fmt: skip


def test_assessments_verdicts_and_their_frame_give_the_same_forecast() -> None:
    results = list(erpsales.qualify_many(_prospects(), as_of=AS_OF, backend="compiled"))
    engine = erpsales.Engine(backend="compiled")
    verdicts = list(engine.verdicts(_prospects(), as_of=AS_OF))
    assert [type(r).__name__ for r in results] == ["Assessment"] * 3 + ["ItemError"]
    from_assessments = forecast_pipeline(results)  # as_of taken from the assessments
    assert from_assessments.attrs["as_of"] == AS_OF
    assert table(from_assessments, "product", "territory") == [
        (1, "ERP2", "east", 1.0, 0.0, 0.0),  # 甲: A
        (3, "ERP2", "none", 0.0, 1.0, 0.0),  # 乙: B, signing in 80 days = 3 months
    ]
    pd.testing.assert_frame_equal(forecast_pipeline(verdicts, as_of=AS_OF), from_assessments)
    pd.testing.assert_frame_equal(
        forecast_pipeline(batch_frame(results), as_of=AS_OF), from_assessments
    )


def test_the_qualify_frame_result_gives_the_same_forecast_as_the_assessments() -> None:
    from erpsales.frame import qualify_frame

    items = json.loads(EXAMPLES.read_text("utf-8"))
    frame = qualify_frame(pd.DataFrame(items), as_of=AS_OF)
    results = list(erpsales.qualify_many(items, as_of=AS_OF, backend="compiled"))
    from_frame = forecast_pipeline(frame)  # as_of from the frame's attrs
    assert from_frame.attrs["as_of"] == AS_OF
    assert from_frame["expected_closes"].sum() == 8  # the 8 active A-C examples
    pd.testing.assert_frame_equal(from_frame, forecast_pipeline(results))


def test_the_descriptor_basis_spreads_a_grade_without_dates_over_its_window() -> None:
    """AMB-09 descriptor basis: a B without a close date is spread over months 2 and 3."""
    policy = erpsales.policy_with(erpsales.seed_policy(), {"grading.basis": "descriptor"})
    no_dates = [{**_prospects()[1], "key_info": {}}]
    results = erpsales.qualify_many(no_dates, policy=policy, as_of=AS_OF)
    assert table(forecast_pipeline(results, policy=policy, by=())) == [
        (2, 0.0, 0.5, 0.0),
        (3, 0.0, 0.5, 0.0),
    ]


def test_batch_frame_has_the_qualify_frame_columns_and_counts_finding_kinds() -> None:
    results = list(erpsales.qualify_many(_prospects(), as_of=AS_OF, backend="compiled"))
    got = batch_frame(results)
    assert tuple(got.columns) == BATCH_COLUMNS
    retail = got[got["name"] == "丙"].iloc[0]
    assert retail["status"] == "out_of_market"
    assert got.iloc[3]["error"].startswith("name:")
    assert pd.isna(got.iloc[3]["grade"])
    assessments = [r for r in results if isinstance(r, erpsales.Assessment)]
    for a, (_, r) in zip(assessments, got.iterrows(), strict=False):
        assert r["finding_ids"] == ",".join(a.finding_ids())
        assert r["contradiction_count"] == sum(f.kind == "contradiction" for f in a.findings)
        assert r["warning_count"] == sum(f.kind == "warning" for f in a.findings)
    verdict_frame = batch_frame(
        erpsales.Engine(backend="compiled").verdicts(_prospects(), as_of=AS_OF)
    )
    pd.testing.assert_frame_equal(verdict_frame.drop(columns="error"), got.drop(columns="error"))


def test_bad_arguments_are_reported() -> None:
    with pytest.raises(ValueError, match=r"lacks the columns \['region'\]"):
        forecast_pipeline(HAND_BATCH, by=("region",))
    with pytest.raises(ValueError, match="by cannot name"):
        forecast_pipeline(HAND_BATCH, by=("grade",))
    with pytest.raises(ValueError, match="horizon_months must be at least 1"):
        forecast_pipeline(HAND_BATCH, horizon_months=0)
    with pytest.raises(TypeError, match="batch item 0 is a dict"):
        forecast_pipeline([{"name": "甲"}])


def test_without_as_of_month_1_starts_today() -> None:
    result = forecast_pipeline(HAND_BATCH)
    assert result.attrs["as_of"] == dt.date.today()
    assert "(today (no as_of was given))" in result.attrs["assumptions"][2]


def test_missing_pandas_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=r"pip install 'erpsales\[pandas\]'"):
        require_pandas()
    with pytest.raises(ImportError, match=r"pip install 'erpsales\[pandas\]'"):
        forecast_pipeline([])
