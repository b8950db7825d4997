"""Prospects 「潜在客户」 and territories 「销售人员责任区域」."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import AliasChoices, Field, model_validator

from erpsales.models._base import InputModel
from erpsales.models._enums import (
    ComputerisationStatus,
    Industry,
    Pain,
    ProcessComplexity,
    SelectionStatus,
)
from erpsales.models._keyinfo import KeyInfo
from erpsales.models._money import RMB, SignedRMB
from erpsales.models._people import Stakeholder

__all__ = ["Closing", "Prospect", "Territory", "TerritoryCriteria"]


_MAY_WAIT = frozenset({SelectionStatus.WAITING, SelectionStatus.UNKNOWN})


class Prospect(InputModel):
    """A company on a salesperson's list 「名单」, with what is known about it.

    Only ``name`` is required: whatever is missing makes the verdict say "unknown" rather
    than fail. Amounts are integer RMB and accept "3亿", "800万" or "1.5亿元".

    Example:
        >>> Prospect(name="苏州精工机械", industry="机械", revenue="3亿").annual_revenue_rmb
        300000000
    """

    id: str | None = Field(None, min_length=1, description="A stable id; defaults to the name.")
    name: str = Field(min_length=1, description="Company name (any script).")
    industry: Industry | None = Field(None, description="Sector; Chinese names such as 电子 work.")
    annual_revenue_rmb: RMB | None = Field(
        None,
        validation_alias=AliasChoices("annual_revenue_rmb", "revenue"),
        description="「年营业额」 annual revenue, RMB.",
    )
    annual_profit_rmb: SignedRMB | None = Field(
        None,
        validation_alias=AliasChoices("annual_profit_rmb", "profit"),
        description="「年利润」 annual profit, RMB (negative for a loss).",
    )
    region: str | None = Field(None, description="Region or province, used by territories.")
    owner: str | None = Field(None, description="The salesperson who owns the prospect (R-TE-04).")
    territory: str | None = Field(None, description="The id of the owner's territory.")
    computerisation: ComputerisationStatus = Field(
        ComputerisationStatus.UNKNOWN,
        description="「未信息化者」 not_computerised or 「已信息化者」 computerised (R-GR-01).",
    )
    selection: SelectionStatus = Field(
        SelectionStatus.UNKNOWN,
        description=(
            "Selection work: started, imminent, waiting (on a named event), no_action. "
            "When unknown it is read from the schedule's selection_start (AMB-28)."
        ),
    )
    waiting_on: str | None = Field(
        None, description="The specific matter selection waits on (grade B, R-GR-03)."
    )
    necessity_affirmed: bool | None = Field(
        None, description="Whether the prospect affirms that an ERP is necessary (R-GR-03/04)."
    )
    pains: frozenset[Pain] = Field(
        default_factory=frozenset, description="Pains with the current system (computerised only)."
    )
    system_installed_year: int | None = Field(
        None, ge=1950, le=2100, description="Year the current system went live (AMB-29)."
    )
    process_complexity: ProcessComplexity | None = Field(
        None, description="Business-process complexity, for the advisory product matrix (R-PM)."
    )
    expected_close: dt.date | None = Field(
        None, description="Expected close date; defaults to the schedule's contract_signing."
    )
    months_to_close: int | None = Field(
        None, ge=0, le=1200, description="Expected months to close; overrides expected_close."
    )
    disqualified: bool = Field(
        False, description="No need or no chance of closing: the disqualified status (AMB-12)."
    )
    key_info: KeyInfo = Field(default=KeyInfo(), description="The six kinds of key information.")
    stakeholders: list[Stakeholder] = Field(
        default_factory=list, description="The buying-side people."
    )

    @model_validator(mode="after")
    def _consistent(self) -> Prospect:
        if self.waiting_on and self.selection not in _MAY_WAIT:
            raise ValueError(
                f"waiting_on is set but selection is {self.selection.value!r}; expected 'waiting'"
            )
        people = self.stakeholders
        if len(people) > 1 and len({s.name for s in people}) != len(people):
            names = [s.name for s in people]
            dup = next(n for n in names if names.count(n) > 1)
            raise ValueError(f"stakeholder names must be unique; {dup!r} appears twice")
        return self

    @property
    def key(self) -> str:
        """The prospect's id, or its name when it has none."""
        return self.id or self.name


class TerritoryCriteria(InputModel):
    """Which prospects belong to a territory: all given criteria must hold (R-TE-01)."""

    regions: frozenset[str] | None = Field(None, description="Regions covered; None = any.")
    industries: frozenset[Industry] | None = Field(None, description="Industries; None = any.")
    revenue_min_rmb: RMB | None = Field(None, description="Lowest revenue (inclusive).")
    revenue_max_rmb: RMB | None = Field(None, description="Highest revenue (exclusive).")

    def matches(self, prospect: Prospect, /) -> bool:
        """Return whether ``prospect`` falls inside these criteria (unknown values do not)."""
        if self.regions is not None and prospect.region not in self.regions:
            return False
        if self.industries is not None and prospect.industry not in self.industries:
            return False
        revenue = prospect.annual_revenue_rmb
        if self.revenue_min_rmb is not None and (revenue is None or revenue < self.revenue_min_rmb):
            return False
        return not (
            self.revenue_max_rmb is not None
            and (revenue is None or revenue >= self.revenue_max_rmb)
        )


class Territory(InputModel):
    """「一亩田」 A salesperson's plot of the target market (R-TE-01, R-TE-04).

    Example:
        >>> t = Territory(id="east", owner="李明", criteria={"regions": {"江苏"}})
        >>> t.matches(Prospect(name="x", region="江苏"))
        True
    """

    id: str = Field(min_length=1, description="Territory id, referenced by Prospect.territory.")
    owner: str = Field(min_length=1, description="The salesperson who owns it.")
    name: str | None = Field(None, description="Display name.")
    criteria: TerritoryCriteria = Field(default_factory=TerritoryCriteria)
    prospects: list[Prospect] = Field(
        default_factory=list, description="The prospects on its list."
    )

    @model_validator(mode="after")
    def _prospects_belong(self) -> Territory:
        for index, prospect in enumerate(self.prospects):
            if prospect.territory not in (None, self.id):
                raise ValueError(
                    f"prospects[{index}] ({prospect.name!r}) names territory "
                    f"{prospect.territory!r}, not {self.id!r}"
                )
        return self

    def matches(self, prospect: Prospect, /) -> bool:
        """Return whether ``prospect`` belongs here by this territory's criteria."""
        return self.criteria.matches(prospect)

    def close(
        self,
        prospect_id: str,
        /,
        outcome: Literal["won", "lost"],
        *,
        on_lost: Literal["exchange_pool", "keep_owner", "drop"] = "exchange_pool",
    ) -> Closing:
        """Close a prospect of this territory as won or lost 「成交或失敗」 (R-TE-03, AMB-20).

        Won prospects go to the closed-customer database 「成交客户数据库」. Lost ones go,
        by ``on_lost`` (a policy's ``settings.territories.on_lost``), to the list-exchange
        pool 「名单交换」 without an owner, stay with their owner, or are dropped.

        Raises:
            KeyError: No prospect with that id (or name) is on this territory's list.
        """
        index = next((i for i, p in enumerate(self.prospects) if p.key == prospect_id), None)
        if index is None:
            raise KeyError(prospect_id)
        prospect = self.prospects[index]
        rest = [*self.prospects[:index], *self.prospects[index + 1 :]]
        destination: Literal["closed_customers", "exchange_pool", "territory", "dropped"]
        if outcome == "won":
            destination = "closed_customers"
        elif on_lost == "keep_owner":
            destination, rest = "territory", list(self.prospects)
        elif on_lost == "exchange_pool":
            destination = "exchange_pool"
            prospect = prospect.model_copy(update={"owner": None, "territory": None})
        else:
            destination = "dropped"
        return Closing(
            territory=self.model_copy(update={"prospects": rest}),
            prospect=prospect,
            destination=destination,
        )

    def claim(self, prospects: list[Prospect], /) -> list[Prospect]:
        """Return the unowned prospects that match, assigned to this territory and owner.

        Prospects that already have an owner are left alone: a prospect belongs to exactly
        one salesperson's list at a time (R-TE-04).
        """
        return [
            p.model_copy(update={"owner": self.owner, "territory": self.id})
            for p in prospects
            if p.owner is None and self.matches(p)
        ]


class Closing(InputModel):
    """The result of :meth:`Territory.close`: where the prospect went, and the new territory."""

    territory: Territory
    prospect: Prospect
    destination: Literal["closed_customers", "exchange_pool", "territory", "dropped"]
