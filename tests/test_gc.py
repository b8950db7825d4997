"""The cyclic garbage collector is paused around batch work and always restored."""

from __future__ import annotations

import gc
import threading

import pytest

from erpsales import Engine
from erpsales._gc import paused_gc

from .conftest import AS_OF


def _nested_then_fail() -> None:
    with paused_gc():
        assert not gc.isenabled()
        with paused_gc():  # nested
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer user still holds it
        raise RuntimeError("boom")


def test_paused_inside_restored_after_even_on_error() -> None:
    assert gc.isenabled()
    with pytest.raises(RuntimeError, match="boom"):
        _nested_then_fail()
    assert gc.isenabled()


def test_left_off_when_it_was_off() -> None:
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_concurrent_batches_restore_it() -> None:
    engine = Engine(backend="compiled")
    items = [{"name": f"p{i}", "industry": "food", "revenue": "2亿"} for i in range(2_000)]
    results: list[int] = []

    def work() -> None:
        results.append(len(list(engine.verdict_rows(items, as_of=AS_OF))))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [2_000] * 4
    assert gc.isenabled()


def test_overlapping_batches_do_not_starve_the_collector(monkeypatch: pytest.MonkeyPatch) -> None:
    """Threads that keep batches overlapping still let cyclic garbage be collected."""
    from erpsales import Prospect, _gc

    monkeypatch.setattr(_gc, "MAX_PAUSE", 0.02)
    engine = Engine(backend="compiled")
    items = [Prospect.model_validate({"name": f"p{i}", "industry": "food"}) for i in range(200)]
    stop = threading.Event()

    def work() -> None:
        while not stop.is_set():
            list(engine.verdict_rows(items, as_of=AS_OF))

    alive = [0]

    class Cycle:
        def __init__(self) -> None:
            self.me = self
            alive[0] += 1

        def __del__(self) -> None:
            alive[0] -= 1

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        for _ in range(60):
            for _ in range(500):
                Cycle()
            stop.wait(0.005)
        made = 60 * 500
        assert alive[0] < made // 2  # collected while the batches went on
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert gc.isenabled()
