"""The plots: stakeholder map (R-SM), pipeline funnel (R-PF-01), findings heat map, forecast."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # the tests draw off-screen whatever the machine's default

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.ft2font import FT2Font

import erpsales
from erpsales import plot
from erpsales.forecast import BATCH_COLUMNS
from erpsales.plot import (
    cjk_font,
    plot_findings_heatmap,
    plot_forecast,
    plot_funnel,
    plot_stakeholders,
)

from .conftest import AS_OF, fitted

ROOT = Path(__file__).resolve().parent.parent
QUADRANT_NAMES = "魔鬼天使小鬼小甜甜"


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


PEOPLE = [
    {"name": "王总", "roles": ["approver"], "influence": 5, "support": 2},  # devil
    {"name": "李工", "roles": ["decision_maker", "influencer"], "influence": 4, "support": 4},
    {"name": "赵六", "roles": ["gatekeeper"], "influence": 4, "support": 4},  # same point
    {"name": "孙七", "influence": 2, "support": 2},  # imp, no roles
    {"name": "周八", "roles": ["influencer"], "influence": 3, "support": 5},  # sweetheart
    {"name": "田中", "roles": ["decision_maker"], "influence": 5},  # unclassified
]


def assess(
    policy: erpsales.Policy | None = None, people: list[Any] = PEOPLE
) -> erpsales.Assessment:
    prospect = {"name": "苏州测试机械", **fitted(), "stakeholders": people}
    return erpsales.qualify(prospect, policy=policy, as_of=AS_OF, backend="compiled")


def points(ax: Axes) -> list[tuple[float, float]]:
    return [tuple(map(float, xy)) for c in ax.collections for xy in c.get_offsets()]


def texts(ax: Axes) -> list[str]:
    return [t.get_text() for t in ax.texts]


def draw_strictly(ax: Axes) -> None:
    """Render the figure; any warning (such as "Glyph … missing from font") fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ax.figure.canvas.draw()


# --------------------------------------------------------------------------- stakeholder map


def test_zh_quadrant_chart_draws_every_glyph_and_names_the_quadrants_in_chinese() -> None:
    """R-SM-03: the four quadrants, labelled 魔鬼/天使/小鬼/小甜甜 with the English in brackets."""
    ax = plot_stakeholders(assess(), locale="zh")
    draw_strictly(ax)
    labels = texts(ax)
    for name in ("魔鬼 (devil)", "天使 (angel)", "小鬼 (imp)", "小甜甜 (sweetheart)"):
        assert name in labels
    assert "影响力 (influence)" in ax.get_ylabel()
    assert "支持度 (support)" in ax.get_xlabel()


def test_en_quadrant_chart_puts_english_first() -> None:
    ax = plot_stakeholders(assess(), locale="en")
    draw_strictly(ax)
    assert {"devil (魔鬼)", "angel (天使)", "imp (小鬼)", "sweetheart (小甜甜)"} <= set(texts(ax))
    assert "1. 王总\napprover" in texts(ax)


def test_the_chosen_font_has_the_quadrant_glyphs_and_the_chart_uses_it() -> None:
    path = font_manager.findfont(cjk_font(), fallback_to_default=False)
    font = FT2Font(path)
    assert all(font.get_char_index(ord(c)) != 0 for c in QUADRANT_NAMES), path
    # the check can fail: matplotlib's default font has no Chinese glyphs
    default = FT2Font(font_manager.findfont("DejaVu Sans"))
    assert default.get_char_index(ord("魔")) == 0
    ax = plot_stakeholders(assess(), locale="zh")
    for text in ax.texts:
        assert font_manager.findfont(text.get_fontproperties()) == path, text.get_text()


def test_a_font_named_like_a_cjk_font_but_without_the_glyphs_is_passed_over() -> None:
    dejavu = font_manager.findfont("DejaVu Sans")
    fake = font_manager.FontEntry(fname=dejavu, name="SimHei")
    real = font_manager.findfont(cjk_font())
    chosen = plot._find_cjk_font([fake, *font_manager.fontManager.ttflist])
    assert chosen is not None
    assert chosen.fname == real
    assert plot._find_cjk_font([fake]) is None


def test_without_a_cjk_font_one_clear_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    latin = [e for e in font_manager.fontManager.ttflist if e.name.startswith("DejaVu")]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", latin)
    monkeypatch.setattr(plot, "_packaged_cjk_font", lambda: None)
    plot._cjk_family.cache_clear()
    try:
        with pytest.warns(UserWarning, match="no font with Chinese glyphs.*fonts-wqy-zenhei"):
            assert cjk_font().get_family() == ["sans-serif"]
        cjk_font()  # once only: a second warning would fail here (filterwarnings = error)
    finally:
        plot._cjk_family.cache_clear()


def test_the_packaged_font_serves_when_the_system_has_none(monkeypatch: pytest.MonkeyPatch) -> None:
    """erpsales[plot] brings Noto Sans CJK from PyPI, so a fresh machine draws Chinese too."""
    latin = [e for e in font_manager.fontManager.ttflist if e.name.startswith("DejaVu")]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", latin)
    plot._cjk_family.cache_clear()
    try:
        family = cjk_font().get_family()
        assert family
        assert "Noto Sans CJK" in family[0]
    finally:
        plot._cjk_family.cache_clear()


def test_each_person_is_a_point_on_their_scores_with_rank_name_and_roles() -> None:
    """R-SM-02, R-DE-02, AMB-14: position = (support, influence); attention order in the label."""
    ax = plot_stakeholders(assess(), locale="zh")
    got = points(ax)
    assert len(got) == 5  # 田中 is unclassified: no point
    assert (2.0, 5.0) in got  # 王总
    assert (2.0, 2.0) in got  # 孙七
    assert (5.0, 3.0) in got  # 周八
    labels = texts(ax)
    assert "1. 王总\n批准者" in labels
    assert "2. 孙七" in labels
    assert "3. 李工\n决策制定者、影响者" in labels
    assert "4. 赵六\n把关者" in labels
    assert "5. 周八\n影响者" in labels


def test_people_on_the_same_scores_are_spread_round_the_point() -> None:
    ax = plot_stakeholders(assess(), locale="zh")
    near = [(x, y) for x, y in points(ax) if abs(x - 4) < 0.5 and abs(y - 4) < 0.5]
    assert len(near) == 2  # 李工 and 赵六, both at (4, 4)
    assert near[0] != near[1]
    for x, y in near:
        assert ((x - 4) ** 2 + (y - 4) ** 2) ** 0.5 == pytest.approx(0.22)


def test_unclassified_people_are_listed_in_a_note() -> None:
    ax = plot_stakeholders(assess(), locale="zh")
    notes = [t for t in texts(ax) if t.startswith("未上图")]
    assert notes == ["未上图 (未分类)：田中 [决策制定者] (影响力 5, 支持度 未知)"]
    ax = plot_stakeholders(assess(), locale="en")
    assert (
        "Not on the map (unclassified): 田中 [decision maker] (influence 5, support unknown)"
        in texts(ax)
    )


def test_threshold_lines_come_from_the_policy() -> None:
    """AMB-13: influence high from 4; support high from 4, or from 3 when neutral counts high."""
    ax = plot_stakeholders(assess(), locale="zh")
    assert sorted(tuple(line.get_xdata()) + tuple(line.get_ydata()) for line in ax.lines) == [
        (0, 1, 3.5, 3.5),  # horizontal: influence
        (3.5, 3.5, 0, 1),  # vertical: support
    ]
    neutral_high = erpsales.policy_with(
        erpsales.seed_policy(), {"stakeholder_map.neutral_support_as": "high"}
    )
    ax = plot_stakeholders(assess(neutral_high), locale="zh", policy=neutral_high)
    assert sorted(tuple(line.get_xdata()) + tuple(line.get_ydata()) for line in ax.lines) == [
        (0, 1, 3.5, 3.5),
        (2.5, 2.5, 0, 1),
    ]
    assert "≥3 为高" in ax.get_xlabel()


def test_a_policy_other_than_the_assessments_is_refused() -> None:
    neutral_high = erpsales.policy_with(
        erpsales.seed_policy(), {"stakeholder_map.neutral_support_as": "high"}
    )
    with pytest.raises(ValueError, match="was qualified with policy seed"):
        plot_stakeholders(assess(), policy=neutral_high)
    with pytest.raises(ValueError, match="pass policy="):
        plot_stakeholders(assess(neutral_high))


def test_an_assumed_influence_is_a_hollow_point_at_the_quadrants_edge() -> None:
    """AMB-16: assume_influence_for_roles places an approver without a score as high influence."""
    policy = erpsales.policy_with(
        erpsales.seed_policy(), {"stakeholder_map.assume_influence_for_roles": ["approver"]}
    )
    people = [{"name": "钱总", "roles": ["approver"], "support": 5}]
    a = assess(policy, people)
    assert a.stakeholders[0].quadrant is erpsales.Quadrant.ANGEL
    ax = plot_stakeholders(a, policy=policy)
    assert points(ax) == [(5.0, 5.0)]
    assert tuple(ax.collections[0].get_facecolor()[0]) == (1.0, 1.0, 1.0, 1.0)
    assert "1. 钱总\n批准者\n影响力 未知" in texts(ax)


def test_plots_draw_on_the_given_axes_and_return_them() -> None:
    _, axes = plt.subplots(1, 2)
    assert plot_stakeholders(assess(), ax=axes[1]) is axes[1]
    assert plot_funnel([], ax=axes[0]) is axes[0]


# --------------------------------------------------------------------------- funnel


def row(id: str, grade: str | None, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = dict.fromkeys(BATCH_COLUMNS)
    base.update(id=id, grade=grade, status="active", product="ERP2", territory="east")
    base.update(fields)
    return base


FUNNEL_BATCH = pd.DataFrame(
    [
        row("a", "A"),
        row("b1", "B", product="ERP1"),
        row("b2", "B", territory="west"),
        row("d1", "D", territory="west"),
        row("d2", "D", territory="west", product=None),
        row("out", "C", status="out_of_market"),
        row("dq", "B", status="disqualified"),
        row("bad", "A", error="input.invalid"),
    ],
    columns=list(BATCH_COLUMNS),
)


def bars(ax: Axes) -> dict[float, list[float]]:
    """The bar segments' heights at each x, bottom to top."""
    found: dict[float, list[tuple[float, float]]] = defaultdict(list)
    for patch in ax.patches:
        x = round(patch.get_x() + patch.get_width() / 2, 6)
        found[x].append((patch.get_y(), patch.get_height()))
    return {x: [h for _, h in sorted(segments)] for x, segments in sorted(found.items())}


def test_funnel_counts_the_target_market_then_each_grade_of_the_active_prospects() -> None:
    """R-PF-01: target market → D → C → B → A; only active rows count."""
    ax = plot_funnel(FUNNEL_BATCH, by=None)
    assert {x: sum(h) for x, h in bars(ax).items()} == {0: 5, 1: 2, 3: 2, 4: 1}  # C (x=2): 0
    assert [t.get_text() for t in ax.get_xticklabels()] == ["target market", "D", "C", "B", "A"]
    assert ax.get_title() == "Pipeline funnel of 5 active prospects"


def test_funnel_stacks_each_bar_by_product() -> None:
    ax = plot_funnel(FUNNEL_BATCH)
    assert bars(ax)[0] == [1, 3, 1]  # ERP1, ERP2, none
    assert bars(ax)[1] == [1, 1]  # D: ERP2, none
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["ERP1", "ERP2", "none"]


def test_funnel_groups_bars_by_territory_with_the_stages_along_the_top() -> None:
    ax = plot_funnel(FUNNEL_BATCH, group="territory", locale="zh")
    draw_strictly(ax)
    totals = {x: sum(h) for x, h in bars(ax).items()}  # bars at each stage ± 0.2: east, west
    assert totals == {-0.2: 2, 0.2: 3, 1.2: 2, 2.8: 1, 3.2: 1, 3.8: 1}
    assert [t.get_text() for t in ax.get_xticklabels()] == ["east", "west"] * 5
    (top,) = ax.child_axes
    assert [t.get_text() for t in top.get_xticklabels()] == ["目标市场", "D", "C", "B", "A"]


def test_funnel_of_the_bundled_examples_from_verdicts() -> None:
    items = json.loads((ROOT / "examples" / "prospects.json").read_text("utf-8"))
    verdicts = erpsales.Engine(backend="compiled").verdicts(items, as_of=AS_OF)
    ax = plot_funnel(verdicts, by=None)
    assert [sum(h) for h in bars(ax).values()] == [10, 2, 3, 3, 2]  # see examples/prospects.json


def test_funnel_and_heatmap_read_the_qualify_frame_result_like_the_assessments() -> None:
    from erpsales.frame import qualify_frame

    items = json.loads((ROOT / "examples" / "prospects.json").read_text("utf-8"))
    frame = qualify_frame(pd.DataFrame(items), as_of=AS_OF)
    results = list(erpsales.qualify_many(items, as_of=AS_OF, backend="compiled"))
    assert bars(plot_funnel(frame, group="owner")) == bars(plot_funnel(results, group="owner"))
    for kinds in [("contradiction",), ("red_flag", "warning")]:
        from_frame = heat(plot_findings_heatmap(frame, kinds=kinds))
        assert from_frame == heat(plot_findings_heatmap(results, kinds=kinds))
        assert sum(map(sum, from_frame.values())) > 0


def test_funnel_names_a_missing_column() -> None:
    with pytest.raises(ValueError, match=r"lacks the columns \['region'\]"):
        plot_funnel(FUNNEL_BATCH, group="region")


# --------------------------------------------------------------------------- heat map


HEAT_BATCH = pd.DataFrame(
    [
        row("a1", "A", finding_ids="CX-BR-1,CX-SD-1,SM-NO-ANGEL"),
        row("a2", "A", finding_ids="CX-BR-1"),
        row("b", "B", finding_ids="SM-DECIDER-DEVIL,SM-DECIDER-DEVIL", status="out_of_market"),
        row("c", "C", finding_ids=""),
        row("d", "D", finding_ids="CX-SCHED-ORDER,GR-WINDOW-MISMATCH"),
        row("bad", "A", finding_ids="CX-BR-1", error="input.invalid"),
    ],
    columns=list(BATCH_COLUMNS),
)


def heat(ax: Axes) -> dict[str, list[int]]:
    rows = [t.get_text() for t in ax.get_yticklabels()]
    values = ax.images[0].get_array()
    return {r: [int(v) for v in values[i]] for i, r in enumerate(rows)}


def test_heatmap_counts_prospects_per_contradiction_rule_and_grade() -> None:
    ax = plot_findings_heatmap(HEAT_BATCH)
    got = heat(ax)
    contradictions = [r.id for r in erpsales.seed_policy().rules if r.kind == "contradiction"]
    assert list(got) == contradictions  # every contradiction rule, in policy order
    assert got["CX-BR-1"] == [2, 0, 0, 0]  # the error row is not counted
    assert got["CX-SD-1"] == [1, 0, 0, 0]
    assert got["CX-SCHED-ORDER"] == [0, 0, 0, 1]
    assert sum(map(sum, got.values())) == 4
    assert len(ax.texts) == 4 * len(contradictions)  # every cell annotated
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "A\n(n=2)", "B\n(n=1)", "C\n(n=1)", "D\n(n=1)",
    ]  # fmt: skip


def test_heatmap_counts_a_rule_once_per_prospect_and_filters_by_kind() -> None:
    got = heat(plot_findings_heatmap(HEAT_BATCH, kinds=("red_flag",)))
    assert got == {
        "SM-NO-APPROVER": [0, 0, 0, 0],
        "SM-DECIDER-DEVIL": [0, 1, 0, 0],  # two devils, one prospect
        "SM-NO-ANGEL": [1, 0, 0, 0],
    }
    warnings_map = heat(plot_findings_heatmap(HEAT_BATCH, kinds=("warning",), locale="zh"))
    assert list(warnings_map)[-5:] == [  # the resolver's own warnings follow the policy's
        "TM-FINANCIALS-UNKNOWN", "TM-BAND-AMBIGUOUS", "TM-PROFIT-BELOW-FLOOR",
        "GR-UNKNOWN-STATUS", "GR-WINDOW-MISMATCH",
    ]  # fmt: skip
    assert next(iter(warnings_map)) == "GR-CLOSE-PASSED"
    assert warnings_map["GR-WINDOW-MISMATCH"] == [0, 0, 0, 1]


# --------------------------------------------------------------------------- forecast


def test_forecast_plot_stacks_grades_per_month_and_hatches_grades_off_the_pipeline() -> None:
    batch = pd.DataFrame(
        [row("a", "A"), row("b", "B"), row("c", "C", months_to_close=2)],
        columns=list(BATCH_COLUMNS),
    )
    forecast = erpsales.forecast_pipeline(batch, as_of=AS_OF)
    ax = plot_forecast(forecast)
    draw_strictly(ax)
    assert {x: round(sum(h), 6) for x, h in bars(ax).items()} == {
        1: 1, 2: 1.5, 3: 0.5, 4: 0, 5: 0, 6: 0,
    }  # fmt: skip
    hatched = {
        round(p.get_x() + p.get_width() / 2)
        for p in ax.patches
        if p.get_hatch() == "//" and p.get_height()
    }
    assert hatched == {2}  # the C close in month 2
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "A", "B", "C (not on the PIPELINE)",
    ]  # fmt: skip
    assert ax.get_xticklabels()[0].get_text() == "1\n2026-11-28"


def test_forecast_plot_can_stack_by_a_breakdown_column() -> None:
    batch = pd.DataFrame(
        [row("a", "A"), row("a2", "A", product="ERP1")], columns=list(BATCH_COLUMNS)
    )
    ax = plot_forecast(erpsales.forecast_pipeline(batch, as_of=AS_OF), stack="product")
    assert bars(ax)[1] == [1, 1]
    with pytest.raises(ValueError, match="stack must be 'grade' or a column"):
        plot_forecast(erpsales.forecast_pipeline(batch, as_of=AS_OF), stack="owner")


# --------------------------------------------------------------------------- set-up


def test_missing_matplotlib_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r"pip install 'erpsales\[plot\]'"):
        plot_stakeholders(assess())


def _python(code: str, **env: str) -> str:
    base = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**base, "PYTHONPATH": str(ROOT / "src"), **env},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_agg_is_chosen_only_when_no_backend_is_set() -> None:
    code = "import matplotlib, erpsales; erpsales.plot_funnel([]); print(matplotlib.get_backend())"
    assert _python(code).lower() == "agg"
    assert _python(code, MPLBACKEND="svg").lower() == "svg"


def test_importing_the_plot_and_forecast_modules_stays_light() -> None:
    code = (
        "import sys, erpsales.plot, erpsales.forecast; "
        "print([m for m in ('matplotlib', 'pandas') if m in sys.modules])"
    )
    assert _python(code) == "[]"


def test_analyst_tour_writes_the_pngs(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-W", "error", str(ROOT / "examples" / "analyst_tour.py"), str(tmp_path)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr
    for name in ("quadrant.png", "funnel.png", "heatmap.png", "forecast.png"):
        path = tmp_path / name
        assert str(path) in done.stdout
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
