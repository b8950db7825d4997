"""Rich display: the assessment card, the stakeholder map and the batch summary."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

import erpsales
from erpsales import Assessment, ItemError, display

from .conftest import AS_OF

ROOT = Path(__file__).resolve().parent.parent
VOID = frozenset({"br", "hr", "img", "meta", "link", "input", "col", "wbr"})
QUADRANTS_ZH = ("魔鬼", "天使", "小鬼", "小甜甜")


class _Checker(HTMLParser):
    """Parses HTML and records every tag that is not closed in order, and the text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(markup: str) -> _Checker:
    """Parse ``markup`` and assert it is well-formed: every tag closed, in order."""
    checker = _Checker()
    checker.feed(markup)
    checker.close()
    assert not checker.problems, checker.problems
    assert not checker.stack, f"unclosed: {checker.stack}"
    return checker


def test_the_checker_catches_bad_html() -> None:
    with pytest.raises(AssertionError):
        parse("<div><span></div>")
    with pytest.raises(AssertionError):
        parse("<div><table>")


def _four_quadrants(name: str = "苏州精工机械有限公司", **extra: Any) -> dict[str, Any]:
    return {
        "id": "P-1",
        "name": name,
        "industry": "机械",
        "revenue": "3亿",
        "profit": "2000万",
        "computerisation": "not_computerised",
        "selection": "started",
        "months_to_close": 1,
        "stakeholders": [
            {
                "name": "王总",
                "title": "总经理",
                "roles": ["approver"],
                "influence": 5,
                "support": 2,
            },
            {"name": "李工", "roles": ["influencer"], "influence": 4, "support": 5},
            {"name": "赵会计", "influence": 2, "support": 1},
            {"name": "刘主管", "influence": 1, "support": 5},
            {"name": "陈某", "influence": None, "support": 3},
        ],
        **extra,
    }


@pytest.fixture
def assessment() -> Assessment:
    return erpsales.qualify(_four_quadrants(), as_of=AS_OF, backend="compiled")


def test_the_card_is_well_formed_in_both_languages(assessment: Assessment) -> None:
    for locale in ("en", "zh"):
        parsed = parse(assessment.to_html(locale))
        text = "".join(parsed.text)
        assert assessment.prospect_name in text
        for f in assessment.findings:
            assert f.rule_id in text
            assert f.message.get(locale) in text
        for p in assessment.stakeholders:
            assert p.name in text


def test_the_card_shows_product_grade_status_findings_and_people(assessment: Assessment) -> None:
    text = "".join(parse(assessment.to_html("en")).text)
    assert "ERP2" in text
    assert assessment.fit.reasons[0].en in text
    assert "A: a chance of closing within 1 month" in text
    assert assessment.grading.definition.en in text
    assert "in the pipeline flow" in text  # the status label
    for header in ("Rule", "Kind", "Severity", "between", "Message", "Quadrant", "Roles"):
        assert header in text
    assert "red flag" in text
    assert "decision" in text
    assert "devil" in text
    assert "angel" in text
    assert "approver" in text
    assert "小甜甜" not in text
    assert "天使" not in text


def test_the_chinese_card_has_the_quadrant_labels(assessment: Assessment) -> None:
    view = display.card(assessment, locale="zh")
    markup = view._repr_html_()
    text = "".join(parse(markup).text)
    for label in QUADRANTS_ZH:
        assert label in text
    assert "未分类" in text  # the person with an unknown influence
    assert "客户分级" in text
    assert "危险信号" in text
    assert "批准者" in text
    assert 'lang="zh-CN"' in markup
    assert view.to_html() == markup == assessment.to_html("zh")


def test_repr_html_is_english_and_needs_no_global_setting(assessment: Assessment) -> None:
    assert assessment._repr_html_() == assessment.to_html("en")
    assert 'lang="en"' in assessment._repr_html_()
    display.card(assessment, locale="zh")._repr_html_()
    assert assessment._repr_html_() == assessment.to_html("en")  # nothing was switched


def test_user_text_is_escaped_everywhere() -> None:
    evil = "<script>alert('x')</script>"
    item = _four_quadrants(name=f"ACME {evil}", owner=evil, territory='"><i onclick=x>')
    item["stakeholders"][0]["title"] = evil
    item["stakeholders"][1]["name"] = "<img src=x onerror=alert(1)>"
    a = erpsales.qualify(item, as_of=AS_OF)
    views = [
        a.to_html("en"),
        a.to_html("zh"),
        a.stakeholder_map("zh").to_html(),
        display.batch([a]).to_html(),
    ]
    for markup in views:
        parsed = parse(markup)
        assert "<script" not in markup
        assert "<img" not in markup
        assert "<i " not in markup
        assert all(tag not in ("script", "img", "i") for tag, _ in parsed.tags)
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in views[0]
    assert f"ACME {evil}" in "".join(parse(views[0]).text)  # shown as text, not run


def test_the_plain_repr_is_one_line_and_str_is_the_explanation(assessment: Assessment) -> None:
    text = repr(assessment)
    assert text == (
        "<Assessment 'P-1 苏州精工机械有限公司': product='ERP2' grade=A status='active' "
        f"findings={len(assessment.findings)} stakeholders=5>"
    )
    assert str(assessment) == assessment.explain("en")
    assert repr([assessment]) == f"[{text}]"


def test_the_plain_card_is_the_explanation_without_the_trace(assessment: Assessment) -> None:
    card = display.card(assessment, locale="zh")
    text = str(card)
    assert text == repr(card) == card.to_text()
    assert text.startswith("潜在客户：苏州精工机械有限公司")
    assert "魔鬼" in text
    assert "触发的规则" not in text
    assert assessment.explain("zh").startswith(text)

    class Printer:
        def __init__(self) -> None:
            self.out: list[str] = []

        def text(self, value: str) -> None:
            self.out.append(value)

    printer = Printer()
    assessment._repr_pretty_(printer, False)
    assert printer.out == [display.card(assessment).to_text()]


def test_empty_findings_and_stakeholders_say_so() -> None:
    quiet = erpsales.policy_from_dict(
        {"extends": "seed", "id": "q", "remove_rules": [r.id for r in erpsales.seed_policy().rules]}
    )
    a = erpsales.qualify(
        {"name": "x", "industry": "机械", "revenue": "3亿", "profit": "1亿",
         "computerisation": "computerised"},
        policy=quiet,
        as_of=AS_OF,
    )  # fmt: skip
    assert not a.findings
    assert not a.stakeholders
    text = "".join(parse(a.to_html("zh")).text)
    assert "没有发现。" in text
    assert "没有记录关键人。" in text
    assert "关键人地图" not in text


# --------------------------------------------------------------------------- the map


def _grid(markup: str) -> list[list[str]]:
    """The texts of the map's table cells, row by row."""

    class Cells(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.rows: list[list[str]] = []
            self.inside = False

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "table" and ("class", "erpsales-map") in attrs:
                self.inside = True
            elif self.inside and tag == "tr":
                self.rows.append([])
            elif self.inside and tag == "td":
                self.rows[-1].append("")

        def handle_endtag(self, tag: str) -> None:
            if tag == "table":
                self.inside = False

        def handle_data(self, data: str) -> None:
            if self.inside and self.rows and self.rows[-1]:
                self.rows[-1][-1] += data

    cells = Cells()
    cells.feed(markup)
    return cells.rows


def test_the_stakeholder_map_is_a_two_by_two_grid(assessment: Assessment) -> None:
    view = assessment.stakeholder_map("zh")
    markup = view._repr_html_()
    parse(markup)
    grid = _grid(markup)
    assert len(grid) == 2
    assert all(len(row) == 2 for row in grid)
    (devil, angel), (imp, sweetheart) = grid
    assert devil.startswith("魔鬼")
    assert "王总" in devil
    assert "批准者" in devil
    assert angel.startswith("天使")
    assert "李工" in angel
    assert imp.startswith("小鬼")
    assert "赵会计" in imp
    assert sweetheart.startswith("小甜甜")
    assert "刘主管" in sweetheart
    assert "未分类：陈某" in "".join(parse(markup).text)
    assert view.names("devil") == ("王总",)
    assert view.names("unclassified") == ("陈某",)
    english = _grid(assessment.stakeholder_map()._repr_html_())
    assert english[0][0].startswith("devil")
    assert english[1][1].startswith("sweetheart")
    assert "影响力 ↑" in str(view)
    assert "魔鬼：王总 | 天使：李工" in str(view)
    assert display.stakeholder_map(assessment, locale="zh") == view


# --------------------------------------------------------------------------- a batch


def _examples() -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = json.loads(
        (ROOT / "examples" / "prospects.json").read_text("utf-8")
    )
    return items


def test_the_batch_summary_counts_grades_products_findings_and_failures() -> None:
    items = [*_examples(), {"name": "<b>bad</b>", "revenue": "lots"}]
    results = list(erpsales.qualify_many(items, as_of=AS_OF, backend="compiled"))
    view = display.batch(results, locale="en")
    good = [r for r in results if isinstance(r, Assessment)]
    assert view.total == len(items)
    assert view.failed == 1
    table = view.grade_by_product()
    for grade in "ABCD":
        assert sum(table[grade].values()) == sum(1 for a in good if a.grade.value == grade)
    assert table["A"]["ERP2"] == sum(
        1 for a in good if a.grade.value == "A" and a.product == "ERP2"
    )
    assert view.statuses() == {
        s: sum(1 for a in good if a.status == s) for s in {a.status for a in good}
    }
    top_id, top_n = view.top_findings(1)[0]
    assert top_n == sum(1 for a in good if top_id in a.finding_ids())
    markup = view._repr_html_()
    text = "".join(parse(markup).text)
    assert "12 qualified, 1 failed" in text
    assert "row 12 (<b>bad</b>): revenue: Value error" in text  # escaped, shown as text
    assert "<b>bad</b>" not in markup
    assert str(view).startswith(f"Batch: {len(items)} prospects")
    zh = str(display.batch(results, locale="zh"))
    assert "已评估 12 个，失败 1 个" in zh
    assert "失败的行：" in zh


def test_the_batch_summary_of_verdicts_and_of_a_frame_is_the_same() -> None:
    pd = pytest.importorskip("pandas")
    from erpsales.frame import qualify_frame

    items = _examples()
    engine = erpsales.Engine(backend="compiled")
    verdicts = list(engine.verdicts(items, as_of=AS_OF))
    rows = [
        {**item, "key_info": json.dumps(item.get("key_info", {}), ensure_ascii=False),
         "stakeholders": json.dumps(item.get("stakeholders", []), ensure_ascii=False)}
        for item in items
    ]  # fmt: skip
    frame = qualify_frame(pd.DataFrame(rows), as_of=AS_OF)
    a, b = display.batch(verdicts), display.batch(frame)
    assert a.grade_by_product() == b.grade_by_product()
    assert a.top_findings() == b.top_findings()
    assert a.statuses() == b.statuses()
    assert str(a) == str(b)


def test_batch_rejects_what_it_cannot_read() -> None:
    with pytest.raises(TypeError, match="not int"):
        display.batch([1])


def test_item_errors_list_at_most_ten_failures() -> None:
    errors = [ItemError(index=i, code="input.invalid", message=f"bad {i}") for i in range(13)]
    view = display.batch(errors)
    text = str(view)
    assert "row 9: bad 9" in text
    assert "row 10: bad 10" not in text
    assert "… and 3 more" in text
    parse(view.to_html())
