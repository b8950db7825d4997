"""Rich display for notebooks: a card per assessment, the stakeholder map, a batch summary.

Nothing here keeps a language setting: every view takes its ``locale`` (``"en"`` or
``"zh"``) when it is made, and shows that language whatever else is displayed. An
:class:`~erpsales.Assessment` shows itself in English (``_repr_html_``); for Chinese, wrap
it::

    from erpsales import display
    display.card(assessment, locale="zh")             # the card, in Chinese
    display.stakeholder_map(assessment, locale="zh")  # 魔鬼/天使/小鬼/小甜甜 grid
    display.batch(results, locale="zh")               # a summary of many results

Each view has ``_repr_html_`` (Jupyter, VS Code) and a plain-text ``str``/``repr`` (a
terminal, a log); ``to_html()`` and ``to_text()`` return the same as strings. Every text
that comes from the input (names, titles, messages) is HTML-escaped.

This module needs neither pandas nor IPython. :func:`batch` also accepts the DataFrame
returned by :func:`erpsales.frame.qualify_frame`, read through its ``to_dict`` method.
"""

from __future__ import annotations

import html
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from erpsales.assessment import Assessment, Finding, ItemError, Placement, Verdict
from erpsales.i18n import Locale, format_value, text
from erpsales.models._enums import Quadrant

__all__ = ["BatchView", "Card", "StakeholderMap", "batch", "card", "short_repr", "stakeholder_map"]

_GRADES: Final = ("A", "B", "C", "D")
_QUADRANT_GRID: Final = ((Quadrant.DEVIL, Quadrant.ANGEL), (Quadrant.IMP, Quadrant.SWEETHEART))
_KIND_COLOUR: Final = {
    "contradiction": "#c0392b",
    "red_flag": "#d35400",
    "warning": "#b7950b",
    "info": "#7f8c8d",
}
_GRADE_COLOUR: Final = {"A": "#1e8449", "B": "#2e86c1", "C": "#b9770e", "D": "#7f8c8d"}
_QUADRANT_COLOUR: Final = {
    Quadrant.DEVIL: "#c0392b",
    Quadrant.ANGEL: "#1e8449",
    Quadrant.IMP: "#b9770e",
    Quadrant.SWEETHEART: "#2e86c1",
    Quadrant.UNCLASSIFIED: "#7f8c8d",
}
_BOX: Final = (
    "font-family:system-ui,-apple-system,'Segoe UI','Noto Sans CJK SC','PingFang SC',"
    "'Microsoft YaHei',sans-serif;font-size:13px;line-height:1.45;max-width:980px;"
    "border:1px solid #bbb;border-radius:6px;padding:10px 14px;margin:4px 0"
)
_TABLE: Final = "border-collapse:collapse;margin:4px 0 8px 0"
_CELL: Final = "border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top"
_MAX_FAILED: Final = 10
_MAX_FINDINGS: Final = 10


def _label(key: str, locale: Locale) -> str:
    return text(f"display.{key.replace('.', '_')}", locale)


def _e(value: object) -> str:
    """HTML-escape any value's text (quotes included)."""
    return html.escape(str(value), quote=True)


def _sep(locale: Locale) -> str:
    return "：" if locale == "zh" else ": "


def _quadrant(quadrant: Quadrant | str, locale: Locale) -> str:
    value = quadrant.value if isinstance(quadrant, Quadrant) else quadrant
    return text(f"quadrant.{value}", locale)


def _roles(placement: Placement, locale: Locale) -> str:
    joiner = "、" if locale == "zh" else ", "
    return joiner.join(text(f"role.{r.value}", locale) for r in placement.roles)


def _between(finding: Finding, locale: Locale) -> str:
    return "/".join(text(f"part.{p.value}", locale) for p in finding.between)


def _badge(content: str, colour: str) -> str:
    return (
        f'<span style="display:inline-block;padding:0 6px;border-radius:4px;'
        f'background:{colour};color:#fff;font-weight:600">{content}</span>'
    )


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """An HTML table; ``header`` is plain text (escaped), ``rows`` are HTML cells."""
    head = "".join(f'<th style="{_CELL}">{_e(h)}</th>' for h in header)
    body = "".join(
        "<tr>" + "".join(f'<td style="{_CELL}">{cell}</td>' for cell in row) + "</tr>"
        for row in rows
    )
    return f'<table style="{_TABLE}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _score(value: int | None, locale: Locale) -> str:
    return format_value("", value, locale)


# --------------------------------------------------------------------------- one assessment


def short_repr(assessment: Assessment) -> str:
    """A one-line ``repr`` of an assessment: who, product, grade, status and counts.

    Example:
        >>> import erpsales
        >>> a = erpsales.qualify({"name": "甲", "revenue": "2亿"}, as_of="2026-01-01")
        >>> short_repr(a)
        "<Assessment '甲': product=None grade=D status='active' findings=3 stakeholders=0>"
    """
    who = assessment.prospect_id
    if assessment.prospect_name != who:
        who = f"{who} {assessment.prospect_name}"
    return (
        f"<Assessment {who!r}: product={assessment.product!r} grade={assessment.grade.value} "
        f"status={assessment.status!r} findings={len(assessment.findings)} "
        f"stakeholders={len(assessment.stakeholders)}>"
    )


def _head_html(a: Assessment, locale: Locale) -> str:
    sep = _sep(locale)
    extras = [
        f"{_e(_label('owner', locale))}{sep}{_e(a.owner)}" if a.owner else "",
        f"{_e(_label('territory', locale))}{sep}{_e(a.territory)}" if a.territory else "",
        f"{_e(_label('as_of', locale))}{sep}{_e(a.as_of.isoformat())}",
        f"{_e(text('label.policy', locale))}{sep}{_e(a.policy_id)} {_e(a.policy_version)} "
        f"({_e(a.policy_hash[:12])}, {_e(a.backend)})",
    ]
    ident = f' <span style="color:#888">{_e(a.prospect_id)}</span>' if a.prospect_id else ""
    return (
        f'<div style="font-size:16px;font-weight:700">{_e(a.prospect_name)}{ident}</div>'
        f'<div style="color:#666">{" · ".join(x for x in extras if x)}</div>'
    )


def _verdict_html(a: Assessment, locale: Locale) -> str:
    sep = _sep(locale)
    product = a.product or text("label.no_product", locale)
    reasons = "".join(f"<li>{_e(r.get(locale))}</li>" for r in a.fit.reasons)
    grade = a.grade.value
    g = a.grading
    window = (
        f"{_e(text('label.descriptor', locale))} {_e(g.descriptor_grade.value)}, "
        f"{_e(text('label.window', locale))} {_e(g.window_grade.value)}, "
        f"{_e(text('label.months', locale))} "
        f"{_e(format_value('close.months', g.months_to_close, locale))}"
    )
    pipeline = _label("in_pipeline" if a.in_pipeline else "not_in_pipeline", locale)
    return (
        f'<div style="margin-top:8px"><b>{_e(text("label.product", locale))}</b>{sep}'
        f"<b>{_e(product)}</b> ({_e(_label(f'fit.{a.fit.status}', locale))})"
        f'<ul style="margin:2px 0 4px 0">{reasons}</ul></div>'
        f"<div><b>{_e(text('label.grade', locale))}</b>{sep}"
        f"{_badge(_e(grade), _GRADE_COLOUR[grade])} {_e(text(f'grade_text.{grade}', locale))}"
        f'<div style="margin-left:1em;color:#555">{_e(g.definition.get(locale))}'
        f"<br>{window}</div></div>"
        f'<div style="margin-top:4px"><b>{_e(text("label.status", locale))}</b>{sep}'
        f"{_e(text(f'status.{a.status}', locale))} · {_e(_label('phase', locale))}{sep}"
        f"{_e(_label(f'phase.{a.phase}', locale))} · {_e(pipeline)}</div>"
    )


def _finding_html(f: Finding, locale: Locale) -> list[str]:
    sep = _sep(locale)
    details = "".join(
        f'<br><span style="color:#555">{_e(text(f"label.{name}", locale))}{sep}'
        f"{_e(value.get(locale))}</span>"
        for name, value in (
            ("risk", f.risk),
            ("opportunity", f.opportunity),
            ("question", f.question),
        )
        if value is not None
    )
    return [
        f"<code>{_e(f.rule_id)}</code>",
        _badge(_e(text(f"kind.{f.kind}", locale)), _KIND_COLOUR[f.kind]),
        _e(_label(f"severity.{f.severity}", locale)),
        _e(_between(f, locale)),
        _e(f.subject or ""),
        f"{_e(f.message.get(locale))}{details}",
    ]


def _findings_html(a: Assessment, locale: Locale) -> str:
    title = f'<div style="margin-top:8px"><b>{_e(text("label.findings", locale))}</b></div>'
    if not a.findings:
        return f"{title}<div>{_e(text('label.no_findings', locale))}</div>"
    header = [_label(k, locale) for k in ("rule", "kind", "severity")] + [
        text("label.between", locale),
        _label("subject", locale),
        _label("message", locale),
    ]
    return title + _table(header, (_finding_html(f, locale) for f in a.findings))


def _people_html(a: Assessment, locale: Locale) -> str:
    title = f'<div style="margin-top:8px"><b>{_e(text("label.stakeholders", locale))}</b></div>'
    if not a.stakeholders:
        return f"{title}<div>{_e(text('label.no_stakeholders', locale))}</div>"
    header = [
        _label("attention", locale),
        _label("name", locale),
        _label("title", locale),
        _label("quadrant", locale),
        _label("roles", locale),
        text("label.influence", locale),
        text("label.support", locale),
        _label("advice", locale),
    ]
    rows = (
        [
            _e(p.attention),
            _e(p.name),
            _e(p.title or ""),
            _badge(_e(_quadrant(p.quadrant, locale)), _QUADRANT_COLOUR[p.quadrant]),
            _e(_roles(p, locale)),
            _e(_score(p.influence, locale)),
            _e(_score(p.support, locale)),
            _e(p.advice.get(locale) if p.advice else ""),
        ]
        for p in a.stakeholders
    )
    return title + _table(header, rows)


def card_html(assessment: Assessment, locale: Locale = "en") -> str:
    """The card of one assessment as an HTML fragment (a ``<div>``), in ``locale``.

    It shows the prospect, the product and why, the grade and its definition, the status,
    the findings (kind, severity, the key information they are between, the message, the
    crisis, turning point and question) and the stakeholders with their quadrants.
    """
    a = assessment
    lang = "zh-CN" if locale == "zh" else "en"
    return (
        f'<div lang="{lang}" class="erpsales-card" style="{_BOX}">'
        f"{_head_html(a, locale)}{_verdict_html(a, locale)}{_findings_html(a, locale)}"
        f"{_people_html(a, locale)}"
        f"{_map_html(a.stakeholders, locale) if a.stakeholders else ''}</div>"
    )


def card_text(assessment: Assessment, locale: Locale = "en") -> str:
    """The card of one assessment as plain text: :meth:`Assessment.explain` without the trace."""
    full = assessment.explain(locale)
    marker = f"{text('label.trace', locale)}{_sep(locale)}".rstrip()
    lines = full.splitlines()
    if marker in lines:
        lines = lines[: lines.index(marker)]
    return "\n".join(lines)


class _View:
    """What every view shares: HTML in notebooks, text everywhere else."""

    def to_html(self) -> str:
        raise NotImplementedError

    def to_text(self) -> str:
        raise NotImplementedError

    def _repr_html_(self) -> str:
        return self.to_html()

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        return self.to_text()

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(self.to_text())


@dataclass(frozen=True, repr=False)
class Card(_View):
    """One assessment shown as a card in one language (see :func:`card`).

    Attributes:
        assessment: The assessment shown.
        locale: ``"en"`` or ``"zh"``.
    """

    assessment: Assessment
    locale: Locale = "en"

    def to_html(self) -> str:
        """The card as an HTML fragment."""
        return card_html(self.assessment, self.locale)

    def to_text(self) -> str:
        """The card as plain text."""
        return card_text(self.assessment, self.locale)


def card(assessment: Assessment, /, *, locale: Locale = "en") -> Card:
    """Show ``assessment`` as a card in ``locale``: ``display.card(a, locale="zh")``.

    Example:
        >>> import erpsales
        >>> a = erpsales.qualify({"name": "甲", "revenue": "2亿"}, as_of="2026-01-01")
        >>> "潜在客户：甲" in card(a, locale="zh").to_text()
        True
    """
    return Card(assessment, locale)


# --------------------------------------------------------------------------- stakeholder map


def _cell_people(people: Sequence[Placement], locale: Locale) -> str:
    if not people:
        return f'<span style="color:#999">{_e(_label("nobody", locale))}</span>'
    items = []
    for p in people:
        roles = _roles(p, locale)
        extra = f' <span style="color:#666">({_e(roles)})</span>' if roles else ""
        title = f' <span style="color:#666">{_e(p.title)}</span>' if p.title else ""
        items.append(f"<li>{_e(p.name)}{title}{extra}</li>")
    return f'<ul style="margin:2px 0;padding-left:1.2em">{"".join(items)}</ul>'


def _map_html(placements: Sequence[Placement], locale: Locale) -> str:
    by_quadrant: dict[Quadrant, list[Placement]] = {q: [] for q in Quadrant}
    for p in placements:
        by_quadrant[p.quadrant].append(p)
    cell = "border:1px solid #999;padding:4px 8px;vertical-align:top;width:220px;height:60px"
    rows = []
    for row in _QUADRANT_GRID:
        cells = "".join(
            f'<td style="{cell}"><div style="font-weight:700;color:{_QUADRANT_COLOUR[q]}">'
            f"{_e(_quadrant(q, locale))}</div>{_cell_people(by_quadrant[q], locale)}</td>"
            for q in row
        )
        rows.append(f"<tr>{cells}</tr>")
    unclassified = by_quadrant[Quadrant.UNCLASSIFIED]
    rest = (
        f'<div style="color:#666">{_e(_quadrant(Quadrant.UNCLASSIFIED, locale))}'
        f"{_sep(locale)}{_e('、'.join(p.name for p in unclassified))}</div>"
        if unclassified
        else ""
    )
    return (
        f'<div style="margin-top:8px"><b>{_e(_label("map", locale))}</b>'
        f'<div style="color:#666">{_e(_label("axis.influence", locale))}</div>'
        f'<table class="erpsales-map" style="{_TABLE}"><tbody>{"".join(rows)}</tbody></table>'
        f'<div style="color:#666">{_e(_label("axis.support", locale))}</div>{rest}</div>'
    )


def _map_text(placements: Sequence[Placement], locale: Locale) -> str:
    by_quadrant: dict[Quadrant, list[str]] = {q: [] for q in Quadrant}
    for p in placements:
        by_quadrant[p.quadrant].append(p.name)
    sep, joiner = _sep(locale), "、" if locale == "zh" else ", "
    lines = [_label("axis.influence", locale)]
    for row in _QUADRANT_GRID:
        lines.append(
            " | ".join(
                f"{_quadrant(q, locale)}{sep}"
                f"{joiner.join(by_quadrant[q]) or _label('nobody', locale)}"
                for q in row
            )
        )
    lines.append(_label("axis.support", locale))
    if by_quadrant[Quadrant.UNCLASSIFIED]:
        lines.append(
            f"{_quadrant(Quadrant.UNCLASSIFIED, locale)}{sep}"
            + joiner.join(by_quadrant[Quadrant.UNCLASSIFIED])
        )
    return "\n".join(lines)


@dataclass(frozen=True, repr=False)
class StakeholderMap(_View):
    """The influence × support map of one prospect: a 2×2 grid of names.

    Made by :func:`stakeholder_map` or :meth:`Assessment.stakeholder_map`. Rows are
    influence (high on top), columns support for us (high on the right): 魔鬼 devil and 天使
    angel above, 小鬼 imp and 小甜甜 sweetheart below. People with an unknown score are
    listed under the grid as unclassified.

    Attributes:
        placements: The placements, in attention order.
        locale: ``"en"`` or ``"zh"``.
        prospect: The prospect's name, for the title.
    """

    placements: tuple[Placement, ...]
    locale: Locale = "en"
    prospect: str | None = None

    def names(self, quadrant: Quadrant | str) -> tuple[str, ...]:
        """The names in ``quadrant``, in attention order."""
        q = Quadrant(quadrant)
        return tuple(p.name for p in self.placements if p.quadrant is q)

    def to_html(self) -> str:
        """The map as an HTML fragment."""
        title = f'<div style="font-weight:700">{_e(self.prospect)}</div>' if self.prospect else ""
        return (
            f'<div class="erpsales-stakeholder-map" style="{_BOX}">{title}'
            f"{_map_html(self.placements, self.locale)}</div>"
        )

    def to_text(self) -> str:
        """The map as plain text, one line per row of the grid."""
        title = [self.prospect] if self.prospect else []
        return "\n".join([*title, _map_text(self.placements, self.locale)])


def stakeholder_map(assessment: Assessment, /, *, locale: Locale = "en") -> StakeholderMap:
    """The stakeholder map of ``assessment`` in ``locale`` (also ``assessment.stakeholder_map()``).

    Example:
        >>> import erpsales
        >>> a = erpsales.qualify({"name": "甲", "stakeholders": [
        ...     {"name": "王总", "influence": 5, "support": 2}]}, as_of="2026-01-01")
        >>> stakeholder_map(a, locale="zh").names("devil")
        ('王总',)
    """
    return StakeholderMap(assessment.stakeholders, locale, assessment.prospect_name)


# --------------------------------------------------------------------------- a batch


@dataclass(frozen=True, slots=True)
class _Row:
    """What the batch summary needs of one result."""

    key: str | None
    product: str | None
    grade: str | None
    status: str | None
    in_pipeline: bool
    finding_ids: tuple[str, ...]
    error: str | None
    position: object


def _plain(value: object) -> object:
    """``value`` with pandas' and numpy's missing markers (NA, NaN, NaT) as ``None``."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else value
    try:
        if value != value:  # NaN-like: NaT
            return None
    except TypeError:  # pandas.NA refuses to be a bool
        return None
    return value


def _text_or_none(value: object) -> str | None:
    plain = _plain(value)
    return None if plain is None else str(plain)


def _row_of(item: object, position: object) -> _Row:
    if isinstance(item, Assessment):
        return _Row(
            item.prospect_id,
            item.product,
            item.grade.value,
            item.status,
            item.in_pipeline,
            item.finding_ids(),
            None,
            position,
        )
    if isinstance(item, Verdict):
        return _Row(
            item.prospect_id,
            item.product,
            item.grade.value,
            item.status,
            item.in_pipeline,
            item.finding_ids,
            None,
            position,
        )
    if isinstance(item, ItemError):
        return _Row(item.id, None, None, None, False, (), item.message, item.index)
    if isinstance(item, Mapping):
        ids = _text_or_none(item.get("finding_ids"))
        return _Row(
            _text_or_none(item.get("id")) or _text_or_none(item.get("name")),
            _text_or_none(item.get("product")),
            _text_or_none(item.get("grade")),
            _text_or_none(item.get("status")),
            _plain(item.get("in_pipeline")) is True,
            tuple(ids.split(",")) if ids else (),
            _text_or_none(item.get("error")),
            position,
        )
    raise TypeError(
        "batch() takes Assessments, Verdicts, ItemErrors, result rows (mappings) or a "
        f"qualify_frame result, not {type(item).__name__}"
    )


@dataclass(frozen=True, repr=False)
class BatchView(_View):
    """A summary of many results: counts by grade and product, statuses, findings, failures.

    Made by :func:`batch` (or ``df.erpsales.summary()`` on a ``qualify_frame`` result).

    Attributes:
        rows: One entry per result, in input order.
        locale: ``"en"`` or ``"zh"``.
    """

    rows: tuple[_Row, ...]
    locale: Locale = "en"

    @property
    def total(self) -> int:
        """The number of results."""
        return len(self.rows)

    @property
    def failed(self) -> int:
        """The number of results that are errors."""
        return sum(1 for r in self.rows if r.error is not None)

    def grade_by_product(self) -> dict[str, dict[str, int]]:
        """Counts per grade (A–D) and product (``"-"`` for none), for the good results."""
        products = sorted({r.product or "-" for r in self.rows if r.error is None})
        table = {g: dict.fromkeys(products, 0) for g in _GRADES}
        for r in self.rows:
            if r.error is None and r.grade in table:
                table[r.grade][r.product or "-"] += 1
        return table

    def statuses(self) -> dict[str, int]:
        """Counts per status of the good results."""
        return dict(Counter(r.status for r in self.rows if r.error is None and r.status))

    def top_findings(self, n: int = _MAX_FINDINGS) -> list[tuple[str, int]]:
        """The ``n`` most frequent finding ids and how many results have each."""
        counts = Counter(fid for r in self.rows for fid in set(r.finding_ids))
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]

    def _summary_line(self) -> str:
        ok = self.total - self.failed
        line = text("cli.summary", self.locale).format(ok=ok, failed=self.failed)
        pipeline = sum(1 for r in self.rows if r.error is None and r.in_pipeline)
        semicolon = "；" if self.locale == "zh" else "; "
        return f"{line}{semicolon}{_label('in_pipeline', self.locale)}{_sep(self.locale)}{pipeline}"

    def _failures(self) -> list[str]:
        failed = [r for r in self.rows if r.error is not None]
        lines = [
            f"{_label('row', self.locale)} {r.position}"
            + (f" ({r.key})" if r.key else "")
            + f"{_sep(self.locale)}{r.error}"
            for r in failed[:_MAX_FAILED]
        ]
        if len(failed) > _MAX_FAILED:
            lines.append(_label("more", self.locale).format(n=len(failed) - _MAX_FAILED))
        return lines

    def to_text(self) -> str:
        """The summary as plain text."""
        loc = self.locale
        table = self.grade_by_product()
        products = list(next(iter(table.values())).keys()) if table else []
        width = max([len(p) for p in products] + [5])
        lines = [
            f"{_label('batch', loc)}{_sep(loc)}{self.total} {_label('prospects', loc)}",
            self._summary_line(),
            _label("grade_by_product", loc),
            "  " + " ".join(f"{p:>{width}}" for p in products),
        ]
        lines += [f"{g} " + " ".join(f"{table[g][p]:>{width}}" for p in products) for g in _GRADES]
        statuses = ", ".join(
            f"{text(f'status.{s}', loc)} {n}" for s, n in sorted(self.statuses().items())
        )
        lines.append(f"{_label('statuses', loc)}{_sep(loc)}{statuses}")
        top = self.top_findings()
        if top:
            lines.append(
                f"{_label('top_findings', loc)}{_sep(loc)}"
                + ", ".join(f"{fid} {n}" for fid, n in top)
            )
        failures = self._failures()
        if failures:
            lines.append(f"{_label('failed', loc)}{_sep(loc).rstrip()}")
            lines += [f"  {line}" for line in failures]
        return "\n".join(lines)

    def to_html(self) -> str:
        """The summary as an HTML fragment."""
        loc = self.locale
        table = self.grade_by_product()
        products = list(next(iter(table.values())).keys()) if table else []
        total = _label("total", loc)
        grade_rows = [
            [_badge(_e(g), _GRADE_COLOUR[g])]
            + [_e(table[g][p]) for p in products]
            + [_e(sum(table[g].values()))]
            for g in _GRADES
        ]
        grades = _table([text("label.grade", loc), *(p for p in products), total], grade_rows)
        statuses = _table(
            [_label("statuses", loc), total],
            ([_e(text(f"status.{s}", loc)), _e(n)] for s, n in sorted(self.statuses().items())),
        )
        top = self.top_findings()
        findings = (
            f"<div><b>{_e(_label('top_findings', loc))}</b></div>"
            + _table(
                [_label("rule", loc), total],
                ([f"<code>{_e(fid)}</code>", _e(n)] for fid, n in top),
            )
            if top
            else ""
        )
        failures = self._failures()
        failed = (
            f'<div><b>{_e(_label("failed", loc))}</b></div><ul style="margin:2px 0">'
            + "".join(f"<li>{_e(line)}</li>" for line in failures)
            + "</ul>"
            if failures
            else ""
        )
        lang = "zh-CN" if loc == "zh" else "en"
        return (
            f'<div lang="{lang}" class="erpsales-batch" style="{_BOX}">'
            f'<div style="font-size:16px;font-weight:700">{_e(_label("batch", loc))}'
            f"{_e(_sep(loc))}{_e(self.total)} {_e(_label('prospects', loc))}</div>"
            f"<div>{_e(self._summary_line())}</div>"
            f"<div><b>{_e(_label('grade_by_product', loc))}</b></div>{grades}{statuses}"
            f"{findings}{failed}</div>"
        )


def batch(results: Iterable[object], /, *, locale: Locale = "en") -> BatchView:
    """Summarise many results: ``display.batch(list(engine.qualify_many(items)))``.

    Args:
        results: :class:`Assessment`, :class:`Verdict` and :class:`ItemError` objects (what
            ``qualify_many`` and ``Engine.verdicts`` yield), result rows as mappings, or a
            DataFrame returned by ``qualify_frame`` (its rows are read with ``to_dict``).
        locale: ``"en"`` or ``"zh"``.

    Raises:
        TypeError: An item is none of these.
    """
    to_dict = getattr(results, "to_dict", None)
    if callable(to_dict) and hasattr(results, "columns") and hasattr(results, "index"):
        index = list(results.index)
        records = to_dict("records")
        return BatchView(tuple(_row_of(r, i) for r, i in zip(records, index, strict=True)), locale)
    return BatchView(tuple(_row_of(item, i) for i, item in enumerate(results)), locale)
