"""The ``erpsales`` command line: qualify, policy check, schema, --version."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

import erpsales
from erpsales._io import read_records
from erpsales.cli import display_width, main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "prospects.json"
SEED = ROOT / "src" / "erpsales" / "policy" / "seed.toml"
AS_OF = ["--as-of", "2026-11-28", "--backend", "compiled"]
EXAMPLE_IDS = [item["id"] for item in json.loads(EXAMPLES.read_text(encoding="utf-8"))]

GOOD_STAKEHOLDERS = (
    '"[{""name"": ""王总"", ""roles"": [""approver""], ""influence"": 5, ""support"": 4}]"'
)
BAD_STAKEHOLDERS = '"[{""name"": ""李总"", ""influence"": 5, ""support"": 9}]"'
MIXED_CSV = (
    "id,name,industry,revenue,profit,computerisation,selection,necessity_affirmed,stakeholders\n"
    f"C1,苏州甲机械,机械,3亿,2000万,not_computerised,started,是,{GOOD_STAKEHOLDERS}\n"
    "C2,宁波乙五金,五金,-5000万,300万,,,,\n"
    "C3,青岛丙食品,食品,2亿,600万,computerised,,yes,\n"
    f"C4,天津丁化工,化工,8亿,1亿,,,,{BAD_STAKEHOLDERS}\n"
    "C5,常州戊电机,电机,8000万,200万,,,否,\n"
)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# --------------------------------------------------------------------------- qualify


def test_table_lists_every_example_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "qualify", str(EXAMPLES), *AS_OF)
    assert code == 0, err
    assert err == ""
    lines = out.splitlines()
    assert lines[0].split() == [
        "ID",
        "Name",
        "Product",
        "Grade",
        "Status",
        "#Findings",
        "Finding",
        "ids",
        "Map",
        "D/A/I/S",
    ]
    for prospect_id in EXAMPLE_IDS:
        assert any(line.startswith(prospect_id + " ") for line in lines), prospect_id
    assert lines[-1] == "12 qualified, 0 failed"
    row = next(line for line in lines if line.startswith("JS-SZ-001 "))
    assert row.split()[2:5] == ["ERP2", "A", "active"]
    assert row.endswith("D0 A2 I1 S1")


def _width(text: str) -> int:
    """Terminal columns, computed independently of the code under test."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _column_starts(line: str) -> list[int]:
    """Display offsets where a cell starts (after two or more spaces, or at 0)."""
    return [_width(line[: m.start()]) for m in re.finditer(r"(?:^|(?<=  ))\S", line)]


def test_display_width_counts_cjk_double() -> None:
    assert display_width("苏州ab") == 6
    assert display_width("ＡＢ") == 4  # fullwidth
    assert display_width("e\u0301") == 1  # combining accent


def test_table_columns_line_up_with_cjk_names(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "qualify", str(EXAMPLES), *AS_OF)
    assert code == 0
    header, _rule, *rows = out.splitlines()[:-1]
    starts = _column_starts(header)[:5]  # id, name, product, grade, status: never empty
    assert len(rows) == 12
    for row in rows:
        assert re.search(r"[\u4e00-\u9fff]", row), row
        assert _column_starts(row)[:5] == starts, row


def test_lang_zh_table_headers_are_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "qualify", str(EXAMPLES), *AS_OF, "--lang", "zh")
    assert code == 0
    header = out.splitlines()[0]
    assert header.split()[:6] == ["编号", "名称", "产品", "分级", "状态", "发现数"]
    assert "Product" not in out
    assert out.splitlines()[-1] == "已评估 12 个，失败 0 个"
    assert "非目标市场" in out  # SH-007 is outside the target market


def test_json_output_round_trips(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "qualify", str(EXAMPLES), *AS_OF, "--format", "json")
    assert code == 0
    items = json.loads(out)
    assessments = [erpsales.Assessment.model_validate(item) for item in items]
    assert [a.prospect_id for a in assessments] == EXAMPLE_IDS
    assert {a.backend for a in assessments} == {"compiled"}
    assert assessments[0].product == "ERP2"
    assert str(assessments[0].as_of) == "2026-11-28"


def test_jsonl_output_round_trips(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "qualify", str(EXAMPLES), *AS_OF, "--format", "jsonl")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 12
    assessments = [erpsales.Assessment.model_validate_json(line) for line in lines]
    assert [a.prospect_id for a in assessments] == EXAMPLE_IDS
    direct = erpsales.Engine(backend="compiled").qualify(
        json.loads(EXAMPLES.read_text(encoding="utf-8"))[1], as_of="2026-11-28"
    )
    assert assessments[1] == direct


def test_csv_bad_rows_fail_and_good_rows_print(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    csv_file = write(tmp_path / "prospects.csv", MIXED_CSV)
    code, out, err = run(capsys, "qualify", str(csv_file), *AS_OF, "--format", "json")
    assert code == 1
    assert [a["prospect_id"] for a in json.loads(out)] == ["C1", "C3", "C5"]
    errors = [json.loads(line) for line in err.splitlines()]
    assert [(e["row"], e["id"]) for e in errors] == [(3, "C2"), (5, "C4")]
    assert errors[0]["errors"][0]["field"] == "revenue"
    assert errors[1]["errors"][0]["field"] == "stakeholders.0.support"
    assert {e["code"] for e in errors} == {"input.invalid"}


def test_csv_bad_rows_in_table_mode_name_row_and_field(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    csv_file = write(tmp_path / "prospects.csv", MIXED_CSV)
    code, out, err = run(capsys, "qualify", str(csv_file), *AS_OF)
    assert code == 1
    lines = err.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("row 3: revenue: ")
    assert "greater than or equal to 0" in lines[0]
    assert lines[1].startswith("row 5: stakeholders.0.support: ")
    assert "less than or equal to 5" in lines[1]
    assert out.splitlines()[-1] == "3 qualified, 2 failed"
    row_c1 = next(line for line in out.splitlines() if line.startswith("C1 "))
    assert "ERP2" in row_c1
    assert row_c1.endswith("D0 A1 I0 S0")  # 王总: influence 5, support 4 → angel


def test_errors_file_gets_the_failures_instead_of_stderr(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    csv_file = write(tmp_path / "prospects.csv", MIXED_CSV)
    errfile = tmp_path / "errors.jsonl"
    code, out, err = run(capsys, "qualify", str(csv_file), *AS_OF, "--errors", str(errfile))
    assert code == 1
    assert err == ""
    records = [json.loads(line) for line in errfile.read_text(encoding="utf-8").splitlines()]
    assert [(r["row"], r["id"], r["code"]) for r in records] == [
        (3, "C2", "input.invalid"),
        (5, "C4", "input.invalid"),
    ]
    assert set(records[0]) >= {"row", "id", "code", "message", "errors"}
    assert "3 qualified, 2 failed" in out


def test_jsonl_broken_line_in_the_middle(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    jsonl = write(
        tmp_path / "p.jsonl",
        '{"id": "J1", "name": "甲", "revenue": "3亿", "profit": "2000万"}\n'
        "\n"
        '{"id": "J2", "name": "乙", "revenue": \n'
        '{"id": "J3", "name": "丙", "industry": "food", "revenue": "2亿"}\n',
    )
    code, out, err = run(capsys, "qualify", str(jsonl), *AS_OF, "--format", "jsonl")
    assert code == 1
    assert [json.loads(line)["prospect_id"] for line in out.splitlines()] == ["J1", "J3"]
    (error,) = [json.loads(line) for line in err.splitlines()]
    assert error["row"] == 3  # the blank line 2 is skipped but still counted
    assert error["code"] == "input.syntax"
    assert "not valid JSON" in error["message"]


def test_several_files_name_the_file_in_errors(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    good = write(tmp_path / "good.jsonl", '{"name": "甲"}\n')
    bad = write(tmp_path / "bad.jsonl", '{"name": "乙"}\n{"name": ""}\n')
    code, out, err = run(capsys, "qualify", str(good), str(bad), *AS_OF)
    assert code == 1
    assert err.startswith(f"{bad}: row 2: name: ")
    assert "2 qualified, 1 failed" in out


def test_dotted_csv_columns_build_nested_objects(tmp_path: Path) -> None:
    csv_file = write(
        tmp_path / "dotted.csv",
        "name,key_info.budget.mode,key_info.budget.amount_rmb,key_info.budget.covers,"
        "key_info.schedule.contract_signing,key_info.requirement.modules,"
        "key_info.decision.majority_supports,pains\n"
        "甲,预算制,80万,软件;服务,2026-12-20,财务;进销存;生产,否,"
        "vendor_unresponsive; inadequate_for_scale\n",
    )
    (record,) = list(read_records(csv_file))
    assert record.error is None
    assert record.row == 2
    assert record.data == {
        "name": "甲",
        "pains": ["vendor_unresponsive", "inadequate_for_scale"],
        "key_info": {
            "budget": {"mode": "预算制", "amount_rmb": "80万", "covers": ["软件", "服务"]},
            "schedule": {"contract_signing": "2026-12-20"},
            "requirement": {"modules": ["财务", "进销存", "生产"]},
            "decision": {"majority_supports": False},
        },
    }
    prospect = erpsales.Prospect.model_validate(record.data)
    assert prospect.key_info.budget.amount_rmb == 800_000
    assert prospect.key_info.requirement.modules == ["财务", "进销存", "生产"]


def test_dotted_columns_merge_into_a_key_info_json_column(tmp_path: Path) -> None:
    csv_file = write(
        tmp_path / "merge.csv",
        "key_info.budget.amount_rmb,name,key_info\n"
        '120万,甲,"{""budget"": {""mode"": ""budgeted""}}"\n'
        '50万,乙,"{""budget"": {""amount_rmb"": 1}}"\n',
    )
    first, second = list(read_records(csv_file))
    assert first.data == {
        "name": "甲",
        "key_info": {"budget": {"mode": "budgeted", "amount_rmb": "120万"}},
    }
    assert second.error is not None
    assert "key_info.budget.amount_rmb" in second.error.message
    assert second.row == 3


def test_unknown_csv_column_is_named_per_row(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    csv_file = write(tmp_path / "typo.csv", "id,name,revnue\nT1,甲,3亿\nT2,乙,2亿\n")
    code, out, err = run(capsys, "qualify", str(csv_file), *AS_OF)
    assert code == 1
    lines = err.splitlines()
    assert len(lines) == 2
    assert lines[0] == (
        "row 2: unknown column 'revnue': not a prospect field (did you mean 'revenue'?) (id T1)"
    )
    assert lines[1].startswith("row 3: unknown column 'revnue'")
    assert "0 qualified, 2 failed" in out


def test_unknown_dotted_column_is_named(tmp_path: Path) -> None:
    csv_file = write(tmp_path / "typo.csv", "name,key_info.budget.amout\n甲,80万\n")
    (record,) = list(read_records(csv_file))
    assert record.error is not None
    assert record.error.field == "key_info.budget.amout"
    assert "did you mean 'key_info.budget.amount_rmb'" in record.error.message


def test_csv_booleans_bom_and_empty_cells(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(
        "\ufeffname,necessity_affirmed,disqualified,months_to_close\n"
        "甲,是,no,\n乙,TRUE,1,3\n丙,maybe,,\n".encode()
    )
    first, second, third = list(read_records(path))
    assert first.data == {"name": "甲", "necessity_affirmed": True, "disqualified": False}
    assert second.data == {
        "name": "乙",
        "necessity_affirmed": True,
        "disqualified": True,
        "months_to_close": "3",
    }
    assert third.error is not None
    assert third.error.field == "necessity_affirmed"
    assert "'maybe' is not a boolean" in third.error.message


def test_csv_syntax_error_in_one_row_does_not_stop_the_file(tmp_path: Path) -> None:
    csv_file = write(tmp_path / "quote.csv", 'id,name\nQ1,"甲"x\nQ2,乙\n')
    bad, good = list(read_records(csv_file))
    assert bad.error is not None
    assert bad.error.code == "input.syntax"
    assert bad.row == 2
    assert good.data == {"id": "Q2", "name": "乙"}
    assert good.row == 3


def test_json_array_records_carry_their_line(tmp_path: Path) -> None:
    records = list(read_records(EXAMPLES))
    assert [r.index for r in records] == list(range(12))
    assert records[0].row == 2
    lines = EXAMPLES.read_text(encoding="utf-8").splitlines()
    for record in records:
        assert record.data is not None
        assert f'"id": "{record.data["id"]}"' in lines[record.row]  # the line after "{"


def test_stdin_jsonl_is_sniffed(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = '{"id": "S1", "name": "甲"}\n{"id": "S2", "name": "乙"}\n'
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data.encode()), encoding="utf-8"))
    code, out, _ = run(capsys, "qualify", "-", *AS_OF, "--format", "jsonl")
    assert code == 0
    assert [json.loads(line)["prospect_id"] for line in out.splitlines()] == ["S1", "S2"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "empty.csv: the file is empty"),
        ("blank.jsonl", b"\n  \n", "blank.jsonl: the file is empty"),
        ("gbk.csv", "name\n苏州\n".encode("gbk"), "gbk.csv:2: not UTF-8 text (byte 0xcb"),
        ("notes.txt", b"name\n", "unknown file type '.txt'"),
        ("broken.json", b'[{"name": "a"},\n {"name": }]', "broken.json:2: not valid JSON"),
    ],
)
def test_unreadable_input_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    (tmp_path / name).write_bytes(content)
    code, out, err = run(capsys, "qualify", str(tmp_path / name), *AS_OF)
    assert code == 2
    assert out == ""
    assert err.startswith("erpsales: error: ")
    assert message in err
    assert len(err.splitlines()) == 1
    assert "Traceback" not in err


def test_missing_file_and_bad_date_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(capsys, "qualify", str(tmp_path / "nope.csv"), *AS_OF)
    assert code == 2
    assert "nope.csv: no such file" in err
    code, _, err = run(capsys, "qualify", str(EXAMPLES), "--as-of", "2026-13-01")
    assert code == 2
    assert "not a date in YYYY-MM-DD form: '2026-13-01'" in err


def test_bad_policy_for_qualify_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    policy = write(tmp_path / "p.toml", 'extends = "seed"\nversion = \n')
    code, out, err = run(capsys, "qualify", str(EXAMPLES), *AS_OF, "--policy", str(policy))
    assert code == 2
    assert out == ""
    assert f"{policy}:2: not valid TOML" in err


# --------------------------------------------------------------------------- policy, schema


def test_policy_check_seed_passes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "policy", "check", str(SEED))
    assert code == 0, err
    seed = erpsales.seed_policy()
    first, *problems = out.splitlines()
    assert first == f"OK: seed 1.0.0 ({len(seed.rules)} rules, hash {seed.content_hash[:12]})"
    # the static checks print below: CX-RC-1 cannot fire without capabilities, and notes
    assert [p.split(":")[0] for p in problems] == ["warning"] + ["info"] * (len(problems) - 1)
    assert "rule CX-RC-1: can never fire" in problems[0]
    assert run(capsys, "policy", "check", "seed", "--strict")[0] == 1  # warnings fail when strict


def test_policy_check_names_a_planted_gap_and_overlap(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Issue 3, done means: a gap and an overlap planted in a copy of the seed, with the interval."""
    text = SEED.read_text(encoding="utf-8")
    gap = write(
        tmp_path / "gap.toml",
        text.replace("revenue_min_rmb = 100_000_000", "revenue_min_rmb = 120_000_000", 1),
    )
    code, _, err = run(capsys, "policy", "check", str(gap))
    assert code == 2
    assert "revenue bands of ERP1 and ERP2 leave a gap on [100,000,000, 120,000,000)" in err
    overlap = write(
        tmp_path / "overlap.toml",
        text.replace("revenue_max_rmb = 100_000_000", "revenue_max_rmb = 150_000_000", 1),
    )
    code, _, err = run(capsys, "policy", "check", str(overlap))
    assert code == 2
    assert "revenue bands of ERP1 and ERP2 overlap on [100,000,000, 150,000,000)" in err
    assert f"{overlap}:" in err


def test_policy_test_runs_the_seed_cases(capsys: pytest.CaptureFixture[str]) -> None:
    cases = SEED.with_name("seed.cases.toml")
    code, out, _ = run(capsys, "policy", "test", "seed", str(cases))
    assert code == 0
    assert "0 failed, 0 errors" in out
    assert "rule coverage: 37/37" in out or "never fired" not in out
    broken = run(capsys, "policy", "test", "seed", str(cases), "--format", "json")
    assert json.loads(broken[1])["policy_id"] == "seed"


def test_policy_check_names_rule_line_field_and_suggestion(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    text = SEED.read_text(encoding="utf-8")
    target = 'when = "budget.amount < fit.min_deal or'
    assert text.count(target) == 1
    bad = write(
        tmp_path / "bad.toml", text.replace(target, 'when = "budget.amout < fit.min_deal or')
    )
    # the error points at the `when` line of the rule, where the typo is
    when_line = next(
        i for i, line in enumerate(text.splitlines(), start=1) if line.startswith(target)
    )
    code, out, err = run(capsys, "policy", "check", str(bad))
    assert code == 2
    assert out == ""
    assert err.startswith(f"{bad}:{when_line}, rule CX-BR-2, field 'budget.amout': ")
    assert "did you mean 'budget.amount'?" in err
    assert "Traceback" not in err


def test_schema_prints_every_model(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "schema")
    assert code == 0
    schemas = json.loads(out)
    assert list(schemas) == [
        "Prospect",
        "KeyInfo",
        "Stakeholder",
        "Territory",
        "Assessment",
        "ItemError",
        "Policy",
    ]
    assert "name" in schemas["Prospect"]["required"]
    assert "grade" in schemas["Assessment"]["properties"]


def test_schema_one_model(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "schema", "--model", "Prospect")
    assert code == 0
    schemas = json.loads(out)
    assert list(schemas) == ["Prospect"]
    assert schemas["Prospect"]["additionalProperties"] is False
    code, _, err = run(capsys, "schema", "--model", "Nope")
    assert code == 2
    assert "unknown model 'Nope'" in err


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys)
    assert code == 2
    assert "a command is required" in err


def test_version_via_python_m() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run(
        [sys.executable, "-m", "erpsales", "--version"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"erpsales {erpsales.__version__}"


def test_two_columns_for_one_field_are_an_error(tmp_path: Path) -> None:
    csv_file = write(tmp_path / "dup.csv", "name,revenue,annual_revenue_rmb\n甲,3亿,2亿\n")
    (record,) = list(read_records(csv_file))
    assert record.error is not None
    assert record.error.message == (
        "columns 'revenue' and 'annual_revenue_rmb' both give 'annual_revenue_rmb'"
    )
