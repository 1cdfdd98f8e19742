"""Residents pay their bills online and keep the receipts."""

from __future__ import annotations

import contextlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from commerce.billing.models import Bill
from commerce.money import format_money
from portal.access import get_unit_for_resident_or_404, resident_units

from . import services
from .gateways import GatewayUnavailable, get_gateway
from .models import Payment
from .receipts import render_receipt, visible_refunds


def _households_with_due_bills(user):
    households = []
    for unit in resident_units(user).order_by("pk"):
        bills = services.due_bills(unit)
        for bill in bills:
            bill.outstanding_display = format_money(bill.outstanding, bill.currency)
        total = sum((bill.outstanding for bill in bills), services.ZERO)
        households.append({"unit": unit, "bills": bills, "total": format_money(total) if bills else ""})
    return households


@login_required
@require_http_methods(["GET", "POST"])
def pay_bills(request):
    if request.method == "POST":
        unit = get_unit_for_resident_or_404(request.user, request.POST.get("unit"))
        ids = [value for value in request.POST.getlist("bill") if value.isdigit()]
        bills = list(Bill.objects.filter(pk__in=ids))
        try:
            if len(bills) != len(set(ids)):
                raise ValidationError(_("One of the bills does not belong to this household."))
            gateway = get_gateway()
            payment = services.pay_online(request.user, unit, bills, gateway=gateway.name)
            return redirect(gateway.start(payment, reverse("payment_result", args=[payment.pk])))
        except (ValidationError, PermissionDenied, GatewayUnavailable) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", None) or [str(exc)]))
            return redirect("pay_bills")
    return render(request, "payments/resident/pay.html", {"households": _households_with_due_bills(request.user)})


def _own_payment(user, pk):
    try:
        return Payment.objects.select_related("unit__building__community", "office").get(
            pk=pk, unit__in=resident_units(user)
        )
    except Payment.DoesNotExist:
        raise Http404 from None


@login_required
def payment_result(request, pk):
    payment = _own_payment(request.user, pk)
    if payment.method == Payment.Method.ONLINE and payment.gateway:
        with contextlib.suppress(GatewayUnavailable):
            payment = get_gateway(payment.gateway).handle_return(request, payment)
    return render(
        request,
        "payments/resident/result.html",
        {
            "payment": payment,
            "amount": format_money(payment.amount, payment.currency),
            "refunds": visible_refunds(payment),
        },
    )


@login_required
def my_receipt(request, pk):
    payment = _own_payment(request.user, pk)
    if payment.status != Payment.Status.SUCCEEDED:
        raise Http404
    return render_receipt(request, payment, reverse("my_bills"))
