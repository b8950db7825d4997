"""The two backends: one meaning, and a durable-rules engine wrapped safely (docs/engines.md)."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

import erpsales
from erpsales import BackendUnavailableError, Engine, EngineError

from .conftest import AS_OF

EXAMPLES = json.loads(
    (Path(__file__).parent.parent / "examples" / "prospects.json").read_text("utf-8")
)
durable_rules_engine = pytest.importorskip(
    "durable_rules_engine", reason="durable-rules needs Python < 3.13"
)
_durable = pytest.importorskip("erpsales.engine._durable")


def _without_backend(a: erpsales.Assessment) -> dict[str, Any]:
    return a.model_dump(exclude={"backend"})


def test_both_backends_agree_on_every_example() -> None:
    compiled, durable = Engine(backend="compiled"), Engine(backend="durable")
    for item in EXAMPLES:
        assert _without_backend(compiled.qualify(item, as_of=AS_OF)) == _without_backend(
            durable.qualify(item, as_of=AS_OF)
        ), item["id"]


def test_auto_backend_is_durable_where_it_imports() -> None:
    assert erpsales.available_backends() == ("compiled", "durable")
    assert Engine().backend_name == "durable"
    assert erpsales.qualify({"name": "x"}, as_of=AS_OF).backend == "durable"


def test_unknown_backend_is_a_clear_error() -> None:
    with pytest.raises(BackendUnavailableError, match="unknown backend 'rete'"):
        Engine(backend="rete")


def test_every_durable_exception_is_mapped() -> None:
    """Every exception class durable-rules defines or raises is translated at the one boundary."""
    import durable.engine

    defined = {
        cls
        for module in (durable.engine, durable_rules_engine)
        for cls in vars(module).values()
        if isinstance(cls, type)
        and issubclass(cls, BaseException)
        and cls.__module__.startswith("durable")
    }
    raised_by_c = {durable_rules_engine.error, MemoryError}
    assert defined | raised_by_c <= set(_durable.FOREIGN_ERRORS)
    for cls in defined | raised_by_c:
        error = _durable.translate(cls("Could not assert facts, error code: 204"))
        assert isinstance(error, EngineError)
        assert error.code.startswith("engine.")
        assert error.engine_error == cls.__name__
    assert "could not parse a number" in str(
        _durable.translate(durable_rules_engine.error("x, error code: 204"))
    )
    with pytest.raises(TypeError):
        _durable.translate(ValueError("not ours"))


def test_an_engine_failure_reaches_the_caller_as_an_erpsales_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    engine = Engine(backend="durable")

    def broken(handle: int, payload: str) -> Any:
        raise durable_rules_engine.error("Could not assert facts, error code: 202")

    monkeypatch.setattr(_durable._dre, "assert_facts", broken)
    with pytest.raises(EngineError) as info:
        engine.qualify({"name": "x"}, as_of=AS_OF)
    assert info.value.code == "engine.failed"
    assert info.value.engine_error == "error"
    assert "could not parse a value" in str(info.value)
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__


def test_a_closed_engine_says_so() -> None:
    engine = Engine(backend="durable")
    engine.close()
    engine.close()  # idempotent
    with pytest.raises(EngineError, match="closed"):
        engine.qualify({"name": "x"}, as_of=AS_OF)


def test_no_threads_no_global_host_nothing_left_in_the_engine() -> None:
    import durable.lang

    before = threading.active_count()
    with Engine(backend="durable") as engine:
        for item in EXAMPLES:
            engine.qualify(item, as_of=AS_OF)
        assert threading.active_count() == before
        handle = engine._backend._handle  # type: ignore[attr-defined]
        for sid in range(len(EXAMPLES) + 1):
            with pytest.raises(durable_rules_engine.error, match="309"):
                durable_rules_engine.get_state(handle, str(sid))  # every evaluation's state is gone
    assert durable.lang._main_host is None


def test_the_ruleset_uses_only_safe_patterns() -> None:
    """No ``$not`` (order-dependent), no joins, and every pattern tests ``__kind``."""
    program = erpsales.policy.seed_policy()
    from erpsales.policy._compile import compile_program

    definition = _durable.DurableBackend(compile_program(program)).definition
    assert "$not" not in json.dumps(definition)
    for name, rule in definition.items():
        (pattern,) = rule["all"]
        (alias,) = pattern
        assert alias == "m", name
        terms = pattern["m"].get("$and", [pattern["m"]])
        assert any("__kind" in t for t in terms), name


@pytest.mark.parametrize("backend", erpsales.available_backends())
def test_one_engine_is_safe_from_many_threads(backend: str) -> None:
    engine = Engine(backend=backend)
    expected = [engine.qualify(item, as_of=AS_OF) for item in EXAMPLES]
    work = [i % len(EXAMPLES) for i in range(400)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda i: (i, engine.qualify(EXAMPLES[i], as_of=AS_OF)), work))
    for i, result in results:
        assert result == expected[i]


def test_text_that_c_cannot_take_is_refused_before_it_gets_there() -> None:
    with pytest.raises(ValueError, match="NUL"):
        erpsales.Stakeholder(name="王\x00总")
