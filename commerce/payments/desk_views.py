"""Back-office screens: take a payment at the desk, list payments, print a receipt. Office-scoped."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views import View
from django.views.generic import TemplateView
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from commerce.money import format_money, parse_amount
from portal.access import office_ids_with_role
from portal.properties.models import Community, Unit

from . import services
from .models import Payment
from .receipts import render_receipt

PAYMENTS_SHOWN = 200
# Online payments come through a gateway and bank collections through a collection file, never the desk.
DESK_METHODS = [c for c in Payment.Method.values if c not in (Payment.Method.ONLINE, Payment.Method.BANK_COLLECTION)]


def desk_office_ids(user):
    return office_ids_with_role(user, services.DESK_ROLES)


def may_take_payments(user) -> bool:
    ids = desk_office_ids(user)
    return ids is None or bool(ids)


def _scoped(user, queryset, path):
    ids = desk_office_ids(user)
    return queryset if ids is None else queryset.filter(**{f"{path}__in": ids})


class DeskAccessMixin(WagtailAdminTemplateMixin):
    header_icon = "decimal"

    def dispatch(self, request, *args, **kwargs):
        if not may_take_payments(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class UnitLookupForm(forms.Form):
    community = forms.ModelChoiceField(label=gettext_lazy("Community"), queryset=Community.objects.none())
    building = forms.CharField(label=gettext_lazy("Building"), max_length=100)
    number = forms.CharField(label=gettext_lazy("Unit number"), max_length=20)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["community"].queryset = _scoped(user, Community.objects.order_by("name"), "office_id")

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        unit = Unit.objects.filter(
            building__community=data["community"],
            building__name=data["building"].strip(),
            number=data["number"].strip(),
        ).first()
        if unit is None:
            raise ValidationError(_("No such unit in this community."))
        data["unit"] = unit
        return data


class DeskPaymentForm(forms.Form):
    amount = forms.CharField(label=gettext_lazy("Amount"), max_length=30)
    method = forms.ChoiceField(
        label=gettext_lazy("Method"), choices=[c for c in Payment.Method.choices if c[0] in DESK_METHODS]
    )
    bills = forms.MultipleChoiceField(
        label=gettext_lazy("Bills"), required=False, widget=forms.CheckboxSelectMultiple, choices=()
    )
    prepayment = forms.BooleanField(
        label=gettext_lazy("Take as prepayment"),
        required=False,
        help_text=gettext_lazy("Keep money beyond what is due on the household's account, to pay later bills."),
    )

    def __init__(self, *args, due_bills, **kwargs):
        super().__init__(*args, **kwargs)
        self.due = {str(bill.pk): bill for bill in due_bills}
        self.fields["bills"].choices = [
            (str(bill.pk), f"{bill.period_start:%Y-%m} · {format_money(bill.outstanding, bill.currency)}")
            for bill in due_bills
        ]

    def clean_amount(self):
        return parse_amount(self.cleaned_data["amount"])


class DeskPaymentView(DeskAccessMixin, TemplateView):
    template_name = "payments/admin/desk.html"
    page_title = gettext_lazy("Desk payments")

    def _unit(self, request):
        unit_id = request.POST.get("unit") or request.GET.get("unit")
        if not unit_id:
            return None
        try:
            return _scoped(
                request.user, Unit.objects.select_related("building__community__office"), "building__community__office"
            ).get(pk=unit_id)
        except (Unit.DoesNotExist, ValueError):
            raise Http404 from None

    def get(self, request, *args, **kwargs):
        unit = self._unit(request)
        lookup = UnitLookupForm(request.GET if "number" in request.GET else None, user=request.user)
        if unit is None and lookup.is_valid():
            return redirect(f"{reverse('payments_desk:index')}?unit={lookup.cleaned_data['unit'].pk}")
        return self._render(unit, lookup)

    def post(self, request, *args, **kwargs):
        unit = self._unit(request)
        if unit is None:
            raise Http404
        due = services.due_bills(unit)
        form = DeskPaymentForm(request.POST, due_bills=due)
        if form.is_valid():
            chosen = [form.due[pk] for pk in form.cleaned_data["bills"]]
            try:
                payment = services.record_desk_payment(
                    request.user,
                    unit,
                    form.cleaned_data["amount"],
                    form.cleaned_data["method"],
                    bills=chosen or None,
                    prepayment=form.cleaned_data["prepayment"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                # The receipt itself confirms the payment; no flash message to linger elsewhere.
                return redirect("payments_list:receipt", payment.pk)
        return self._render(unit, UnitLookupForm(user=request.user), form, due)

    def _render(self, unit, lookup, form=None, due=None):
        context = {"lookup": lookup, "unit": unit}
        if unit is not None:
            due = services.due_bills(unit) if due is None else due
            total = sum((bill.outstanding for bill in due), services.ZERO)
            for bill in due:
                bill.outstanding_display = format_money(bill.outstanding, bill.currency)
            context.update(
                due=due,
                total=format_money(total),
                form=form or DeskPaymentForm(initial={"amount": f"{total}", "method": "cash"}, due_bills=due),
            )
        return self.render_to_response(self.get_context_data(**context))


class PaymentFilterForm(forms.Form):
    method = forms.ChoiceField(
        label=gettext_lazy("Method"), required=False, choices=[("", gettext_lazy("Any")), *Payment.Method.choices]
    )
    date_from = forms.DateField(
        label=pgettext_lazy("date filter", "From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=pgettext_lazy("date filter", "To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class PaymentListView(DeskAccessMixin, TemplateView):
    template_name = "payments/admin/list.html"
    page_title = gettext_lazy("Payments")

    def get_context_data(self, **kwargs):
        payments = _scoped(
            self.request.user,
            Payment.objects.select_related("unit__building__community", "office"),
            "office_id",
        )
        filters = PaymentFilterForm(self.request.GET or None)
        if filters.is_valid():
            data = filters.cleaned_data
            if data["method"]:
                payments = payments.filter(method=data["method"])
            if data["date_from"]:
                payments = payments.filter(created_at__date__gte=data["date_from"])
            if data["date_to"]:
                payments = payments.filter(created_at__date__lte=data["date_to"])
        rows = list(payments[:PAYMENTS_SHOWN])
        for payment in rows:
            payment.amount_display = format_money(payment.amount, payment.currency)
        return super().get_context_data(payments=rows, filters=filters, **kwargs)


class StaffReceiptView(View):
    def get(self, request, pk):
        if not may_take_payments(request.user):
            raise PermissionDenied
        try:
            payment = _scoped(
                request.user,
                Payment.objects.select_related("unit__building__community", "office"),
                "office_id",
            ).get(pk=pk, status=Payment.Status.SUCCEEDED)
        except Payment.DoesNotExist:
            raise Http404 from None
        return render_receipt(request, payment, reverse("payments_list:index"))
