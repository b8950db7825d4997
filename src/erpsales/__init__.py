"""erpsales: a typed, declarative, explainable rules engine for ERP sales qualification.

Qualify a prospect against the bundled seed playbook::

    import erpsales
    assessment = erpsales.qualify({"name": "苏州精工机械", "industry": "机械",
                                   "revenue": "3亿", "profit": "2000万"}, as_of="2026-11-28")
    print(assessment.product, assessment.grade, assessment.explain("zh"))
"""

from erpsales._api import Engine, qualify, qualify_many
from erpsales.assessment import (
    Assessment,
    Finding,
    FiredRule,
    GradeDetail,
    ItemError,
    Placement,
    ProductFit,
    Verdict,
)
from erpsales.diff import FindingChange, MovedProspect, PolicyDiff, diff_policies, policy_with
from erpsales.engine import available_backends
from erpsales.errors import (
    BackendUnavailableError,
    EngineError,
    ErpsalesError,
    EvaluationError,
    InputError,
    PolicyError,
    PolicySyntaxError,
    UnknownFieldError,
)
from erpsales.models import (
    Budget,
    Competition,
    Competitor,
    Decision,
    DecisionRole,
    Grade,
    Industry,
    KeyEvaluation,
    KeyInfo,
    Prospect,
    Quadrant,
    Requirement,
    Schedule,
    Stakeholder,
    Territory,
    wan,
    yi,
)
from erpsales.policy import (
    Policy,
    Text,
    check_policy,
    load_policy,
    policy_from_dict,
    seed_policy,
)
from erpsales.whatif import Change, Move, suggest_moves

__version__ = "0.1.0"

__all__ = [
    "Assessment",
    "BackendUnavailableError",
    "Budget",
    "Change",
    "Competition",
    "Competitor",
    "Decision",
    "DecisionRole",
    "Engine",
    "EngineError",
    "ErpsalesError",
    "EvaluationError",
    "Finding",
    "FindingChange",
    "FiredRule",
    "Grade",
    "GradeDetail",
    "Industry",
    "InputError",
    "ItemError",
    "KeyEvaluation",
    "KeyInfo",
    "Move",
    "MovedProspect",
    "Placement",
    "Policy",
    "PolicyDiff",
    "PolicyError",
    "PolicySyntaxError",
    "ProductFit",
    "Prospect",
    "Quadrant",
    "Requirement",
    "Schedule",
    "Stakeholder",
    "Territory",
    "Text",
    "UnknownFieldError",
    "Verdict",
    "__version__",
    "available_backends",
    "check_policy",
    "diff_policies",
    "load_policy",
    "policy_from_dict",
    "policy_with",
    "qualify",
    "qualify_many",
    "seed_policy",
    "suggest_moves",
    "wan",
    "yi",
]
