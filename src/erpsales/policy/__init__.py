"""Policies: the sales playbook as data, checked when loaded."""

from erpsales.policy._check import Problem, check_policy
from erpsales.policy._load import load_policy, policy_from_dict, seed_policy
from erpsales.policy._model import (
    CapabilitySettings,
    GradingSettings,
    IndustrySettings,
    LeadMethod,
    PipelineSettings,
    Policy,
    PolicySettings,
    ProductBand,
    RuleSpec,
    StakeholderMapSettings,
    TerritorySettings,
    Text,
)

__all__ = [
    "CapabilitySettings",
    "GradingSettings",
    "IndustrySettings",
    "LeadMethod",
    "PipelineSettings",
    "Policy",
    "PolicySettings",
    "Problem",
    "ProductBand",
    "RuleSpec",
    "StakeholderMapSettings",
    "TerritorySettings",
    "Text",
    "check_policy",
    "load_policy",
    "policy_from_dict",
    "seed_policy",
]
