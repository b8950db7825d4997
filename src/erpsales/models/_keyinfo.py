"""Key information 「关键信息」: the six kinds of R-KI-01 and their questions."""

from __future__ import annotations

import datetime as dt

from pydantic import Field, model_validator

from erpsales.models._base import InputModel
from erpsales.models._enums import BudgetItem, BudgetMode
from erpsales.models._money import RMB

__all__ = [
    "Budget",
    "Competition",
    "Competitor",
    "Decision",
    "KeyEvaluation",
    "KeyInfo",
    "Requirement",
    "Schedule",
]

Text = str
Texts = list[str] | None


class Schedule(InputModel):
    """「时间表」 The six schedule questions S1–S6 of R-KI-02 (each a date; ``None`` is unknown).

    The deck lists them backwards, from go-live to the start of selection; the implied
    chronology S6 ≤ S5 ≤ S4 ≤ S3 ≤ S2 ≤ S1 is checked by the policy (R-KI-03, AMB-17).
    """

    go_live: dt.date | None = Field(None, description="S1 「上线」 when the ERP goes live.")
    implementation_start: dt.date | None = Field(
        None, description="S2 「开始实施」 when implementation starts."
    )
    contract_signing: dt.date | None = Field(
        None, description="S3 「签约」 when the contract is signed."
    )
    vendor_decision: dt.date | None = Field(
        None, description="S4 「决定 ERP 厂商」 when the vendor is decided."
    )
    selection_end: dt.date | None = Field(
        None, description="S5 「完成 ERP 选型」 end of selection."
    )
    selection_start: dt.date | None = Field(
        None, description="S6 「开始 ERP 选型」 start of selection."
    )


class Budget(InputModel):
    """「预算」 Budget (R-BU-01..03, AMB-24).

    Budgeted 「预算制」 prospects state an ``amount_rmb`` and the items it ``covers``;
    non-budgeted 「非预算制」 ones an ``affordable_rmb`` 「客户大概花得起多少钱」.
    """

    mode: BudgetMode = Field(BudgetMode.UNKNOWN, description="budgeted, non_budgeted or unknown.")
    amount_rmb: RMB | None = Field(None, description="Amount budgeted for this ERP project, RMB.")
    covers: frozenset[BudgetItem] | None = Field(
        None, description="Items the budget covers; None when not asked."
    )
    affordable_rmb: RMB | None = Field(
        None, description="Roughly how much a non-budgeted customer can afford, RMB."
    )


class Requirement(InputModel):
    """「需求」 The seven requirement questions of R-RQ-01. ``None`` means not asked yet."""

    motive: Text | None = Field(None, description="「动机」 why computerise now.")
    problems: Texts = Field(None, description="「要解决甚么问题」 problems to solve.")
    functional_scope: Texts = Field(None, description="「功能范围」 functional scope.")
    sites: Texts = Field(None, description="「地理范围」 geographic scope: the sites or regions.")
    languages: Texts = Field(None, description="「语言范围」 languages needed.")
    modules: Texts = Field(None, description="「模块」 modules needed.")
    services: Texts = Field(
        None, description="「服务」 services needed (implementation, training…)."
    )


class Decision(InputModel):
    """「决策 (人及过程)」 The eight decision questions of R-DE-01."""

    initiator: Text | None = Field(None, description="「发起人」 who initiated the effort.")
    decision_makers: Texts = Field(None, description="「决策人员」 the decision makers.")
    process: Text | None = Field(None, description="「决策过程」 the decision process.")
    criteria: Texts = Field(None, description="「选型标准」 the selection criteria.")
    majority_supports: bool | None = Field(
        None, description="「是否为多数人的想法」 is ERP what the majority wants?"
    )
    parent_company_role: Text | None = Field(
        None, description="「母公司」 the parent company's role in the decision."
    )
    group_hq_role: Text | None = Field(
        None, description="「集团公司的总部」 the group headquarters' role."
    )
    external_roles: dict[str, str] | None = Field(
        None,
        description="「相关外部单位」 roles of external bodies (government, customers…).",
    )


class Competitor(InputModel):
    """A contestant 「参赛者」 in the race (R-CO-01)."""

    name: str = Field(min_length=1, description="The competitor's name.")
    leading: bool = Field(False, description="「领先」 whether it is leading.")
    advantages: list[str] = Field(
        default_factory=list, description="「领先的参赛者具体的优势」 its concrete advantages."
    )
    weaknesses: list[str] = Field(
        default_factory=list, description="「落后的参赛者具体的劣势」 its concrete weaknesses."
    )


class Competition(InputModel):
    """「竞争」 Competition (R-CO-01) and "why must the customer choose me?" (R-CO-02)."""

    competitors: list[Competitor] | None = Field(
        None, description="The contestants; None if unknown."
    )
    differentiators: Texts = Field(
        None, description="「为什么客户非选我不可」 why the customer must choose us."
    )


class KeyEvaluation(InputModel):
    """「关键评估项 (客户兴奋点)」 Key evaluation items (R-KE-01)."""

    factors: Texts = Field(None, description="「选型评估哪些因素」 the factors evaluated.")
    top_factor: Text | None = Field(None, description="「最重视的」 the factor valued most.")

    @model_validator(mode="after")
    def _top_factor_is_a_factor(self) -> KeyEvaluation:
        if self.top_factor and self.factors is not None and self.top_factor not in self.factors:
            raise ValueError(
                f"top_factor {self.top_factor!r} must be one of factors {self.factors!r}"
            )
        return self


class KeyInfo(InputModel):
    """「关键信息」 The six kinds of key information, in the deck's order (R-KI-01)."""

    # The models are frozen, so one empty instance of each can be the shared default:
    # building seven models for every prospect without key information cost ~40 µs.
    schedule: Schedule = Schedule()
    budget: Budget = Budget()
    requirement: Requirement = Requirement()
    decision: Decision = Decision()
    competition: Competition = Competition()
    key_evaluation: KeyEvaluation = KeyEvaluation()
