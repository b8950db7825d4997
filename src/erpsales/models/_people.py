"""Stakeholders on the buying side (R-DE-02, R-RQ-02, R-SM)."""

from __future__ import annotations

from pydantic import Field, field_validator

from erpsales.models._base import InputModel
from erpsales.models._enums import DecisionRole, HierarchyLevel

__all__ = ["Stakeholder"]


class Stakeholder(InputModel):
    """A person on the buying side, placed on the influence × support map (AMB-13, AMB-16).

    Example:
        >>> Stakeholder(name="王总", roles={"approver"}, influence=5, support=2).roles
        frozenset({<DecisionRole.APPROVER: 'approver'>})
    """

    name: str = Field(min_length=1, description="The person's name (any script).")
    title: str | None = Field(None, description="Job title, e.g. 「财务总监」.")
    level: HierarchyLevel | None = Field(
        None, description="Hierarchy level 高/中/低 (R-RQ-02); messaging hints only."
    )
    roles: frozenset[DecisionRole] = Field(
        default_factory=frozenset,
        description="Decision roles held: approver, decision_maker, influencer, gatekeeper.",
    )
    influence: int | None = Field(None, ge=1, le=5, description="「影响力」 1 (low) to 5 (high).")
    support: int | None = Field(
        None, ge=1, le=5, description="「对咱们的支持度」 support for us, 1 (low) to 5 (high)."
    )

    @field_validator("name")
    @classmethod
    def _printable(cls, name: str) -> str:
        if "\x00" in name or any("\ud800" <= ch <= "\udfff" for ch in name):
            raise ValueError("a name must not contain NUL or unpaired surrogate characters")
        return name
