"""English and Chinese texts (data in ``messages.toml``, never in code)."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from functools import cache
from importlib import resources
from typing import Any, Literal

__all__ = [
    "Locale",
    "catalog",
    "catalog_keys",
    "format_amount",
    "format_value",
    "formatter",
    "render",
    "text",
]

Locale = Literal["en", "zh"]
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.]*)\}")
#: Fields and names whose values are RMB amounts, shown as 万 / 亿.
MONEY = frozenset(
    {
        "prospect.revenue", "prospect.profit", "budget.amount", "fit.min_deal", "revenue",
        "profit", "floor",
    }
)  # fmt: skip


@cache
def catalog() -> dict[str, Any]:
    """Return the built-in message catalog (read once; treat it as read-only)."""
    raw = resources.files("erpsales.i18n").joinpath("messages.toml").read_text(encoding="utf-8")
    return tomllib.loads(raw)


def text(key: str, locale: Locale, overrides: Mapping[str, Any] | None = None) -> str:
    """Return the text at dotted ``key`` (e.g. ``"quadrant.devil"``) for ``locale``.

    Raises:
        KeyError: No such key in the catalog.
    """
    if overrides and key in overrides:
        return str(overrides[key].get(locale) if hasattr(overrides[key], "get") else overrides[key])
    return _builtin(key, locale)


@cache
def catalog_keys() -> frozenset[str]:
    """Every message key of the built-in catalog, e.g. ``"quadrant.devil"``."""
    keys: set[str] = set()

    def walk(node: dict[str, Any], prefix: str) -> None:
        if "en" in node and "zh" in node:
            keys.add(prefix)
        for name, child in node.items():
            if isinstance(child, dict):
                walk(child, f"{prefix}.{name}" if prefix else name)

    walk(catalog(), "")
    return frozenset(keys)


@cache
def _builtin(key: str, locale: Locale) -> str:
    node: Any = catalog()
    for part in _split(key):
        node = node[part]
    return str(node[locale])


def _split(key: str) -> list[str]:
    head, _, rest = key.partition(".")
    if head == "ask":  # field names contain dots: the rest is one key
        return [head, rest]
    if head in ("rule", "finding"):
        ident, _, tail = rest.partition(".")
        return [head, ident, *([tail] if tail else [])]
    return key.split(".")


def format_amount(value: int, locale: Locale) -> str:
    """Format integer RMB: ``3亿元`` / ``800万元`` in Chinese, ``RMB 300,000,000`` in English."""
    if locale == "zh":
        sign, mag = ("-" if value < 0 else ""), abs(value)
        if mag >= 100_000_000 and mag % 1_000_000 == 0:
            return f"{sign}{mag / 100_000_000:g}亿元"
        if mag >= 10_000 and mag % 100 == 0:
            return f"{sign}{mag / 10_000:g}万元"
        return f"{value}元"
    return f"RMB {value:,}"


def format_value(name: str, value: Any, locale: Locale) -> str:
    """Format a fact value for a message: amounts in 万/亿, booleans as yes/no."""
    if value is None:
        return text("label.unknown", locale)
    if isinstance(value, bool):
        return ("是" if value else "否") if locale == "zh" else ("yes" if value else "no")
    if isinstance(value, int) and name in MONEY:
        return format_amount(value, locale)
    return str(value)


def formatter(name: str, locale: Locale) -> Callable[[Any], str]:
    """A formatter for values of field ``name``, chosen once (see :func:`format_value`)."""
    unknown = text("label.unknown", locale)
    yes, no = ("是", "否") if locale == "zh" else ("yes", "no")
    money = name in MONEY

    def fmt(value: Any) -> str:
        if value is None:
            return unknown
        if value is True:
            return yes
        if value is False:
            return no
        if money and type(value) is int:
            return format_amount(value, locale)
        return str(value)

    return fmt


@cache
def _parts(template: str) -> tuple[str, ...]:
    # even positions are literal text, odd positions placeholder names
    return tuple(_PLACEHOLDER.split(template))


def render(template: str, values: Mapping[str, Any], locale: Locale) -> str:
    """Fill ``{name}`` placeholders of ``template`` with formatted ``values``."""
    parts = _parts(template)
    if len(parts) == 1:
        return template
    out = list(parts)
    for i in range(1, len(parts), 2):
        out[i] = format_value(parts[i], values.get(parts[i]), locale)
    return "".join(out)


def placeholders(template: str) -> list[str]:
    """Return the placeholder names used in ``template``."""
    return _PLACEHOLDER.findall(template)
