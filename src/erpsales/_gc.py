"""Pausing Python's cyclic garbage collector around batch work.

Grading a batch allocates many small objects (rows, dicts, validated models) and no
reference cycles: reference counting frees all of it. The cyclic collector still runs
every few hundred allocations and, as results accumulate, traverses them all again; on a
100,000-row frame that is a third of the time. :func:`paused_gc` switches it off for the
duration of a batch and back on afterwards (when it was on), counting nested and
concurrent users so that the last one out restores it.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["paused_gc"]

_lock = threading.Lock()
_users = 0
_was_enabled = False


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while the ``with`` block runs."""
    global _users, _was_enabled
    with _lock:
        if _users == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _users += 1
    try:
        yield
    finally:
        with _lock:
            _users -= 1
            if _users == 0 and _was_enabled:
                gc.enable()
