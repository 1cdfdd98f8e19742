"""Back-office forms for charge items, standards and assignments; every choice is scoped to the user's offices."""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.access import scope_to_offices, staff_offices
from portal.properties.forms import ScopedModelForm
from portal.properties.models import Unit

from .models import ChargeItem, ChargeStandard, UnitStandardAssignment, check_tiers


def _scoped(model, *related):
    return lambda user: scope_to_offices(user, model.objects.select_related(*related))


class ChargeItemForm(ScopedModelForm):
    class Meta:
        model = ChargeItem
        fields = ["office", "code", "name", "kind", "measure_unit", "cycle", "active"]

    def scoped_querysets(self):
        return {"office": staff_offices}


class ChargeStandardForm(ScopedModelForm):
    """With its price tiers inline (a formset named ``tiers``)."""

    def scoped_querysets(self):
        return {"item": _scoped(ChargeItem, "office")}

    def clean(self):
        cleaned = super().clean()
        tiers = self.formsets.get("tiers") if hasattr(self, "formsets") else None
        if tiers is None or not tiers.is_valid():
            return cleaned
        rows = [f.cleaned_data for f in tiers.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        limits = sorted((row.get("up_to") for row in rows), key=lambda v: (v is None, v or 0))
        try:
            check_tiers(limits)
        except ValidationError as exc:
            self.add_error(None, exc)
        item = cleaned.get("item")
        if rows and item is not None and item.kind != ChargeItem.Kind.METERED:
            self.add_error(None, _("Only metered items have price tiers."))
        no_price = cleaned.get("unit_price") is None and not (cleaned.get("formula") or "").strip()
        if item is not None and item.kind == ChargeItem.Kind.METERED and no_price and not rows:
            self.add_error("unit_price", _("Give a unit price, price tiers or a formula."))
        return cleaned


class AssignmentForm(ScopedModelForm):
    class Meta:
        model = UnitStandardAssignment
        fields = ["unit", "item", "standard", "effective_from", "effective_to"]

    def scoped_querysets(self):
        return {
            "unit": _scoped(Unit, "building__community"),
            "item": _scoped(ChargeItem, "office"),
            "standard": _scoped(ChargeStandard, "item"),
        }


def _this_month() -> datetime.date:
    return timezone.localdate().replace(day=1)


class PreviewForm(forms.Form):
    """Pick a unit (of the item's office), a month and, for metered items, the usage."""

    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    month = forms.DateField(
        label=_("Month"), initial=_this_month, help_text=_("Any day of the month to bill, e.g. 2025-03-01.")
    )
    usage = forms.DecimalField(label=_("Usage"), required=False, min_value=0, max_digits=12, decimal_places=3)

    def __init__(self, *args, item: ChargeItem, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(building__community__office=item.office).select_related(
            "building__community"
        )
        if item.kind == ChargeItem.Kind.METERED:
            self.fields["usage"].required = True
            if item.measure_unit:
                self.fields["usage"].label = _("Usage (%(unit)s)") % {"unit": item.measure_unit}
        else:
            del self.fields["usage"]
