"""The dummy gateway for development and tests: the payer decides the outcome on a page of ours.

It goes through the same service functions a real provider's callback would: "pay" succeeds at once,
"decline" fails, "pending" leaves the payment pending until a later "confirm" (like a bank transfer
the provider confirms afterwards). A system check refuses it when DEBUG is off.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from commerce.money import format_money
from portal.access import resident_units

from .. import services
from ..models import Payment
from . import Gateway, GatewayRefund, get_gateway


class DummyGateway(Gateway):
    name = "dummy"
    label = gettext_lazy("Test gateway")

    def start(self, payment, return_url):
        services.mark_pending(payment, provider_reference=f"dummy-{payment.pk}")
        return f"{reverse('dummy_gateway', args=[payment.pk])}?{urlencode({'return': return_url})}"

    def handle_return(self, request, payment):
        # The dummy page already reported the outcome through the services; nothing arrives with the return.
        return Payment.objects.get(pk=payment.pk)

    def refund(self, refund):
        # No money ever moved, so none has to come back: the refund is settled at once.
        return GatewayRefund(reference=f"dummy-refund-{refund.pk}", settled=True)


OUTCOMES = {"pay", "decline", "pending", "confirm"}


@login_required
@require_http_methods(["GET", "POST"])
def dummy_gateway_page(request, pk):
    if get_gateway().name != "dummy":
        raise Http404
    try:
        payment = Payment.objects.get(
            pk=pk, unit__in=resident_units(request.user), method=Payment.Method.ONLINE, gateway="dummy"
        )
    except Payment.DoesNotExist:
        raise Http404 from None
    return_url = request.POST.get("return") or request.GET.get("return") or ""
    if not url_has_allowed_host_and_scheme(return_url, allowed_hosts={request.get_host()}):
        return_url = reverse("payment_result", args=[payment.pk])
    if request.method == "POST":
        outcome = request.POST.get("outcome")
        if outcome not in OUTCOMES:
            return redirect(request.get_full_path())
        reference = f"dummy-{payment.pk}"
        if outcome in ("pay", "confirm") and payment.status in Payment.OPEN:
            services.mark_succeeded(payment, reference)
        elif outcome == "decline" and payment.status in Payment.OPEN:
            services.mark_failed(payment, _("Declined at the test gateway."))
        elif outcome == "pending" and payment.status == Payment.Status.CREATED:
            services.mark_pending(payment, reference)
        return redirect(return_url)
    return render(
        request,
        "payments/resident/dummy_gateway.html",
        {
            "payment": payment,
            "amount": format_money(payment.amount, payment.currency),
            "return_url": return_url,
            # Coming back to a payment left pending: the provider's later confirmation, as by a bank.
            "resuming": bool(request.GET.get("resume")) and payment.status == Payment.Status.PENDING,
        },
    )
