"""Residents download the receipts of their payments and the payment notice of their households."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from commerce.payments.models import Payment
from portal.access import resident_units

from . import notice_pdf, pdf, receipt_pdf
from .notices import notice_for_unit
from .receipts import receipt_for


@login_required
def my_receipt_pdf(request, pk):
    try:
        payment = Payment.objects.get(pk=pk, unit__in=resident_units(request.user), status=Payment.Status.SUCCEEDED)
    except Payment.DoesNotExist:
        raise Http404 from None
    receipt = receipt_for(payment)
    return pdf.pdf_response(receipt_pdf.render_receipt_pdf(receipt), receipt_pdf.filename(receipt), attachment=True)


def _my_notices(user):
    return [notice_for_unit(unit) for unit in resident_units(user).order_by("pk")]


@login_required
def my_notice(request):
    notices = _my_notices(request.user)
    return render(
        request,
        "documents/resident/notice.html",
        {
            "notices": [notice for notice in notices if notice.bills],
            "has_households": bool(notices),
            "pay_url": request.build_absolute_uri(reverse("pay_bills")),
        },
    )


@login_required
def my_notice_pdf(request):
    notices = [notice for notice in _my_notices(request.user) if notice.bills]
    if not notices:
        return redirect("my_notice")
    data = notice_pdf.render_notices_pdf(
        notices, request.build_absolute_uri(reverse("pay_bills")), title=_("Payment notice")
    )
    return pdf.pdf_response(data, f"payment-notice-{notices[0].issued_on:%Y-%m-%d}.pdf")
