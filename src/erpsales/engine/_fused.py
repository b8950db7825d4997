"""The compiled backend's batch program: validated prospects in, verdicts out, in one loop.

For batches the compiled backend does not go through fact dicts. The whole verdict of a
program is generated as one Python function over a list of prospects:

1. derive, as local variables, only the fields the program's conditions read, from the
   same derivation lines as :func:`erpsales._facts.build_facts`
   (:func:`~erpsales._facts.derivation_code`);
2. evaluate the phase-1 rules into a bit mask, the per-person rules inside the loop over
   the stakeholders (counting how many people each fires for);
3. look the fit-and-grade decision up by that mask: it depends on the firings and on
   whether revenue, profit, industry and status are known, nothing else, so the
   :class:`~erpsales._resolve.Resolver` computes it once per combination;
4. evaluate the phase-2 rules into a second mask with the decision's fields, and look the
   finding ids and their counts up by that mask, the resolver's own findings and the
   per-person counts;
5. emit one row of :data:`~erpsales.VERDICT_COLUMNS` or one :class:`~erpsales.Verdict`.

The result equals the general path's (``Resolver.summary``; property-tested) at a fraction
of the cost: no intermediate dict, object or field that the verdict does not need.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Sequence
from typing import Any, Literal

from erpsales._facts import FactContext, add_months, derivation_code, indent
from erpsales._gc import paused_gc
from erpsales._resolve import Resolver
from erpsales._rows import finding_kinds, finding_summary
from erpsales.assessment import Verdict, build
from erpsales.engine._compiled import Emitter
from erpsales.models._enums import Quadrant
from erpsales.models._prospect import Prospect
from erpsales.policy._compile import CompiledRule, Program
from erpsales.policy._expr import fields_of

__all__ = ["FusedProgram"]

Shape = Literal["row", "verdict"]
_QUADRANT_COUNTS = tuple(f"stakeholders__{q.value}_count" for q in Quadrant)
# the fields the decision and the verdict read besides the rules'
_ALWAYS = (
    "prospect__revenue",
    "prospect__profit",
    "prospect__industry_class",
    "prospect__computerisation",
    "close__months",
    *_QUADRANT_COUNTS,
)
_CLASSES = (None, "core", "other_manufacturing", "non_manufacturing")
_COUNT_BITS = 32  # bits per person rule's count in the findings key
# bits for the index of the resolver's own findings in the findings key: they are a
# subsequence of five ids (Resolver.note_ids), so there are at most 32 combinations
_NOTES_BITS = 8
_CACHE_SIZE = 65_536
# below this many prospects a batch is over before the collector would run: no pause
_PAUSE_FROM = 64

# positions in a decision record
(
    _PRODUCT,
    _FIT_STATUS,
    _GRADE,
    _DESCRIPTOR,
    _WINDOW,
    _GRADE_LETTER,
    _DESCRIPTOR_LETTER,
    _WINDOW_LETTER,
    _PHASE,
    _STANDING,  # (status, in_pipeline) of a prospect that is not disqualified
    _STANDING_DISQUALIFIED,  # … and of one that is
    _NOTES,
    _FIELDS,
) = range(13)


class FusedProgram:
    """A program's verdicts as one generated loop (compiled backend only; thread-safe).

    Args:
        program: The compiled policy program.
        ctx: The fact context of the program's policy.
        resolver: The program's resolver (it decides fit and grade per combination).
    """

    def __init__(self, program: Program, ctx: FactContext, resolver: Resolver) -> None:
        self._program = program
        self._resolver = resolver
        self._ctx = ctx
        self._kinds = finding_kinds(program.policy)
        self._phase1 = program.stages["prospect"]
        self._person = program.stages["stakeholder"]
        self._phase2 = program.stages["verdict"]
        n = len(self._phase1)
        self._rule_bits = {r.index: 1 << i for i, r in enumerate(self._phase1)}
        self._input_bits = {
            "revenue_unknown": 1 << n,
            "profit_unknown": 1 << (n + 1),
            "profit_negative": 1 << (n + 2),
            "status_unknown": 1 << (n + 3),
        }
        self._class_shift = n + 4
        self._decisions: dict[int, tuple[Any, ...]] = {}
        self._findings: dict[int, tuple[Any, ...]] = {}
        self._notes: dict[tuple[str, ...], int] = {}
        self._notes_list: list[tuple[str, ...]] = []
        self._lock = threading.Lock()
        names = {
            **ctx.names(),
            "_decide": self._decide,
            "_DECISIONS": self._decisions,
            "_findings": self._find,
            "_FINDINGS": self._findings,
            "_build": build,
            "_Verdict": Verdict,
        }
        self.source: dict[Shape, str] = {}
        self._run: dict[Shape, Callable[..., list[Any]]] = {}
        for shape in ("row", "verdict"):
            source, consts = self._generate(shape)
            namespace = {**names, "_K": consts, "__builtins__": {}}
            exec(compile(source, f"<erpsales:fused_{shape}>", "exec"), namespace)  # generated
            self.source[shape] = source
            self._run[shape] = namespace["run"]

    def rows(self, prospects: Sequence[Prospect], as_of: dt.date) -> list[tuple[Any, ...]]:
        """One row of :data:`~erpsales.VERDICT_COLUMNS` per prospect, in order."""
        return self._call("row", prospects, as_of)

    def verdicts(self, prospects: Sequence[Prospect], as_of: dt.date) -> list[Verdict]:
        """One :class:`~erpsales.Verdict` per prospect, in order."""
        return self._call("verdict", prospects, as_of)

    def _call(self, shape: Shape, prospects: Sequence[Prospect], as_of: dt.date) -> list[Any]:
        imminent = add_months(as_of, self._ctx.imminent_months)
        if len(prospects) < _PAUSE_FROM:
            return self._run[shape](prospects, as_of, imminent)
        with paused_gc():
            return self._run[shape](prospects, as_of, imminent)

    # -- what the generated code looks up -------------------------------------------------

    def _decide(self, mask: int) -> tuple[Any, ...]:
        """The decision record of a phase-1 mask (computed once per mask, then looked up)."""
        bits = self._input_bits
        fired = tuple(r.index for r in self._phase1 if mask & self._rule_bits[r.index])
        profit_sign = (
            None if mask & bits["profit_unknown"] else -1 if mask & bits["profit_negative"] else 1
        )
        industry_class = _CLASSES[mask >> self._class_shift & 3]
        resolver = self._resolver
        fit = resolver.fit_decision(
            fired, not mask & bits["revenue_unknown"], profit_sign, industry_class
        )
        grade = resolver.grade_decision(fired, bool(mask & bits["status_unknown"]))
        notes = resolver.note_ids(fit, grade)
        with self._lock:
            if notes not in self._notes:
                self._notes[notes] = len(self._notes_list)
                self._notes_list.append(notes)
        g = grade.grade
        record = (
            fit.product,
            fit.status,
            g,
            grade.descriptor,
            grade.window,
            g.value,
            grade.descriptor.value,
            grade.window.value,
            resolver.phase_map[g],
            resolver.standing(fit, grade, False),
            resolver.standing(fit, grade, True),
            self._notes[notes] << len(self._phase2),
            *resolver.verdict_fields(fit, grade).values(),
        )
        if len(self._decisions) < _CACHE_SIZE:
            self._decisions[mask] = record
        return record

    def _find(self, key: int) -> tuple[Any, ...]:
        """The finding ids of a findings key, and their summary (once per key)."""
        n = len(self._phase2)
        fired: list[tuple[int, CompiledRule]] = [
            (r.index, r) for i, r in enumerate(self._phase2) if key >> i & 1
        ]
        shift = n + _NOTES_BITS
        for i, rule in enumerate(self._person):
            count = key >> (shift + i * _COUNT_BITS) & ((1 << _COUNT_BITS) - 1)
            fired += [(rule.index, rule)] * count
        fired.sort(key=lambda pair: pair[0])
        notes = self._notes_list[key >> n & ((1 << _NOTES_BITS) - 1)]
        ids = notes + tuple(rule.id for _, rule in fired)
        found = (ids, *finding_summary(ids, self._kinds))
        if len(self._findings) < _CACHE_SIZE:
            self._findings[key] = found
        return found

    # -- code generation -------------------------------------------------------------------

    def _generate(self, shape: Shape) -> tuple[str, tuple[Any, ...]]:
        resolver = self._resolver
        emitter = Emitter(named=True)
        phase1 = [
            f"if {emitter.cond(r.cond)}: m |= {self._rule_bits[r.index]}" for r in self._phase1
        ]
        counters = [f"c{r.index}" for r in self._person]
        person = [
            f"if {emitter.cond(r.cond)}: {counter} += 1"
            for r, counter in zip(self._person, counters, strict=True)
        ]
        phase2 = [f"if {emitter.cond(r.cond)}: f |= {1 << i}" for i, r in enumerate(self._phase2)]
        shift = len(self._phase2) + _NOTES_BITS
        counts_key = "".join(f" | {c} << {shift + i * _COUNT_BITS}" for i, c in enumerate(counters))
        read = {f.key for r in self._program.rules for f in fields_of(r.cond) if f.phase == 1}
        person_fields = {k for k in read if k.startswith("person__")}
        code = derivation_code(self._ctx, (read - person_fields) | set(_ALWAYS), person_fields)
        # the phase-2 fields the finding rules read come from the decision record
        late = list(resolver.verdict_fields(*_some_decision(resolver)))
        from_record = [
            f"{key} = d[{_FIELDS + late.index(key)}]"
            for key, phase in emitter.phases.items()
            if phase == 2
        ]
        quadrants = ", ".join(_QUADRANT_COUNTS)
        quadrant_items = ", ".join(
            f"_{q.name}: {count}" for q, count in zip(Quadrant, _QUADRANT_COUNTS, strict=True)
        )
        if shape == "row":
            result = (
                f"append((P.id or P.name, P.name, P.owner, P.territory, d[{_PRODUCT}], "
                f"d[{_FIT_STATUS}], d[{_GRADE_LETTER}], d[{_DESCRIPTOR_LETTER}], "
                f"d[{_WINDOW_LETTER}], close__months, status, d[{_PHASE}], pipeline, "
                f"g[1], g[2], g[3], g[4], g[5], {quadrants}))"
            )
        else:
            result = (
                "append(_build(_Verdict, {"
                "'prospect_id': P.id or P.name, 'prospect_name': P.name, 'owner': P.owner, "
                f"'territory': P.territory, 'product': d[{_PRODUCT}], "
                f"'fit_status': d[{_FIT_STATUS}], 'grade': d[{_GRADE}], "
                f"'descriptor_grade': d[{_DESCRIPTOR}], 'window_grade': d[{_WINDOW}], "
                "'months_to_close': close__months, 'status': status, "
                f"'phase': d[{_PHASE}], 'in_pipeline': pipeline, 'finding_ids': g[0], "
                f"'quadrants': {{{quadrant_items}}}}}))"
            )
        classes = {c: i << self._class_shift for i, c in enumerate(_CLASSES)}
        bits = self._input_bits
        body = [
            *code.prospect,
            *code.loop_init,
            *(f"{c} = 0" for c in counters),
            "for Q in P.stakeholders:",
            *indent([*code.person, *code.loop_add, *person], 1),
            *code.after,
            "m = 0",
            *phase1,
            f"if prospect__revenue is None: m |= {bits['revenue_unknown']}",
            f"if prospect__profit is None: m |= {bits['profit_unknown']}",
            f"elif prospect__profit < 0: m |= {bits['profit_negative']}",
            f"if prospect__computerisation == 'unknown': m |= {bits['status_unknown']}",
            f"m |= {emitter.const(classes)}[prospect__industry_class]",
            "d = _DECISIONS.get(m)",
            "if d is None: d = _decide(m)",
            *from_record,
            f"f = d[{_NOTES}]{counts_key}",
            *phase2,
            "g = _FINDINGS.get(f)",
            "if g is None: g = _findings(f)",
            f"status, pipeline = d[{_STANDING_DISQUALIFIED} if P.disqualified else {_STANDING}]",
            result,
        ]
        source = "\n".join(
            [
                "def run(PS, D, IMM):",
                "    out = []",
                "    append = out.append",
                "    for P in PS:",
                *indent(body, 2),
                "    return out",
                "",
            ]
        )
        return source, tuple(emitter.consts)


def _some_decision(resolver: Resolver) -> tuple[Any, Any]:
    """Some fit and grade decision, for the names and order of the phase-2 fields."""
    return resolver.fit_decision((), False, None, None), resolver.grade_decision((), False)
