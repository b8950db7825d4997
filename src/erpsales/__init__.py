"""erpsales: a typed, declarative, explainable rules engine for ERP sales qualification.

Qualify a prospect against the bundled seed playbook::

    import erpsales
    assessment = erpsales.qualify({"name": "苏州精工机械", "industry": "机械",
                                   "revenue": "3亿", "profit": "2000万"}, as_of="2026-11-28")
    print(assessment.product, assessment.grade, assessment.explain("zh"))
"""

from erpsales._api import Engine, qualify, qualify_many
from erpsales._dask import qualify_dask
from erpsales._rows import VERDICT_COLUMNS
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
from erpsales.forecast import forecast_pipeline
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
from erpsales.plot import plot_findings_heatmap, plot_forecast, plot_funnel, plot_stakeholders
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

# The pandas functions live in erpsales.frame, which imports pandas and registers the
# ``df.erpsales`` accessor: it is imported on first use, so ``import erpsales`` stays light.
_FRAME_NAMES = ("findings_frame", "qualify_frame", "stakeholders_frame")


def __getattr__(name: str) -> object:
    if name not in _FRAME_NAMES:
        raise AttributeError(f"module 'erpsales' has no attribute {name!r}")
    try:
        from erpsales import frame as _frame
    except ImportError as exc:
        return _needs_pandas(name, exc)
    value = getattr(_frame, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_FRAME_NAMES})


def _needs_pandas(name: str, error: ImportError) -> object:
    """A stand-in for a frame function when pandas is missing: it says what to install."""

    def missing(*_args: object, **_kwargs: object) -> object:
        raise ImportError(
            f"erpsales.{name} needs pandas: pip install 'erpsales[pandas]'"
        ) from error

    missing.__name__ = missing.__qualname__ = name
    missing.__doc__ = f"Needs pandas: pip install 'erpsales[pandas]' ({error})."
    return missing


__all__ = [
    "VERDICT_COLUMNS",
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
    "findings_frame",
    "forecast_pipeline",
    "load_policy",
    "plot_findings_heatmap",
    "plot_forecast",
    "plot_funnel",
    "plot_stakeholders",
    "policy_from_dict",
    "policy_with",
    "qualify",
    "qualify_dask",
    "qualify_frame",
    "qualify_many",
    "seed_policy",
    "stakeholders_frame",
    "suggest_moves",
    "wan",
    "yi",
]
