"""Back-office forms: meters, one reading, an import, a month's apportionment. Choices are office-scoped."""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from commerce.billing.models import ChargeItem
from portal.properties.forms import ImportForm, ScopedModelForm
from portal.properties.models import Office, Unit

from .access import meter_office_ids, scope_for_meters
from .models import Meter


def meter_offices(user):
    ids = meter_office_ids(user)
    offices = Office.objects.select_related("region__company").order_by("name")
    return offices if ids is None else offices.filter(pk__in=ids)


class MeterForm(ScopedModelForm):
    class Meta:
        model = Meter
        fields = ["office", "code", "kind", "charge_item", "unit", "parent", "apportion_by", "multiplier", "active"]

    def scoped_querysets(self):
        return {
            "office": meter_offices,
            "charge_item": lambda user: scope_for_meters(
                user, ChargeItem.objects.filter(kind=ChargeItem.Kind.METERED).select_related("office"), "office"
            ),
            "unit": lambda user: scope_for_meters(
                user, Unit.objects.select_related("building__community"), "building__community__office"
            ),
            "parent": lambda user: scope_for_meters(user, Meter.objects.filter(kind=Meter.Kind.SHARED), "office"),
        }


class _OfficeChoice(forms.Form):
    office = forms.ModelChoiceField(label=_("Office"), queryset=Office.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        offices = meter_offices(user)
        self.fields["office"].queryset = offices
        choices = list(offices[:2])
        if len(choices) == 1:  # a clerk of one office should not have to pick it
            self.fields["office"].initial = choices[0]
            self.fields["office"].widget = forms.HiddenInput()


class ReadingForm(_OfficeChoice):
    meter = forms.CharField(label=_("Meter code"), max_length=40)
    date = forms.DateField(label=_("Reading date"), initial=timezone.localdate)
    value = forms.CharField(label=_("Reading"), max_length=20, help_text=_("The number on the meter."))

    def clean(self):
        cleaned = super().clean()
        office, code = cleaned.get("office"), (cleaned.get("meter") or "").strip()
        if office is not None and code:
            meter = Meter.objects.filter(office=office, code__iexact=code).select_related("office").first()
            if meter is None:
                self.add_error("meter", _("Unknown meter “%(code)s” in %(office)s.") % {"code": code, "office": office})
            cleaned["meter"] = meter
        return cleaned


class ReadingImportForm(ImportForm):
    field_order = ["office", "file"]
    office = forms.ModelChoiceField(label=_("Office"), queryset=Office.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        offices = meter_offices(user)
        self.fields["office"].queryset = offices
        choices = list(offices[:2])
        if len(choices) == 1:
            self.fields["office"].initial = choices[0]


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


def _this_month() -> datetime.date:
    return timezone.localdate().replace(day=1)


class ApportionmentForm(forms.Form):
    meter = forms.ModelChoiceField(label=_("Shared meter"), queryset=Meter.objects.none())
    month = forms.DateField(
        label=_("Month"),
        input_formats=["%Y-%m"],
        initial=_this_month,
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        error_messages={"invalid": _("Enter a month such as 2026-01.")},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meter"].queryset = scope_for_meters(
            user, Meter.objects.filter(kind=Meter.Kind.SHARED).select_related("office", "charge_item"), "office"
        )

    def clean_month(self):
        month = self.cleaned_data["month"]
        if month > timezone.localdate():
            raise ValidationError(_("The month has not begun yet."))
        return month
