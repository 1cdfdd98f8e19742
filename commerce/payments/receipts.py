"""The receipt (收款凭证) of a succeeded payment, shared by the resident and the back office."""

from django.shortcuts import render

from commerce.money import format_money

from .models import Refund
from .services import receipt_lines


def visible_refunds(payment) -> list[Refund]:
    """The refunds a receipt or the payer sees: every one not failed, oldest first."""
    rows = list(
        payment.refunds.exclude(status=Refund.Status.FAILED)
        .prefetch_related("allocations__bill")
        .order_by("created_at", "pk")
    )
    for refund in rows:
        refund.amount_display = format_money(refund.amount, payment.currency)
    return rows


def render_receipt(request, payment, back_url):
    allocations = receipt_lines(payment)
    for allocation in allocations:
        allocation.amount_display = format_money(allocation.amount, payment.currency)
        allocation.bill.total_display = format_money(allocation.bill.total, allocation.bill.currency)
        for line in allocation.bill.lines.all():
            line.amount_display = format_money(line.amount, allocation.bill.currency)
    return render(
        request,
        "payments/receipt.html",
        {
            "payment": payment,
            "allocations": allocations,
            "amount": format_money(payment.amount, payment.currency),
            "prepaid": format_money(payment.prepaid_amount, payment.currency) if payment.prepaid_amount else "",
            "refunds": visible_refunds(payment),
            "back_url": back_url,
        },
    )
