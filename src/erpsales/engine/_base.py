"""What a backend is: something that runs a compiled program on facts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from erpsales._facts import Facts
from erpsales.policy._compile import Program

__all__ = ["Backend", "Firings", "VerdictFn"]

Fact = dict[str, Any]
#: Called between the two phases with the phase-1 firings; returns the verdict fields.
VerdictFn = Callable[[list[int], list[tuple[int, int]]], Fact]


@dataclass(frozen=True, slots=True)
class Firings:
    """Which rules fired on which facts, in program order.

    Attributes:
        prospect: Indexes of the phase-1 prospect rules that fired.
        people: ``(rule index, person index)`` of the stakeholder rules that fired.
        verdict: Indexes of the phase-2 (finding) rules that fired.
        verdict_fact: The phase-2 fact: the prospect fact plus the verdict fields.
    """

    prospect: list[int]
    people: list[tuple[int, int]]
    verdict: list[int]
    verdict_fact: Fact


class Backend(Protocol):
    """A backend: built once per program, then ``run`` for each prospect (thread-safe)."""

    name: str

    def run(self, facts: Facts, verdict: VerdictFn, /) -> Firings:
        """Evaluate phase 1, call ``verdict``, evaluate phase 2; return every firing sorted."""
        ...

    def close(self) -> None:
        """Release what the backend holds (idempotent)."""
        ...


BackendFactory = Callable[[Program], Backend]
