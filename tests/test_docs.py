"""The documentation is executable: its samples run, its outputs are real, its links resolve.

Conventions for ``docs/**/*.md`` (see the test that enforces each one):

* Every fenced ``python`` block runs. The blocks of one page run in order, in one
  namespace, in a fresh working directory that holds a copy of ``examples/`` (so
  ``examples/prospects.json`` works as it does from the repository root).
* A block fenced as ``python no-run`` is shown but not run. Use it sparingly.
* A ``text output`` block directly after a ``python`` block is that block's exact
  standard output; ``...`` matches any text (doctest's ELLIPSIS).
* A block whose info string has ``file=NAME`` (e.g. ``toml file=my-policy.toml``) is
  written to ``NAME`` in the working directory before the next blocks run.
* A table between ``<!-- BEGIN GENERATED name -->`` and ``<!-- END GENERATED name -->``
  must equal what :data:`GENERATED` produces from the code. Print the current tables
  with ``PYTHONPATH=src python tests/test_docs.py`` and paste them.

Every relative link in ``docs/**/*.md`` and ``README.md`` must point to an existing file
(and, for ``#anchor`` links into Markdown, to an existing heading).
"""

from __future__ import annotations

import contextlib
import doctest
import enum
import io
import json
import re
import shutil
import sys
import types
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from pydantic import BaseModel

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.rglob("*.md"))
LINKED = [*PAGES, ROOT / "README.md"]

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>[^`\n]*)$")


# --------------------------------------------------------------------------- parsing


@dataclass
class Block:
    """One fenced block of a Markdown page."""

    page: Path
    line: int  # 1-based line of the opening fence
    info: str
    text: str
    output: Block | None = None  # the ``text output`` block that follows a python block
    follows_python: bool = False

    @property
    def words(self) -> list[str]:
        return self.info.split()

    @property
    def lang(self) -> str:
        return self.words[0] if self.words else ""

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"

    @property
    def file_name(self) -> str | None:
        for word in self.words[1:]:
            if word.startswith("file="):
                return word.removeprefix("file=")
        return None


def blocks(page: Path) -> list[Block]:
    """The fenced blocks of ``page``, with each ``text output`` block tied to its python block."""
    lines = page.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    previous_end = -1  # index of the line that closed the previous block
    i = 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        indent, fence = match["indent"], match["fence"]
        start = i
        body: list[str] = []
        i += 1
        while i < len(lines) and not (
            lines[i].strip().startswith(fence[0] * len(fence))
            and lines[i].strip().strip(fence[0]) == ""
        ):
            body.append(lines[i].removeprefix(indent))
            i += 1
        block = Block(page, start + 1, match["info"].strip(), "\n".join(body) + "\n")
        gap = lines[previous_end + 1 : start]
        if found and found[-1].lang == "python" and not any(g.strip() for g in gap):
            block.follows_python = True
            if block.words[:2] == ["text", "output"]:
                found[-1].output = block
        found.append(block)
        previous_end = i
        i += 1
    return found


def _outside_code(text: str, *, inline: bool = False) -> Iterator[str]:
    """The lines of a Markdown text outside fenced blocks; inline code removed unless ``inline``."""
    fence: str | None = None
    for line in text.splitlines():
        match = _FENCE.match(line)
        if fence is None and match:
            fence = match["fence"]
            continue
        if fence is not None:
            if line.strip().startswith(fence) and line.strip().strip(fence[0]) == "":
                fence = None
            continue
        yield line if inline else re.sub(r"(`+).*?\1", "", line)


_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_REF_LINK = re.compile(r"^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+\"[^\"]*\")?\s*$")


def links(page: Path) -> list[str]:
    """Every link target in ``page`` (inline and reference-style), outside code."""
    out: list[str] = []
    for line in _outside_code(page.read_text(encoding="utf-8")):
        out += _LINK.findall(line)
        ref = _REF_LINK.match(line)
        if ref:
            out.append(ref[1])
    return out


def anchors(page: Path) -> set[str]:
    """GitHub's heading anchors of ``page``."""
    seen: dict[str, int] = {}
    out: set[str] = set()
    for line in _outside_code(page.read_text(encoding="utf-8"), inline=True):
        heading = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not heading:
            continue
        text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading[1])
        slug = re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        out.add(slug if count == 0 else f"{slug}-{count}")
    return out


# --------------------------------------------------------------------------- generated tables


def _type_text(ann: object) -> str:
    origin, args = typing.get_origin(ann), typing.get_args(ann)
    if origin is typing.Annotated:
        return _type_text(args[0])
    if origin in (typing.Union, types.UnionType):
        text = " or ".join(_type_text(a) for a in args if a is not type(None))
        return f"{text} or none" if type(None) in args else text
    if origin is typing.Literal:
        return " \\| ".join(json.dumps(a) for a in args)
    if origin in (tuple, list):
        return f"list of {_type_text(args[0])}"
    if origin is dict:
        return f"table of {_type_text(args[0])} → {_type_text(args[1])}"
    if isinstance(ann, type) and issubclass(ann, enum.Enum):
        return " \\| ".join(json.dumps(m.value) for m in ann)
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return "{en, zh}" if ann.__name__ == "Text" else "table"
    return getattr(ann, "__name__", str(ann))


def _value_text(value: object) -> str:
    def plain(v: object) -> object:
        if isinstance(v, BaseModel):
            return plain(v.model_dump(mode="json"))
        if isinstance(v, enum.Enum):
            return v.value
        if isinstance(v, tuple | list | frozenset):
            return [plain(x) for x in v]
        if isinstance(v, dict):
            return {str(plain(k)): plain(x) for k, x in v.items()}
        return v

    v = plain(value)
    if (
        isinstance(v, dict)
        and v
        and all(isinstance(x, dict) and set(x) == {"en", "zh"} for x in v.values())
    ):
        return "texts for " + ", ".join(f"`{k}`" for k in v)
    if isinstance(v, list) and v and all(isinstance(x, dict) and "id" in x for x in v):
        return ", ".join(f"`{x['id']}`" for x in v)
    return "`" + json.dumps(v, ensure_ascii=False) + "`"


def _cell(text: str) -> str:
    """Text made safe for a Markdown table cell."""
    return text.replace("|", "\\|").replace("<", "&lt;")


def _settings_table(model: type[BaseModel], seed: BaseModel | None, prefix: str) -> str:
    """Key | type | default | [seed value |] meaning: one row per field (sub-tables left out)."""
    if seed is None:
        rows = ["| Key | Type | Default | Meaning |", "|---|---|---|---|"]
    else:
        rows = ["| Key | Type | Default | Seed policy | Meaning |", "|---|---|---|---|---|"]
    for name, info in model.model_fields.items():
        ann = info.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel) and ann.__name__ != "Text":
            continue  # a sub-table: it has its own table
        default = (
            "required"
            if info.is_required()
            else _value_text(info.get_default(call_default_factory=True))
        )
        cells = [f"`{prefix}{name}`", _type_text(ann), default]
        if seed is not None:
            cells.append(_value_text(getattr(seed, name)))
        cells.append(_cell(info.description or ""))
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _fields_table() -> str:
    from erpsales.policy._fields import FIELDS

    rows = ["| Field | Type | Scope | Phase | Meaning |", "|---|---|---|---|---|"]
    for spec in FIELDS.values():
        meaning = _cell(spec.doc)
        if spec.values is not None:
            meaning += " Values: " + ", ".join(f"`{v}`" for v in spec.values) + "."
        rows.append(f"| `{spec.name}` | {spec.type} | {spec.scope} | {spec.phase} | {meaning} |")
    return "\n".join(rows)


def _generated() -> dict[str, Callable[[], str]]:
    from erpsales.policy import (
        CapabilitySettings,
        GradingSettings,
        IndustrySettings,
        PolicySettings,
        ProductBand,
        RuleSpec,
        StakeholderMapSettings,
        seed_policy,
    )

    s = seed_policy().settings
    return {
        "settings": lambda: _settings_table(PolicySettings, s, "settings."),
        "industries": lambda: _settings_table(IndustrySettings, s.industries, "industries."),
        "grading": lambda: _settings_table(GradingSettings, s.grading, "grading."),
        "stakeholder_map": lambda: _settings_table(
            StakeholderMapSettings, s.stakeholder_map, "stakeholder_map."
        ),
        "capabilities": lambda: _settings_table(
            CapabilitySettings, s.capabilities, "capabilities."
        ),
        "products": lambda: _settings_table(ProductBand, None, ""),
        "rule": lambda: _settings_table(RuleSpec, None, ""),
        "fields": _fields_table,
    }


GENERATED = _generated


def generated_sections(page: Path) -> dict[str, str]:
    """The generated tables of ``page``, by name."""
    text = page.read_text(encoding="utf-8")
    pattern = re.compile(
        r"<!-- BEGIN GENERATED (?P<name>\w+) -->\n(?P<body>.*?)\n<!-- END GENERATED (?P=name) -->",
        re.S,
    )
    return {m["name"]: m["body"].strip() for m in pattern.finditer(text)}


# --------------------------------------------------------------------------- tests


@dataclass
class _Run:
    namespace: dict[str, object] = field(default_factory=lambda: {"__name__": "__docs__"})


def _run_block(block: Block, run: _Run) -> str:
    stdout = io.StringIO()
    code = compile(block.text, block.where, "exec")
    with contextlib.redirect_stdout(stdout):
        exec(code, run.namespace)
    return stdout.getvalue()


def _page_id(page: Path) -> str:
    return str(page.relative_to(DOCS))


def test_docs_exist() -> None:
    assert PAGES, "no Markdown pages under docs/"


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_python_blocks_run_and_print_what_the_page_shows(
    page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every python block of a page runs, in order, and prints its ``text output`` block."""
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    run = _Run()
    checker = doctest.OutputChecker()
    for block in blocks(page):
        if block.file_name:
            (tmp_path / block.file_name).write_text(block.text, encoding="utf-8")
        if block.words[:2] == ["text", "output"]:
            assert block.follows_python, (
                f"{block.where}: an output block must follow a python block"
            )
        if block.lang != "python" or "no-run" in block.words:
            continue
        try:
            got = _run_block(block, run)
        except Exception as exc:  # re-raised with the page and line of the block
            raise AssertionError(f"{block.where}: the block raised {exc!r}") from exc
        if block.output is None:
            continue
        want = block.output.text
        if not checker.check_output(want, got, doctest.ELLIPSIS):
            example = doctest.Example(block.text, want)
            diff = checker.output_difference(example, got, doctest.ELLIPSIS | doctest.REPORT_UDIFF)
            pytest.fail(
                f"{block.output.where}: the output differs from what the code prints\n{diff}"
            )


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_no_run_is_rare(page: Path) -> None:
    """``python no-run`` is for the few samples that cannot run here; most must run."""
    python = [b for b in blocks(page) if b.lang == "python"]
    skipped = [b for b in python if "no-run" in b.words]
    assert len(skipped) <= max(1, len(python) // 4), [b.where for b in skipped]


@pytest.mark.parametrize("page", LINKED, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(page: Path) -> None:
    """Every relative link points to an existing file, and every #anchor to a heading."""
    broken = []
    for target in links(page):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto: ...
            continue
        path_part, _, anchor = target.partition("#")
        file = (page.parent / path_part).resolve() if path_part else page
        if not file.exists():
            broken.append(f"{target}: no such file")
        elif anchor and file.suffix == ".md" and anchor not in anchors(file):
            broken.append(f"{target}: no heading with anchor #{anchor}")
    assert not broken, f"{page.relative_to(ROOT)}: " + "; ".join(broken)


def test_index_links_every_page() -> None:
    """docs/index.md is the table of contents: it links every page under docs/."""
    index = DOCS / "index.md"
    linked = {
        (index.parent / t.partition("#")[0]).resolve()
        for t in links(index)
        if not re.match(r"^[a-z][a-z0-9+.-]*:", t)
    }
    missing = [str(p.relative_to(DOCS)) for p in PAGES if p != index and p.resolve() not in linked]
    assert not missing, f"docs/index.md does not link {missing}"


def test_generated_tables_are_current() -> None:
    """The settings, rule-field and fact-vocabulary tables match the code they describe."""
    tables = {name: make() for name, make in GENERATED().items()}
    found: dict[str, str] = {}
    for page in PAGES:
        found.update(generated_sections(page))
    assert set(found) == set(tables), f"generated sections: {sorted(found)} != {sorted(tables)}"
    stale = [name for name, table in tables.items() if found[name] != table]
    assert not stale, (
        f"stale generated tables {stale}: run `PYTHONPATH=src python tests/test_docs.py` "
        "and paste its output into the page"
    )


def _error_codes() -> set[str]:
    from erpsales.policy._fields import FIELDS

    pattern = re.compile(r"[\"']((?:policy|input|evaluation|backend|engine)\.[a-z_]+)[\"']")
    codes: set[str] = set()
    for source in (ROOT / "src" / "erpsales").rglob("*.py"):
        codes.update(pattern.findall(source.read_text(encoding="utf-8")))
    return codes - set(FIELDS)


def test_every_error_code_is_documented() -> None:
    """Each stable error code the source can raise has a row in docs/errors.md."""
    page = (DOCS / "errors.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\|\s*`([a-z_]+\.[a-z_]+)`", page, re.M))
    missing = _error_codes() - documented
    assert not missing, f"docs/errors.md lacks {sorted(missing)}"


def _write_generated() -> None:
    """Rewrite every generated table in the docs in place."""
    tables = GENERATED()
    for path in sorted(DOCS.rglob("*.md")):
        page = path.read_text(encoding="utf-8")
        new = page
        for name, make in tables.items():
            block = re.compile(
                rf"(<!-- BEGIN GENERATED {re.escape(name)} -->\n).*?(\n<!-- END GENERATED {re.escape(name)} -->)",
                re.S,
            )
            new = block.sub(lambda m, make=make: m.group(1) + make() + m.group(2), new)
        if new != page:
            path.write_text(new, encoding="utf-8")
            print(f"updated {path}")


if __name__ == "__main__":  # print the generated tables, or rewrite them with --write
    if "--write" in sys.argv:
        _write_generated()
    else:
        for name, make in GENERATED().items():
            print(f"<!-- BEGIN GENERATED {name} -->\n{make()}\n<!-- END GENERATED {name} -->\n")
