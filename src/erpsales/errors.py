"""Errors raised by erpsales.

Every error erpsales raises itself derives from :class:`ErpsalesError` and carries a
stable, documented ``code`` (see ``docs/errors.md``). Each also subclasses the builtin
exception a caller would naturally catch, so ``except ValueError`` keeps working::

    ErpsalesError
    ├── PolicyError (ValueError)              a policy does not load or compile
    │   ├── PolicySyntaxError                 a condition or template does not parse
    │   └── UnknownFieldError                 a condition names a field that does not exist
    ├── InputError (ValueError)               input that is not a prospect (a file, a row, a value)
    └── EvaluationError (RuntimeError)        a backend failed while evaluating valid input
        ├── BackendUnavailableError           the requested backend cannot be used here
        └── EngineError                       the durable-rules engine failed (translated)

Invalid *model* input raises pydantic's own :class:`pydantic.ValidationError`, unchanged:
it already names every field and what was expected.
"""

from __future__ import annotations

import copy
from typing import Any

__all__ = [
    "BackendUnavailableError",
    "EngineError",
    "ErpsalesError",
    "EvaluationError",
    "InputError",
    "PolicyError",
    "PolicySyntaxError",
    "UnknownFieldError",
]


class ErpsalesError(Exception):
    """Base class of every error raised by erpsales.

    Attributes:
        code: A stable machine-readable code, e.g. ``"policy.unknown_field"``.
        message: The human-readable text without the location prefix.
        file: The file the problem is in, if any.
        line: The 1-based line in ``file``, if known.
        rule_id: The policy rule involved, if any.
        field: The field (dotted path) involved, if any.
        suggestion: A "did you mean" suggestion, if any.
    """

    code: str = "error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        file: str | None = None,
        line: int | None = None,
        rule_id: str | None = None,
        field: str | None = None,
        suggestion: str | None = None,
    ) -> None:
        self.message = message
        if code is not None:
            self.code = code
        self.file = file
        self.line = line
        self.rule_id = rule_id
        self.field = field
        self.suggestion = suggestion
        super().__init__(self._render())

    def _render(self) -> str:
        where: list[str] = []
        if self.file:
            where.append(f"{self.file}:{self.line}" if self.line else self.file)
        if self.rule_id:
            where.append(f"rule {self.rule_id}")
        if self.field:
            where.append(f"field {self.field!r}")
        text = f"{', '.join(where)}: {self.message}" if where else self.message
        if self.suggestion:
            text += f" (did you mean {self.suggestion!r}?)"
        return text

    def located(self, file: str | None, line: int | None) -> ErpsalesError:
        """Return a copy of this error that also names ``file`` and ``line``."""
        clone = copy.copy(self)
        clone.file, clone.line = file or self.file, line or self.line
        clone.args = (clone._render(),)
        return clone

    def __str__(self) -> str:
        return self._render()

    def to_dict(self) -> dict[str, Any]:
        """Return the error as a JSON-ready dict with its code and location."""
        return {
            "code": self.code,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "rule_id": self.rule_id,
            "field": self.field,
            "suggestion": self.suggestion,
        }


class PolicyError(ErpsalesError, ValueError):
    """A policy file or policy object is invalid (raised when it is loaded or compiled)."""

    code = "policy.invalid"


class PolicySyntaxError(PolicyError):
    """A condition or message template in a policy does not parse."""

    code = "policy.syntax"


class UnknownFieldError(PolicyError):
    """A condition or template refers to a field the fact vocabulary does not declare."""

    code = "policy.unknown_field"


class InputError(ErpsalesError, ValueError):
    """Input that cannot be read as a prospect: a malformed file, row or value."""

    code = "input.invalid"


class EvaluationError(ErpsalesError, RuntimeError):
    """A backend failed while evaluating input that had passed validation."""

    code = "evaluation.failed"


class BackendUnavailableError(EvaluationError):
    """The requested backend cannot be used on this Python (e.g. durable-rules is missing)."""

    code = "backend.unavailable"


class EngineError(EvaluationError):
    """The durable-rules engine raised; translated at the one boundary in ``engine``.

    Attributes:
        engine_error: The name of the original exception class.
    """

    code = "engine.failed"

    def __init__(self, message: str, *, engine_error: str, **kwargs: Any) -> None:
        self.engine_error = engine_error
        super().__init__(message, **kwargs)
