"""Pausing Python's cyclic garbage collector around batch work.

Grading a batch allocates many small objects (rows, dicts, validated models) and no
reference cycles: reference counting frees all of it. The cyclic collector still runs
every few hundred allocations and, as results accumulate, traverses them all again; on a
100,000-row frame that was a third of the time. :func:`paused_gc` switches it off for the
duration of a batch and back on afterwards (when it was on), counting nested and
concurrent users so that the last one out restores it.

Batches that overlap without end (a server grading requests on several threads) would
keep the collector off for good, and cycles made by the rest of the program would pile
up. So the pause is bounded: a batch that ends while others still run, once the
collector has been off for :data:`MAX_PAUSE` seconds, collects every generation itself.
A program that switches the collector off itself while a batch runs finds it on again
when the last batch ends (the state is taken when the first batch starts).
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["MAX_PAUSE", "paused_gc"]

#: Seconds the collector may stay off while batches overlap before one of them collects.
MAX_PAUSE = 1.0

_lock = threading.Lock()
_users = 0
_was_enabled = False
_since = 0.0  # when the collector last ran (or was switched off)


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while the ``with`` block runs."""
    global _users, _was_enabled, _since
    with _lock:
        if _users == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
            _since = time.monotonic()
        _users += 1
    try:
        yield
    finally:
        collect = False
        with _lock:
            _users -= 1
            if _users == 0:
                if _was_enabled:
                    gc.enable()
            elif _was_enabled and time.monotonic() - _since > MAX_PAUSE:
                _since = time.monotonic()
                collect = True
        if collect:
            gc.collect()
