"""Policies are data: loading, extending, checking, and the condition language."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

import erpsales
from erpsales import PolicyError, UnknownFieldError, load_policy, seed_policy
from erpsales.policy._compile import compile_program
from erpsales.policy._expr import Compare, Group, Known, parse_condition
from erpsales.policy._fields import FIELDS, fields_for

SEED_FILE = Path(erpsales.__file__).parent / "policy" / "seed.toml"
PROSPECT = fields_for("prospect", 2)


def _write(tmp_path: Path, text: str, name: str = "policy.toml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_seed_policy_loads_and_is_shared() -> None:
    policy = seed_policy()
    assert policy is seed_policy()
    assert policy.id == "seed"
    assert len(policy.content_hash) == 64
    assert load_policy(SEED_FILE).content_hash == policy.content_hash


def test_every_seed_rule_has_both_languages_and_cites_the_spec() -> None:
    """Every message in zh and en; every seed rule names the spec ids it implements."""
    for rule in seed_policy().rules:
        assert rule.message.en.strip(), rule.id
        assert rule.message.zh.strip(), rule.id
        assert rule.implements, rule.id
        for text in (rule.risk, rule.opportunity, rule.question):
            assert text is None or (text.en.strip() and text.zh.strip()), rule.id


def test_a_misspelt_field_is_named_with_file_line_rule_and_suggestion(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
        extends = "seed"

        [[rules]]
        id = "CX-MY-1"
        kind = "warning"
        when = "budget.amout < 100"
        message = { en = "low", zh = "低" }
        """,
    )
    with pytest.raises(UnknownFieldError) as info:
        load_policy(path)
    error = info.value
    assert (error.rule_id, error.field, error.suggestion) == (
        "CX-MY-1",
        "budget.amout",
        "budget.amount",
    )
    assert error.file == str(path)
    assert error.line == 7  # the `when` line, where the typo is
    assert error.code == "policy.unknown_field"
    assert str(error).startswith(f"{path}:7, rule CX-MY-1, field 'budget.amout'")


def test_a_misspelt_value_gets_a_suggestion() -> None:
    with pytest.raises(UnknownFieldError) as info:
        parse_condition('person.quadrant == "devl"', fields_for("stakeholder", 1))
    assert info.value.suggestion == "devil"


def test_a_misspelt_parameter_gets_a_suggestion() -> None:
    with pytest.raises(UnknownFieldError) as info:
        parse_condition(
            "schedule.days_to_signing < params.imminent_day", PROSPECT, params={"imminent_days": 30}
        )
    assert info.value.suggestion == "params.imminent_days"


def test_misspelt_placeholder_in_a_message_is_caught_at_load() -> None:
    data = {
        "extends": "seed",
        "rules": [{"id": "CX-BR-1", "message": {"en": "{budget.amout}", "zh": "x"}}],
    }
    with pytest.raises(UnknownFieldError, match=r"message\.en names unknown field 'budget\.amout'"):
        erpsales.policy_from_dict(data)


@pytest.mark.parametrize(
    ("erp2", "message"),
    [
        ({"revenue_min_rmb": 120_000_000}, r"gap on \[100,000,000, 120,000,000\)"),
        ({"revenue_min_rmb": 80_000_000}, r"overlap on \[80,000,000, 100,000,000\)"),
    ],
)
def test_revenue_bands_with_a_gap_or_overlap_are_rejected(
    erp2: dict[str, int], message: str
) -> None:
    """Invariant 1 of §8: every revenue ≥ 0 falls in exactly one band."""
    with pytest.raises(PolicyError, match=message) as info:
        erpsales.policy_from_dict(
            {"extends": "seed", "settings": {"products": [{"id": "ERP2", **erp2}]}}
        )
    assert info.value.code in ("policy.band_gap", "policy.band_overlap")


def test_an_invalid_setting_names_its_path(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        '{"extends": "seed", "settings": {"stakeholder_map": {"high_threshold": 9}}}',
        "p.json",
    )
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    assert info.value.field == "settings.stakeholder_map.high_threshold"
    assert "less than or equal to 5" in info.value.message


def test_an_invalid_rule_names_the_rule_and_line(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
        extends = "seed"

        [[rules]]
        id = "CX-NEW-1"
        kind = "contradicton"
        when = "true"
        message = { en = "x", zh = "x" }
        """,
    )
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    assert (info.value.rule_id, info.value.line) == ("CX-NEW-1", 6)  # the `kind` line
    assert info.value.field == f"rules.{len(seed_policy().rules)}.kind"  # appended after the seed's


def test_toml_syntax_errors_name_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path, 'id = "x"\ntitle = {\n')
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    assert info.value.code == "policy.syntax"
    assert info.value.line == 2


def test_missing_file_and_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="no such policy file"):
        load_policy(tmp_path / "nope.toml")
    with pytest.raises(PolicyError, match="unknown policy format"):
        load_policy(_write(tmp_path, "x", "policy.ini"))


def test_json_and_yaml_policies_load_the_same(tmp_path: Path) -> None:
    data = {"extends": "seed", "settings": {"grading": {"windows": {"A": 1, "B": 4, "C": 6}}}}
    from_json = load_policy(_write(tmp_path, json.dumps(data), "p.json"))
    from_yaml = load_policy(
        _write(
            tmp_path,
            "extends: seed\nsettings:\n  grading:\n    windows: {A: 1, B: 4, C: 6}\n",
            "p.yaml",
        )
    )
    assert from_json.content_hash == from_yaml.content_hash != seed_policy().content_hash
    assert from_json.settings.grading.windows["B"] == 4


def test_extends_changes_only_what_it_names(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
        extends = "seed"
        id = "east"
        remove_rules = ["CX-RC-3"]

        [[settings.products]]
        id = "ERP2"
        min_deal_rmb = 800_000

        [[rules]]
        id = "CX-SD-1"
        severity = "low"
        """,
    )
    policy = load_policy(path)
    seed = seed_policy()
    assert policy.id == "east"
    assert policy.settings.products[1].min_deal_rmb == 800_000
    assert policy.settings.products[1].revenue_min_rmb == seed.settings.products[1].revenue_min_rmb
    assert policy.rule("CX-SD-1").severity == "low"
    assert policy.rule("CX-SD-1").when == seed.rule("CX-SD-1").when
    assert "CX-RC-3" not in [r.id for r in policy.rules]
    with pytest.raises(KeyError):
        policy.rule("CX-RC-3")


def test_extends_a_relative_file_and_detects_loops(tmp_path: Path) -> None:
    _write(tmp_path, 'extends = "seed"\nid = "base"\n', "base.toml")
    child = load_policy(_write(tmp_path, 'extends = "base.toml"\nid = "child"\n', "child.toml"))
    assert child.id == "child"
    _write(tmp_path, 'extends = "b.toml"\n', "a.toml")
    _write(tmp_path, 'extends = "a.toml"\n', "b.toml")
    with pytest.raises(PolicyError, match="loops"):
        load_policy(tmp_path / "a.toml")


def test_remove_rules_of_an_unknown_rule_is_an_error() -> None:
    with pytest.raises(PolicyError, match=r"unknown rules \['CX-NOPE'\]"):
        erpsales.policy_from_dict({"extends": "seed", "remove_rules": ["CX-NOPE"]})


def test_a_rule_switch_must_exist() -> None:
    rule = {
        "id": "X-1",
        "kind": "info",
        "when": "true",
        "switch": "nope",
        "message": {"en": "x", "zh": "x"},
    }
    with pytest.raises(PolicyError, match="switch 'nope'"):
        erpsales.policy_from_dict({"extends": "seed", "rules": [rule]})


def test_content_hash_is_stable_and_content_based() -> None:
    a = erpsales.policy_from_dict({"extends": "seed"})
    b = erpsales.policy_from_dict(
        {"extends": "seed", "settings": {"params": {"imminent_days": 31}}}
    )
    assert a.content_hash == seed_policy().content_hash
    assert b.content_hash != a.content_hash


def test_generated_rules_come_first_in_program_order() -> None:
    ids = compile_program(seed_policy()).ids
    assert ids[:7] == (
        "TM-ERP1-REVENUE",
        "TM-ERP1-PROFIT",
        "TM-ERP2-REVENUE",
        "TM-ERP2-PROFIT",
        "TM-TIPTOP-REVENUE",
        "TM-TIPTOP-PROFIT",
        "TM-MARKET",
    )
    assert "SM-GATEKEEPER-DEVIL" not in ids  # its switch is off in the seed (AMB-16)


# -- the condition language -------------------------------------------------------------


def test_not_is_pushed_down_to_comparisons() -> None:
    """``not x < 5`` is ``x >= 5``: false when x is unknown, like the comparison itself."""
    cond = parse_condition("not budget.amount < 5", PROSPECT)
    assert isinstance(cond, Compare)
    assert (cond.op, cond.left.spec.name) == (">=", "budget.amount")
    both = parse_condition("not (known(budget.amount) and decision.makers_known)", PROSPECT)
    assert isinstance(both, Group)
    assert not both.all_of
    assert isinstance(both.items[0], Known)
    assert both.items[0].known is False


def test_constant_on_the_left_is_swapped() -> None:
    cond = parse_condition("100 > budget.amount", PROSPECT)
    assert isinstance(cond, Compare)
    assert cond.op == "<"


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('echo hi')",
        "budget.amount.__class__ == 1",
        "().__class__.__bases__",
        "open('x')",
        "[x for x in budget.amount]",
        "lambda: 1",
        "budget.amount if true else 1",
        "budget.amount > 1.5",
        "budget.amount / 2 > 1",
        "budget.mode < 'a'",
        "budget.amount == 'a'",
        "budget",
        "",
    ],
)
def test_conditions_cannot_reach_beyond_declared_fields(text: str) -> None:
    """Never eval/exec: anything but comparisons of declared fields is rejected when loaded."""
    with pytest.raises(PolicyError):
        parse_condition(text, PROSPECT, all_fields=FIELDS)


def test_a_stakeholder_field_in_a_prospect_rule_says_which_scope() -> None:
    with pytest.raises(UnknownFieldError, match="scope = 'stakeholder'"):
        parse_condition('person.quadrant == "devil"', PROSPECT, all_fields=FIELDS)
    with pytest.raises(UnknownFieldError, match="verdict"):
        parse_condition('grading.grade == "A"', fields_for("prospect", 1), all_fields=FIELDS)


def test_user_rules_run_on_every_backend(tmp_path: Path, backend: str) -> None:
    """A sales-ops rule added in a file fires on both engines with the same meaning."""
    path = _write(
        tmp_path,
        """
        extends = "seed"

        [[rules]]
        id = "OPS-BIG-BUDGET"
        kind = "info"
        severity = "info"
        when = 'budget.amount >= params.big and fit.product in ["ERP2", "TIPTOP"] and not budget.covers_hardware'
        message = { en = "Big budget of {budget.amount} without hardware.", zh = "大额预算{budget.amount}，不含硬件。" }

        [settings.params]
        big = 1_000_000
        """,
    )
    policy = load_policy(path)
    prospect = {
        "name": "x",
        "industry": "food",
        "revenue": "3亿",
        "profit": "800万",
        "key_info": {"budget": {"mode": "budgeted", "amount_rmb": "120万", "covers": ["software"]}},
    }
    a = erpsales.qualify(prospect, policy=policy, as_of="2026-11-28", backend=backend)
    finding = a.findings[a.finding_ids().index("OPS-BIG-BUDGET")]
    assert finding.message.zh == "大额预算120万元，不含硬件。"
    assert finding.message.en == "Big budget of RMB 1,200,000 without hardware."
    unknown_cover = {**prospect, "key_info": {"budget": {"amount_rmb": "120万"}}}
    b = erpsales.qualify(unknown_cover, policy=policy, as_of="2026-11-28", backend=backend)
    assert (
        "OPS-BIG-BUDGET" not in b.finding_ids()
    )  # unknown coverage: `not covers_hardware` is false


def test_a_misspelt_core_industry_fails_at_load_not_at_qualify() -> None:
    with pytest.raises(PolicyError) as info:
        erpsales.policy_from_dict(
            {"extends": "seed", "settings": {"industries": {"core": ["machinary"]}}}
        )
    assert info.value.field == "settings.industries.core.0"


@pytest.mark.parametrize(
    "rule_id", ["TM-MARKET", "GR-WINDOW-A", "TM-ERP2-REVENUE", "GR-WINDOW-MISMATCH"]
)
def test_generated_and_resolver_rule_ids_are_reserved(rule_id: str) -> None:
    rule = {"id": rule_id, "kind": "info", "when": "true", "message": {"en": "x", "zh": "x"}}
    with pytest.raises(PolicyError, match="reserved"):
        erpsales.policy_from_dict({"extends": "seed", "rules": [rule]})


def test_a_misspelt_message_key_is_caught() -> None:
    with pytest.raises(PolicyError) as info:
        erpsales.policy_from_dict(
            {"extends": "seed", "messages": {"quadrant.devl": {"en": "x", "zh": "y"}}}
        )
    assert (info.value.code, info.value.suggestion) == ("policy.unknown_message", "quadrant.devil")


def test_message_overrides_change_the_texts(backend: str) -> None:
    policy = erpsales.policy_from_dict(
        {
            "extends": "seed",
            "messages": {"grade_text.D": {"en": "D: later.", "zh": "D级：以后再说。"}},
        }
    )
    a = erpsales.qualify(
        {"name": "x", "months_to_close": 9, "computerisation": "unknown"},
        policy=policy,
        as_of="2026-11-28",
        backend=backend,
    )
    assert a.grading.definition.zh == "D级：以后再说。"


def test_policy_file_syntax_errors_are_policy_syntax_errors(tmp_path: Path) -> None:
    with pytest.raises(erpsales.PolicySyntaxError):
        load_policy(_write(tmp_path, "{ not json", "p.json"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('prospect.industry == "$x"', "may not start with '\\$'"),
        ("len(budget.amount) > 3", "functions cannot be used as values"),
        ("budget.amount[0] > 3", "indexing is not allowed"),
    ],
)
def test_condition_errors_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        parse_condition(text, PROSPECT, all_fields=FIELDS)


def test_arithmetic_that_could_overflow_64_bits_is_refused() -> None:
    """Both engines must agree: durable-rules computes in 64 bits, Python does not overflow."""
    with pytest.raises(PolicyError, match="could exceed 64-bit integers"):
        parse_condition("budget.amount < requirement.module_count * 9000000000000000000", PROSPECT)
    parse_condition("budget.amount < fit.min_deal + requirement.module_count * 50000", PROSPECT)
