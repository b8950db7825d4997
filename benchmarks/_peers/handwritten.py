"""The practical limit: the seed's product-fit and grading rules as one plain Python function.

It reads the validated :class:`~erpsales.Prospect` directly (no intermediate dict), derives
the selection and the months to close the way erpsales does, and decides with ``if``s.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from _peers.common import IMMINENT_MONTHS, MARKET, Decision, add_months
from erpsales import Prospect
from erpsales.models import ComputerisationStatus, SelectionStatus

_STARTED, _IMMINENT, _WAITING, _NO_ACTION, _UNKNOWN = tuple(SelectionStatus)
_NOT_COMPUTERISED, _COMPUTERISED, _STATUS_UNKNOWN = tuple(ComputerisationStatus)
_SOON = (_STARTED, _IMMINENT)
_ORPHAN_PAINS = frozenset({"vendor_unresponsive", "in_house_unmaintainable"})


def handwritten(as_of: dt.date) -> Callable[[Prospect], Decision]:
    """Return ``decide(prospect) -> (product, grade)`` for the date ``as_of``."""
    imminent = add_months(as_of, IMMINENT_MONTHS)
    year, month, day = as_of.year, as_of.month, as_of.day

    def decide(p: Prospect) -> Decision:
        # product fit (R-TM-02..05): the band [min, max), its profit floor, in market
        product = None
        industry = p.industry
        in_market = industry is not None and industry in MARKET
        revenue, profit = p.annual_revenue_rmb, p.annual_profit_rmb
        if in_market and revenue is not None and profit is not None:
            if revenue < 100_000_000:
                if profit >= 1_000_000:
                    product = "ERP1"
            elif revenue < 500_000_000:
                if profit >= 5_000_000:
                    product = "ERP2"
            elif profit >= 10_000_000:
                product = "TIPTOP"

        # window grade from the months to close (AMB-08: a passed date is unknown)
        months = p.months_to_close
        if months is None:
            close = p.expected_close or p.key_info.schedule.contract_signing
            if close is not None and close >= as_of:
                months = (close.year - year) * 12 + close.month - month + (day < close.day)
        if months is None or months > 6:
            window = "D"
        elif months <= 1:
            window = "A"
        elif months <= 3:
            window = "B"
        else:
            window = "C"

        status = p.computerisation
        if status is _STATUS_UNKNOWN:  # AMB-27: the window alone, capped at B
            return product, "B" if window == "A" else window

        # descriptor grade (GR-A-NEW/REPLACE, GR-B-NEW, GR-ORPHAN-PAIN, GR-C-NEW/REPLACE)
        selection = p.selection
        if selection is _UNKNOWN:  # AMB-28: read it from the schedule
            start = p.key_info.schedule.selection_start
            if start is not None and start <= as_of:
                selection = _STARTED
            elif start is not None and start <= imminent:
                selection = _IMMINENT
            elif p.waiting_on:
                selection = _WAITING
        necessary = p.necessity_affirmed is True
        if selection in _SOON:
            descriptor = "A"
        elif status is _NOT_COMPUTERISED:
            if necessary and (selection is _WAITING or p.waiting_on):
                descriptor = "B"
            elif necessary and selection is _NO_ACTION and in_market:
                descriptor = "C"
            else:
                descriptor = "D"
        elif p.pains & _ORPHAN_PAINS:
            descriptor = "B"  # the orphan text, assigned B (AMB-11)
        elif necessary and selection is _NO_ACTION and "inadequate_for_scale" in p.pains:
            descriptor = "C"
        else:
            descriptor = "D"
        # conservative (AMB-09): the lower grade, i.e. the larger letter
        return product, descriptor if descriptor > window else window

    return decide
