"""Deterministic generated prospects for the benchmarks: full key information, 5 stakeholders."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

INDUSTRIES = [
    "electronics",
    "machinery",
    "hardware",
    "chemicals",
    "food",
    "beverages",
    "tools",
    "pharmaceuticals",
    "other_manufacturing",
    "retail",
]
ROLES = ["approver", "decision_maker", "influencer", "gatekeeper"]
MODULES = ["财务", "进销存", "生产制造", "成本", "人力资源", "MES", "项目管理"]


def prospect(i: int, rng: random.Random, as_of: dt.date) -> dict[str, Any]:
    def day(lo: int, hi: int) -> str:
        return (as_of + dt.timedelta(days=rng.randint(lo, hi))).isoformat()

    revenue = rng.choice(
        [rng.randint(10, 99) * 10**6, rng.randint(100, 499) * 10**6, rng.randint(500, 3000) * 10**6]
    )
    computerised = rng.random() < 0.5
    return {
        "id": f"P{i:07d}",
        "name": f"测试制造{i}有限公司",
        "industry": rng.choice(INDUSTRIES),
        "annual_revenue_rmb": revenue,
        "annual_profit_rmb": int(revenue * rng.uniform(-0.02, 0.12)),
        "region": rng.choice(["江苏", "浙江", "广东", "山东"]),
        "owner": rng.choice(["李明", "王芳", "张伟"]),
        "computerisation": rng.choice(["computerised", "not_computerised", "unknown"])
        if rng.random() < 0.9
        else "unknown",
        "selection": rng.choice(["started", "imminent", "waiting", "no_action", "unknown"]),
        "necessity_affirmed": rng.random() < 0.7,
        "pains": rng.sample(
            ["vendor_unresponsive", "in_house_unmaintainable", "inadequate_for_scale"],
            rng.randint(0, 2),
        )
        if computerised
        else [],
        "system_installed_year": rng.randint(2008, 2024) if computerised else None,
        "process_complexity": rng.choice(["simple", "moderate", "complex", "highly_complex"]),
        "key_info": {
            "schedule": {
                "selection_start": day(-60, 60),
                "selection_end": day(0, 90),
                "vendor_decision": day(10, 120),
                "contract_signing": day(20, 240),
                "implementation_start": day(30, 270),
                "go_live": day(90, 400),
            },
            "budget": {
                "mode": "budgeted",
                "amount_rmb": rng.randint(10, 500) * 10_000,
                "covers": rng.sample(
                    ["software", "services", "hardware", "database"], rng.randint(1, 4)
                ),
            },
            "requirement": {
                "motive": "扩产",
                "problems": ["库存不准"],
                "functional_scope": ["财务", "供应链"],
                "sites": rng.sample(["苏州", "无锡", "越南"], rng.randint(1, 3)),
                "languages": rng.sample(["简体中文", "English"], rng.randint(1, 2)),
                "modules": rng.sample(MODULES, rng.randint(1, 5)),
                "services": ["实施"] if rng.random() < 0.8 else [],
            },
            "decision": {
                "initiator": "总经理",
                "decision_makers": ["总经理"] if rng.random() < 0.7 else [],
                "process": "评估小组推荐，总经理批准" if rng.random() < 0.7 else None,
                "criteria": ["功能", "价格"],
                "majority_supports": rng.random() < 0.6,
                "group_hq_role": "审批" if rng.random() < 0.2 else None,
            },
            "competition": {
                "competitors": [
                    {"name": "甲公司", "leading": rng.random() < 0.4, "advantages": ["价格"]},
                    {"name": "乙公司", "leading": False, "weaknesses": ["服务"]},
                ],
                "differentiators": ["本地服务"] if rng.random() < 0.6 else [],
            },
            "key_evaluation": {
                "factors": ["价格", "功能", "服务"],
                "top_factor": rng.choice(["价格", "功能", "服务"]),
            },
        },
        "stakeholders": [
            {
                "name": f"联系人{k}",
                "title": rng.choice(["总经理", "财务总监", "IT经理", "生产经理"]),
                "level": rng.choice(["senior", "middle", "staff"]),
                "roles": rng.sample(ROLES, rng.randint(0, 2)),
                "influence": rng.randint(1, 5),
                "support": rng.randint(1, 5),
            }
            for k in range(5)
        ],
    }


def generate(
    n: int, *, seed: int = 7, as_of: dt.date = dt.date(2026, 11, 28)
) -> list[dict[str, Any]]:
    """Return ``n`` prospect dicts, the same for the same seed."""
    rng = random.Random(seed)
    return [prospect(i, rng, as_of) for i in range(n)]
