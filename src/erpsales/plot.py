"""Pictures of one prospect and of a batch: stakeholder map, funnel, findings, forecast.

Each function draws on the matplotlib ``ax`` it is given (or on a new figure) and returns
that ``ax``; none calls ``plt.show``::

    import erpsales
    from erpsales.plot import plot_stakeholders

    assessment = erpsales.qualify(prospect, as_of="2026-11-28")
    ax = plot_stakeholders(assessment, locale="zh")
    ax.figure.savefig("quadrant.png", dpi=150)

It needs matplotlib and pandas (``pip install 'erpsales[plot]'``); ``import erpsales``
imports neither. When no matplotlib backend has been chosen yet (no ``MPLBACKEND``, no
``matplotlib.use``), the non-interactive Agg backend is selected; a notebook's backend is
left alone.

Chinese text (quadrant names, roles, people's names) is drawn with a font that has the
glyphs: the first installed of WenQuanYi Zen Hei, Noto Sans CJK, Source Han Sans, SimHei,
Microsoft YaHei, PingFang … (see :func:`cjk_font`), set on each text this module creates;
matplotlib's global settings are not changed.
"""

from __future__ import annotations

import functools
import math
import os
import warnings
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from erpsales.assessment import Assessment, Placement
from erpsales.diff import NO_PRODUCT
from erpsales.forecast import (
    Batch,
    DataFrame,
    batch_frame,
    finding_kinds,
    group_labels,
    qualified,
    require_pandas,
)
from erpsales.i18n import Locale, catalog_keys, format_value, text
from erpsales.models._enums import Quadrant
from erpsales.policy._load import seed_policy
from erpsales.policy._model import FindingKind, Policy

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.font_manager import FontEntry, FontProperties
else:  # annotations stay evaluable (typing.get_type_hints) without importing matplotlib
    Axes = FontProperties = Any

__all__ = [
    "CJK_FAMILIES",
    "cjk_font",
    "plot_findings_heatmap",
    "plot_forecast",
    "plot_funnel",
    "plot_stakeholders",
]

#: Font families with Chinese glyphs, in order of preference (matched as substrings).
CJK_FAMILIES: tuple[str, ...] = (
    "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Sans CJK",
    "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN", "Source Han Sans", "SimHei",
    "Microsoft YaHei", "PingFang SC", "PingFang", "Hiragino Sans GB", "Heiti SC", "STHeiti",
    "Noto Serif CJK", "Source Han Serif", "AR PL UMing", "AR PL UKai", "Droid Sans Fallback",
    "Arial Unicode MS",
)  # fmt: skip
#: Characters a font must have to be chosen: the quadrant names and the map's axes.
_PROBE = "魔鬼天使小鬼小甜甜影响力支持度批准者决策制定者把关者目标市场"

_QUADRANT_COLOURS = {
    Quadrant.DEVIL: "#c0392b",
    Quadrant.ANGEL: "#27ae60",
    Quadrant.IMP: "#d68910",
    Quadrant.SWEETHEART: "#2e86c1",
}
_GRADE_COLOURS = {"A": "#1b7837", "B": "#7fbf7b", "C": "#d9f0d3"}
_STAGES = ("target_market", "D", "C", "B", "A")
_GRADES = ("A", "B", "C", "D")
_SCALE = (0.5, 5.5)  # the 1–5 scores, half a step of margin each side


# --------------------------------------------------------------------------- matplotlib


def _matplotlib() -> Any:
    """Import matplotlib, or say which extra installs it."""
    try:
        import matplotlib
    except ImportError as exc:
        raise ImportError("erpsales plots need matplotlib: pip install 'erpsales[plot]'") from exc
    return matplotlib


def _pyplot() -> Any:
    """Import pyplot, selecting Agg first when no backend has been chosen."""
    matplotlib = _matplotlib()
    try:
        unset = matplotlib.get_backend(auto_select=False) is None  # matplotlib >= 3.10
    except TypeError:  # pragma: no cover - matplotlib 3.8 and 3.9
        unset = getattr(matplotlib.rcParams, "_get_backend_or_none")() is None  # noqa: B009
    if unset:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _axes(ax: Axes | None, size: tuple[float, float]) -> Axes:
    if ax is not None:
        return ax
    _, new = _pyplot().subplots(figsize=size, layout="constrained")
    result: Axes = new
    return result


def _find_cjk_font(entries: Iterable[FontEntry]) -> FontEntry | None:
    """The preferred font entry with every glyph of :data:`_PROBE`, or ``None``.

    Fonts named in :data:`CJK_FAMILIES` are tried first, in that order (regular weight and
    upright style first); then any other font, by name.
    """

    def rank(entry: FontEntry) -> tuple[int, bool, int, str, str]:
        name = entry.name.casefold()
        order = next(
            (i for i, f in enumerate(CJK_FAMILIES) if f.casefold() in name), len(CJK_FAMILIES)
        )
        weight = entry.weight if isinstance(entry.weight, int) else 400
        return (order, entry.style != "normal", abs(weight - 400), entry.name, entry.fname)

    for entry in sorted(entries, key=rank):
        if _covers(entry.fname):
            return entry
    return None


@functools.cache
def _covers(path: str) -> bool:
    from matplotlib.ft2font import FT2Font

    try:
        font = FT2Font(path)
    except (OSError, RuntimeError, ValueError):  # unreadable or not a font file
        return False
    return all(font.get_char_index(ord(c)) != 0 for c in _PROBE)


@functools.cache
def _cjk_family() -> tuple[str, str | int] | None:
    """The family and weight of the chosen CJK font (the exact weight: no fallback logged)."""
    import matplotlib
    from matplotlib import font_manager

    entry = _find_cjk_font(font_manager.fontManager.ttflist)
    if entry is None:
        packaged = _packaged_cjk_font()
        if packaged is not None:
            # the font that erpsales[plot] installs from PyPI, for systems without one
            font_manager.fontManager.addfont(packaged)
            entry = _find_cjk_font(font_manager.fontManager.ttflist)
    if entry is None:
        warnings.warn(
            "erpsales.plot: matplotlib knows no font with Chinese glyphs, so Chinese labels "
            "will show as empty boxes. Install one (pip install 'erpsales[plot]' brings Noto "
            "Sans CJK; or Debian/Ubuntu: apt-get install fonts-wqy-zenhei) and remove "
            "matplotlib's font cache "
            f"({matplotlib.get_cachedir()}/fontlist-*.json) so that it is found. "
            f"Looked for: {', '.join(CJK_FAMILIES)}.",
            UserWarning,
            stacklevel=4,
        )
        return None
    return entry.name, entry.weight


def _packaged_cjk_font() -> str | None:
    """The Noto Sans CJK file of the ``cvttf-notosanscjk-regular`` package, if installed."""
    import importlib.util

    spec = importlib.util.find_spec("cvttf_NotoSansCJK_Regular")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = os.path.join(folder, "NotoSansCJKtc-Regular.otf")
        if os.path.exists(path):
            return path
    return None


def cjk_font(size: float | str | None = None) -> FontProperties:
    """New font properties for Chinese text: a CJK family when one is installed.

    The family is chosen once per process (see :data:`CJK_FAMILIES`); the font must have
    the glyphs of the quadrant names. Pass the result as ``fontproperties=`` (or
    ``prop=`` of a legend) to texts you add to the charts.

    Warns:
        UserWarning: Once, when no installed font has Chinese glyphs; the properties then
            name matplotlib's default family.
    """
    _matplotlib()
    from matplotlib.font_manager import FontProperties

    chosen = _cjk_family()
    if chosen is None:
        return FontProperties(size=size)
    family, weight = chosen
    return FontProperties(family=[family], weight=weight, size=size)


def _font(size: float | str | None = None) -> dict[str, Any]:
    return {"fontproperties": cjk_font(size)}


def _t(key: str, locale: Locale, **values: Any) -> str:
    """A chart text: this module's own, else the message catalog's."""
    own = f"plot.{key.replace('.', '_')}"
    template = text(own if own in catalog_keys() else key, locale)
    return template.format(**values) if values else template


def _column(name: str, locale: Locale) -> str:
    """The name of a batch column in ``locale`` (the column's own name if it has none)."""
    return _t(f"column.{name}", locale) if f"plot.column_{name}" in catalog_keys() else name


def _both(key: str, locale: Locale) -> str:
    """The text in ``locale``, then in the other language in brackets: ``魔鬼 (devil)``."""
    other: Locale = "en" if locale == "zh" else "zh"
    return f"{_t(key, locale)} ({_t(key, other)})"


# --------------------------------------------------------------------------- stakeholders


def plot_stakeholders(
    assessment: Assessment,
    /,
    *,
    ax: Axes | None = None,
    locale: Locale = "zh",
    policy: Policy | None = None,
) -> Axes:
    """Draw the stakeholder map of one prospect: influence up, support for us right (R-SM).

    The four quadrants are labelled 魔鬼 devil, 天使 angel, 小鬼 imp and 小甜甜 sweetheart,
    split by the policy's thresholds (``stakeholder_map.high_threshold`` for influence,
    its ``support_threshold`` for support, AMB-13). Each person is a point labelled with
    their attention rank (1 = spend time here first, AMB-14), name and decision roles
    (批准者 …); people on the same scores are spread on a small circle round it. A person
    placed by an assumed influence (``assume_influence_for_roles``, AMB-16) is a hollow
    point at the edge of their quadrant; unclassified people are listed in a note below.

    Args:
        assessment: The qualified prospect.
        ax: The axes to draw on; a new figure when ``None``.
        locale: ``"zh"`` (Chinese first, English in brackets) or ``"en"``.
        policy: The policy the assessment was qualified with; the seed policy when ``None``.

    Returns:
        The axes drawn on.

    Raises:
        ImportError: matplotlib is missing (``pip install 'erpsales[plot]'``).
        ValueError: ``policy`` is not the policy of the assessment (its content hash differs).
    """
    _matplotlib()
    policy = policy or seed_policy()
    if policy.content_hash != assessment.policy_hash:
        raise ValueError(
            f"{assessment.prospect_id} was qualified with policy {assessment.policy_id} "
            f"({assessment.policy_hash[:12]}), not with {policy.id} "
            f"({policy.content_hash[:12]}): pass policy= the policy it was qualified with"
        )
    from matplotlib.patches import Rectangle

    ax = _axes(ax, (8.5, 7.5))
    smap = policy.settings.stakeholder_map
    y_cut, x_cut = smap.high_threshold - 0.5, smap.support_threshold - 0.5
    lo, hi = _SCALE
    regions = {  # x0, x1, y0, y1 of each quadrant
        Quadrant.DEVIL: (lo, x_cut, y_cut, hi),
        Quadrant.ANGEL: (x_cut, hi, y_cut, hi),
        Quadrant.IMP: (lo, x_cut, lo, y_cut),
        Quadrant.SWEETHEART: (x_cut, hi, lo, y_cut),
    }
    margin = 0.45  # room for the quadrant names above and below the scores
    for quadrant, (x0, x1, y0, y1) in regions.items():
        colour = _QUADRANT_COLOURS[quadrant]
        top = y1 == hi
        ax.add_patch(
            Rectangle(
                (x0, y0 - (0 if top else margin)),
                x1 - x0,
                y1 - y0 + margin,
                facecolor=colour,
                alpha=0.08,
                linewidth=0,
                zorder=0,
            )
        )
        left = x0 == lo
        ax.text(
            x0 + 0.08 if left else x1 - 0.08,
            y1 + margin - 0.06 if top else y0 - margin + 0.06,
            _both(f"quadrant.{quadrant.value}", locale),
            ha="left" if left else "right",
            va="top" if top else "bottom",
            color=colour,
            zorder=1,
            **_font(14),
        )
    ax.axhline(y_cut, color="0.45", linestyle="--", linewidth=1, zorder=1)
    ax.axvline(x_cut, color="0.45", linestyle="--", linewidth=1, zorder=1)

    placed, unplaced = _positions(assessment.stakeholders)
    for person, (x, y), (dx, dy) in placed:
        colour = _QUADRANT_COLOURS[person.quadrant]
        assumed = person.influence is None or person.support is None
        ax.scatter(
            [x],
            [y],
            s=90,
            color="white" if assumed else colour,
            edgecolors=colour if assumed else "black",
            linewidths=1.5 if assumed else 0.6,
            zorder=3,
        )
        ax.annotate(
            _person_label(person, locale),
            (x, y),
            xytext=(dx * 9, dy * 9),
            textcoords="offset points",
            ha="left" if dx > 0.3 else "right" if dx < -0.3 else "center",
            va="bottom" if dy > 0.3 else "top" if dy < -0.3 else "center",
            zorder=4,
            **_font(9),
        )
    if unplaced:
        sep = "；" if locale == "zh" else "; "
        names = sep.join(_person_label(p, locale, one_line=True) for p in unplaced)
        ax.annotate(
            f"{_t('unclassified_note', locale)} ({_t('quadrant.unclassified', locale)})"
            f"{'：' if locale == 'zh' else ': '}{names}",
            (0, 0),
            xycoords="axes fraction",
            xytext=(0, -40),
            textcoords="offset points",
            ha="left",
            va="top",
            wrap=True,
            **_font(9),
        )
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo - margin, hi + margin)
    ax.set_xticks(range(1, 6))
    ax.set_yticks(range(1, 6))
    for set_label, key, cut in (
        (ax.set_xlabel, "label.support", smap.support_threshold),
        (ax.set_ylabel, "label.influence", smap.high_threshold),
    ):
        set_label(f"{_both(key, locale)} · {_t('high_from', locale, value=cut)}", **_font(11))
    ax.set_title(_t("map_title", locale, name=assessment.prospect_name), **_font(13))
    return ax


def _positions(
    people: Sequence[Placement],
) -> tuple[list[tuple[Placement, tuple[float, float], tuple[float, float]]], list[Placement]]:
    """Where each person goes, with the direction of their label; and the unclassified.

    A missing score of a classified person (an assumed influence) is drawn at the edge of
    their quadrant. A lone point is labelled below it, centred, so that neighbours one
    step apart keep their labels apart; people on one point are spread on a circle of
    radius 0.22 round it, each labelled away from its centre.
    """
    groups: dict[tuple[int, int], list[Placement]] = defaultdict(list)
    unplaced = []
    for p in people:
        if p.quadrant is Quadrant.UNCLASSIFIED:
            unplaced.append(p)
            continue
        high_influence = p.quadrant in (Quadrant.DEVIL, Quadrant.ANGEL)
        high_support = p.quadrant in (Quadrant.ANGEL, Quadrant.SWEETHEART)
        x = p.support if p.support is not None else (5 if high_support else 1)
        y = p.influence if p.influence is not None else (5 if high_influence else 1)
        groups[(x, y)].append(p)
    placed = []
    for (x, y), group in groups.items():
        if len(group) == 1:
            placed.append((group[0], (float(x), float(y)), (0.0, -1.0)))
            continue
        for k, p in enumerate(group):
            angle = math.pi / 2 + 2 * math.pi * k / len(group)
            dx, dy = math.cos(angle), math.sin(angle)
            placed.append((p, (x + 0.22 * dx, y + 0.22 * dy), (dx, dy)))
    return placed, unplaced


def _person_label(p: Placement, locale: Locale, *, one_line: bool = False) -> str:
    """``attention. name``, roles and unknown scores on lines; or one line with both scores."""
    roles = ("、" if locale == "zh" else ", ").join(_t(f"role.{r.value}", locale) for r in p.roles)
    scores = (("label.influence", p.influence), ("label.support", p.support))
    if one_line:
        shown = ", ".join(f"{_t(key, locale)} {format_value('', v, locale)}" for key, v in scores)
        return f"{p.name} [{roles}] ({shown})" if roles else f"{p.name} ({shown})"
    unknown = ", ".join(
        f"{_t(key, locale)} {format_value('', v, locale)}" for key, v in scores if v is None
    )
    return "\n".join(line for line in (f"{p.attention}. {p.name}", roles, unknown) if line)


# --------------------------------------------------------------------------- funnel


def plot_funnel(
    batch: Batch,
    /,
    *,
    ax: Axes | None = None,
    by: str | None = "product",
    group: str | None = None,
    locale: Locale = "en",
) -> Axes:
    """Draw the pipeline funnel of a batch: target market → D → C → B → A (R-PF-01).

    The target market bar counts every active prospect (in the market, not disqualified,
    qualified without error); the D, C, B and A bars count the active prospects of that
    grade. Each bar is stacked by the ``by`` column (the product by default; a missing
    value shows as ``none``). With ``group`` (e.g. ``"territory"`` or ``"owner"``) each
    stage gets one bar per group side by side — grouped bars rather than small multiples,
    so that the chart stays on the one ``ax`` — with the group names under the bars and
    the stages along the top.

    Args:
        batch: A batch result: a DataFrame in the layout of ``erpsales.qualify_frame``, or
            an iterable of :class:`Assessment`, :class:`Verdict` and :class:`ItemError`.
        ax: The axes to draw on; a new figure when ``None``.
        by: The column to stack by, or ``None`` for plain bars.
        group: The column to group bars by, or ``None``.
        locale: ``"en"`` or ``"zh"``.

    Returns:
        The axes drawn on.

    Raises:
        ImportError: matplotlib or pandas is missing (``pip install 'erpsales[plot]'``).
        ValueError: The DataFrame lacks a column it needs.
    """
    _matplotlib()
    pd = require_pandas("plot")
    extra = [c for c in (by, group) if c is not None]
    frame = batch_frame(batch, need=("grade", "status", *extra), extra="plot")
    active = frame[qualified(frame) & frame["status"].astype("string").isin(["active"])]
    stages = pd.concat(
        [
            active.assign(_stage="target_market"),
            active.assign(_stage=active["grade"].astype("string")),
        ]
    )
    stack = group_labels(stages[by]).astype(str) if by else pd.Series("", index=stages.index)
    groups = group_labels(stages[group]).astype(str) if group else pd.Series("", index=stages.index)
    counts = pd.crosstab([stages["_stage"], groups.rename("_group")], stack.rename("_stack"))
    stack_values = _ordered(counts.columns)
    group_values = _ordered(groups.unique()) or [""]  # one (empty) group for no rows

    ax = _axes(ax, (max(7.0, 1.2 + 0.45 * len(_STAGES) * len(group_values)), 5.5))
    width = 0.8 / len(group_values)
    colours = _palette(stack_values)
    positions: list[float] = []
    for s, stage in enumerate(_STAGES):
        for g, name in enumerate(group_values):
            x = s + (g - (len(group_values) - 1) / 2) * width
            positions.append(x)
            bottom = 0
            for value in stack_values:
                n = int(counts.at[(stage, name), value]) if (stage, name) in counts.index else 0
                if n:
                    ax.bar(
                        x, n, width * 0.92, bottom=bottom, color=colours[value],
                        label=value if by else None, edgecolor="white", linewidth=0.5,
                    )  # fmt: skip
                bottom += n
            ax.annotate(
                str(bottom), (x, bottom), xytext=(0, 2), textcoords="offset points",
                ha="center", va="bottom", **_font(8),
            )  # fmt: skip
    stage_labels = [_t(s, locale) if s == "target_market" else s for s in _STAGES]
    if group:
        ax.set_xticks(positions, group_values * len(_STAGES), rotation=90, **_font(8))
        top = ax.secondary_xaxis("top")
        top.set_xticks(range(len(_STAGES)), stage_labels, **_font(11))
        for s in range(1, len(_STAGES)):
            ax.axvline(s - 0.5, color="0.85", linewidth=0.8, zorder=0)
        ax.set_xlabel(_column(group, locale), **_font(10))
    else:
        ax.set_xticks(range(len(_STAGES)), stage_labels, **_font(11))
    ax.set_ylabel(_t("prospects", locale), **_font(10))
    ax.margins(y=0.12)
    if by:
        handles, labels = ax.get_legend_handles_labels()
        unique = dict(zip(labels, handles, strict=True))
        ax.legend(
            unique.values(), unique.keys(), prop=cjk_font(9),
            title=_column(by, locale),
            title_fontproperties=cjk_font(9),
        )  # fmt: skip
    ax.set_title(_t("funnel_title", locale, n=len(active)), **_font(12))
    return ax


def _palette(values: Iterable[Any]) -> dict[Any, Any]:
    """A colour per value: matplotlib's tab10 in turn, grey for ``none``."""
    from matplotlib import colormaps

    tab10 = colormaps["tab10"]
    named = [v for v in values if v != NO_PRODUCT]
    return {**{v: tab10(k % 10) for k, v in enumerate(named)}, NO_PRODUCT: "0.72"}


def _ordered(values: Iterable[Any]) -> list[str]:
    """Sorted labels with ``none`` last."""
    return sorted({str(v) for v in values}, key=lambda v: (v == NO_PRODUCT, v))


# --------------------------------------------------------------------------- findings


def plot_findings_heatmap(
    batch: Batch,
    /,
    *,
    ax: Axes | None = None,
    kinds: Sequence[FindingKind] = ("contradiction",),
    policy: Policy | None = None,
    locale: Locale = "en",
) -> Axes:
    """Draw how many prospects of each grade have each finding: rule ids × grades A–D.

    A cell counts prospects (a rule that fires for several people of one prospect counts
    once), of any status, among the rows qualified without error. The rows are the
    policy's rules of ``kinds`` in declaration order, whether they fired or not, then,
    for ``"warning"``, the resolver's own warnings (``GR-WINDOW-MISMATCH`` …). Every cell
    is annotated with its count.

    Args:
        batch: A batch result: a DataFrame in the layout of ``erpsales.qualify_frame``, or
            an iterable of :class:`Assessment`, :class:`Verdict` and :class:`ItemError`.
        ax: The axes to draw on; a new figure when ``None``.
        kinds: The finding kinds to show: ``contradiction`` (R-CX), ``red_flag``,
            ``warning``, ``info``.
        policy: The policy the batch was qualified with, which says each rule's kind;
            the seed policy when ``None``.
        locale: ``"en"`` or ``"zh"``.

    Returns:
        The axes drawn on.

    Raises:
        ImportError: matplotlib or pandas is missing (``pip install 'erpsales[plot]'``).
        ValueError: The DataFrame lacks a column it needs.
    """
    _matplotlib()
    pd = require_pandas("plot")
    policy = policy or seed_policy()
    frame = batch_frame(batch, policy=policy, need=("grade", "finding_ids"), extra="plot")
    frame = frame[qualified(frame)].reset_index(drop=True)
    ids = frame["finding_ids"].astype("string").fillna("").str.split(",").explode().str.strip()
    pairs = pd.DataFrame({"rule": ids, "grade": frame["grade"].astype("string")})
    pairs = pairs[pairs["rule"].fillna("") != ""].reset_index().drop_duplicates()
    wanted = set(kinds)
    rows = [rule_id for rule_id, kind in finding_kinds(policy).items() if kind in wanted]
    counts = pd.crosstab(pairs["rule"], pairs["grade"]).reindex(
        index=rows, columns=list(_GRADES), fill_value=0
    )
    values = counts.to_numpy(dtype=float)

    ax = _axes(ax, (6.5, 1.6 + 0.38 * max(len(rows), 1)))
    top = max(values.max(initial=0), 1)
    ax.imshow(values, cmap="Reds", aspect="auto", vmin=0, vmax=top)
    cutoff = 0.55 * top
    for (i, j), n in pd.DataFrame(values).stack().items():
        ax.text(
            j, i, f"{n:.0f}", ha="center", va="center",
            color="white" if n > cutoff else "black", **_font(9),
        )  # fmt: skip
    per_grade = frame["grade"].astype("string").value_counts()
    ticks = [f"{g}\n(n={int(per_grade.get(g, 0))})" for g in _GRADES]
    ax.set_xticks(range(len(_GRADES)), ticks, **_font(10))
    ax.set_yticks(range(len(rows)), rows, **_font(9))
    ax.set_xlabel(_t("label.grade", locale), **_font(10))
    ax.set_ylabel(_t("rule", locale), **_font(10))
    sep = "、" if locale == "zh" else ", "
    title = _t("heatmap_title", locale, kinds=sep.join(_t(f"kind.{k}", locale) for k in kinds))
    ax.set_title(title, **_font(11))
    return ax


# --------------------------------------------------------------------------- forecast


def plot_forecast(
    forecast: DataFrame,
    /,
    *,
    ax: Axes | None = None,
    stack: str = "grade",
    locale: Locale = "en",
) -> Axes:
    """Draw a pipeline forecast: expected closes per month, stacked.

    Args:
        forecast: The result of :func:`erpsales.forecast_pipeline` (its ``attrs`` give the
            horizon, the dates and the PIPELINE grades; without them the months present
            are drawn).
        ax: The axes to draw on; a new figure when ``None``.
        stack: ``"grade"`` to stack the A, B and C parts (a grade not on the PIPELINE is
            hatched), or one of the forecast's ``by`` columns, e.g. ``"product"``.
        locale: ``"en"`` or ``"zh"``.

    Returns:
        The axes drawn on.

    Raises:
        ImportError: matplotlib or pandas is missing (``pip install 'erpsales[plot]'``).
        ValueError: ``stack`` is neither ``"grade"`` nor a column of ``forecast``.
    """
    _matplotlib()
    pd = require_pandas("plot")
    if stack != "grade" and stack not in forecast.columns:
        raise ValueError(f"stack must be 'grade' or a column of the forecast, got {stack!r}")
    attrs = forecast.attrs
    last = int(forecast["month"].max()) if len(forecast) else 1
    months = list(range(1, int(attrs.get("horizon_months", last)) + 1))
    if stack == "grade":
        parts = forecast.groupby("month")[["A", "B", "C"]].sum()
    else:
        parts = forecast.pivot_table(
            index="month", columns=stack, values="expected_closes", aggfunc="sum"
        )
        parts = parts[_ordered(parts.columns)]
    parts = parts.reindex(months, fill_value=0.0).fillna(0.0)
    pipeline = set(attrs.get("pipeline_grades", ("A", "B", "C")))

    ax = _axes(ax, (max(6.0, 1.5 + 0.9 * len(months)), 4.8))
    bottom = [0.0] * len(months)
    colours = _GRADE_COLOURS if stack == "grade" else _palette(parts.columns)
    for name in parts.columns:
        heights = [float(v) for v in parts[name]]
        on_pipeline = stack != "grade" or name in pipeline
        label = str(name) if on_pipeline else f"{name} ({_t('not_pipeline', locale)})"
        ax.bar(
            months, heights, 0.7, bottom=bottom, label=label, color=colours[name],
            edgecolor="white" if on_pipeline else "0.55", linewidth=0.5,
            hatch=None if on_pipeline else "//",
        )  # fmt: skip
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    for month, total in zip(months, bottom, strict=True):
        ax.annotate(
            f"{total:.2f}".rstrip("0").rstrip("."), (month, total), xytext=(0, 2),
            textcoords="offset points", ha="center", va="bottom", **_font(8),
        )  # fmt: skip
    as_of = attrs.get("as_of")
    if as_of is not None:
        first = pd.Timestamp(as_of)
        ticks = [f"{m}\n{first + pd.DateOffset(months=m - 1):%Y-%m-%d}" for m in months]
    else:
        ticks = [str(m) for m in months]
    ax.set_xticks(months, ticks, **_font(8))
    ax.set_xlabel(_t("month", locale), **_font(10))
    ax.set_ylabel(_t("expected_closes", locale), **_font(10))
    ax.margins(y=0.12)
    title = _column(stack, locale) if stack != "grade" else _t("label.grade", locale)
    ax.legend(prop=cjk_font(9), title=title, title_fontproperties=cjk_font(9))
    day = as_of.isoformat() if as_of is not None else "?"
    ax.set_title(_t("forecast_title", locale, as_of=day), **_font(12))
    return ax
