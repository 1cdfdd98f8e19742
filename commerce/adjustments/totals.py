"""Sums of bill adjustments, for what a bill owes and for the late-fee cap. Read-only, batched."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from commerce.ledger.services import from_cents, sum_in_cents

from .models import BillAdjustment

ZERO = Decimal("0.00")


def _sums(bill_ids: list[int], kinds=None) -> dict[int, Decimal]:
    rows = BillAdjustment.objects.filter(bill_id__in=bill_ids)
    if kinds is not None:
        rows = rows.filter(kind__in=kinds)
    totals = dict.fromkeys(bill_ids, ZERO)
    for row in rows.values("bill_id").annotate(cents=sum_in_cents()).order_by():
        totals[row["bill_id"]] = from_cents(row["cents"])
    return totals


def adjustments_by_bill(bills: Iterable) -> dict[int, Decimal]:
    """Σ of every adjustment (late fees +, waivers and discounts −) per bill id."""
    return _sums([bill.pk for bill in bills])


def principal_adjustments_by_bill(bills: Iterable) -> dict[int, Decimal]:
    """Σ of the waivers and discounts of the charges (negative) per bill id; late fees left out."""
    return _sums([bill.pk for bill in bills], BillAdjustment.PRINCIPAL_KINDS)


def late_fees_by_bill(bills: Iterable) -> dict[int, tuple[Decimal, Decimal]]:
    """(late fees charged, late fees waived as a positive amount) per bill id."""
    ids = [bill.pk for bill in bills]
    charged = _sums(ids, [BillAdjustment.Kind.LATE_FEE])
    waived = _sums(ids, [BillAdjustment.Kind.LATE_FEE_WAIVER])
    return {pk: (charged[pk], -waived[pk]) for pk in ids}
