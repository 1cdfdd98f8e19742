"""Back office: one payment with its bills and refunds, and the refund form. Office-scoped."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from commerce.money import format_money, parse_amount

from . import refunds
from .desk_views import DeskAccessMixin, _scoped, may_take_payments
from .models import Payment, Refund
from .receipts import receipt_lines


class RefundForm(forms.Form):
    amount = forms.CharField(label=gettext_lazy("Amount to refund"), max_length=30)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_amount(self):
        return parse_amount(self.cleaned_data["amount"])


def _payment(user, pk) -> Payment:
    try:
        return _scoped(
            user, Payment.objects.select_related("unit__building__community", "office__region__company"), "office_id"
        ).get(pk=pk)
    except Payment.DoesNotExist:
        raise Http404 from None


class PaymentDetailView(DeskAccessMixin, TemplateView):
    template_name = "payments/admin/detail.html"
    page_title = gettext_lazy("Payment")

    def get(self, request, pk):
        return self._render(_payment(request.user, pk))

    def post(self, request, pk):
        payment = _payment(request.user, pk)
        if not refunds.may_refund(request.user, payment):
            raise PermissionDenied
        form = RefundForm(request.POST)
        if form.is_valid():
            try:
                refund = refunds.request_refund(
                    request.user, payment, form.cleaned_data["amount"], form.cleaned_data["reason"]
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                amount = format_money(refund.amount, payment.currency)
                if refund.status == Refund.Status.SUCCEEDED:
                    messages.success(request, _("%(amount)s refunded.") % {"amount": amount})
                else:
                    messages.success(
                        request,
                        _("The refund of %(amount)s was sent to the payment provider; it counts once confirmed.")
                        % {"amount": amount},
                    )
                return redirect("payments_list:detail", payment.pk)
        return self._render(payment, form)

    def _render(self, payment, form=None):
        self.payment = payment
        refundable = refunds.refundable(payment)
        staff_may_refund = refunds.may_refund(self.request.user, payment)
        allocations = receipt_lines(payment)
        for allocation in allocations:
            allocation.amount_display = format_money(allocation.amount, payment.currency)
        context = {
            "payment": payment,
            "amount": format_money(payment.amount, payment.currency),
            "prepaid": format_money(payment.prepaid_amount, payment.currency),
            "allocations": allocations,
            "refunds": refunds.refunds_of(payment),
            "refundable": format_money(refundable, payment.currency),
            "may_refund": staff_may_refund,
            "form": (form or RefundForm(initial={"amount": f"{refundable}"}))
            if staff_may_refund and refundable
            else None,
        }
        return self.render_to_response(self.get_context_data(**context))

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("payments_list:index"), "label": _("Payments")},
            {"url": "", "label": self.get_page_title(), "sublabel": self.get_page_subtitle()},
        ]

    def get_page_subtitle(self):
        return str(self.payment) if hasattr(self, "payment") else ""


class SendRefundAgainView(View):
    """A refund kept as requested after the provider could not be reached: send it again (same key)."""

    def post(self, request, pk):
        if not may_take_payments(request.user):
            raise PermissionDenied
        try:
            refund = _scoped(request.user, Refund.objects.select_related("payment__office"), "payment__office_id").get(
                pk=pk
            )
        except Refund.DoesNotExist:
            raise Http404 from None
        if not refunds.may_refund(request.user, refund.payment):
            raise PermissionDenied
        try:
            refunds.send_refund(refund, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("payments_list:detail", refund.payment_id)
