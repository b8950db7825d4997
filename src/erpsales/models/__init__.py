"""The typed domain models: what a salesperson knows about a prospect (spec §5, §9)."""

from erpsales.models._enums import (
    BudgetItem,
    BudgetMode,
    ComputerisationStatus,
    DecisionRole,
    Grade,
    HierarchyLevel,
    Industry,
    KeyInfoPart,
    Pain,
    ProcessComplexity,
    Quadrant,
    SelectionStatus,
)
from erpsales.models._keyinfo import (
    Budget,
    Competition,
    Competitor,
    Decision,
    KeyEvaluation,
    KeyInfo,
    Requirement,
    Schedule,
)
from erpsales.models._money import RMB, SignedRMB, parse_rmb, wan, yi
from erpsales.models._people import Stakeholder
from erpsales.models._prospect import Closing, Prospect, Territory, TerritoryCriteria

__all__ = [
    "RMB",
    "Budget",
    "BudgetItem",
    "BudgetMode",
    "Closing",
    "Competition",
    "Competitor",
    "ComputerisationStatus",
    "Decision",
    "DecisionRole",
    "Grade",
    "HierarchyLevel",
    "Industry",
    "KeyEvaluation",
    "KeyInfo",
    "KeyInfoPart",
    "Pain",
    "ProcessComplexity",
    "Prospect",
    "Quadrant",
    "Requirement",
    "Schedule",
    "SelectionStatus",
    "SignedRMB",
    "Stakeholder",
    "Territory",
    "TerritoryCriteria",
    "parse_rmb",
    "wan",
    "yi",
]
