"""The receipt (收款凭证) of a succeeded payment, shared by the resident and the back office."""

from django.shortcuts import render

from commerce.money import format_money

from .services import receipt_lines


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
            "back_url": back_url,
        },
    )
