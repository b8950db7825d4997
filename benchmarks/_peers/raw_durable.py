"""The seed's product-fit and grading rules as a raw durable-rules 2.0.28 ruleset.

Written the way ``/work/shared/notes/durable-rules.md`` (§1.3, §7.2) says durable-rules can
be used safely, through its own Python ``Host`` API:

* a ``QuietHost`` (an ``engine.Host`` whose ``_run`` starts no dispatcher or timer thread),
  never ``durable.lang``'s global host; the ruleset is deleted by ``close()``;
* each prospect is one fact in a fresh sid, asserted, drained, and the sid deleted in
  ``finally`` — no sid outlives a call, so memory stays flat and the 1024-sid cap is never
  reached; a lock around the sequence;
* a catch-all rule ``seen`` fires on every prospect fact: it is the notes' sentinel (no sid
  is deleted before one of its actions completed: ``delete_state`` crashes otherwise) and
  no fact is ever "not handled";
* unknown values are dropped properties (a comparison with a missing property is false);
  no ``$not``; every pattern tests ``kind``; firings are collected into a set (``$or``
  fires once per true branch) and decided in Python: the best descriptor, the window, D
  when none fired.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import threading
from typing import Any

import durable_rules_engine as dre
from durable import engine
from durable.engine import MessageNotHandledException

from _peers.common import (
    PRODUCTS,
    WINDOWS,
    Decision,
    Facts,
    flat_facts,
    grade_of,
)
from erpsales import Prospect

NAME = "seed_fit_grade"


def _all(*terms: dict[str, Any]) -> dict[str, Any]:
    return {"all": [{"m": {"$and": [{"kind": "prospect"}, *terms]}}]}


def _in(field: str, *values: str) -> dict[str, Any]:
    return {"$or": [{field: v} for v in values]}


def ruleset() -> dict[str, dict[str, Any]]:
    """The rules, by name (without actions): products, descriptors, windows, ``seen``."""
    market = _in("industry_class", "core", "other_manufacturing")
    rules: dict[str, dict[str, Any]] = {}
    for product, low, high, floor in PRODUCTS:  # R-TM-02..05
        band = [{"$gte": {"revenue": low}}]
        if high is not None:
            band.append({"$lt": {"revenue": high}})
        rules[f"product:{product}"] = _all(*band, {"$gte": {"profit": floor}}, market)
    soon = _in("selection", "started", "imminent")
    waiting = {"$or": [{"selection": "waiting"}, {"waiting": True}]}
    new, old = {"computerisation": "not_computerised"}, {"computerisation": "computerised"}
    yes = {"necessity_affirmed": True}
    idle = {"selection": "no_action"}
    orphan = {"$or": [{"pain_vendor": True}, {"pain_in_house": True}]}
    rules["descriptor:A:GR-A-NEW"] = _all(new, soon)
    rules["descriptor:A:GR-A-REPLACE"] = _all(old, soon)
    rules["descriptor:B:GR-B-NEW"] = _all(new, yes, waiting)
    rules["descriptor:B:GR-ORPHAN-PAIN"] = _all(old, orphan)  # assigned B (AMB-11)
    rules["descriptor:C:GR-C-NEW"] = _all(new, yes, idle, market)
    rules["descriptor:C:GR-C-REPLACE-SYNTH"] = _all(old, {"pain_inadequate": True}, yes, idle)
    # GR-B-REPLACE-SYNTH is inactive in the seed: the orphan fills B (AMB-11)
    low = None
    for grade, high in WINDOWS:  # AMB-08; no window rule fired: D
        terms: list[dict[str, Any]] = [{"$lte": {"months": high}}]
        if low is not None:
            terms.append({"$gt": {"months": low}})
        rules[f"window:{grade}"] = _all(*terms)
        low = high
    rules["seen"] = _all()
    return rules


class _QuietHost(engine.Host):
    def _run(self) -> None:  # no dispatcher or timer threads
        pass

    def drain(self, name: str) -> None:
        """Run every queued action in the calling thread (what the dispatcher would do)."""
        rules = self.get_ruleset(name)
        errors: list[BaseException] = []

        def complete(error: BaseException | None, _state: Any) -> None:
            if error:
                errors.append(error)

        while True:
            result = dre.start_action(rules._handle)
            if not result:
                return
            rules._flush_actions(
                engine.json.loads(result[0]),
                {"message": engine.json.loads(result[1])},
                result[2],
                complete,
            )
            if errors:
                raise errors[0]


class RawDurable:
    """``peer(prospect) -> (product, grade)`` on a raw durable-rules ruleset."""

    def __init__(self, as_of: dt.date) -> None:
        self._derive = flat_facts(as_of)
        self._fired: set[str] = set()
        self._lock = threading.Lock()
        self._sids = itertools.count()
        definition = {name: {**rule, "run": self._action(name)} for name, rule in ruleset().items()}
        self._host = _QuietHost()
        self._host.register_rulesets({NAME: definition})
        self._handle = self._host.get_ruleset(NAME)._handle

    def _action(self, name: str) -> Any:
        fired = self._fired

        def run(_c: Any) -> None:
            fired.add(name)

        return run

    def facts(self, p: Prospect) -> Facts:
        """The fact asserted for ``p`` (without sid): unknown values are left out."""
        fact = {k: v for k, v in self._derive(p).items() if v is not None}
        fact["kind"] = "prospect"
        return fact

    def __call__(self, p: Prospect) -> Decision:
        fact = self.facts(p)
        host, fired = self._host, self._fired
        with self._lock:
            fired.clear()
            sid = fact["sid"] = str(next(self._sids))
            try:
                with contextlib.suppress(MessageNotHandledException):  # "seen" always matches
                    host.assert_fact(NAME, fact)
                host.drain(NAME)
            finally:
                host.delete_state(NAME, sid)
            names = list(fired)
        product, descriptor, window = None, "D", "D"
        for name in names:
            kind, _, rest = name.partition(":")
            if kind == "product":
                product = rest
            elif kind == "descriptor":
                descriptor = min(descriptor, rest[0])  # the best descriptor that holds
            elif kind == "window":
                window = rest
        return product, grade_of(fact["computerisation"], descriptor, window)

    def close(self) -> None:
        """Delete the C ruleset (its states are deleted after every call); idempotent."""
        with self._lock:
            if self._handle is not None:
                dre.delete_ruleset(self._handle)
                self._handle = None
