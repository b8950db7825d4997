"""What the peers share: the seed's constants and the flat facts of a validated prospect.

The constants are copied from ``src/erpsales/policy/seed.toml`` by hand, the way a team
writing these rules for another engine would; ``tests/test_peers.py`` checks that they still
equal the seed's settings.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable
from typing import Any

from erpsales import Prospect

#: (product, revenue_min, revenue_max or None, profit floor): R-TM-02..04, bands [min, max).
PRODUCTS: tuple[tuple[str, int, int | None, int], ...] = (
    ("ERP1", 0, 100_000_000, 1_000_000),
    ("ERP2", 100_000_000, 500_000_000, 5_000_000),
    ("TIPTOP", 500_000_000, None, 10_000_000),
)
#: The 11 core manufacturing industries of R-TM-05.
CORE = frozenset(
    {
        "electronics",
        "electric_machinery",
        "electrical_appliances",
        "machinery",
        "hardware",
        "tools",
        "transportation_equipment",
        "chemicals",
        "pharmaceuticals",
        "food",
        "beverages",
    }
)
#: In market (AMB-05): a core industry, or other manufacturing.
MARKET = CORE | {"other_manufacturing"}
#: Grade windows in months to close: ≤1 A, ≤3 B, ≤6 C; more or unknown D (AMB-08).
WINDOWS: tuple[tuple[str, int], ...] = (("A", 1), ("B", 3), ("C", 6))
#: Computerisation unknown: the window alone decides, capped at this grade (AMB-27).
UNKNOWN_CAP = "B"
#: Selection starting within this many months counts as imminent (AMB-28).
IMMINENT_MONTHS = 1

Decision = tuple[str | None, str]
"""What every peer returns: (product or None, grade "A".."D")."""

Facts = dict[str, Any]


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months, clamped to the last day of the month."""
    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def months_ceil(start: dt.date, end: dt.date) -> int:
    """Calendar months from ``start`` to ``end``, a started month counting whole (AMB-08).

    0 when ``end`` is not after ``start``. The anchor ``start + n months`` lies in ``end``'s
    month, so the month count is rounded up exactly when ``end``'s day is past ``start``'s.
    """
    if end <= start:
        return 0
    return (end.year - start.year) * 12 + end.month - start.month + (start.day < end.day)


def grade_of(computerisation: str, descriptor: str, window: str) -> str:
    """The grade: the lower of descriptor and window grade, or the capped window (AMB-27).

    Grades are letters, so the lower grade is the larger letter.
    """
    if computerisation == "unknown":
        return max(window, UNKNOWN_CAP)
    return max(descriptor, window)


def flat_facts(as_of: dt.date) -> Callable[[Prospect], Facts]:
    """The function from a validated prospect to the flat dict the engine peers read.

    Derived the way erpsales derives them (``erpsales._facts``): the industry class; the
    selection, read from the schedule's selection_start when unknown; the months to close
    from months_to_close, else expected_close, else contract_signing (unknown when the date
    has passed). ``None`` means unknown.
    """
    imminent = add_months(as_of, IMMINENT_MONTHS)

    def derive(p: Prospect) -> Facts:
        industry = p.industry
        selection = p.selection.value
        if selection == "unknown":
            start = p.key_info.schedule.selection_start
            if start is not None and start <= as_of:
                selection = "started"
            elif start is not None and start <= imminent:
                selection = "imminent"
            elif p.waiting_on:
                selection = "waiting"
        months = p.months_to_close
        if months is None:
            close = p.expected_close or p.key_info.schedule.contract_signing
            if close is not None and close >= as_of:
                months = months_ceil(as_of, close)
        pains = p.pains
        return {
            "revenue": p.annual_revenue_rmb,
            "profit": p.annual_profit_rmb,
            "industry_class": None
            if industry is None
            else "core"
            if industry in CORE
            else "other_manufacturing"
            if industry == "other_manufacturing"
            else "non_manufacturing",
            "computerisation": p.computerisation.value,
            "selection": selection,
            "necessity_affirmed": p.necessity_affirmed,
            "waiting": bool(p.waiting_on),
            "pain_vendor": "vendor_unresponsive" in pains,
            "pain_in_house": "in_house_unmaintainable" in pains,
            "pain_inadequate": "inadequate_for_scale" in pains,
            "months": months,
        }

    return derive
