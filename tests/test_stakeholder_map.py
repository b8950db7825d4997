"""The stakeholder map 「Sales 该在谁的身上花时间」 (R-SM-01..05, R-DE-02, R-RQ-02, AMB-13..16).

Quadrants are checked against the spec table of R-SM-03 (devil = high influence, low
support; angel = high, high; imp = low, low; sweetheart = low influence, high support),
with the AMB-13 defaults: scores 1–5, ≥ 4 is high, neutral support 3 counts as low.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import erpsales
from erpsales import Assessment, Finding, Placement, Policy

from .conftest import AS_OF, Qualify, fitted

SEED_R1 = {"devil": 1, "imp": 2, "angel": 3, "sweetheart": 4}  # R-SM-05 reading R1
PROFILES = {
    "seed_r1": ["devil", "imp", "angel", "sweetheart"],
    "influence_first": ["devil", "angel", "imp", "sweetheart"],
    "common_convention": ["devil", "angel", "sweetheart", "imp"],
}


# -- helpers ----------------------------------------------------------------------------


@cache
def _policy(settings_json: str) -> Policy:
    return erpsales.policy_from_dict({"extends": "seed", "settings": json.loads(settings_json)})


def policy(**stakeholder_map: Any) -> Policy:
    """A seed-based policy with ``settings.stakeholder_map`` overridden (cached)."""
    return _policy(json.dumps({"stakeholder_map": stakeholder_map}, sort_keys=True))


@cache
def switched(switch: str, on: bool) -> Policy:
    return erpsales.policy_from_dict({"extends": "seed", "settings": {"switches": {switch: on}}})


def person(name: str, influence: int | None, support: int | None, *roles: str, **kw: Any) -> dict[str, Any]:  # fmt: skip
    return {"name": name, "influence": influence, "support": support, "roles": list(roles), **kw}


def on_map(qualify: Qualify, *people: dict[str, Any], policy: Policy | None = None) -> Assessment:
    return qualify(fitted(stakeholders=list(people)), policy=policy)


def placement(assessment: Assessment, name: str) -> Placement:
    found = [p for p in assessment.stakeholders if p.name == name]
    assert len(found) == 1, [p.name for p in assessment.stakeholders]
    return found[0]


def quadrant(assessment: Assessment, name: str) -> str:
    return placement(assessment, name).quadrant.value


def ids(assessment: Assessment) -> set[str]:
    return {f.rule_id for f in assessment.findings}


def findings(assessment: Assessment, rule_id: str) -> list[Finding]:
    return [f for f in assessment.findings if f.rule_id == rule_id]


def only(assessment: Assessment, rule_id: str) -> Finding:
    found = findings(assessment, rule_id)
    assert len(found) == 1, f"expected one {rule_id}, got {assessment.finding_ids()}"
    return found[0]


# -- quadrants (R-SM-02/03, AMB-13) -------------------------------------------------------


def test_four_quadrants_follow_influence_and_support(qualify: Qualify) -> None:
    """R-SM-02 / R-SM-03: 魔鬼 devil, 天使 angel, 小鬼 imp, 小甜甜 sweetheart."""
    a = on_map(
        qualify,
        person("张总", 5, 1),
        person("李总", 5, 5),
        person("王主任", 1, 1),
        person("赵工", 1, 5),
    )
    assert quadrant(a, "张总") == "devil"
    assert quadrant(a, "李总") == "angel"
    assert quadrant(a, "王主任") == "imp"
    assert quadrant(a, "赵工") == "sweetheart"
    assert placement(a, "张总").influence == 5
    assert placement(a, "张总").support == 1


@pytest.mark.parametrize(
    ("influence", "support", "expected"),
    [
        (4, 4, "angel"),  # 4 is high on both axes
        (4, 3, "devil"),  # neutral support counts as low
        (3, 4, "sweetheart"),  # influence 3 is low
        (3, 3, "imp"),
        (4, 2, "devil"),
        (5, 3, "devil"),
        (2, 5, "sweetheart"),
        (3, 5, "sweetheart"),
        (5, 4, "angel"),
        (1, 3, "imp"),
    ],
)
def test_high_threshold_four_and_neutral_support_low(
    qualify: Qualify, influence: int, support: int, expected: str
) -> None:
    """AMB-13: a score ≥ 4 is high; influence 3 is low; neutral support 3 counts as low."""
    a = on_map(qualify, person("钱经理", influence, support))
    assert quadrant(a, "钱经理") == expected


@pytest.mark.parametrize(
    ("influence", "support", "expected"),
    [(4, 3, "angel"), (3, 3, "sweetheart"), (4, 2, "devil"), (3, 2, "imp"), (4, 4, "angel")],
)
def test_neutral_support_as_high_counts_three_as_support(
    qualify: Qualify, influence: int, support: int, expected: str
) -> None:
    """AMB-13: with neutral_support_as = "high", support 3 counts as high (2 stays low)."""
    a = on_map(
        qualify, person("孙科长", influence, support), policy=policy(neutral_support_as="high")
    )
    assert quadrant(a, "孙科长") == expected


def test_high_threshold_is_configurable(qualify: Qualify) -> None:
    """AMB-13: high_threshold = 5 makes influence 4 low."""
    a = on_map(qualify, person("周总", 4, 5), person("吴总", 5, 5), policy=policy(high_threshold=5))
    assert quadrant(a, "周总") == "sweetheart"
    assert quadrant(a, "吴总") == "angel"


@pytest.mark.parametrize(
    ("influence", "support"), [(None, 4), (5, None), (None, None)], ids=["inf", "sup", "both"]
)
def test_unknown_score_is_unclassified_with_info_finding(
    qualify: Qualify, influence: int | None, support: int | None
) -> None:
    """AMB-13: an unknown score leaves the quadrant unclassified and raises SM-UNSCORED."""
    a = on_map(qualify, person("郑秘书", influence, support), person("王总", 5, 5, "approver"))
    p = placement(a, "郑秘书")
    assert p.quadrant == "unclassified"
    assert p.seed_number is None
    assert p.advice is None
    f = only(a, "SM-UNSCORED")
    assert f.kind == "info"
    assert f.severity == "info"
    assert f.subject == "郑秘书"
    assert "郑秘书" in f.message.en
    assert "郑秘书" in f.message.zh
    assert {part.value for part in f.between} == {"decision"}


def test_scored_people_raise_no_unscored_finding(qualify: Qualify) -> None:
    """AMB-13 contrast: fully scored people are placed, no SM-UNSCORED."""
    a = on_map(qualify, person("王总", 5, 5, "approver"), person("李工", 2, 2))
    assert "SM-UNSCORED" not in ids(a)


# -- attention order and seed numbers (R-SM-05, AMB-14) -------------------------------------


FOUR = (
    person("小甜", 2, 5),  # sweetheart
    person("天使", 5, 4),  # angel
    person("小鬼", 2, 1),  # imp
    person("魔鬼", 5, 2),  # devil
)


@pytest.mark.parametrize("profile", list(PROFILES))
def test_attention_order_follows_priority_profile(qualify: Qualify, profile: str) -> None:
    """AMB-14: seed_r1 devil→imp→angel→sweetheart; influence_first; common_convention."""
    a = on_map(qualify, *FOUR, policy=policy(priority_profile=profile))
    assert [p.quadrant.value for p in a.stakeholders] == PROFILES[profile]
    assert [p.attention for p in a.stakeholders] == [1, 2, 3, 4]


@pytest.mark.parametrize("profile", list(PROFILES))
def test_seed_number_is_r1_regardless_of_profile(qualify: Qualify, profile: str) -> None:
    """R-SM-05 / AMB-14: seed_number is the deck's R1 numbering (1 devil, 2 imp, 3 angel, 4)."""
    a = on_map(qualify, *FOUR, policy=policy(priority_profile=profile))
    assert {p.quadrant.value: p.seed_number for p in a.stakeholders} == SEED_R1


def test_default_profile_is_seed_r1(qualify: Qualify) -> None:
    """AMB-14: the seed default time priority equals R1: devil 1, imp 2, angel 3, sweetheart 4."""
    a = on_map(qualify, *FOUR)
    assert {p.name: p.attention for p in a.stakeholders} == {
        "魔鬼": 1,
        "小鬼": 2,
        "天使": 3,
        "小甜": 4,
    }


# -- per-quadrant advice (AMB-15) -----------------------------------------------------------


def test_quadrant_advice_is_marked_outside_the_seed(qualify: Qualify) -> None:
    """AMB-15 / §7: per-quadrant strategy is [OUTSIDE] advice, marked in both languages."""
    a = on_map(qualify, *FOUR)
    advice = {p.quadrant.value: p.advice for p in a.stakeholders if p.advice is not None}
    assert set(advice) == {"devil", "angel", "imp", "sweetheart"}
    for text in advice.values():
        assert text.en.startswith("[OUTSIDE]")
        assert text.zh.startswith("【外部惯例】")
    assert "conversion" in advice["devil"].en
    assert "coach" in advice["angel"].en
    assert "小鬼难缠" in advice["imp"].zh
    assert "information" in advice["sweetheart"].en


# -- decision roles (R-DE-02, AMB-16) -------------------------------------------------------


def test_one_person_may_hold_several_roles(qualify: Qualify) -> None:
    """R-DE-02 / AMB-16: roles are a set; Chinese role names are accepted."""
    a = on_map(qualify, person("欧阳建华", 5, 5, "把关者", "批准者", "决策制定者"))
    p = placement(a, "欧阳建华")
    assert [r.value for r in p.roles] == ["approver", "decision_maker", "gatekeeper"]
    assert "SM-NO-APPROVER" not in ids(a)
    assert p.quadrant == "angel"


def test_person_with_no_role_is_still_placed(qualify: Qualify) -> None:
    """AMB-16: the role set may be empty."""
    a = on_map(qualify, person("陈工", 2, 4))
    p = placement(a, "陈工")
    assert p.roles == ()
    assert p.quadrant == "sweetheart"


def test_assumed_influence_places_unscored_approver_high(qualify: Qualify) -> None:
    """AMB-16: assume_influence_for_roles = ["approver"] treats unknown influence as high."""
    people = (person("王董", None, 2, "approver"), person("李工", None, 2, "influencer"))
    default = on_map(qualify, *people)
    assert quadrant(default, "王董") == "unclassified"
    assumed = on_map(qualify, *people, policy=policy(assume_influence_for_roles=["approver"]))
    assert quadrant(assumed, "王董") == "devil"
    assert quadrant(assumed, "李工") == "unclassified"  # not an approver
    devil = only(assumed, "SM-DECIDER-DEVIL")
    assert devil.subject == "王董"
    assert [f.subject for f in findings(assumed, "SM-UNSCORED")] == ["李工"]


def test_assumed_influence_needs_a_known_support(qualify: Qualify) -> None:
    """AMB-16 / AMB-13: the assumption covers influence only; unknown support stays unplaced."""
    a = on_map(
        qualify,
        person("王董", None, None, "approver"),
        policy=policy(assume_influence_for_roles=["approver"]),
    )
    assert quadrant(a, "王董") == "unclassified"


def test_gatekeeper_devil_warning_is_off_by_default(qualify: Qualify) -> None:
    """AMB-16: the gatekeeper-devil access warning is an optional rule, off by default."""
    a = on_map(qualify, person("刘秘书", 4, 1, "gatekeeper"), person("王总", 5, 5, "approver"))
    assert quadrant(a, "刘秘书") == "devil"
    assert "SM-GATEKEEPER-DEVIL" not in ids(a)


def test_gatekeeper_devil_warning_switch_on(qualify: Qualify) -> None:
    """AMB-16: with gatekeeper_devil_warning on, a devil gatekeeper is an access risk."""
    a = on_map(
        qualify,
        person("刘秘书", 4, 1, "gatekeeper"),
        person("王总", 5, 5, "approver"),
        policy=switched("gatekeeper_devil_warning", True),
    )
    f = only(a, "SM-GATEKEEPER-DEVIL")
    assert f.kind == "warning"
    assert f.severity == "medium"
    assert f.subject == "刘秘书"
    assert "刘秘书" in f.message.en
    assert "刘秘书" in f.message.zh
    assert "SM-DECIDER-DEVIL" not in ids(a)  # a gatekeeper is not a decider


def test_gatekeeper_angel_is_no_access_risk(qualify: Qualify) -> None:
    """AMB-16 contrast: a supportive gatekeeper raises nothing, even with the switch on."""
    a = on_map(
        qualify,
        person("刘秘书", 4, 4, "gatekeeper"),
        policy=switched("gatekeeper_devil_warning", True),
    )
    assert "SM-GATEKEEPER-DEVIL" not in ids(a)


# -- red flags read off the map -------------------------------------------------------------


def test_no_stakeholders_means_no_map(qualify: Qualify) -> None:
    """R-SM-01 / R-DE-02: without stakeholders we do not know on whom to spend time."""
    a = qualify(fitted())
    f = only(a, "SM-NO-MAP")
    assert f.kind == "warning"
    assert f.severity == "medium"
    assert f.evidence["stakeholders.count"] == 0
    assert f.question is not None
    assert f.question.zh.strip()
    assert a.stakeholders == ()
    # the per-map red flags need a map first
    assert "SM-NO-APPROVER" not in ids(a)
    assert "SM-NO-ANGEL" not in ids(a)


def test_one_stakeholder_is_a_map(qualify: Qualify) -> None:
    """R-SM-01 contrast: one recorded person is enough to stop SM-NO-MAP."""
    a = on_map(qualify, person("王总", 5, 5, "approver"))
    assert "SM-NO-MAP" not in ids(a)


def test_no_approver_among_stakeholders_is_a_red_flag(qualify: Qualify) -> None:
    """R-DE-02 / AMB-16: stakeholders are recorded, but nobody holds the approver role."""
    a = on_map(qualify, person("李总", 5, 5, "decision_maker"), person("陈工", 2, 4, "influencer"))
    f = only(a, "SM-NO-APPROVER")
    assert f.kind == "red_flag"
    assert f.severity == "high"
    assert f.evidence["stakeholders.count"] == 2
    assert f.evidence["stakeholders.approver_count"] == 0
    assert "2 stakeholders" in f.message.en
    assert "2位关键人" in f.message.zh


def test_an_approver_clears_the_no_approver_flag(qualify: Qualify) -> None:
    """R-DE-02 contrast: one approver (even an unscored one) is enough."""
    a = on_map(
        qualify, person("李总", 5, 5, "decision_maker"), person("王董", None, None, "approver")
    )
    assert "SM-NO-APPROVER" not in ids(a)


@pytest.mark.parametrize("role", ["approver", "decision_maker"])
def test_devil_decider_is_named_in_red_flag(qualify: Qualify, role: str) -> None:
    """R-SM-03 / R-DE-02: an approver or decision maker who is a devil is a red flag."""
    a = on_map(qualify, person("司马建国", 5, 2, role), person("欧阳华", 4, 5, "influencer"))
    f = only(a, "SM-DECIDER-DEVIL")
    assert f.kind == "red_flag"
    assert f.severity == "high"
    assert f.subject == "司马建国"
    assert "司马建国" in f.message.en
    assert "司马建国" in f.message.zh
    assert "魔鬼" in f.message.zh
    assert f.question is not None
    assert "司马建国" in f.question.zh
    assert "司马建国" in f.question.en


@pytest.mark.parametrize(
    "who",
    [
        person("司马建国", 5, 4, "approver"),  # an angel approver
        person("司马建国", 5, 1, "influencer"),  # a devil without a deciding role
        person("司马建国", 3, 1, "decision_maker"),  # an imp decision maker
    ],
    ids=["angel-approver", "devil-influencer", "imp-decider"],
)
def test_decider_devil_contrast_is_no_red_flag(qualify: Qualify, who: dict[str, Any]) -> None:
    """R-SM-03 contrast: only a devil who approves or decides is flagged."""
    a = on_map(qualify, who)
    assert "SM-DECIDER-DEVIL" not in ids(a)


def test_each_devil_decider_is_flagged_separately(qualify: Qualify) -> None:
    """R-SM-03: the flag is per person; each names its own subject."""
    a = on_map(
        qualify,
        person("张总", 5, 1, "approver"),
        person("李总", 4, 3, "decision_maker"),
        person("王总", 5, 5, "decision_maker"),
    )
    assert sorted(f.subject or "" for f in findings(a, "SM-DECIDER-DEVIL")) == ["张总", "李总"]


def test_no_angel_is_a_red_flag(qualify: Qualify) -> None:
    """R-SM-03: nobody with high influence supports us."""
    a = on_map(qualify, person("张总", 5, 1, "approver"), person("赵工", 2, 5))
    f = only(a, "SM-NO-ANGEL")
    assert f.kind == "red_flag"
    assert f.severity == "medium"
    assert f.evidence["stakeholders.angel_count"] == 0
    assert f.evidence["stakeholders.count"] == 2


def test_an_angel_clears_the_no_angel_flag(qualify: Qualify) -> None:
    """R-SM-03 contrast: one angel is enough."""
    a = on_map(qualify, person("张总", 5, 1, "approver"), person("李总", 4, 4))
    assert "SM-NO-ANGEL" not in ids(a)


# -- hierarchy levels (R-RQ-02, AMB-19) -----------------------------------------------------


@pytest.mark.parametrize(
    ("level", "fear", "need"),
    [
        ("senior", "乌纱帽", "利润"),
        ("middle", "记过挨骂", "解决问题"),
        ("staff", "炒鱿鱼", "产品价格"),
    ],
)
def test_level_hint_carries_need_and_fear(
    qualify: Qualify, level: str, fear: str, need: str
) -> None:
    """R-RQ-02: 高 fears losing the 乌纱帽, 中 a 记过挨骂, 低 being 炒鱿鱼."""
    a = on_map(qualify, person("吴经理", 3, 3, level=level))
    hint = placement(a, "吴经理").level_hint
    assert hint is not None
    assert fear in hint.zh
    assert need in hint.zh
    assert hint.en.strip()
    assert placement(a, "吴经理").level == level


def test_chinese_level_name_is_accepted(qualify: Qualify) -> None:
    """R-RQ-02 / AMB-19: 高 / 中 / 低 are the seed's own words for the levels."""
    a = on_map(qualify, person("吴总", 5, 5, level="高"), person("钱工", 1, 1, level="低"))
    assert placement(a, "吴总").level == "senior"
    assert placement(a, "钱工").level == "staff"


def test_no_level_gives_no_hint(qualify: Qualify) -> None:
    """R-RQ-02 / AMB-19: hints are only given when the level is known."""
    a = on_map(qualify, person("吴总", 5, 5))
    assert placement(a, "吴总").level_hint is None


# -- names --------------------------------------------------------------------------------


def test_chinese_names_and_titles_are_preserved(qualify: Qualify) -> None:
    """R-SM-01 / §9: names in any script come back exactly, in placements and findings."""
    names = ["欧阳娜娜", "司马懿", "Zhang Wei 张伟", "李　明"]
    a = on_map(
        qualify,
        person(names[0], 5, 1, "approver", title="财务总监"),
        person(names[1], 5, 5),
        person(names[2], 2, 2),
        person(names[3], 2, 5),
    )
    assert sorted(p.name for p in a.stakeholders) == sorted(names)
    assert placement(a, "欧阳娜娜").title == "财务总监"
    assert only(a, "SM-DECIDER-DEVIL").subject == "欧阳娜娜"
    assert "欧阳娜娜" in a.explain("zh")


# -- property: invariant 4 of §8 ----------------------------------------------------------


def expected_quadrant(influence: int, support: int, threshold: int, neutral: str) -> str:
    """The quadrant by the spec table (R-SM-03) and AMB-13, written independently.

    High influence: influence ≥ threshold. Support for us is high when it reaches the
    threshold and is more than neutral (neutral 3 is "not yet supporting"); with
    ``neutral_support_as = "high"`` a neutral or better score always counts as support.
    """
    high_influence = influence >= threshold
    if neutral == "low":
        supports = support >= threshold and support > 3
    else:
        supports = support >= threshold or support >= 3
    table = {
        (True, False): "devil",
        (True, True): "angel",
        (False, False): "imp",
        (False, True): "sweetheart",
    }
    return table[(high_influence, supports)]


scores = st.integers(min_value=1, max_value=5)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(
    people=st.lists(st.tuples(scores, scores), min_size=1, max_size=6),
    threshold=st.integers(min_value=1, max_value=5),
    neutral=st.sampled_from(["low", "high"]),
    profile=st.sampled_from(list(PROFILES)),
)
def test_quadrant_depends_only_on_the_thresholds(
    backend: str,
    people: list[tuple[int, int]],
    threshold: int,
    neutral: str,
    profile: str,
) -> None:
    """§8 invariant 4 / R-SM-03 / AMB-13 / AMB-14: quadrant from the two threshold tests only.

    Also: attention is 1..n in the profile's quadrant order, and seed_number is always R1.
    """
    pol = policy(high_threshold=threshold, neutral_support_as=neutral, priority_profile=profile)
    prospect = fitted(
        name="属性测试",
        stakeholders=[person(f"人{i}", inf, sup) for i, (inf, sup) in enumerate(people)],
    )
    a = erpsales.qualify(prospect, policy=pol, as_of=AS_OF, backend=backend)
    assert len(a.stakeholders) == len(people)
    for i, (inf, sup) in enumerate(people):
        p = placement(a, f"人{i}")
        want = expected_quadrant(inf, sup, threshold, neutral)
        assert p.quadrant == want, (inf, sup, threshold, neutral)
        assert p.seed_number == SEED_R1[want]
    assert [p.attention for p in a.stakeholders] == list(range(1, len(people) + 1))
    ranks = [PROFILES[profile].index(p.quadrant.value) for p in a.stakeholders]
    assert ranks == sorted(ranks)
    assert not findings(a, "SM-DECIDER-DEVIL")  # no roles given, so no devil decider
    angels = sum(
        1 for inf, sup in people if expected_quadrant(inf, sup, threshold, neutral) == "angel"
    )
    assert ("SM-NO-ANGEL" in ids(a)) is (angels == 0)
