"""The public face: one curated API, frozen JSON results, batches that lose nothing."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import pytest
from pydantic import ValidationError

import erpsales
from erpsales import Assessment, ItemError

from .conftest import AS_OF

ROOT = Path(__file__).parent.parent


def test_all_is_sorted_exact_and_documented() -> None:
    names = erpsales.__all__
    # ruff's RUF022 isort-style order: CONSTANTS, then Classes, then the rest (dunders too)
    assert list(names) == sorted(
        names, key=lambda n: (0 if n.isupper() else 1 if n[0].isupper() else 2, n)
    )
    public = {
        n
        for n in dir(erpsales)
        if not n.startswith("_") and not inspect.ismodule(getattr(erpsales, n))
    }
    assert public == set(names) - {"__version__"}
    for name in names:
        obj = getattr(erpsales, name)
        if callable(obj):
            assert inspect.getdoc(obj), f"{name} has no docstring"


def _types_in(annotation: object) -> list[type]:
    found = [annotation] if isinstance(annotation, type) else []
    for arg in getattr(annotation, "__args__", ()):
        found += _types_in(arg)
    return found


def test_public_signatures_use_only_public_types() -> None:
    """Every erpsales type in a public signature can be imported from a public module."""
    exported = {id(getattr(erpsales, n)) for n in erpsales.__all__}
    exported |= {id(getattr(erpsales.models, n)) for n in erpsales.models.__all__}
    exported |= {id(getattr(erpsales.policy, n)) for n in erpsales.policy.__all__}
    for name in erpsales.__all__:
        obj = getattr(erpsales, name)
        targets = (
            [obj.__init__] if inspect.isclass(obj) else [obj] if inspect.isfunction(obj) else []
        )
        for target in targets:
            for annotation in inspect.get_annotations(target, eval_str=True).values():
                for typ in _types_in(annotation):
                    if typ.__module__.startswith("erpsales"):
                        assert id(typ) in exported, (name, typ)


def test_options_are_keyword_only_and_the_subject_positional_only() -> None:
    params = inspect.signature(erpsales.qualify).parameters
    assert params["prospect"].kind is inspect.Parameter.POSITIONAL_ONLY
    for option in ("policy", "as_of", "backend"):
        assert params[option].kind is inspect.Parameter.KEYWORD_ONLY


def test_import_stays_light() -> None:
    import subprocess
    import sys

    code = "import sys, erpsales; print(sorted(m for m in ('pandas', 'matplotlib', 'yaml', 'hypothesis', 'durable') if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(ROOT / "src")},
    )
    assert out.stdout.strip() == "[]"


def test_assessment_is_frozen_and_round_trips_through_json(backend: str) -> None:
    item = json.loads((ROOT / "examples" / "prospects.json").read_text("utf-8"))[1]
    a = erpsales.qualify(item, as_of=AS_OF, backend=backend)
    with pytest.raises(ValidationError):
        a.grade = erpsales.Grade.D  # type: ignore[misc]
    again = Assessment.model_validate_json(a.model_dump_json())
    assert again == a
    assert json.loads(a.model_dump_json())["findings"][0]["between"] == ["schedule", "decision"]


def test_explain_in_both_languages_names_product_grade_findings_and_people() -> None:
    item = json.loads((ROOT / "examples" / "prospects.json").read_text("utf-8"))[1]
    a = erpsales.qualify(item, as_of=AS_OF, backend="compiled")
    en, zh = a.explain("en"), a.explain("zh")
    assert "Product: TIPTOP" in en
    assert "Grade: A" in en
    assert "CX-SD-3" in en
    assert "crisis:" in en
    assert "turning point:" in en
    assert "产品：TIPTOP" in zh
    assert "危机：" in zh
    assert "转机：" in zh
    assert "魔鬼" in zh
    assert "Rules fired:" in en
    assert "触发的规则：" in zh
    assert str(a) == en


def test_qualify_many_turns_bad_items_into_errors_in_place() -> None:
    items = [
        {"name": "好"},
        {"name": "负", "revenue": -1},
        "not a prospect",
        {"name": "坏", "stakeholders": [{"name": "a", "support": 9}]},
        {"name": "也好", "revenue": "2亿"},
    ]
    results = list(erpsales.qualify_many(items, as_of=AS_OF, backend="compiled"))
    assert len(results) == len(items)
    kinds = [type(r).__name__ for r in results]
    assert kinds == ["Assessment", "ItemError", "ItemError", "ItemError", "Assessment"]
    bad = results[1]
    assert isinstance(bad, ItemError)
    assert (bad.index, bad.id, bad.code) == (1, "负", "input.invalid")
    assert bad.errors[0]["field"] == "revenue"
    third = results[3]
    assert isinstance(third, ItemError)
    assert third.errors[0]["field"] == "stakeholders.0.support"


def test_qualify_many_is_lazy() -> None:
    def endless():  # type: ignore[no-untyped-def]
        n = 0
        while True:
            n += 1
            yield {"name": f"p{n}"}

    stream = erpsales.qualify_many(endless(), as_of=AS_OF, backend="compiled")
    assert next(stream).prospect_name == "p1"  # type: ignore[union-attr]
    assert next(stream).prospect_name == "p2"  # type: ignore[union-attr]


def test_as_of_must_be_a_date() -> None:
    with pytest.raises(ValueError, match="as_of must be a date"):
        erpsales.qualify({"name": "x"}, as_of="tomorrow", backend="compiled")


def test_invalid_prospect_raises_pydantic_validation_error_unchanged() -> None:
    with pytest.raises(ValidationError) as info:
        erpsales.qualify({"name": "x", "industry": "banking"}, backend="compiled")
    assert info.value.errors()[0]["loc"] == ("industry",)


def test_errors_carry_codes_and_subclass_builtins() -> None:
    error = erpsales.UnknownFieldError("bad", rule_id="R-1", field="x.y", suggestion="x.z")
    assert isinstance(error, ValueError)
    assert isinstance(erpsales.EngineError("e", engine_error="x"), RuntimeError)
    assert error.to_dict() == {
        "code": "policy.unknown_field",
        "message": "bad",
        "file": None,
        "line": None,
        "rule_id": "R-1",
        "field": "x.y",
        "suggestion": "x.z",
    }
    assert str(error) == "rule R-1, field 'x.y': bad (did you mean 'x.z'?)"


def test_json_schema_covers_inputs_and_results() -> None:
    schema = Assessment.model_json_schema()
    assert {"product", "grade", "findings", "stakeholders", "trace"} <= set(schema["properties"])
    prospect = erpsales.Prospect.model_json_schema()
    assert "key_info" in prospect["properties"]


def test_the_published_schema_accepts_the_examples_and_refuses_bad_input() -> None:
    """JSON Schema for CRM developers: what validates in Python validates against the schema."""
    import jsonschema

    schema = erpsales.Prospect.model_json_schema()
    validator = jsonschema.Draft202012Validator(schema)
    for item in json.loads((ROOT / "examples" / "prospects.json").read_text("utf-8")):
        assert list(validator.iter_errors(item)) == [], item["id"]
    for bad in (
        {"name": "x", "annual_revenue_rmb": -5},
        {"name": "x", "annual_revenue_rmb": "很多钱"},
        {"name": "x", "industry": "banking"},
        {"name": "x", "stakeholders": [{"name": "a", "support": 9}]},
        {"name": "x", "unknown_key": 1},
    ):
        assert list(validator.iter_errors(bad)), bad
        with pytest.raises(ValidationError):
            erpsales.Prospect.model_validate(bad)
    assert not list(
        validator.iter_errors({"name": "x", "industry": "机械", "annual_revenue_rmb": "1.5亿元"})
    )
