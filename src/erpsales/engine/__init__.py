"""Backends: the same compiled program run by the compiled-Python or the durable-rules engine."""

from __future__ import annotations

from functools import cache

from erpsales.engine._base import Backend, Firings
from erpsales.errors import BackendUnavailableError
from erpsales.policy._compile import Program

__all__ = ["Backend", "Firings", "available_backends", "make_backend"]


@cache
def _durable_importable() -> bool:
    try:
        import durable_rules_engine  # noqa: F401
    except ImportError:
        return False
    return True


def available_backends() -> tuple[str, ...]:
    """The backends usable on this Python: always ``compiled``, and ``durable`` where it imports."""
    return ("compiled", "durable") if _durable_importable() else ("compiled",)


def make_backend(name: str, program: Program) -> Backend:
    """Build backend ``name`` for ``program``.

    Raises:
        BackendUnavailableError: ``name`` is unknown or cannot be used here.
    """
    if name == "compiled":
        from erpsales.engine._compiled import CompiledBackend

        return CompiledBackend(program)
    if name == "durable":
        if not _durable_importable():
            raise BackendUnavailableError(
                "the durable backend needs durable-rules, which does not install on this Python "
                "(it needs Python < 3.13 and a C compiler); use backend='compiled'",
            )
        from erpsales.engine._durable import DurableBackend

        return DurableBackend(program)
    raise BackendUnavailableError(
        f"unknown backend {name!r}; expected 'compiled', 'durable' or 'auto'"
    )
