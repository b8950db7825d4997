"""Enumerations of the domain vocabulary (spec §9 glossary). Values are the JSON form."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

__all__ = [
    "BudgetItem",
    "BudgetMode",
    "ComputerisationStatus",
    "DecisionRole",
    "Grade",
    "HierarchyLevel",
    "Industry",
    "KeyInfoPart",
    "Pain",
    "ProcessComplexity",
    "Quadrant",
    "SelectionStatus",
]


class _Lenient(StrEnum):
    """A StrEnum that also accepts its Chinese label and any case/spacing of its value."""

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        # the schema lists the Chinese labels too: they are accepted input
        schema = handler.resolve_ref_schema(handler(core_schema))
        aliases = [a for m in cls for a in _ZH_ALIASES.get((cls.__name__, m.value), ())]
        schema["enum"] = [m.value for m in cls] + aliases
        return schema

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if isinstance(value, str):
            key = value.strip().lower().replace(" ", "_").replace("-", "_")
            for member in cls:
                aliases = _ZH_ALIASES.get((cls.__name__, member.value), ())
                if key == member.value or value.strip() in aliases:
                    return member
        return None


class Industry(_Lenient):
    """A prospect's sector. The first 11 are the core manufacturing industries of R-TM-05."""

    ELECTRONICS = "electronics"
    ELECTRIC_MACHINERY = "electric_machinery"
    ELECTRICAL_APPLIANCES = "electrical_appliances"
    MACHINERY = "machinery"
    HARDWARE = "hardware"
    TOOLS = "tools"
    TRANSPORTATION_EQUIPMENT = "transportation_equipment"
    CHEMICALS = "chemicals"
    PHARMACEUTICALS = "pharmaceuticals"
    FOOD = "food"
    BEVERAGES = "beverages"
    OTHER_MANUFACTURING = "other_manufacturing"
    RETAIL = "retail"
    WHOLESALE = "wholesale"
    CONSTRUCTION = "construction"
    LOGISTICS = "logistics"
    FINANCE = "finance"
    IT_SERVICES = "it_services"
    PROFESSIONAL_SERVICES = "professional_services"
    HEALTHCARE = "healthcare"
    EDUCATION = "education"
    GOVERNMENT = "government"
    OTHER_NON_MANUFACTURING = "other_non_manufacturing"

    @property
    def is_manufacturing(self) -> bool:
        """Whether the sector is manufacturing 「制造业」 (R-TM-05)."""
        return self in _MANUFACTURING


_MANUFACTURING = frozenset(list(Industry)[:12])


class ComputerisationStatus(_Lenient):
    """「未信息化者」 / 「已信息化者」 (R-GR-01); unknown triggers AMB-27."""

    NOT_COMPUTERISED = "not_computerised"
    COMPUTERISED = "computerised"
    UNKNOWN = "unknown"


class SelectionStatus(_Lenient):
    """Where the prospect's ERP selection 「选型」 stands (R-GR-02..05, AMB-28)."""

    STARTED = "started"
    IMMINENT = "imminent"
    WAITING = "waiting"
    NO_ACTION = "no_action"
    UNKNOWN = "unknown"


class Pain(_Lenient):
    """Pains of an already-computerised prospect (the orphan text of §6.2 and AMB-10)."""

    VENDOR_UNRESPONSIVE = "vendor_unresponsive"
    IN_HOUSE_UNMAINTAINABLE = "in_house_unmaintainable"
    INADEQUATE_FOR_SCALE = "inadequate_for_scale"


class BudgetMode(_Lenient):
    """「预算制」 budgeted or 「非预算制」 non-budgeted (R-BU-01, AMB-24)."""

    BUDGETED = "budgeted"
    NON_BUDGETED = "non_budgeted"
    UNKNOWN = "unknown"


class BudgetItem(_Lenient):
    """Items a budget may cover (R-BU-02 b)."""

    SOFTWARE = "software"
    SERVICES = "services"
    HARDWARE = "hardware"
    DATABASE = "database"
    NETWORK = "network"
    OTHER = "other"


class HierarchyLevel(_Lenient):
    """「阶层」 高/中/低 (R-RQ-02, AMB-19). Used for messaging hints, never for grading."""

    SENIOR = "senior"
    MIDDLE = "middle"
    STAFF = "staff"


class DecisionRole(_Lenient):
    """The four decision roles of R-DE-02; a stakeholder may hold several (AMB-16)."""

    APPROVER = "approver"
    DECISION_MAKER = "decision_maker"
    INFLUENCER = "influencer"
    GATEKEEPER = "gatekeeper"


class Quadrant(_Lenient):
    """Influence × support quadrant (R-SM-03); ``unclassified`` when a score is unknown."""

    DEVIL = "devil"
    ANGEL = "angel"
    IMP = "imp"
    SWEETHEART = "sweetheart"
    UNCLASSIFIED = "unclassified"


class Grade(_Lenient):
    """Customer grade 「客户分级」 A (closest to closing) … D (R-GR)."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"

    @property
    def rank(self) -> int:
        """4 for A down to 1 for D, so that a higher rank is a better grade."""
        return "DCBA".index(self.value) + 1


class ProcessComplexity(_Lenient):
    """Business-process complexity 「业务流程复杂度」 of the product matrix (R-PM-01/02)."""

    SIMPLE = "simple"
    MODERATE = "moderate"
    COMPLEX = "complex"
    HIGHLY_COMPLEX = "highly_complex"


class KeyInfoPart(_Lenient):
    """The six kinds of key information (R-KI-01), plus the stakeholder map."""

    SCHEDULE = "schedule"
    BUDGET = "budget"
    REQUIREMENT = "requirement"
    DECISION = "decision"
    COMPETITION = "competition"
    KEY_EVALUATION = "key_evaluation"


_ZH_ALIASES: dict[tuple[str, str], tuple[str, ...]] = {
    (type(k).__name__, k.value): v
    for k, v in [
        (Industry.ELECTRONICS, ("电子",)),
        (Industry.ELECTRIC_MACHINERY, ("电机",)),
        (Industry.ELECTRICAL_APPLIANCES, ("电器",)),
        (Industry.MACHINERY, ("机械",)),
        (Industry.HARDWARE, ("五金",)),
        (Industry.TOOLS, ("工具",)),
        (Industry.TRANSPORTATION_EQUIPMENT, ("运输器材",)),
        (Industry.CHEMICALS, ("化工",)),
        (Industry.PHARMACEUTICALS, ("制药",)),
        (Industry.FOOD, ("食品",)),
        (Industry.BEVERAGES, ("饮料",)),
        (Industry.OTHER_MANUFACTURING, ("其他制造业",)),
        (Industry.RETAIL, ("零售",)),
        (Industry.WHOLESALE, ("批发",)),
        (Industry.CONSTRUCTION, ("建筑",)),
        (Industry.LOGISTICS, ("物流",)),
        (Industry.FINANCE, ("金融",)),
        (Industry.IT_SERVICES, ("信息技术服务",)),
        (Industry.PROFESSIONAL_SERVICES, ("专业服务",)),
        (Industry.HEALTHCARE, ("医疗",)),
        (Industry.EDUCATION, ("教育",)),
        (Industry.GOVERNMENT, ("政府",)),
        (Industry.OTHER_NON_MANUFACTURING, ("其他非制造业",)),
        (ComputerisationStatus.NOT_COMPUTERISED, ("未信息化", "未信息化者")),
        (ComputerisationStatus.COMPUTERISED, ("已信息化", "已信息化者")),
        (ComputerisationStatus.UNKNOWN, ("未知",)),
        (BudgetMode.BUDGETED, ("预算制",)),
        (BudgetMode.NON_BUDGETED, ("非预算制",)),
        (BudgetItem.SOFTWARE, ("软件",)),
        (BudgetItem.SERVICES, ("服务",)),
        (BudgetItem.HARDWARE, ("硬件",)),
        (BudgetItem.DATABASE, ("数据库",)),
        (BudgetItem.NETWORK, ("网络",)),
        (HierarchyLevel.SENIOR, ("高",)),
        (HierarchyLevel.MIDDLE, ("中",)),
        (HierarchyLevel.STAFF, ("低",)),
        (DecisionRole.APPROVER, ("批准者",)),
        (DecisionRole.DECISION_MAKER, ("决策制定者", "决策者")),
        (DecisionRole.INFLUENCER, ("影响者",)),
        (DecisionRole.GATEKEEPER, ("把关者",)),
        (Quadrant.DEVIL, ("魔鬼",)),
        (Quadrant.ANGEL, ("天使",)),
        (Quadrant.IMP, ("小鬼",)),
        (Quadrant.SWEETHEART, ("小甜甜",)),
        (ProcessComplexity.SIMPLE, ("简易",)),
        (ProcessComplexity.MODERATE, ("中等",)),
        (ProcessComplexity.COMPLEX, ("复杂",)),
        (ProcessComplexity.HIGHLY_COMPLEX, ("高度复杂",)),
    ]
}
