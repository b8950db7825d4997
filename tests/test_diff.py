"""What-if: ``diff_policies``, ``policy_with`` and ``erpsales policy diff`` (issue 3, part 5)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import erpsales
from erpsales import Assessment, ItemError, Policy, PolicyDiff
from erpsales.cli import main

from .conftest import AS_OF

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "prospects.json"
GRADES = ["A", "B", "C", "D"]
WIDER_TOML = """\
extends = "seed"

[settings.grading]
windows = { A = 1, B = 4, C = 6 }
"""

_INDUSTRIES = ["machinery", "electronics", "food", "other_manufacturing", "retail", None]
_REVENUES = ["4000万", "8000万", "3亿", "4.9亿", "8亿", None]
_PROFITS = ["200万", "800万", "2000万", "3000万", "-100万", None]
_SELECTIONS = ["started", "imminent", "waiting", "no_action"]
_PAINS: list[list[str]] = [[], ["vendor_unresponsive"], ["inadequate_for_scale"]]


def generated(count: int = 200) -> list[dict[str, Any]]:
    """``count`` varied prospects, the same every run: months to close 0..8 and unknown."""
    out = []
    for i in range(count):
        prospect: dict[str, Any] = {
            "id": f"GEN-{i:03d}",
            "name": f"生成制造{i:03d}",
            "computerisation": ["not_computerised", "computerised"][i % 2],
            "selection": _SELECTIONS[(i // 2) % 4],
            "necessity_affirmed": i % 5 != 0,
            "pains": _PAINS[i % 3],
            "months_to_close": None if i % 10 == 9 else i % 9,
        }
        for key, values in (
            ("industry", _INDUSTRIES),
            ("revenue", _REVENUES),
            ("profit", _PROFITS),
        ):
            value = values[(i * 7 + len(key)) % len(values)]
            if value is not None:
                prospect[key] = value
        out.append(prospect)
    return out


def data_set() -> list[dict[str, Any]]:
    """The bundled examples plus the generated prospects."""
    return [*json.loads(EXAMPLES.read_text(encoding="utf-8")), *generated()]


@pytest.fixture(scope="module")
def wider() -> Policy:
    """A copy of the seed policy with the B window widened to four months."""
    return erpsales.policy_from_dict(
        {"extends": "seed", "settings": {"grading": {"windows": {"A": 1, "B": 4, "C": 6}}}}
    )


def both(old: Policy, new: Policy, items: list[Any], backend: str) -> list[tuple[Any, Any]]:
    """Two independent ``qualify_many`` runs, paired item by item."""
    was = list(erpsales.qualify_many(items, policy=old, as_of=AS_OF, backend=backend))
    now = list(erpsales.qualify_many(items, policy=new, as_of=AS_OF, backend=backend))
    assert len(was) == len(now) == len(items)
    return list(zip(was, now, strict=True))


def counted(pairs: list[tuple[Any, Any]], attr: str) -> Counter[tuple[str, str]]:
    """Count the (old, new) values of ``attr`` over the pairs where both runs succeeded."""
    counts: Counter[tuple[str, str]] = Counter()
    for was, now in pairs:
        if isinstance(was, Assessment) and isinstance(now, Assessment):
            a, b = getattr(was, attr), getattr(now, attr)
            key = (
                getattr(a, "value", a) if a is not None else "none",
                getattr(b, "value", b) if b is not None else "none",
            )
            counts[key] += 1
    return counts


def cells(matrix: dict[str, dict[str, int]]) -> Counter[tuple[str, str]]:
    """The non-zero cells of a matrix as a Counter of (old, new)."""
    return Counter({(r, c): n for r, row in matrix.items() for c, n in row.items() if n})


# --------------------------------------------------------------------------- diff_policies


def test_grade_matrix_of_a_wider_b_window_matches_two_qualify_many_runs(
    wider: Policy, backend: str
) -> None:
    """Done means: the transition matrix equals a direct comparison of the two runs."""
    seed = erpsales.seed_policy()
    items = data_set()
    diff = erpsales.diff_policies(seed, wider, items, as_of=AS_OF, backend=backend)
    pairs = both(seed, wider, items, backend)
    expected = counted(pairs, "grade")
    assert sum(expected.values()) == len(items)  # every item qualified
    assert cells(diff.grade_matrix) == expected
    assert expected[("C", "B")] > 0, "the data set must exercise the change"
    assert list(diff.grade_matrix) == GRADES
    assert all(list(row) == GRADES for row in diff.grade_matrix.values())
    assert diff.total == diff.compared == len(items)
    assert not diff.errors
    moved_ids = {
        was.prospect_id
        for was, now in pairs
        if (was.product, was.grade, was.status, Counter(was.finding_ids()))
        != (now.product, now.grade, now.status, Counter(now.finding_ids()))
    }
    assert {m.id for m in diff.moved} == moved_ids


def test_prospects_four_months_out_move_c_to_b_because_of_the_window_rules(
    wider: Policy,
) -> None:
    seed = erpsales.seed_policy()
    items = data_set()
    diff = erpsales.diff_policies(seed, wider, items, as_of=AS_OF)
    grade_moves = [m for m in diff.moved if m.old_grade != m.new_grade]
    assert grade_moves
    for moved in grade_moves:
        assert (moved.old_grade.value, moved.new_grade.value) == ("C", "B")
        assert erpsales.qualify(items[moved.index], as_of=AS_OF).grading.months_to_close == 4
        assert {"GR-WINDOW-B", "GR-WINDOW-C"} <= set(moved.causes)
        assert moved.id == items[moved.index]["id"]
        assert moved.name == items[moved.index]["name"]
    # every prospect of descriptor grade A or B that closes in 4 months is among them
    for index, item in enumerate(items):
        if item.get("months_to_close") != 4:
            continue
        a = erpsales.qualify(item, as_of=AS_OF)
        if a.grading.descriptor_grade.value in ("A", "B"):
            assert index in {m.index for m in grade_moves}, item["id"]


def test_a_rule_that_fires_under_both_policies_on_other_facts_is_a_cause() -> None:
    """CX-BR-2 reads the product's minimum deal: it fires under both, on different values."""
    example = next(
        p for p in json.loads(EXAMPLES.read_text(encoding="utf-8")) if p["id"] == "ZJ-NB-003"
    )
    prospect = {**example, "months_to_close": 4}
    seed = erpsales.seed_policy()
    new = erpsales.policy_with(
        seed, {"grading.windows.B": 4, "products.ERP1.min_deal_rmb": 400_000}
    )
    (moved,) = erpsales.diff_policies(seed, new, [prospect], as_of=AS_OF).moved
    old_run = erpsales.qualify(prospect, policy=seed, as_of=AS_OF)
    new_run = erpsales.qualify(prospect, policy=new, as_of=AS_OF)
    assert "CX-BR-2" in old_run.finding_ids()
    assert "CX-BR-2" in new_run.finding_ids()
    assert "CX-BR-2" not in (*moved.new_findings, *moved.vanished_findings)
    assert moved.causes == ("CX-BR-2", "GR-WINDOW-B", "GR-WINDOW-C")


def test_a_rule_raised_for_fewer_people_moves_the_prospect_but_is_not_lost() -> None:
    prospect = {
        "name": "甲",
        "stakeholders": [
            {"name": "王总", "roles": ["approver"], "influence": 5, "support": 1},
            {"name": "李总", "roles": ["decision_maker"], "influence": 4, "support": 1},
        ],
    }
    seed = erpsales.seed_policy()
    new = erpsales.policy_with(seed, {"stakeholder_map.high_threshold": 5})  # 李总 is no devil
    diff = erpsales.diff_policies(seed, new, [prospect], as_of=AS_OF)
    (moved,) = diff.moved
    assert moved.old_grade == moved.new_grade
    assert (moved.new_findings, moved.vanished_findings) == ((), ())
    assert moved.causes == ("SM-DECIDER-DEVIL",)
    assert diff.finding_changes == {}


def test_identical_policies_give_a_diagonal_matrix_and_nothing_moved(backend: str) -> None:
    seed = erpsales.seed_policy()
    items = data_set()
    same = erpsales.policy_from_dict({"extends": "seed"})
    diff = erpsales.diff_policies(seed, same, items, as_of=AS_OF, backend=backend)
    for matrix in (diff.grade_matrix, diff.status_matrix, diff.product_matrix):
        assert all(n == 0 for r, row in matrix.items() for c, n in row.items() if r != c)
        assert sum(row[r] for r, row in matrix.items()) == len(items)
    assert diff.moved == ()
    assert diff.finding_changes == {}
    assert diff.old_policy_hash == diff.new_policy_hash


def test_a_data_set_with_bad_rows_reports_them_and_diffs_the_rest(wider: Policy) -> None:
    items: list[Any] = generated(30)
    items.insert(3, {"name": "坏的", "revenue": -5})
    items.insert(10, {"id": "NO-NAME", "revenue": "3亿"})
    diff = erpsales.diff_policies(erpsales.seed_policy(), wider, items, as_of=AS_OF)
    assert [(e.index, e.id) for e in diff.errors] == [(3, "坏的"), (10, "NO-NAME")]
    assert all(e.code == "input.invalid" for e in diff.errors)
    assert "revenue" in diff.errors[0].message
    assert (diff.total, diff.compared) == (32, 30)
    assert sum(sum(row.values()) for row in diff.grade_matrix.values()) == 30
    good = [item for i, item in enumerate(items) if i not in (3, 10)]
    clean = erpsales.diff_policies(erpsales.seed_policy(), wider, good, as_of=AS_OF)
    assert diff.grade_matrix == clean.grade_matrix
    assert [m.id for m in diff.moved] == [m.id for m in clean.moved]
    # indexes of moved prospects are positions in the input with the bad rows
    assert all(items[m.index]["id"] == m.id for m in diff.moved)


def test_product_and_status_matrices_and_finding_totals_match_direct_counts() -> None:
    seed = erpsales.seed_policy()
    # a higher ERP2 profit floor: some ERP2 prospects lose their fit
    stricter = erpsales.policy_with(
        seed,
        {
            "settings.products.ERP2.profit_min_rmb": 25_000_000,
            "switches.gatekeeper_devil_warning": True,
        },
    )
    items = data_set()
    diff = erpsales.diff_policies(seed, stricter, items, as_of=AS_OF)
    pairs = both(seed, stricter, items, "compiled")
    assert cells(diff.product_matrix) == counted(pairs, "product")
    assert cells(diff.status_matrix) == counted(pairs, "status")
    assert counted(pairs, "product")[("ERP2", "none")] > 0
    assert list(diff.product_matrix) == ["ERP1", "ERP2", "TIPTOP", "none"]
    assert list(diff.status_matrix) == ["active", "out_of_market", "disqualified"]
    gained: Counter[str] = Counter()
    lost: Counter[str] = Counter()
    for was, now in pairs:
        before, after = set(was.finding_ids()), set(now.finding_ids())
        gained.update(after - before)
        lost.update(before - after)
    assert {k: (v.gained, v.lost) for k, v in diff.finding_changes.items()} == {
        k: (gained[k], lost[k]) for k in gained | lost
    }
    assert gained["SM-GATEKEEPER-DEVIL"] > 0
    for moved in diff.moved:
        was, now = pairs[moved.index]
        assert set(moved.new_findings) == set(now.finding_ids()) - set(was.finding_ids())
        assert set(moved.vanished_findings) == set(was.finding_ids()) - set(now.finding_ids())
        if moved.old_product != moved.new_product:
            assert "TM-ERP2-PROFIT" in moved.causes, moved  # the profit-floor rule of ERP2


def test_the_diff_streams_a_generator_and_round_trips_as_json(wider: Policy) -> None:
    pulled = 0

    def stream() -> Iterator[dict[str, Any]]:
        nonlocal pulled
        for item in generated(50):
            pulled += 1
            yield item

    diff = erpsales.diff_policies(erpsales.seed_policy(), wider, stream(), as_of=AS_OF)
    assert pulled == diff.total == 50
    again = PolicyDiff.model_validate_json(diff.model_dump_json())
    assert again == diff
    payload = json.loads(diff.model_dump_json())
    assert payload["grade_matrix"]["C"]["B"] == diff.grade_matrix["C"]["B"] > 0
    assert payload["moved"][0]["old_grade"] == "C"
    assert payload["as_of"] == AS_OF.isoformat()


def test_to_table_shows_the_matrix_with_totals_and_truncates_the_moved_list(
    wider: Policy,
) -> None:
    items: list[Any] = [*data_set(), {"name": "坏的", "revenue": -5}]
    diff = erpsales.diff_policies(erpsales.seed_policy(), wider, items, as_of=AS_OF)
    moved = len(diff.moved)
    assert moved > 3
    table = diff.to_table(max_moved=3)
    lines = table.splitlines()
    start = lines.index("Grade transitions (rows: old policy, columns: new policy)")
    assert lines[start + 1].split() == ["old\\new", *GRADES, "Total"]
    for offset, grade in enumerate(GRADES, start=2):
        row = lines[start + offset].split()
        counts = [diff.grade_matrix[grade][g] for g in GRADES]
        assert row == [grade, *map(str, counts), str(sum(counts))]
    assert lines[start + 6].split()[-1] == str(diff.compared)
    assert f"Moved prospects ({moved})" in lines
    assert f"  ... and {moved - 3} more" in lines
    assert "Bad input items (1)" in lines
    assert "坏的" in table
    zh = diff.to_table("zh", show_errors=False)
    assert "分级变化（行：原策略，列：新策略）" in zh
    assert "合计" in zh
    assert "坏的" not in zh
    assert "进行中" in zh  # status labels from the catalog


# --------------------------------------------------------------------------- policy_with


def test_policy_with_equals_the_same_change_written_as_an_extends_file(wider: Policy) -> None:
    seed = erpsales.seed_policy()
    for key in ("settings.grading.windows.B", "grading.windows.B"):
        changed = erpsales.policy_with(seed, {key: 4})
        assert changed.content_hash == wider.content_hash
    table = erpsales.policy_with(seed, {"grading.windows": {"B": 4}})  # a table merges
    assert table.content_hash == wider.content_hash
    assert seed.settings.grading.windows["B"] == 3  # the original is untouched


def test_policy_with_addresses_products_and_rules_by_id() -> None:
    seed = erpsales.seed_policy()
    changed = erpsales.policy_with(
        seed,
        {
            "settings.products.ERP2.min_deal_rmb": 800_000,
            "rules.CX-SD-1.severity": "low",
            "params.imminent_days": 45,
        },
    )
    assert {p.id: p.min_deal_rmb for p in changed.settings.products}["ERP2"] == 800_000
    assert changed.rule("CX-SD-1").severity == "low"
    assert seed.rule("CX-SD-1").severity != "low"
    assert changed.settings.params["imminent_days"] == 45
    assert [r.id for r in changed.rules] == [r.id for r in seed.rules]
    assert changed.id == seed.id


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        ("grading.windws.B", 4, "did you mean 'windows'"),
        ("settings.products.ERP9.min_deal_rmb", 1, "no id 'ERP9'"),
        ("rules.CX-XX-9.severity", "low", "no id 'CX-XX-9'"),
        ("rule.CX-SD-1.severity", "low", "did you mean 'rules'"),
        ("grading.windows.B", 9, "A < B < C"),
        ("rules.CX-SD-1.severity", "urgent", "Input should be"),
        ("settings.products.ERP2.id", "ERP3", "an id cannot be changed"),
        ("grading.basis.x", 1, "single value"),
        ("grading..B", 1, "dotted path"),
    ],
)
def test_policy_with_errors_name_the_bad_key(key: str, value: Any, says: str) -> None:
    with pytest.raises(erpsales.PolicyError) as caught:
        erpsales.policy_with(erpsales.seed_policy(), {key: value})
    assert caught.value.field == key
    assert key in str(caught.value)
    assert says in str(caught.value)


def test_policy_with_blames_the_key_that_broke_the_policy() -> None:
    with pytest.raises(erpsales.PolicyError) as caught:
        erpsales.policy_with(
            erpsales.seed_policy(),
            {"params.imminent_days": 45, "settings.grading.windows.C": 2},
        )
    assert caught.value.field == "settings.grading.windows.C"
    assert "imminent_days" not in str(caught.value)


# --------------------------------------------------------------------------- the command line


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def matrix_from_table(out: str) -> dict[str, dict[str, int]]:
    lines = out.splitlines()
    start = lines.index("Grade transitions (rows: old policy, columns: new policy)")
    header = lines[start + 1].split()[1:-1]
    rows = {}
    for line in lines[start + 2 : start + 6]:
        grade, *numbers, _total = line.split()
        rows[grade] = dict(zip(header, map(int, numbers), strict=True))
    return rows


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    path = tmp_path / "prospects.json"
    path.write_text(json.dumps(data_set(), ensure_ascii=False, indent=1), encoding="utf-8")
    return path


DATES = ["--as-of", AS_OF.isoformat()]


def test_cli_prints_a_matrix_whose_counts_match_the_qualify_many_runs(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, data_file: Path, wider: Policy
) -> None:
    new = tmp_path / "wider.toml"
    new.write_text(WIDER_TOML, encoding="utf-8")
    code, out, err = run(capsys, "policy", "diff", "seed", str(new), str(data_file), *DATES)
    assert (code, err) == (0, "")
    pairs = both(erpsales.seed_policy(), wider, data_set(), "compiled")
    assert cells(matrix_from_table(out)) == counted(pairs, "grade")
    # the same with NEW = "-" and --set, in both spellings of the key
    for key in ("grading.windows.B", "settings.grading.windows.B"):
        args = ("policy", "diff", "seed", "-", str(data_file), "--set", f"{key}=4", *DATES)
        code, again, err = run(capsys, *args)
        assert (code, err) == (0, "")
        assert matrix_from_table(again) == matrix_from_table(out)


def test_cli_json_parses_and_equals_the_library_diff(
    capsys: pytest.CaptureFixture[str], data_file: Path, wider: Policy
) -> None:
    args = ["policy", "diff", str(ROOT / "src/erpsales/policy/seed.toml"), "-", str(data_file)]
    args += ["--set", 'grading.windows={"B": 4}', "--format", "json", *DATES]
    code, out, err = run(capsys, *args)
    assert (code, err) == (0, "")
    got = PolicyDiff.model_validate_json(out)
    expected = erpsales.diff_policies(erpsales.seed_policy(), wider, data_set(), as_of=AS_OF)
    assert got.grade_matrix == expected.grade_matrix
    assert [m.model_copy(update={"row": None}) for m in got.moved] == list(expected.moved)
    rows = [m.row for m in got.moved]  # the line each object starts on in the file
    assert all(isinstance(r, int) for r in rows)
    assert rows == sorted(rows)
    assert len(set(rows)) == len(rows)
    assert json.loads(out)["new_policy_hash"] == wider.content_hash


def test_cli_reports_bad_rows_with_their_row_numbers_and_diffs_the_rest(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    csv = tmp_path / "data.csv"
    csv.write_text(
        "id,name,industry,revenue,profit,computerisation,selection,necessity_affirmed,months_to_close\n"
        "C1,苏州甲机械,机械,3亿,2000万,not_computerised,started,是,4\n"
        "C2,宁波乙五金,五金,-5000万,300万,,,,\n"
        "C3,青岛丙食品,食品,2亿,600万,computerised,,yes,1\n"
        "C4,天津丁化工,化工,3亿,2000万,not_computerised,started,maybe,2\n",
        encoding="utf-8",
    )
    args = ("policy", "diff", "seed", "-", str(csv), "--set", "grading.windows.B=4", *DATES)
    code, out, err = run(capsys, *args)
    assert code == 1
    assert err.splitlines()[0].startswith("row 3: revenue:")
    assert err.splitlines()[1].startswith("row 5: column 'necessity_affirmed'")
    assert "4 prospects: 2 compared, 1 moved, 2 bad" in out
    assert matrix_from_table(out)["C"]["B"] == 1
    moved = [line.split() for line in out.splitlines() if "C→B" in line]
    assert [cells[:2] for cells in moved] == [["2", "C1"]]  # listed by its row
    code, out, err = run(capsys, *args, "--format", "json")
    assert code == 1
    records = [json.loads(line) for line in err.splitlines()]
    assert [(r["index"], r["row"]) for r in records] == [(1, 3), (3, 5)]
    assert [(e["index"], e["row"]) for e in json.loads(out)["errors"]] == [(1, 3), (3, 5)]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--set", "grading.windws.B=4"], "did you mean 'windows'"),
        (["--set", "grading.windows.B"], "expected KEY=VALUE"),
        (["--set", "grading.windows.B=9"], "A < B < C"),
        (["--format", "xml"], "invalid choice"),
    ],
)
def test_cli_usage_and_policy_errors_exit_2(
    capsys: pytest.CaptureFixture[str], data_file: Path, args: list[str], says: str
) -> None:
    code, out, err = run(capsys, "policy", "diff", "seed", "-", str(data_file), *args)
    assert code == 2
    assert out == ""
    assert says in err
    assert "Traceback" not in err


def test_cli_a_missing_policy_or_data_file_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, data_file: Path
) -> None:
    code, _, err = run(capsys, "policy", "diff", "seed", str(tmp_path / "no.toml"), str(data_file))
    assert code == 2
    assert "no such policy file" in err
    code, _, err = run(capsys, "policy", "diff", "seed", "seed", str(tmp_path / "no.csv"))
    assert code == 2
    assert "no such file" in err


def test_a_bad_item_is_reported_once_with_its_index_and_no_row(wider: Policy) -> None:
    items = [*generated(5), {"revenue": 1}]
    diff = erpsales.diff_policies(erpsales.seed_policy(), wider, items, as_of=AS_OF)
    assert len(diff.errors) == 1
    error = diff.errors[0]
    assert isinstance(error, ItemError)
    assert (error.index, error.row, error.id, error.code) == (5, None, None, "input.invalid")
    assert error.errors[0]["field"] == "name"


def test_cli_set_values_that_are_not_json_are_text_and_apply_to_a_new_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, data_file: Path
) -> None:
    new = tmp_path / "wider.toml"
    new.write_text(WIDER_TOML, encoding="utf-8")
    args = ("policy", "diff", "seed", str(new), str(data_file), "--format", "json", *DATES)
    code, out, err = run(capsys, *args, "--set", "grading.basis=window")
    assert (code, err) == (0, "")
    expected = erpsales.policy_with(erpsales.load_policy(new), {"grading.basis": "window"})
    assert json.loads(out)["new_policy_hash"] == expected.content_hash
    assert json.loads(out)["old_policy_hash"] == erpsales.seed_policy().content_hash
