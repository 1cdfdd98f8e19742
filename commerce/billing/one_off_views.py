"""The back-office screen for a one-off charge to one unit, reached from the unit lookup (联查)."""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from commerce.money import format_money
from portal.properties.models import Unit

from . import one_off
from .models import Bill, ChargeItem


class OneOffChargeForm(forms.Form):
    item = forms.ModelChoiceField(label=gettext_lazy("Charge item"), queryset=ChargeItem.objects.none())
    quantity = forms.DecimalField(
        label=gettext_lazy("Quantity"), initial=1, min_value=0, max_digits=9, decimal_places=3
    )
    amount = forms.CharField(
        label=gettext_lazy("Amount"),
        required=False,
        help_text=gettext_lazy("Leave empty to charge the item's standard price × quantity."),
    )
    note = forms.CharField(label=gettext_lazy("What it is for"), max_length=300)
    request_key = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, unit, **kwargs):
        super().__init__(*args, **kwargs)
        office = unit.building.community.office
        self.fields["item"].queryset = ChargeItem.objects.filter(
            office=office, kind=ChargeItem.Kind.ONE_OFF, active=True
        ).order_by("name")


class OneOffChargeView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "billing/admin/one_off.html"
    header_icon = "decimal"

    def dispatch(self, request, unit_pk):
        self.unit = get_object_or_404(
            Unit.objects.select_related("building__community__office__region__company"), pk=unit_pk
        )
        if not one_off.may_charge(request.user, self.unit.building.community.office):
            raise PermissionDenied
        return super().dispatch(request, unit_pk)

    def get_page_title(self):
        return _("One-off charge to %(unit)s") % {"unit": self.unit}

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("properties_unit:inspect", args=[self.unit.pk]), "label": str(self.unit)},
            {"url": "", "label": _("One-off charge")},
        ]

    def get(self, request, unit_pk):
        form = OneOffChargeForm(unit=self.unit, initial={"request_key": uuid.uuid4().hex})
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request, unit_pk):
        form = OneOffChargeForm(request.POST, unit=self.unit)
        if form.is_valid():
            data = form.cleaned_data
            try:
                bill = one_off.charge_one_off(
                    request.user,
                    self.unit,
                    data["item"],
                    quantity=data["quantity"],
                    amount=data["amount"] or None,
                    note=data["note"],
                    request_key=data["request_key"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    _("Charged %(amount)s for “%(item)s” to %(unit)s.")
                    % {"amount": format_money(bill.total, bill.currency), "item": data["item"].name, "unit": self.unit},
                )
                return redirect("properties_unit:inspect", self.unit.pk)
        return self.render_to_response(self.get_context_data(form=form))

    def get_context_data(self, **kwargs):
        recent = (
            Bill.objects.filter(unit=self.unit, kind=Bill.Kind.ONE_OFF)
            .prefetch_related("lines__item")
            .order_by("-created_at")[:10]
        )
        return super().get_context_data(unit=self.unit, recent=recent, **kwargs)
