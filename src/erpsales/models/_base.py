"""The shared configuration of every input model."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["InputModel"]


class InputModel(BaseModel):
    """Base of the input models: unknown keys are errors, strings are trimmed."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        populate_by_name=True,
        frozen=True,
        validate_default=False,
    )
