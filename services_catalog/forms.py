"""Back-office forms of the menu: every choice is limited to the offices the user edits the menu of."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from commerce.marketplace.models import Merchant
from portal.people.models import StaffMembership
from portal.properties.forms import ScopedModelForm
from portal.properties.models import Community, Office

from .access import scope_catalogue
from .models import WEEKDAYS, Provider, Service, ServiceCategory


def _offices(user):
    return scope_catalogue(user, Office.objects.all(), "pk")


class CategoryForm(ScopedModelForm):
    class Meta:
        model = ServiceCategory
        fields = ["office", "name", "description", "sort_order", "active"]

    def scoped_querysets(self):
        return {"office": _offices}


class ServiceForm(ScopedModelForm):
    """With its photos and options inline (formsets from the viewset's panels)."""

    weekdays = forms.MultipleChoiceField(
        label=_("Days offered"), choices=WEEKDAYS, widget=forms.CheckboxSelectMultiple, required=True
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["weekdays"] = list(self.instance.weekdays or "0123456")

    def scoped_querysets(self):
        return {
            "office": _offices,
            "category": lambda user: scope_catalogue(user, ServiceCategory.objects.select_related("office")),
            "communities": lambda user: scope_catalogue(user, Community.objects.all(), "office"),
        }

    def clean_weekdays(self):
        return "".join(sorted(set(self.cleaned_data["weekdays"])))

    def clean(self):
        cleaned = super().clean()
        office = cleaned.get("office")
        foreign = [c for c in cleaned.get("communities") or () if office and c.office_id != office.pk]
        if foreign:
            self.add_error("communities", _("Choose communities of the service's office."))
        return cleaned


class ProviderForm(ScopedModelForm):
    add_people = forms.CharField(
        label=_("Add people by e-mail"),
        required=False,
        help_text=_("E-mail addresses of existing accounts (e.g. an outside firm's workers), separated by commas."),
    )

    class Meta:
        model = Provider
        fields = ["office", "name", "kind", "merchant", "phone", "services", "people", "capacity_per_slot", "active"]
        widgets = {"services": forms.CheckboxSelectMultiple, "people": forms.CheckboxSelectMultiple}

    def scoped_querysets(self):
        provider = self.instance

        def people(user):
            staff = StaffMembership.objects.active().filter(office__in=_offices(user)).values("user_id")
            current = Q(pk__in=provider.people.values("pk")) if provider.pk else Q(pk__in=[])
            return get_user_model().objects.filter(Q(pk__in=staff) | current).order_by("full_name")

        def merchants(user):
            companies = _offices(user).values("region__company")
            current = Q(pk=provider.merchant_id) if provider.merchant_id else Q(pk__in=[])
            approved = Q(company__in=companies, status=Merchant.Status.APPROVED)
            return Merchant.objects.filter(approved | current).order_by("name")

        return {
            "office": _offices,
            "services": lambda user: scope_catalogue(user, Service.objects.all()),
            "people": people,
            "merchant": merchants,
        }

    def clean_add_people(self):
        emails = [e.strip().lower() for e in self.cleaned_data.get("add_people", "").replace("，", ",").split(",")]
        emails = [e for e in emails if e]
        users = list(get_user_model().objects.filter(email__in=emails))
        missing = sorted(set(emails) - {u.email.lower() for u in users})
        if missing:
            raise ValidationError(_("No account has the e-mail %(emails)s.") % {"emails": ", ".join(missing)})
        return users

    def clean(self):
        cleaned = super().clean()
        office = cleaned.get("office")
        if office and any(s.office_id != office.pk for s in cleaned.get("services") or ()):
            self.add_error("services", _("Choose services of the provider's office."))
        return cleaned

    def _save_m2m(self):
        super()._save_m2m()
        if self.cleaned_data.get("add_people"):
            self.instance.people.add(*self.cleaned_data["add_people"])


class QuoteForm(forms.Form):
    amount = forms.CharField(label=_("Quoted price"), max_length=20)
    note = forms.CharField(label=_("What the price covers"), max_length=500, required=False)


class AssignForm(forms.Form):
    person = forms.ModelChoiceField(label=_("Provider person"), queryset=get_user_model().objects.none())

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        if people is not None:
            self.fields["person"].queryset = people


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Why it is cancelled (the resident sees it)"), max_length=300)
