"""The resident's bills: every bill of their households, with each line's calculation and the balance."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from commerce.adjustments.summary import resident_lines
from commerce.ledger.services import household_balance
from commerce.meters.resident import attach_meter_details
from commerce.money import format_money
from portal.access import resident_units

from .models import Bill

BILLS_SHOWN = 36


def _bills_of(user):
    return (
        Bill.objects.filter(unit__in=resident_units(user), payer=Bill.Payer.HOUSEHOLD)
        .select_related("unit__building__community")
        .prefetch_related("lines__item")
        .order_by("-period_start", "unit_id", "-pk")
    )


def _decorate(bill):
    bill.total_display = format_money(bill.total, bill.currency)
    for line in bill.lines.all():
        line.amount_display = format_money(line.amount, bill.currency)
    return bill


@login_required
def my_bills(request):
    households = []
    for unit in resident_units(request.user).order_by("pk"):
        owed = household_balance(unit)
        households.append({"unit": unit, "balance": owed, "balance_display": format_money(abs(owed))})
    bills = [_decorate(bill) for bill in _bills_of(request.user)[:BILLS_SHOWN]]
    return render(request, "billing/resident/bills.html", {"households": households, "bills": bills})


@login_required
def my_bill(request, pk):
    try:
        bill = _decorate(_bills_of(request.user).get(pk=pk))
    except Bill.DoesNotExist:
        raise Http404 from None
    attach_meter_details(bill)
    return render(request, "billing/resident/bill.html", {"bill": bill, "adjustments": resident_lines(bill)})
