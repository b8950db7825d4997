"""The seed's product-fit and grading rules as a GoRules JDM decision graph, run by zen-engine.

``seed_rules.jdm.json`` (open it in the GoRules editor) holds four first-hit decision tables:
product (revenue band × profit floor × industry class → product), descriptor grade (one row
per ``GR-*`` rule, D when none holds), window grade (months to close) and the grade (the
conservative combination, capped at B when computerisation is unknown). The input node feeds
all four; the descriptor and window tables feed the grade table; product and grade are the
response.

Two ways to evaluate it, both timed by ``benchmarks/peers.py``:

* :class:`ZenDecision` — ``ZenEngine().create_decision(jdm)`` once, then
  ``decision.evaluate(facts)`` per prospect (the README's way);
* :class:`ZenLoader` — ``ZenEngine({"loader": ...})`` whose loader hands back the parsed
  content (``ZenDecisionContent``), then ``engine.evaluate(key, facts)`` per prospect. With
  zen-engine 2.1 this is several times faster than ``decision.evaluate``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import zen

from _peers.common import Decision, flat_facts
from erpsales import Prospect

JDM = Path(__file__).with_name("seed_rules.jdm.json")
KEY = "seed_rules"


class ZenDecision:
    """``peer(prospect) -> (product, grade)`` with ``decision.evaluate``."""

    def __init__(self, as_of: dt.date, content: str | None = None) -> None:
        self._derive = flat_facts(as_of)
        self.engine = zen.ZenEngine()
        self._decision = self.engine.create_decision(content or JDM.read_text(encoding="utf-8"))

    def __call__(self, p: Prospect) -> Decision:
        result: dict[str, Any] = self._decision.evaluate(self._derive(p))["result"]
        return result.get("product"), result["grade"]


class ZenLoader:
    """``peer(prospect) -> (product, grade)`` with ``engine.evaluate`` and a content loader."""

    def __init__(self, as_of: dt.date, content: str | None = None) -> None:
        self._derive = flat_facts(as_of)
        text = content or JDM.read_text(encoding="utf-8")
        parsed = zen.ZenDecisionContent(text) if hasattr(zen, "ZenDecisionContent") else text

        def loader(key: str) -> Any:
            if key != KEY:
                raise KeyError(key)
            return parsed

        self.engine = zen.ZenEngine({"loader": loader})

    def __call__(self, p: Prospect) -> Decision:
        result: dict[str, Any] = self.engine.evaluate(KEY, self._derive(p))["result"]
        return result.get("product"), result["grade"]
