"""Billing cycles: which monthly run bills an item, and which months its line covers.

Prices are per month (物业费 per m² per month); a cycle says how often it is collected. Quarterly items
are billed in the first month of each calendar quarter for three months, yearly ones in January for
twelve.
"""

from __future__ import annotations

import calendar
import datetime

from .models import ChargeItem

# The months in which the monthly run bills an item of each longer cycle (calendar quarters, years).
CYCLE_MONTHS = {
    ChargeItem.Cycle.MONTHLY: (1, range(1, 13)),
    ChargeItem.Cycle.QUARTERLY: (3, (1, 4, 7, 10)),
    ChargeItem.Cycle.YEARLY: (12, (1,)),
}


def cycle_due(item: ChargeItem, month: datetime.date) -> bool:
    """Whether the run of ``month`` bills the item: monthly items every month, quarterly ones in January,
    April, July and October for the quarter ahead, yearly ones in January for the year."""
    if item.kind == ChargeItem.Kind.METERED and item.cycle != ChargeItem.Cycle.MONTHLY:
        return False  # readings are billed month by month; see run_notes
    rule = CYCLE_MONTHS.get(item.cycle)
    return rule is not None and month.month in rule[1]


def coverage(item: ChargeItem, period_start: datetime.date, period_end: datetime.date) -> tuple:
    """The months a line of ``item`` covers when billed in the run of ``period_start``'s month."""
    months = CYCLE_MONTHS.get(item.cycle, (1,))[0]
    if months == 1:
        return period_start, period_end
    last = period_start.month + months - 1
    year, month = period_start.year + (last - 1) // 12, (last - 1) % 12 + 1
    return period_start, datetime.date(year, month, calendar.monthrange(year, month)[1])
