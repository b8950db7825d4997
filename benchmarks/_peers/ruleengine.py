"""The seed's product-fit and grading rules as rule-engine (zeroSteiner) expressions.

One :class:`rule_engine.Rule` per rule, compiled once, evaluated on the flat fact dict:
the product rules (the bands are disjoint: the first that matches is the only one), the
descriptor rules best grade first (the first that matches is the descriptor grade; D when
none does), the window rules (D when none does). rule-engine raises on comparing ``null``
with a number, so every comparison of a value that can be unknown tests ``!= null`` first.
"""

from __future__ import annotations

import datetime as dt

import rule_engine

from _peers.common import PRODUCTS, WINDOWS, Decision, flat_facts, grade_of
from erpsales import Prospect

MARKET = 'industry_class in ["core", "other_manufacturing"]'
SOON = 'selection in ["started", "imminent"]'
NEW = 'computerisation == "not_computerised"'
OLD = 'computerisation == "computerised"'
YES = "necessity_affirmed == true"
IDLE = 'selection == "no_action"'


def product_rules() -> list[tuple[str, str]]:
    """(product, expression) per product (R-TM-02..05)."""
    rules = []
    for product, low, high, floor in PRODUCTS:
        band = f"revenue >= {low}" + (f" and revenue < {high}" if high is not None else "")
        rules.append(
            (
                product,
                f"revenue != null and profit != null and {band} and profit >= {floor} and {MARKET}",
            )
        )
    return rules


def descriptor_rules() -> list[tuple[str, str]]:
    """(grade, expression) per active ``GR-*`` descriptor rule of the seed, best grade first."""
    return [
        ("A", f"{NEW} and {SOON}"),  # GR-A-NEW
        ("A", f"{OLD} and {SOON}"),  # GR-A-REPLACE
        ("B", f'{NEW} and {YES} and (selection == "waiting" or waiting)'),  # GR-B-NEW
        ("B", f"{OLD} and (pain_vendor or pain_in_house)"),  # GR-ORPHAN-PAIN, assigned B
        ("C", f"{NEW} and {YES} and {IDLE} and {MARKET}"),  # GR-C-NEW
        ("C", f"{OLD} and pain_inadequate and {YES} and {IDLE}"),  # GR-C-REPLACE-SYNTH
    ]


def window_rules() -> list[tuple[str, str]]:
    """(grade, expression) per window (AMB-08)."""
    rules, low = [], None
    for grade, high in WINDOWS:
        lower = f" and months > {low}" if low is not None else ""
        rules.append((grade, f"months != null{lower} and months <= {high}"))
        low = high
    return rules


class RuleEngine:
    """``peer(prospect) -> (product, grade)`` with rule-engine."""

    def __init__(self, as_of: dt.date) -> None:
        self._derive = flat_facts(as_of)
        context = rule_engine.Context()

        def compiled(rules: list[tuple[str, str]]) -> tuple[tuple[str, rule_engine.Rule], ...]:
            return tuple((out, rule_engine.Rule(text, context=context)) for out, text in rules)

        self._products = compiled(product_rules())
        self._descriptors = compiled(descriptor_rules())
        self._windows = compiled(window_rules())

    def __call__(self, p: Prospect) -> Decision:
        facts = self._derive(p)
        product = next((out for out, rule in self._products if rule.matches(facts)), None)
        descriptor = next((out for out, rule in self._descriptors if rule.matches(facts)), "D")
        window = next((out for out, rule in self._windows if rule.matches(facts)), "D")
        return product, grade_of(facts["computerisation"], descriptor, window)
