"""The public entry points: :class:`Engine`, :func:`qualify` and :func:`qualify_many`."""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Literal, TypeVar

from pydantic import ValidationError

from erpsales._facts import FactContext, build_facts
from erpsales._resolve import Resolver
from erpsales._rows import FindingSummary, finding_kinds, verdict_row
from erpsales.assessment import Assessment, ItemError, Verdict
from erpsales.engine import available_backends, make_backend
from erpsales.engine._fused import FusedProgram
from erpsales.errors import ErpsalesError
from erpsales.models._prospect import Prospect
from erpsales.policy._compile import compile_program
from erpsales.policy._load import seed_policy
from erpsales.policy._model import Policy

__all__ = ["BackendName", "Engine", "qualify", "qualify_many"]

BackendName = Literal["auto", "compiled", "durable"]
_ENGINE_LOCK = threading.Lock()
_R = TypeVar("_R", Assessment, Verdict, tuple[Any, ...])
#: How many items the batch methods validate and grade together (how far they read ahead).
_BATCH_SIZE = 256


def _as_date(value: dt.date | str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(f"as_of must be a date or an ISO date string, got {value!r}") from None


def _resolve_backend(name: str | None) -> str:
    if name in (None, "auto"):
        return "durable" if "durable" in available_backends() else "compiled"
    return name


class Engine:
    """A policy compiled onto one backend, ready to qualify prospects from many threads.

    Build one per policy and keep it: compiling happens here, once. ``qualify`` holds no
    state between calls, so an engine can be shared by threads.

    Args:
        policy: The policy; the seed policy when ``None``.
        backend: ``"compiled"``, ``"durable"`` or ``"auto"`` (durable where it imports).

    Example:
        >>> engine = Engine(backend="compiled")
        >>> engine.qualify({"name": "x", "industry": "food", "revenue": "2亿", "profit": "600万"},
        ...                as_of="2026-01-01").product
        'ERP2'
    """

    def __init__(
        self, policy: Policy | None = None, *, backend: BackendName | str | None = None
    ) -> None:
        self.policy = policy or seed_policy()
        self.program = compile_program(self.policy)
        self.backend_name = _resolve_backend(backend)
        self._backend = make_backend(self.backend_name, self.program)
        self._resolver = Resolver(self.program)
        self._context = FactContext.of(self.policy.settings)
        self._fused = (
            FusedProgram(self.program, self._context, self._resolver)
            if self.backend_name == "compiled"
            else None
        )
        self._kinds = finding_kinds(self.policy)
        self._summaries: dict[tuple[str, ...], FindingSummary] = {}

    def qualify(
        self, prospect: Prospect | Mapping[str, Any], /, *, as_of: dt.date | str | None = None
    ) -> Assessment:
        """Qualify one prospect (a :class:`Prospect` or a dict that validates as one).

        Raises:
            pydantic.ValidationError: ``prospect`` is a dict that is not a valid prospect.
            ErpsalesError: The backend failed (never a foreign exception).
        """
        if not isinstance(prospect, Prospect):
            prospect = Prospect.model_validate(prospect)
        day = _as_date(as_of)
        facts = build_facts(prospect, self._context, day)
        firings = self._backend.run(facts, self._resolver)
        return self._resolver.assessment(
            prospect, facts, firings, as_of=day, backend=self.backend_name
        )

    def verdict(
        self, prospect: Prospect | Mapping[str, Any], /, *, as_of: dt.date | str | None = None
    ) -> Verdict:
        """Decide product, grade, status and finding ids without building the explanation.

        The same decisions as :meth:`qualify` (``verdict(p) == qualify(p).to_verdict()``),
        several times faster: for grading large batches.

        Raises:
            pydantic.ValidationError: ``prospect`` is a dict that is not a valid prospect.
        """
        if not isinstance(prospect, Prospect):
            prospect = Prospect.model_validate(prospect)
        day = _as_date(as_of)
        if self._fused is not None:
            return self._fused.verdicts((prospect,), day)[0]
        facts = build_facts(prospect, self._context, day)
        return self._resolver.summary(prospect, facts, self._backend.run(facts, self._resolver))

    def verdicts(
        self,
        prospects: Iterable[Prospect | Mapping[str, Any]],
        /,
        *,
        as_of: dt.date | str | None = None,
    ) -> Iterator[Verdict | ItemError]:
        """:meth:`verdict` for a stream; a bad item becomes an :class:`ItemError` in its place.

        The compiled backend grades 256 items at a time (so it reads that far
        ahead of what it has yielded).
        """
        if self._fused is not None:
            return self._batches(self._fused.verdicts, prospects, as_of)
        return self._stream(self.verdict, prospects, as_of)

    def verdict_rows(
        self,
        prospects: Iterable[Prospect | Mapping[str, Any]],
        /,
        *,
        as_of: dt.date | str | None = None,
    ) -> Iterator[tuple[Any, ...] | ItemError]:
        """The verdicts of a stream as flat rows of :data:`VERDICT_COLUMNS`: the fastest path.

        A row holds what :meth:`verdict` decides (finding ids comma-joined, with counts by
        kind, and the count of people per quadrant): what the CLI writes and
        :func:`~erpsales.frame.qualify_frame` returns. The compiled backend derives only the
        fields its rules read and decides in one generated loop, 256 items
        at a time; a bad item becomes an :class:`ItemError` in its place.

        Example:
            >>> from erpsales import VERDICT_COLUMNS
            >>> engine = Engine(backend="compiled")
            >>> row = next(engine.verdict_rows([{"name": "x", "industry": "food",
            ...     "revenue": "2亿", "profit": "600万"}], as_of="2026-01-01"))
            >>> dict(zip(VERDICT_COLUMNS, row))["product"]
            'ERP2'
        """
        if self._fused is not None:
            return self._batches(self._fused.rows, prospects, as_of)
        return self._stream(self._verdict_row, prospects, as_of)

    def _verdict_row(self, prospect: Prospect | Mapping[str, Any], *, as_of: dt.date) -> Any:
        return verdict_row(self.verdict(prospect, as_of=as_of), self._kinds, self._summaries)

    def qualify_many(
        self,
        prospects: Iterable[Prospect | Mapping[str, Any]],
        /,
        *,
        as_of: dt.date | str | None = None,
    ) -> Iterator[Assessment | ItemError]:
        """Qualify a stream of prospects lazily, in order; a bad item becomes an :class:`ItemError`.

        Every input item yields exactly one output item, so nothing is lost silently.
        """
        return self._stream(self.qualify, prospects, as_of)

    def _stream(
        self,
        one: Callable[..., _R],
        prospects: Iterable[Prospect | Mapping[str, Any]],
        as_of: dt.date | str | None,
    ) -> Iterator[_R | ItemError]:
        day = _as_date(as_of)
        for index, item in enumerate(prospects):
            try:
                yield one(item, as_of=day)
            except ValidationError as exc:
                yield item_error(index, item, exc)
            except ErpsalesError as exc:
                yield ItemError(index=index, id=_item_id(item), code=exc.code, message=str(exc))

    def _batches(
        self,
        run: Callable[[Sequence[Prospect], dt.date], list[_R]],
        prospects: Iterable[Prospect | Mapping[str, Any]],
        as_of: dt.date | str | None,
    ) -> Iterator[_R | ItemError]:
        """``run`` over batches of valid items; each bad item's error in its place."""
        day = _as_date(as_of)
        items = iter(prospects)
        index = 0
        while batch := list(itertools.islice(items, _BATCH_SIZE)):
            valid: list[Prospect] = []
            errors: dict[int, ItemError] = {}
            for offset, item in enumerate(batch):
                if isinstance(item, Prospect):
                    valid.append(item)
                    continue
                try:
                    valid.append(Prospect.model_validate(item))
                except ValidationError as exc:
                    errors[offset] = item_error(index + offset, item, exc)
            results = run(valid, day)
            if errors:
                ordered = iter(results)
                yield from (
                    errors[offset] if offset in errors else next(ordered)
                    for offset in range(len(batch))
                )
            else:
                yield from results
            index += len(batch)

    def close(self) -> None:
        """Release the backend's resources (the durable engine's C ruleset)."""
        self._backend.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _item_id(item: Any) -> str | None:
    if isinstance(item, Prospect):
        return item.key
    if isinstance(item, Mapping):
        for key in ("id", "name"):
            value = item.get(key)
            if isinstance(value, str | int) and not isinstance(value, bool):
                return str(value)
    return None


def item_error(index: int, item: Any, exc: ValidationError, *, row: int | None = None) -> ItemError:
    """Turn a validation error of batch item ``index`` into an :class:`ItemError`."""
    problems = tuple(
        {
            "field": ".".join(str(p) for p in err["loc"]) or "(item)",
            "message": err["msg"],
        }
        for err in exc.errors(include_url=False)
    )
    summary = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
    return ItemError(
        index=index,
        row=row,
        id=_item_id(item),
        code="input.invalid",
        message=summary,
        errors=problems,
    )


def _engine_for(policy: Policy | None, backend: str | None) -> Engine:
    policy = policy or seed_policy()
    name = _resolve_backend(backend)
    key = f"engine:{name}"
    engine = policy._compiled.get(key)
    if engine is None:
        with _ENGINE_LOCK:
            engine = policy._compiled.get(key)
            if engine is None:
                engine = Engine(policy, backend=name)
                policy._compiled[key] = engine
    result: Engine = engine
    return result


def qualify(
    prospect: Prospect | Mapping[str, Any],
    /,
    *,
    policy: Policy | None = None,
    as_of: dt.date | str | None = None,
    backend: BackendName | str | None = None,
) -> Assessment:
    """Qualify one prospect: product fit, grade, findings and stakeholder map, explained.

    Args:
        prospect: A :class:`Prospect`, or a dict (e.g. parsed JSON) that validates as one.
        policy: The policy; the bundled seed policy when ``None``.
        as_of: The date the schedule is read against (default: today). Pass it for
            reproducible results.
        backend: ``"durable"`` (the Rete engine), ``"compiled"`` or ``"auto"``/``None``
            (durable where it imports, else compiled). Both give the same verdicts.

    Returns:
        A frozen :class:`Assessment`.

    Raises:
        pydantic.ValidationError: ``prospect`` does not validate.
        BackendUnavailableError: The requested backend cannot be used here.

    Example:
        >>> a = qualify({"name": "苏州精工机械", "industry": "机械", "revenue": "3亿",
        ...              "profit": "2000万", "computerisation": "not_computerised",
        ...              "selection": "started", "months_to_close": 1}, as_of="2026-11-28")
        >>> (a.product, a.grade.value)
        ('ERP2', 'A')
    """
    return _engine_for(policy, backend).qualify(prospect, as_of=as_of)


def qualify_many(
    prospects: Iterable[Prospect | Mapping[str, Any]],
    /,
    *,
    policy: Policy | None = None,
    as_of: dt.date | str | None = None,
    backend: BackendName | str | None = None,
) -> Iterator[Assessment | ItemError]:
    """Qualify many prospects lazily; each bad item yields an :class:`ItemError` in its place.

    Args:
        prospects: Any iterable of prospects or dicts (consumed lazily).
        policy: The policy; the seed policy when ``None``.
        as_of: The date for every item (default: today, fixed once for the whole batch).
        backend: As for :func:`qualify`.

    Yields:
        One :class:`Assessment` or :class:`ItemError` per input item, in input order.
    """
    return _engine_for(policy, backend).qualify_many(prospects, as_of=as_of)
