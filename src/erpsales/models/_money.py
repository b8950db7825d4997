"""Amounts in integer RMB (元), with the Chinese units 万 (10⁴) and 亿 (10⁸). R-TM-06, AMB-25."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, WithJsonSchema

__all__ = ["MAX_RMB", "RMB", "SignedRMB", "parse_rmb", "wan", "yi"]

#: The largest amount accepted: one hundred trillion yuan (10¹⁴), far below int64.
MAX_RMB = 10**14

_UNITS = {"": 1, "元": 1, "万": 10_000, "万元": 10_000, "亿": 100_000_000, "亿元": 100_000_000}
_AMOUNT = re.compile(
    r"^\s*(?:RMB|CNY|¥|￥)?\s*(?P<num>[+-]?[0-9][0-9,]*(?:\.[0-9]+)?)\s*"
    r"(?P<unit>亿元|万元|亿|万|元)?\s*(?:RMB|CNY)?\s*$",
    re.IGNORECASE,
)


def wan(amount: float | int | str) -> int:
    """Return ``amount`` 万 (×10⁴) as integer RMB, exactly: ``wan("1.5") == 15_000``."""
    return _scaled(str(amount), 10_000)


def yi(amount: float | int | str) -> int:
    """Return ``amount`` 亿 (×10⁸) as integer RMB, exactly: ``yi("0.5") == 50_000_000``."""
    return _scaled(str(amount), 100_000_000)


def _scaled(number: str, factor: int) -> int:
    try:
        value = Decimal(number.replace(",", "")) * factor
    except InvalidOperation:
        raise ValueError(f"{number!r} is not a number") from None
    if value != value.to_integral_value():
        raise ValueError(f"{number!r} × {factor} is not a whole number of yuan")
    return int(value)


def parse_rmb(value: Any) -> Any:
    """Turn an amount such as ``"3亿"``, ``"800万"`` or ``"RMB 1,200,000"`` into int RMB.

    Integers pass through; floats must be whole numbers of yuan; ``None`` and the empty
    string mean unknown. Anything else is returned unchanged so that pydantic reports it.

    Raises:
        ValueError: The text looks like an amount but is not a whole number of yuan.
    """
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")) or not value.is_integer():
            raise ValueError(f"an amount must be a whole number of yuan, got {value!r}")
        return int(value)
    if isinstance(value, str):
        if not value.strip():
            return None
        match = _AMOUNT.match(value)
        if match is None:
            raise ValueError(
                f"{value!r} is not an amount; expected e.g. 1200000, '800万', '3亿' or '1.5亿元'"
            )
        return _scaled(match["num"], _UNITS[match["unit"] or ""])
    return value


# The JSON Schema says what the validator accepts: an integer in range, or an amount text.
_TEXT_PATTERN = (
    r"^\s*(RMB|CNY|rmb|cny|¥|￥)?\s*[+-]?[0-9][0-9,]*(\.[0-9]+)?\s*"
    r"(亿元|万元|亿|万|元)?\s*(RMB|CNY)?\s*$"
)


def _schema(minimum: int) -> WithJsonSchema:
    return WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": minimum, "maximum": MAX_RMB},
                {
                    "type": "string",
                    "pattern": _TEXT_PATTERN,
                    "examples": ["3亿", "800万", "1.5亿元"],
                },
            ],
            "description": "Integer RMB, or a text such as '3亿', '800万' or 'RMB 1,200,000'.",
        },
        mode="validation",
    )


#: Integer RMB ≥ 0 (annual revenue, budgets). Accepts "3亿", "800万", "1.5亿元".
RMB = Annotated[int, BeforeValidator(parse_rmb), Field(ge=0, le=MAX_RMB), _schema(0)]
#: Integer RMB that may be negative (annual profit: a loss is a negative profit).
SignedRMB = Annotated[
    int, BeforeValidator(parse_rmb), Field(ge=-MAX_RMB, le=MAX_RMB), _schema(-MAX_RMB)
]
