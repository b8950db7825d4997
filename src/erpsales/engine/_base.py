"""What a backend is: something that runs a compiled program on facts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from erpsales._facts import Facts
from erpsales.policy._compile import Program

__all__ = ["Backend", "Firings", "Judge"]

Fact = dict[str, Any]


class Judge(Protocol):
    """Decides the verdict between the two phases (the resolver)."""

    def verdict(
        self, fired: list[int], people: list[tuple[int, int]], fact: Fact, /
    ) -> tuple[Fact, Any]:
        """Return the phase-2 fields (``fit__*``, ``grading__*``) and the decision itself."""
        ...


@dataclass(frozen=True, slots=True)
class Firings:
    """Which rules fired on which facts, in program order.

    Attributes:
        prospect: Indexes of the phase-1 prospect rules that fired.
        people: ``(rule index, person index)`` of the stakeholder rules that fired.
        verdict: Indexes of the phase-2 (finding) rules that fired.
        verdict_fields: The phase-2 fields the judge returned.
        decision: What the judge decided (opaque to the backend).
    """

    prospect: list[int]
    people: list[tuple[int, int]]
    verdict: list[int]
    verdict_fields: Fact
    decision: Any


class Backend(Protocol):
    """A backend: built once per program, then ``run`` for each prospect (thread-safe)."""

    name: str

    def run(self, facts: Facts, judge: Judge, /) -> Firings:
        """Evaluate phase 1, ask ``judge`` for the verdict, evaluate phase 2; return the firings."""
        ...

    def close(self) -> None:
        """Release what the backend holds (idempotent)."""
        ...


BackendFactory = Callable[[Program], Backend]
