"""pandas in and out: qualify_frame, the long formats and the df.erpsales accessor."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pd = pytest.importorskip("pandas")

import erpsales  # noqa: E402
from erpsales import Assessment, Engine, InputError, ItemError  # noqa: E402
from erpsales.frame import (  # noqa: E402
    FINDING_COLUMNS,
    FULL_COLUMNS,
    RESULT_COLUMNS,
    STAKEHOLDER_COLUMNS,
    findings_frame,
    qualify_frame,
    result_meta,
    stakeholders_frame,
)

from .conftest import AS_OF  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("contradiction", "red_flag", "warning")


def _generator() -> Any:
    """benchmarks/_generate.py, loaded by path: deterministic prospects with everything."""
    spec = importlib.util.spec_from_file_location(
        "_erpsales_generate", ROOT / "benchmarks" / "_generate.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GENERATE = _generator().generate

# --------------------------------------------------------------------------- helpers


def expected_row(a: Assessment) -> dict[str, Any]:
    """What qualify_frame must say about a prospect, computed from qualify's Assessment."""
    v = a.to_verdict()
    kinds = [f.kind for f in a.findings]
    return {
        "id": v.prospect_id,
        "name": v.prospect_name,
        "owner": v.owner,
        "territory": v.territory,
        "product": v.product,
        "fit_status": v.fit_status,
        "grade": v.grade.value,
        "descriptor_grade": v.descriptor_grade.value,
        "window_grade": v.window_grade.value,
        "months_to_close": v.months_to_close,
        "status": v.status,
        "phase": v.phase,
        "in_pipeline": v.in_pipeline,
        "finding_count": len(v.finding_ids),
        "finding_ids": ",".join(v.finding_ids),
        "contradiction_count": kinds.count("contradiction"),
        "red_flag_count": kinds.count("red_flag"),
        "warning_count": kinds.count("warning"),
        **{q.value: n for q, n in v.quadrants.items()},
        "error": None,
    }


def plain(value: Any) -> Any:
    """A frame cell as a Python value; pandas' NA as None."""
    if value is pd.NA or value is None:
        return None
    if isinstance(value, float) and value != value:
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def actual_row(frame: Any, position: int) -> dict[str, Any]:
    row = frame.iloc[position]
    return {c: plain(row[c]) for c in RESULT_COLUMNS}


def flat_row(item: dict[str, Any]) -> dict[str, Any]:
    """A prospect dict as one flat row: key_info and stakeholders as JSON text, lists as a;b."""
    row = dict(item)
    for name in ("key_info", "stakeholders"):
        if name in row:
            row[name] = json.dumps(row[name], ensure_ascii=False)
    if "pains" in row:
        row["pains"] = ";".join(row["pains"])
    return row


INDUSTRY_ZH = {"electronics": "电子", "machinery": "机械", "food": "食品", "retail": "零售"}
OPTIONAL = (
    "industry", "annual_revenue_rmb", "annual_profit_rmb", "region", "owner", "computerisation",
    "selection", "necessity_affirmed", "pains", "system_installed_year", "process_complexity",
    "key_info", "stakeholders",
)  # fmt: skip
MISSING = (None, float("nan"), "", "  ")


def varied(
    items: list[dict[str, Any]], seed: int = 3
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(rows, references): each item written the many ways a frame may hold it.

    A row may leave cells missing (None, NaN, an empty or blank text), give amounts as 万
    text, industries in Chinese, lists as list objects or ';' text, and key information and
    stakeholders as objects or JSON text. Its reference is the prospect dict it stands for.
    """
    rng = random.Random(seed)
    rows, refs = [], []
    for item in items:
        ref = dict(item)
        row = flat_row(item)
        for key in OPTIONAL:
            if key in ref and rng.random() < 0.12:
                del ref[key]
                row[key] = rng.choice(MISSING)
        if "annual_revenue_rmb" in ref and rng.random() < 0.3:
            row["annual_revenue_rmb"] = f"{ref['annual_revenue_rmb'] // 10_000}万"
        if ref.get("industry") in INDUSTRY_ZH and rng.random() < 0.5:
            row["industry"] = INDUSTRY_ZH[ref["industry"]]
        if "pains" in ref and rng.random() < 0.5:
            row["pains"] = list(ref["pains"])
        for key in ("key_info", "stakeholders"):
            if key in ref and rng.random() < 0.3:
                row[key] = json.loads(json.dumps(ref[key]))  # an object, not text
        if "necessity_affirmed" in ref and rng.random() < 0.3:
            row["necessity_affirmed"] = "是" if ref["necessity_affirmed"] else "否"
        rows.append(row)
        refs.append(ref)
    return rows, refs


# --------------------------------------------------------------------------- import and extra


def _run_python(code: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(ROOT / "src")},
    )
    return out.stdout.strip()


def test_import_erpsales_neither_imports_pandas_nor_registers_the_accessor() -> None:
    code = (
        "import sys, erpsales\n"
        "print('pandas' in sys.modules)\n"
        "import pandas as pd\n"
        "print(hasattr(pd.DataFrame, 'erpsales'))\n"
        "erpsales.qualify_frame\n"
        "print(hasattr(pd.DataFrame, 'erpsales'), 'erpsales.frame' in sys.modules)\n"
    )
    assert _run_python(code).splitlines() == ["False", "False", "True True"]


def test_without_pandas_the_frame_functions_say_what_to_install() -> None:
    code = (
        "import sys\n"
        "sys.modules['pandas'] = None  # as if pandas were not installed\n"
        "import erpsales\n"
        "f = erpsales.qualify_frame\n"
        "try:\n"
        "    f(None)\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
        "try:\n"
        "    import erpsales.frame\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
        "from erpsales import *\n"
        "print('star import ok')\n"
    )
    lines = _run_python(code).splitlines()
    assert lines[0] == "erpsales.qualify_frame needs pandas: pip install 'erpsales[pandas]'"
    assert "pip install 'erpsales[pandas]'" in lines[1]
    assert lines[2] == "star import ok"


def test_frame_functions_are_public_and_the_same_objects() -> None:
    assert erpsales.qualify_frame is qualify_frame
    assert erpsales.findings_frame is findings_frame
    assert erpsales.stakeholders_frame is stakeholders_frame
    assert {"findings_frame", "qualify_frame", "stakeholders_frame"} <= set(dir(erpsales))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        erpsales.nope  # noqa: B018


# --------------------------------------------------------------------------- same as qualify


def test_same_results_as_qualify_on_generated_data() -> None:
    """Hundreds of generated prospects, flattened and written in varied ways, row by row."""
    items = GENERATE(320, seed=11)
    rows, refs = varied(items)
    df = pd.DataFrame(rows)
    result = qualify_frame(df, as_of=AS_OF)
    full = qualify_frame(df, as_of=AS_OF, detail="full", lang="zh")
    assert len(result) == len(df)
    engine = Engine(backend="compiled")
    for i, ref in enumerate(refs):
        a = erpsales.qualify(ref, as_of=AS_OF, backend="compiled")
        want = expected_row(a)
        assert actual_row(result, i) == want, (i, rows[i])
        assert actual_row(full, i) == want, i
        assert full["grade_reason"].iloc[i] == a.grading.definition.zh
        assert full["reasons"].iloc[i] == "; ".join(r.zh for r in a.fit.reasons)
        assert engine.verdict(ref, as_of=AS_OF) == a.to_verdict()
    # the data exercise what they should
    assert result["error"].isna().all()
    assert set(result["grade"].astype(str)) == {"A", "B", "C", "D"}
    assert result["contradiction_count"].sum() > 0
    assert result["red_flag_count"].sum() > 0
    assert result["unclassified"].sum() == 0
    assert result["devil"].sum() > 0


def test_same_results_on_the_durable_backend() -> None:
    if "durable" not in erpsales.available_backends():
        pytest.skip("durable-rules does not import here")
    items = GENERATE(40, seed=5)
    rows, refs = varied(items, seed=9)
    result = qualify_frame(pd.DataFrame(rows), as_of=AS_OF, backend="durable")
    for i, ref in enumerate(refs):
        assert actual_row(result, i) == expected_row(
            erpsales.qualify(ref, as_of=AS_OF, backend="durable")
        )


def test_ten_thousand_rows_with_three_bad_ones() -> None:
    """The issue's "done means": 10,000 rows in, 10,000 out, 3 errors, the rest as qualify."""
    items = GENERATE(10_000, seed=2)
    rows = [flat_row(item) for item in items]
    rows[17]["annual_revenue_rmb"] = "很多钱"  # not a number
    rows[5003]["industry"] = "spaceships"  # not an industry
    people = json.loads(rows[9998]["stakeholders"])
    people[2]["support"] = 9  # out of range, inside a JSON cell
    rows[9998]["stakeholders"] = json.dumps(people, ensure_ascii=False)
    df = pd.DataFrame(rows)
    result = qualify_frame(df, as_of=AS_OF)

    assert len(result) == 10_000
    assert list(result.index) == list(df.index)
    bad = result.index[result["error"].notna()].tolist()
    assert bad == [17, 5003, 9998]
    errors = result["error"]
    assert errors[17].startswith("row 17: column 'annual_revenue_rmb'")
    assert "'很多钱' is not an amount" in errors[17]
    assert errors[5003].startswith("row 5003: column 'industry'")
    assert errors[9998].startswith("row 9998: column 'stakeholders' (stakeholders.2.support)")
    assert "less than or equal to 5" in errors[9998]
    for i in bad:  # the bad rows keep their id and name, and no results
        assert result.at[i, "id"] == items[i]["id"]
        assert result.loc[i, list(RESULT_COLUMNS[4:-1])].isna().all()

    good = [i for i in range(10_000) if i not in bad]
    assessments = erpsales.qualify_many([items[i] for i in good], as_of=AS_OF, backend="compiled")
    for i, a in zip(good, assessments, strict=True):
        assert isinstance(a, Assessment)
        assert actual_row(result, i) == expected_row(a), i


def test_a_frame_read_like_the_cli_reads_the_same_csv(tmp_path: Path) -> None:
    """The columns mean what they mean in a CSV file for `erpsales qualify`."""
    from erpsales._io import read_records

    items = GENERATE(60, seed=21)
    df = pd.DataFrame([flat_row(i) for i in items])
    df["necessity_affirmed"] = df["necessity_affirmed"].map({True: "是", False: "no"})
    df.loc[3, "necessity_affirmed"] = "maybe"
    path = tmp_path / "prospects.csv"
    df.to_csv(path, index=False)
    records = list(read_records(path))
    result = qualify_frame(pd.read_csv(path, dtype=str, keep_default_na=False), as_of=AS_OF)
    assert len(records) == len(result)
    for record, (_, row) in zip(records, result.iterrows(), strict=True):
        if record.data is None:
            assert record.error is not None
            assert "necessity_affirmed" in row["error"]
            assert "not a boolean" in row["error"]
            continue
        a = erpsales.qualify(record.data, as_of=AS_OF, backend="compiled")
        assert {c: plain(row[c]) for c in RESULT_COLUMNS} == expected_row(a)


# --------------------------------------------------------------------------- the output contract


def test_columns_dtypes_index_and_order_are_the_contract() -> None:
    df = pd.DataFrame(
        {"name": ["c", "a", "b"], "revenue": ["3亿", None, "1亿"]}, index=["z", "x", "y"]
    )
    result = qualify_frame(df, as_of=AS_OF)
    assert list(result.columns) == list(RESULT_COLUMNS)
    assert list(result.index) == ["z", "x", "y"]
    assert result["name"].tolist() == ["c", "a", "b"]
    dtypes = {c: str(t) for c, t in result.dtypes.items()}
    assert dtypes == {c: str(t) for c, t in result_meta().dtypes.items()}
    assert dtypes["id"] == "string"
    assert dtypes["error"] == "string"
    assert dtypes["months_to_close"] == "Int64"
    assert dtypes["finding_count"] == "Int64"
    assert dtypes["in_pipeline"] == "boolean"
    assert list(result["grade"].cat.categories) == ["D", "C", "B", "A"]
    assert result["grade"].cat.ordered  # D < C < B < A: max() is the best grade
    assert result.attrs["as_of"] == AS_OF
    full = qualify_frame(df, as_of=AS_OF, detail="full")
    assert list(full.columns) == list(FULL_COLUMNS)
    assert list(result_meta("full").columns) == list(FULL_COLUMNS)


def test_repeated_labels_and_a_multiindex_keep_every_row_in_place() -> None:
    df = pd.DataFrame(
        {"name": ["a", "b", "c"], "months_to_close": [1, 2, 7], "revenue": ["1亿", "x", "2亿"]}
    )
    for index, label in (
        (pd.Index(["k", "k", "j"]), "'k'"),
        (pd.MultiIndex.from_tuples([("x", 1), ("x", 1), ("y", 2)], names=["r", "n"]), "('x', 1)"),
    ):
        result = qualify_frame(df.set_axis(index), as_of=AS_OF)
        assert result.index.equals(index)
        assert result["name"].tolist() == ["a", "b", "c"]
        assert result["months_to_close"].tolist() == [1, pd.NA, 7]
        assert result["grade"].astype("string").tolist() == ["B", pd.NA, "D"]
        assert result["error"].iloc[1].startswith(f"row {label}: column 'revenue'")


def test_an_empty_frame_gives_an_empty_result_with_the_columns() -> None:
    result = qualify_frame(pd.DataFrame({"name": pd.Series([], dtype=object)}), as_of=AS_OF)
    assert len(result) == 0
    assert list(result.columns) == list(RESULT_COLUMNS)
    assert {c: str(t) for c, t in result.dtypes.items()} == {
        c: str(t) for c, t in result_meta().dtypes.items()
    }


def test_a_bad_row_keeps_its_place_its_index_and_its_id() -> None:
    df = pd.DataFrame(
        {"id": ["A1", "A2", "A3"], "name": ["a", "b", "c"], "revenue": ["1亿", "lots", "2亿"]},
        index=[10, 20, 30],
    )
    result = qualify_frame(df, as_of=AS_OF)
    assert result["error"].isna().tolist() == [True, False, True]
    assert result.at[20, "error"].startswith("row 20: column 'revenue': Value error, 'lots'")
    assert result.at[20, "id"] == "A2"
    assert result.at[20, "name"] == "b"
    assert result.loc[20, ["product", "grade", "finding_ids", "finding_count"]].isna().all()
    assert result.at[10, "finding_ids"] != ""
    assert result.at[10, "error"] is pd.NA


def test_a_bad_row_without_an_id_is_known_by_its_name_like_a_good_one() -> None:
    df = pd.DataFrame({"name": ["甲", "乙"], "owner": ["李明", "王芳"], "revenue": ["1亿", "x"]})
    result = qualify_frame(df, as_of=AS_OF)
    assert result["id"].tolist() == ["甲", "乙"]
    assert result["owner"].tolist() == ["李明", "王芳"]
    assert result["error"].notna().tolist() == [False, True]


def test_no_findings_is_an_empty_text() -> None:
    policy = erpsales.policy_from_dict({"extends": "seed", "id": "quiet", "rules": []})
    quiet = erpsales.policy_from_dict(
        {"extends": "seed", "id": "quiet", "remove_rules": [r.id for r in policy.rules]}
    )
    result = qualify_frame(
        pd.DataFrame({"name": ["a"], "industry": ["机械"], "revenue": ["3亿"], "profit": ["1亿"],
                      "computerisation": ["computerised"]}),
        policy=quiet,
        as_of=AS_OF,
    )  # fmt: skip
    assert result.at[0, "finding_ids"] == ""
    assert result.at[0, "finding_count"] == 0


def test_finding_kinds_come_from_the_policy() -> None:
    """A policy that re-kinds a rule changes the counts: kinds are looked up, not assumed."""
    item = json.loads((ROOT / "examples" / "prospects.json").read_text("utf-8"))[1]
    seed = qualify_frame(pd.DataFrame([flat_row(item)]), as_of=AS_OF)
    assert "SM-DECIDER-DEVIL" in seed.at[0, "finding_ids"]
    policy = erpsales.policy_from_dict(
        {
            "extends": "seed",
            "id": "rekind",
            "rules": [{"id": "SM-DECIDER-DEVIL", "kind": "warning"}],
        }
    )
    other = qualify_frame(pd.DataFrame([flat_row(item)]), policy=policy, as_of=AS_OF)
    assert other.at[0, "red_flag_count"] == seed.at[0, "red_flag_count"] - 1
    assert other.at[0, "warning_count"] == seed.at[0, "warning_count"] + 1
    a = erpsales.qualify(item, policy=policy, as_of=AS_OF, backend="compiled")
    assert actual_row(other, 0) == expected_row(a)


# --------------------------------------------------------------------------- reading cells


def test_missing_cells_of_every_kind_mean_unknown() -> None:
    df = pd.DataFrame(
        {
            "name": ["a", "b", "c", "d", "e"],
            "industry": ["机械", None, float("nan"), pd.NA, "  "],
            "revenue": [pd.NA, "3亿", "", None, float("nan")],
            "months_to_close": pd.array([1, None, 2, None, 3], dtype="Int64"),
            "expected_close": [pd.NaT, pd.NaT, pd.NaT, pd.Timestamp("2026-12-20"), pd.NaT],
            "necessity_affirmed": pd.array([True, None, False, None, True], dtype="boolean"),
        }
    )
    result = qualify_frame(df, as_of=AS_OF)
    refs = [
        {"name": "a", "industry": "机械", "months_to_close": 1, "necessity_affirmed": True},
        {"name": "b", "revenue": "3亿"},
        {"name": "c", "months_to_close": 2, "necessity_affirmed": False},
        {"name": "d", "expected_close": "2026-12-20"},
        {"name": "e", "months_to_close": 3, "necessity_affirmed": True},
    ]
    for i, ref in enumerate(refs):
        assert actual_row(result, i) == expected_row(erpsales.qualify(ref, as_of=AS_OF)), i
    assert result.at[3, "months_to_close"] == 1  # read from the Timestamp column


def test_numbers_in_text_columns_become_their_text() -> None:
    df = pd.DataFrame({"id": [1001, 1002], "name": ["a", "b"], "owner": [7.0, None]})
    result = qualify_frame(df, as_of=AS_OF)
    assert result["id"].tolist() == ["1001", "1002"]
    assert result.at[0, "owner"] == "7"
    floats = pd.DataFrame({"id": [1001.0, None], "name": ["a", "b"]})
    assert qualify_frame(floats, as_of=AS_OF)["id"].tolist() == ["1001", "b"]


def test_numpy_and_float_amounts_and_integers() -> None:
    df = pd.DataFrame(
        {
            "name": ["a", "b"],
            "industry": ["machinery", "machinery"],
            "revenue": [3.0e8, float("nan")],
            "profit": pd.array([20_000_000, None], dtype="Int64"),
            "months_to_close": [2.0, 1.5],
        }
    )
    result = qualify_frame(df, as_of=AS_OF)
    assert result.at[0, "product"] == "ERP2"
    assert result.at[0, "months_to_close"] == 2
    assert "months_to_close" in result.at[1, "error"]  # 1.5 is not a whole number


def test_booleans_in_many_spellings_and_a_bad_one() -> None:
    df = pd.DataFrame({"name": list("abcdef"), "disqualified": ["是", "no", True, 1, 0.0, "maybe"]})
    result = qualify_frame(df, as_of=AS_OF)
    assert result["status"].astype(str).tolist()[:5] == [
        "disqualified", "active", "disqualified", "disqualified", "active",
    ]  # fmt: skip
    assert result.at[5, "error"] == (
        "row 5: column 'disqualified': 'maybe' is not a boolean; "
        "use true/false, yes/no, 1/0 or 是/否"
    )


def test_dotted_columns_reach_into_key_info_and_merge_with_a_json_column() -> None:
    item = {
        "name": "a",
        "industry": "机械",
        "revenue": "3亿",
        "profit": "2000万",
        "key_info": {
            "budget": {"mode": "budgeted", "amount_rmb": 1_200_000, "covers": ["software"]},
            "schedule": {"contract_signing": "2026-12-22", "vendor_decision": "2027-01-10"},
            "decision": {"majority_supports": False},
        },
    }
    df = pd.DataFrame(
        {
            "name": ["a"],
            "industry": ["机械"],
            "revenue": ["3亿"],
            "profit": ["2000万"],
            "key_info": [{"decision": {"majority_supports": False}}],
            "key_info.budget.mode": ["预算制"],
            "key_info.budget.amount_rmb": ["120万"],
            "key_info.budget.covers": ["软件"],
            "key_info.schedule.contract_signing": [pd.Timestamp("2026-12-22")],
            "key_info.schedule.vendor_decision": ["2027-01-10"],
        }
    )
    given = df.at[0, "key_info"]
    result = qualify_frame(df, as_of=AS_OF)
    assert actual_row(result, 0) == expected_row(erpsales.qualify(item, as_of=AS_OF))
    assert "CX-SCHED-ORDER" in result.at[0, "finding_ids"]
    assert given == {"decision": {"majority_supports": False}}  # the caller's dict unchanged


def test_a_value_given_twice_is_a_row_error() -> None:
    df = pd.DataFrame(
        {
            "name": ["a", "b"],
            "key_info": ['{"budget": {"mode": "budgeted"}}', None],
            "key_info.budget.mode": ["budgeted", "budgeted"],
        }
    )
    result = qualify_frame(df, as_of=AS_OF)
    assert result.at[0, "error"] == (
        "row 0: column 'key_info.budget.mode': the same value is also given by another column"
    )
    assert result.at[1, "error"] is pd.NA


def test_bad_json_and_wrong_json_types_name_the_column() -> None:
    df = pd.DataFrame(
        {
            "name": ["a", "b", "c"],
            "key_info": ["{bad", "[1]", None],
            "stakeholders": [None, None, "{}"],
        }
    )
    result = qualify_frame(df, as_of=AS_OF)
    assert result.at[0, "error"].startswith("row 0: column 'key_info': not valid JSON")
    assert result.at[1, "error"] == "row 1: column 'key_info': expected a JSON object, got array"
    assert result.at[2, "error"] == (
        "row 2: column 'stakeholders': expected a JSON array, got object"
    )


def test_a_validation_error_inside_a_json_column_names_column_and_path() -> None:
    df = pd.DataFrame({"name": ["a"], "key_info": [json.dumps({"budget": {"amount_rmb": "很多"}})]})
    error = qualify_frame(df, as_of=AS_OF).at[0, "error"]
    assert error.startswith("row 0: column 'key_info' (key_info.budget.amount_rmb): ")


def test_a_model_level_error_names_the_row() -> None:
    df = pd.DataFrame({"name": ["a"], "stakeholders": ['[{"name": "王总"}, {"name": "王总"}]']})
    error = qualify_frame(df, as_of=AS_OF).at[0, "error"]
    assert error.startswith("row 0: (row): Value error, stakeholder names must be unique")


# --------------------------------------------------------------------------- columns and mapping


def test_a_crm_s_own_column_names_are_mapped() -> None:
    df = pd.DataFrame(
        {
            "CRM Name": ["苏州精工"],
            "Umsatz": [300_000_000],
            "Gewinn": ["2000万"],
            "Branche": ["机械"],
            "Budget": ["120万"],
        }
    )
    mapping = {
        "CRM Name": "name",
        "Umsatz": "annual_revenue_rmb",
        "Gewinn": "profit",
        "Branche": "industry",
        "Budget": "key_info.budget.amount_rmb",
    }
    result = qualify_frame(df, columns=mapping, as_of=AS_OF)
    ref = {"name": "苏州精工", "revenue": "3亿", "profit": "2000万", "industry": "机械",
           "key_info": {"budget": {"amount_rmb": 1_200_000}}}  # fmt: skip
    assert actual_row(result, 0) == expected_row(erpsales.qualify(ref, as_of=AS_OF))
    bad = df.assign(Umsatz=["viel"])
    error = qualify_frame(bad, columns=mapping, as_of=AS_OF).at[0, "error"]
    assert error.startswith("row 0: column 'Umsatz': Value error, 'viel' is not an amount")


def test_a_missing_name_column_says_which_mapping_was_expected() -> None:
    df = pd.DataFrame({"Name": ["a"], "revenue": ["3亿"]})
    with pytest.raises(InputError) as info:
        qualify_frame(df, as_of=AS_OF)
    message = str(info.value)
    assert "unknown column 'Name'" in message  # an unknown column is reported first
    with pytest.raises(InputError) as info:
        qualify_frame(df, as_of=AS_OF, extra_columns="ignore")
    message = str(info.value)
    assert "missing required column 'name'" in message
    assert "['Name', 'revenue']" in message
    assert "columns={'Name': 'name'}" in message
    assert info.value.field == "name"
    with pytest.raises(InputError, match=r"columns=\{'<your name column>': 'name'\}"):
        qualify_frame(pd.DataFrame({"revenue": ["3亿"]}), as_of=AS_OF)


def test_unknown_columns_are_errors_with_a_suggestion_unless_ignored() -> None:
    df = pd.DataFrame({"name": ["a"], "revnue": ["3亿"], "Phone": ["123"]})
    with pytest.raises(InputError) as info:
        qualify_frame(df, as_of=AS_OF)
    message = str(info.value)
    assert "unknown column 'revnue': not a Prospect field (did you mean 'revenue'?)" in message
    assert "unknown column 'Phone'" in message
    assert "extra_columns='ignore'" in message
    result = qualify_frame(df, as_of=AS_OF, extra_columns="ignore")
    assert result.at[0, "error"] is pd.NA
    assert result.at[0, "product"] is pd.NA


def test_mapping_errors() -> None:
    df = pd.DataFrame({"name": ["a"], "Umsatz": ["3亿"]})
    with pytest.raises(InputError, match="columns= maps Umsatz2, which the frame does not have"):
        qualify_frame(df, columns={"Umsatz2": "revenue"}, as_of=AS_OF)
    with pytest.raises(
        InputError, match=r"column 'Umsatz' maps to unknown column 'revenu'.*'revenue'"
    ):
        qualify_frame(df, columns={"Umsatz": "revenu"}, as_of=AS_OF, extra_columns="ignore")
    both = pd.DataFrame({"name": ["a"], "revenue": ["3亿"], "annual_revenue_rmb": [1]})
    with pytest.raises(
        InputError,
        match="columns 'revenue' and 'annual_revenue_rmb' both give 'annual_revenue_rmb'",
    ):
        qualify_frame(both, as_of=AS_OF)
    twice = pd.DataFrame([["a", "b"]], columns=["name", "name"])
    with pytest.raises(InputError, match=r"duplicate column names: \['name'\]"):
        qualify_frame(twice, as_of=AS_OF)


def test_arguments_are_checked() -> None:
    with pytest.raises(TypeError, match="expected a pandas DataFrame, got list"):
        qualify_frame([{"name": "a"}], as_of=AS_OF)  # type: ignore[arg-type]
    df = pd.DataFrame({"name": ["a"]})
    with pytest.raises(ValueError, match="detail must be"):
        qualify_frame(df, detail="some")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="lang must be"):
        qualify_frame(df, lang="fr")  # type: ignore[arg-type]
    with pytest.raises(erpsales.BackendUnavailableError):
        qualify_frame(df, backend="nope")


# --------------------------------------------------------------------------- joined tables


def _people() -> Any:
    return pd.DataFrame(
        {
            "prospect_id": ["P1", "P1", "P2", "P9"],
            "name": ["王总", "李工", "赵总", "无关"],
            "title": ["总经理", "IT经理", None, None],
            "level": ["高", "middle", None, None],
            "roles": ["approver", ["influencer", "gatekeeper"], "decision_maker;approver", None],
            "influence": [5, 2, 4, 3],
            "support": [2, 5, 4, 3],
        },
        index=[100, 101, 102, 103],
    )


def test_stakeholders_as_a_second_table_joined_by_prospect_id() -> None:
    df = pd.DataFrame({"id": ["P1", "P2", "P3"], "name": ["a", "b", "c"]})
    result = qualify_frame(df, stakeholders=_people(), as_of=AS_OF)
    refs = [
        {"id": "P1", "name": "a", "stakeholders": [
            {"name": "王总", "title": "总经理", "level": "senior", "roles": ["approver"],
             "influence": 5, "support": 2},
            {"name": "李工", "title": "IT经理", "level": "middle",
             "roles": ["influencer", "gatekeeper"], "influence": 2, "support": 5}]},
        {"id": "P2", "name": "b", "stakeholders": [
            {"name": "赵总", "roles": ["decision_maker", "approver"], "influence": 4,
             "support": 4}]},
        {"id": "P3", "name": "c"},
    ]  # fmt: skip
    for i, ref in enumerate(refs):
        assert actual_row(result, i) == expected_row(erpsales.qualify(ref, as_of=AS_OF)), i
    assert result["devil"].tolist() == [1, 0, 0]
    assert result["angel"].tolist() == [0, 1, 0]


def test_the_stakeholders_table_joins_on_the_name_when_there_is_no_id() -> None:
    df = pd.DataFrame({"name": ["P1", "P2"]})
    result = qualify_frame(df, stakeholders=_people(), as_of=AS_OF)
    assert result["devil"].tolist() == [1, 0]
    assert result["sweetheart"].tolist() == [1, 0]


def test_a_bad_person_fails_only_its_prospect_and_names_the_table_row() -> None:
    people = _people().astype({"influence": object})
    people.loc[102, "support"] = 9
    people.loc[101, "influence"] = "high"
    df = pd.DataFrame({"id": ["P1", "P2", "P3"], "name": ["a", "b", "c"]})
    result = qualify_frame(df, stakeholders=people, as_of=AS_OF)
    assert result.at[0, "error"].startswith(
        "row 0: stakeholders table row 101, column 'influence': "
    )
    assert result.at[1, "error"].startswith(
        "row 1: stakeholders table row 102, column 'support': Input should be less than or equal to 5"
    )
    assert result.at[2, "error"] is pd.NA
    people = _people()
    people.loc[100, "roles"] = '["approver"'
    error = qualify_frame(df, stakeholders=people, as_of=AS_OF).at[0, "error"]
    assert error.startswith("row 0: stakeholders table row 100: column 'roles': not valid JSON")


def test_stakeholders_in_both_places_or_an_ambiguous_join_are_row_errors() -> None:
    df = pd.DataFrame(
        {"id": ["P1", "P2", "P2"], "name": ["a", "b", "c"],
         "stakeholders": ['[{"name": "x"}]', None, None]}
    )  # fmt: skip
    result = qualify_frame(df, stakeholders=_people(), as_of=AS_OF)
    assert "given both in a column and in the stakeholders table" in result.at[0, "error"]
    assert "prospect id 'P2' is on several rows" in result.at[1, "error"]
    assert "prospect id 'P2' is on several rows" in result.at[2, "error"]


def test_a_stakeholders_table_must_be_readable() -> None:
    df = pd.DataFrame({"id": ["P1"], "name": ["a"]})
    with pytest.raises(InputError, match="the stakeholders table has no 'prospect_id' column"):
        qualify_frame(df, stakeholders=_people().drop(columns="prospect_id"), as_of=AS_OF)
    with pytest.raises(InputError, match=r"unknown column 'suport'.*did you mean 'support'"):
        qualify_frame(df, stakeholders=_people().rename(columns={"support": "suport"}))
    people = _people()
    people.loc[103, "prospect_id"] = None
    with pytest.raises(InputError, match=r"rows without a prospect_id: \[103\]"):
        qualify_frame(df, stakeholders=people, as_of=AS_OF)
    with pytest.raises(TypeError, match="stakeholders= takes a DataFrame"):
        qualify_frame(df, stakeholders=[{"name": "x"}], as_of=AS_OF)


def test_key_info_as_a_second_table() -> None:
    df = pd.DataFrame({"id": ["P1", "P2", "P3"], "name": ["a", "b", "c"], "revenue": ["3亿"] * 3,
                       "industry": ["机械"] * 3, "profit": ["2000万"] * 3})  # fmt: skip
    key_info = pd.DataFrame(
        {
            "prospect_id": ["P2", "P1", "P3", "P3"],
            "budget.amount_rmb": ["20万", None, "1万", "2万"],
            "key_info.schedule.contract_signing": ["2026-12-20", "2027-03-01", None, None],
        },
        index=["k0", "k1", "k2", "k3"],
    )
    result = qualify_frame(df, key_info=key_info, as_of=AS_OF)
    refs = [
        {"id": "P1", "name": "a", "key_info": {"schedule": {"contract_signing": "2027-03-01"}}},
        {"id": "P2", "name": "b", "key_info": {"budget": {"amount_rmb": 200_000},
                                               "schedule": {"contract_signing": "2026-12-20"}}},
    ]  # fmt: skip
    for i, ref in enumerate(refs):
        ref |= {"revenue": "3亿", "industry": "机械", "profit": "2000万"}
        assert actual_row(result, i) == expected_row(erpsales.qualify(ref, as_of=AS_OF)), i
    assert "the key_info table has 2 rows for prospect id 'P3'" in result.at[2, "error"]
    key_info.loc["k0", "budget.amount_rmb"] = "lots"
    error = qualify_frame(df, key_info=key_info, as_of=AS_OF).at[1, "error"]
    assert error.startswith("row 1: key_info table row 'k0', column 'budget.amount_rmb': ")
    with pytest.raises(InputError, match="also columns of the frame"):
        qualify_frame(df.assign(**{"key_info.budget.amount_rmb": ["1万"] * 3}), key_info=key_info)


# --------------------------------------------------------------------------- long formats


def _examples() -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = json.loads(
        (ROOT / "examples" / "prospects.json").read_text("utf-8")
    )
    return items


def test_findings_frame_from_assessments_and_from_a_frame() -> None:
    items = _examples()
    results = list(erpsales.qualify_many([*items, {"name": "bad", "revenue": "x"}], as_of=AS_OF))
    assert isinstance(results[-1], ItemError)
    long = findings_frame(results, lang="zh")
    assert list(long.columns) == list(FINDING_COLUMNS)
    assert len(long) == sum(len(r.findings) for r in results if isinstance(r, Assessment))
    first = results[1]
    assert isinstance(first, Assessment)
    mine = long.loc[[1]]
    assert mine["rule_id"].tolist() == list(first.finding_ids())
    assert mine["message"].tolist() == [f.message.zh for f in first.findings]
    assert mine["between"].iloc[0] == ",".join(p.value for p in first.findings[0].between)
    assert str(long["kind"].dtype) == "category"
    assert str(long["severity"].dtype) == "category"
    devil = long[long["rule_id"] == "SM-DECIDER-DEVIL"]
    assert devil["subject"].notna().all()

    df = pd.DataFrame([flat_row(i) for i in items], index=[f"r{i}" for i in range(len(items))])
    from_frame = df.erpsales.findings(as_of=AS_OF)
    counts = df.erpsales.qualify(as_of=AS_OF)["finding_count"]
    assert (
        from_frame.groupby(level=0).size().reindex(df.index, fill_value=0).tolist()
        == counts.tolist()
    )
    assert from_frame.loc["r1", "rule_id"].tolist() == list(first.finding_ids())
    assert from_frame.loc["r1", "message"].iloc[0] == first.findings[0].message.en


def test_long_formats_keep_the_input_index_type_and_names() -> None:
    items = _examples()[:3]
    index = pd.MultiIndex.from_tuples([("a", 1), ("a", 1), ("b", 2)], names=["team", "n"])
    df = pd.DataFrame([flat_row(i) for i in items], index=index)
    long = findings_frame(df, as_of=AS_OF)
    assert long.index.names == ["team", "n"]
    counts = qualify_frame(df, as_of=AS_OF)["finding_count"].tolist()
    assert list(long.index) == [
        label for label, n in zip(index, counts, strict=True) for _ in range(n)
    ]
    people = stakeholders_frame(df.iloc[[2]], as_of=AS_OF)
    assert set(people.index) == {("b", 2)}


def test_stakeholders_frame_and_its_round_trip_as_input() -> None:
    items = _examples()
    df = pd.DataFrame([flat_row(i) for i in items])
    people = stakeholders_frame(df, as_of=AS_OF)
    assert list(people.columns) == list(STAKEHOLDER_COLUMNS)
    results = [r for r in erpsales.qualify_many(items, as_of=AS_OF) if isinstance(r, Assessment)]
    assert len(people) == sum(len(a.stakeholders) for a in results)
    a = results[1]
    mine = people.loc[1]
    assert mine["name"].tolist() == [p.name for p in a.stakeholders]
    assert mine["quadrant"].astype(str).tolist() == [p.quadrant.value for p in a.stakeholders]
    assert mine["attention"].tolist() == list(range(1, len(a.stakeholders) + 1))
    # the stakeholders frame goes back in as the stakeholders= table
    again = qualify_frame(
        df.drop(columns="stakeholders"),
        stakeholders=people[
            ["prospect_id", "name", "title", "level", "roles", "influence", "support"]
        ],
        as_of=AS_OF,
    )
    pd.testing.assert_frame_equal(again, qualify_frame(df, as_of=AS_OF))


def test_long_formats_of_nothing_and_wrong_input() -> None:
    empty = findings_frame([])
    assert list(empty.columns) == list(FINDING_COLUMNS)
    assert len(empty) == 0
    assert len(stakeholders_frame([])) == 0
    with pytest.raises(TypeError, match="policy apply to a DataFrame input only"):
        findings_frame([], policy=erpsales.seed_policy())
    with pytest.raises(TypeError, match="expected a DataFrame or Assessments"):
        stakeholders_frame([{"name": "x"}])  # type: ignore[list-item]


# --------------------------------------------------------------------------- the accessor


def test_the_accessor_is_qualify_frame() -> None:
    items = _examples()
    df = pd.DataFrame([flat_row(i) for i in items])
    pd.testing.assert_frame_equal(
        df.erpsales.qualify(as_of=AS_OF, detail="full", lang="zh"),
        qualify_frame(df, as_of=AS_OF, detail="full", lang="zh"),
    )
    pd.testing.assert_frame_equal(
        df.erpsales.stakeholders(as_of=AS_OF), stakeholders_frame(df, as_of=AS_OF)
    )
    summary = df.erpsales.qualify(as_of=AS_OF).erpsales.summary(locale="zh")
    assert summary.total == len(items)
    assert summary.failed == 0
    with pytest.raises(ValueError, match=r"use df.erpsales.qualify\(...\).erpsales.summary\(\)"):
        df.erpsales.summary()


def test_as_of_is_used_and_defaults_to_today() -> None:
    df = pd.DataFrame({"name": ["a"], "expected_close": ["2026-12-20"]})
    assert qualify_frame(df, as_of="2026-11-28").at[0, "months_to_close"] == 1
    assert qualify_frame(df, as_of=dt.date(2026, 6, 1)).at[0, "months_to_close"] == 7
    assert qualify_frame(df).attrs["as_of"] == dt.date.today()


def test_long_formats_line_up_with_the_input_around_a_bad_row() -> None:
    """A bad row in the middle neither shifts the others' findings nor people onto it."""
    items = _examples()
    rows = [flat_row(i) for i in items]
    rows.insert(2, {"name": "bad", "annual_revenue_rmb": "lots"})
    df = pd.DataFrame(rows, index=[f"r{i}" for i in range(len(rows))])
    expected = [erpsales.qualify(i, as_of=AS_OF) for i in items]
    expected.insert(2, None)
    found = df.erpsales.findings(as_of=AS_OF)
    people = df.erpsales.stakeholders(as_of=AS_OF)
    for label, want in zip(df.index, expected, strict=True):
        got_ids = found.loc[[label], "rule_id"].tolist() if label in found.index else []
        got_people = people.loc[[label], "name"].tolist() if label in people.index else []
        if want is None:
            assert got_ids == []
            assert got_people == []
        else:
            assert got_ids == list(want.finding_ids()), label
            assert got_people == [p.name for p in want.stakeholders], label
