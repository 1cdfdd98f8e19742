"""What a bill's adjustments add up to, for the back office and the resident's bill page. Read-only, batched."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Max, Min
from django.utils.translation import gettext as _

from commerce.money import format_money
from commerce.payments.services import outstanding, paid_by_bill

from .models import BillAdjustment
from .totals import late_fees_by_bill, principal_adjustments_by_bill

ZERO = Decimal("0.00")


@dataclass
class BillSummary:
    currency: str
    total: Decimal
    late_fees: Decimal = ZERO
    late_fees_waived: Decimal = ZERO
    reductions: Decimal = ZERO  # waivers and discounts of the charges, as a positive amount
    paid: Decimal = ZERO
    outstanding: Decimal = ZERO
    late_fee_days: int = 0
    first_day: object = None
    last_day: object = None

    @property
    def late_fees_left(self) -> Decimal:
        return self.late_fees - self.late_fees_waived

    def money(self, amount: Decimal) -> str:
        return format_money(amount, self.currency)

    @property
    def display(self) -> dict[str, str]:
        return {
            name: self.money(getattr(self, name))
            for name in (
                "total",
                "late_fees",
                "late_fees_waived",
                "late_fees_left",
                "reductions",
                "paid",
                "outstanding",
            )
        }


def bill_summary(bills) -> dict[int, BillSummary]:
    bills = list(bills)
    late = late_fees_by_bill(bills)
    principal = principal_adjustments_by_bill(bills)
    paid = paid_by_bill(bills)
    days = {
        row["bill_id"]: row
        for row in BillAdjustment.objects.filter(bill__in=bills, kind=BillAdjustment.Kind.LATE_FEE)
        .values("bill_id")
        .annotate(days=Count("pk"), first=Min("accrual_date"), last=Max("accrual_date"))
        .order_by()
    }
    summaries = {}
    for bill in bills:
        charged, waived = late[bill.pk]
        span = days.get(bill.pk, {})
        summaries[bill.pk] = BillSummary(
            currency=bill.currency,
            total=bill.total,
            late_fees=charged,
            late_fees_waived=waived,
            reductions=-principal[bill.pk],
            paid=paid[bill.pk],
            outstanding=outstanding(bill, paid[bill.pk], charged - waived + principal[bill.pk]),
            late_fee_days=span.get("days", 0),
            first_day=span.get("first"),
            last_day=span.get("last"),
        )
    return summaries


def resident_lines(bill) -> dict:
    """The bill's late fees (one line) and each waiver or discount, with the summary; empty without any."""
    summary = bill_summary([bill])[bill.pk]
    lines = []
    if summary.late_fees:
        lines.append(
            {
                "label": _("Late fee"),
                "amount": summary.money(summary.late_fees),
                "note": _("%(days)s days overdue, %(first)s to %(last)s")
                % {"days": summary.late_fee_days, "first": summary.first_day, "last": summary.last_day},
                "kind": "late_fee",
            }
        )
    for adjustment in bill.adjustments.exclude(kind=BillAdjustment.Kind.LATE_FEE).order_by("created_at", "pk"):
        lines.append(
            {
                "label": adjustment.get_kind_display(),
                "amount": summary.money(adjustment.amount),
                "note": adjustment.reason,
                "kind": adjustment.kind,
            }
        )
    return {"lines": lines, "summary": summary} if lines else {}
