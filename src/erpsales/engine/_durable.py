"""The durable-rules backend: the program compiled to a Rete ruleset of durable-rules 2.0.28.

durable-rules is unmaintained and has sharp edges (see ``docs/engines.md``). This module is
the only code that imports it, and it wraps it so that callers never meet them:

* **no global state, no threads**: it calls the C module ``durable_rules_engine``
  directly — never ``durable.lang`` (module-global rulesets) nor ``engine.Host`` (two
  background timer threads per host, action queues taken by those threads);
* **nothing left behind**: each evaluation uses one fresh sid that is deleted before the
  call returns, so memory stays flat and the 1024-sid cap is never approached;
* **one meaning**: only single-fact patterns are compiled (the C join code misreads
  ``$or`` and reads past an array), absence is a dropped property tested with
  ``$ex``/``$nex`` (never ``$not``, whose result depends on arrival order), every pattern
  tests a ``__kind`` discriminator (so the engine's own state fact never matches), and
  firings are de-duplicated (``$or`` fires once per true branch) and sorted into program
  order (the engine fires batches in reverse);
* **values checked before they reach C** (64-bit integers, no NUL or lone surrogates);
* **thread-safe**: one lock per backend around each evaluation;
* **one boundary for foreign errors**: :func:`translate` turns every exception the
  package can raise into an :class:`~erpsales.errors.EngineError` with a stable code.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import weakref
from typing import Any

import durable_rules_engine as _dre
from durable.engine import MessageNotHandledException, MessageObservedException

from erpsales._facts import Facts
from erpsales.engine._base import Firings, Judge
from erpsales.errors import EngineError, InputError, PolicyError
from erpsales.policy._compile import CompiledRule, Program, Stage
from erpsales.policy._expr import (
    AnyOf,
    Compare,
    Cond,
    Const,
    Field,
    Group,
    Known,
    Operand,
    fields_of,
)

__all__ = ["FOREIGN_ERRORS", "DurableBackend", "compile_condition", "translate"]

_KIND = "__kind"
_SEQ_PREFIX = '{"__seq": '
_WARM = "__warm__"
_INT64 = 2**63
_KINDS: dict[Stage, str] = {"prospect": "p1", "stakeholder": "s", "verdict": "p2"}
_OPS = {"!=": "$neq", "<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"}
_ARITH = {"+": "$add", "-": "$sub", "*": "$mul"}
_NEVER = {"$ex": {"__never__": 1}}

#: The C core's error codes (rules.h) and what they mean here.
_C_CODES = {
    101: "the engine ran out of memory or state slots",
    102: "a value of an unexpected type reached the engine",
    105: "the ruleset has an unexpected name or key",
    111: "the ruleset handle is not valid (was the engine closed?)",
    202: "the engine could not parse a value",
    204: "the engine could not parse a number",
    302: "a fact has more properties than the engine supports (253)",
    309: "the engine lost the evaluation's state",
    311: "a rule refers to a property the fact does not have",
}

#: Every exception durable-rules can raise, and the stable erpsales code it becomes.
FOREIGN_ERRORS: dict[type[BaseException], str] = {
    _dre.error: "engine.failed",
    MemoryError: "engine.out_of_memory",
    MessageNotHandledException: "engine.not_handled",
    MessageObservedException: "engine.duplicate",
}


def translate(exc: BaseException, *, rule_id: str | None = None) -> EngineError:
    """Translate an exception raised by durable-rules into an :class:`EngineError`.

    This is the one boundary between durable-rules and erpsales.

    Raises:
        TypeError: ``exc`` is not one of :data:`FOREIGN_ERRORS` (a bug in erpsales).
    """
    code = next((c for cls, c in FOREIGN_ERRORS.items() if isinstance(exc, cls)), None)
    if code is None:
        raise TypeError(f"not a durable-rules exception: {exc!r}")
    text = str(getattr(exc, "message", None) or exc) or type(exc).__name__
    number = text.rpartition("error code: ")[2]
    detail = _C_CODES.get(int(number)) if number.isdigit() else None
    message = (
        f"durable-rules failed: {detail} ({text})" if detail else f"durable-rules failed: {text}"
    )
    return EngineError(message, code=code, engine_error=type(exc).__name__, rule_id=rule_id)


def _operand(op: Operand, rule_id: str) -> Any:
    if isinstance(op, Field):
        return {"$m": op.spec.key}
    if isinstance(op, Const):
        return _constant(op.value, rule_id)
    return {_ARITH[op.op]: {"$l": _operand(op.left, rule_id), "$r": _operand(op.right, rule_id)}}


def _constant(value: Any, rule_id: str) -> Any:
    if isinstance(value, str) and (value.startswith("$") or "\x00" in value):
        raise PolicyError(
            f"the durable backend cannot compare with {value!r} (a leading '$' or a NUL)",
            rule_id=rule_id,
        )
    return value


def compile_condition(cond: Cond, rule_id: str) -> list[dict[str, Any]]:
    """Compile a checked condition into the conjuncts of one durable-rules pattern."""
    if isinstance(cond, Group) and cond.all_of:
        return [c for item in cond.items for c in compile_condition(item, rule_id)]
    return [_term(cond, rule_id)]


def _term(cond: Cond, rule_id: str) -> dict[str, Any]:
    if isinstance(cond, Compare):
        key, right = cond.left.spec.key, _operand(cond.right, rule_id)
        term = {key: right} if cond.op == "==" else {_OPS[cond.op]: {key: right}}
        others = [f.key for f in fields_of(cond.right)]
        if not others:
            return term
        # A property referenced with $m that the fact lacks does not make the comparison
        # false in durable-rules (it can even make it true): test for every value first.
        present = [{"$ex": {k: 1}} for k in dict.fromkeys([key, *others])]
        return {"$and": [*present, term]}
    if isinstance(cond, Known):
        return {"$ex" if cond.known else "$nex": {cond.field.spec.key: 1}}
    if isinstance(cond, AnyOf):
        key = cond.field.spec.key
        values = [_constant(v, rule_id) for v in cond.values]
        if cond.negated:
            return {"$and": [{"$neq": {key: v}} for v in values]}
        return {"$or": [{key: v} for v in values]}
    if not cond.items:
        return {"$and": [{_KIND: {"$m": _KIND}}]} if cond.all_of else _NEVER
    return {"$and" if cond.all_of else "$or": [_term(c, rule_id) for c in cond.items]}


def _definition(program: Program) -> dict[str, Any]:
    definition: dict[str, Any] = {}
    for stage, kind in _KINDS.items():
        for rule in program.stages[stage]:
            terms = [{_KIND: kind}, *compile_condition(rule.cond, rule.id)]
            definition[f"r{rule.index}"] = {"all": [{"m": {"$and": terms}}]}
    definition[_WARM] = {"all": [{"m": {_KIND: _WARM}}]}
    return definition


def _check_text(value: str, where: str) -> None:
    if "\x00" in value or any("\ud800" <= ch <= "\udfff" for ch in value):
        raise InputError(f"{where} holds a NUL or an unpaired surrogate character", field=where)


def _payload(fact: dict[str, Any], seq: int, sid: str, kind: str) -> dict[str, Any]:
    out: dict[str, Any] = {"__seq": seq, "sid": sid, _KIND: kind}
    for key, value in fact.items():
        if value is not None:
            out[key] = value
    return out


class DurableBackend:
    """Runs a program on a durable-rules (Rete) ruleset, safely.

    Args:
        program: The compiled policy program.

    Raises:
        PolicyError: A condition cannot be expressed for durable-rules.
        EngineError: durable-rules refused the ruleset (translated).
    """

    name = "durable"

    def __init__(self, program: Program, /) -> None:
        self._rules: tuple[CompiledRule, ...] = program.rules
        self.definition = _definition(program)
        self._lock = threading.Lock()
        self._sids = itertools.count()
        try:
            handle = _dre.create_ruleset(
                "erpsales", json.dumps(self.definition, ensure_ascii=False)
            )
        except tuple(FOREIGN_ERRORS) as exc:
            raise translate(exc) from None
        self._handle: int = handle
        self._finalizer = weakref.finalize(self, _dre.delete_ruleset, handle)
        self._warm_up()

    def _warm_up(self) -> None:
        # delete_state() frees uninitialised pointers of a state slot that never completed
        # an action. Complete one action on each of the 7 initial slots once; freed slots are
        # reused last-in-first-out with those pointers cleared, and we keep one sid live.
        sids = [f"{_WARM}{k}" for k in range(7)]
        try:
            for sid in sids:
                code, offset = _dre.assert_fact(
                    self._handle, json.dumps({"sid": sid, _KIND: _WARM})
                )
                started = _dre.start_action_for_state(self._handle, offset)
                if code or not started or _dre.complete_and_start_action(self._handle, offset):
                    raise EngineError("durable-rules warm-up failed", engine_error="warm-up")
            for sid in sids:
                _dre.delete_state(self._handle, sid)
        except tuple(FOREIGN_ERRORS) as exc:
            raise translate(exc) from None

    def _fire(self, payload: str, many: bool) -> list[tuple[int, int]]:
        """Assert facts and run their actions; return (rule index, seq) pairs."""
        handle = self._handle
        code, offset = (_dre.assert_facts if many else _dre.assert_fact)(handle, payload)
        if code == 2:
            raise EngineError(
                "durable-rules saw a duplicate fact",
                code="engine.duplicate",
                engine_error="duplicate",
            )
        fired: list[tuple[int, int]] = []
        started = _dre.start_action_for_state(handle, offset)
        message = started[1] if started else None
        while message is not None:
            rule = int(message[3 : message.index('"', 3)])
            at = message.index(_SEQ_PREFIX) + len(_SEQ_PREFIX)
            fired.append((rule, int(message[at : message.index(",", at)])))
            message = _dre.complete_and_start_action(handle, offset)
        return fired

    def run(self, facts: Facts, judge: Judge, /) -> Firings:
        """Evaluate ``facts``; see :class:`erpsales.engine._base.Backend`."""
        for i, person in enumerate(facts.people):
            _check_text(person["person__name"], f"stakeholders[{i}].name")
        with self._lock:
            if not self._finalizer.alive:
                raise EngineError("the durable engine is closed", engine_error="closed")
            sid = str(next(self._sids))
            batch = [_payload(facts.prospect, 0, sid, "p1")]
            batch += [_payload(p, i + 1, sid, "s") for i, p in enumerate(facts.people)]
            try:
                phase1 = set(self._fire(json.dumps(batch, ensure_ascii=False), True))
                fired = sorted(r for r, seq in phase1 if seq == 0)
                people = sorted((r, seq - 1) for r, seq in phase1 if seq > 0)
                extra, decision = judge.verdict(fired, people, facts.prospect)
                fact2 = {**facts.prospect, **extra}
                seq2 = len(batch)
                phase2 = self._fire(
                    json.dumps(_payload(fact2, seq2, sid, "p2"), ensure_ascii=False), False
                )
            except tuple(FOREIGN_ERRORS) as exc:
                raise translate(exc) from None
            finally:
                self._delete(sid)
        return Firings(fired, people, sorted({r for r, _ in phase2}), extra, decision)

    def _delete(self, sid: str) -> None:
        # code 309: the sid was never created because the first assert failed
        with contextlib.suppress(_dre.error):
            _dre.delete_state(self._handle, sid)

    def close(self) -> None:
        """Delete the C ruleset (idempotent); later calls raise :class:`EngineError`."""
        with self._lock:
            self._finalizer()
