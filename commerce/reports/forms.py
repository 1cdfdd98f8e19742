"""Filter forms of the reports. Every choice is limited to the offices the user may report on."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from portal.properties.models import Building, Community, Office

from .queries import COLLECTION_GROUPS, Scope

MAX_VOUCHER_DAYS = 366
PAYER_CHOICES = [
    ("household", pgettext_lazy("payer", "Households")),
    ("developer", pgettext_lazy("payer", "Developer (unsold units)")),
]
ANY_PAYER = [("", pgettext_lazy("payer", "All payers")), *PAYER_CHOICES]


def _month_field(label):
    return forms.DateField(
        label=label,
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        error_messages={"invalid": gettext_lazy("Enter a month such as 2026-01.")},
    )


def _date_field(label, required=True):
    return forms.DateField(label=label, required=required, widget=forms.DateInput(attrs={"type": "date"}))


def _scoped(queryset, path, office_ids):
    return queryset if office_ids is None else queryset.filter(**{f"{path}__in": office_ids})


class ReportForm(forms.Form):
    """Office, community and building filters, each optional, each within the user's offices."""

    office = forms.ModelChoiceField(label=gettext_lazy("Office"), queryset=Office.objects.none(), required=False)
    community = forms.ModelChoiceField(
        label=gettext_lazy("Community"), queryset=Community.objects.none(), required=False
    )
    building = forms.ModelChoiceField(label=gettext_lazy("Building"), queryset=Building.objects.none(), required=False)
    office_required = False

    def __init__(self, data=None, *, office_ids, **kwargs):
        super().__init__(data, **kwargs)
        self.office_ids = office_ids
        self.fields["office"].queryset = _scoped(Office.objects.order_by("name"), "pk", office_ids)
        self.fields["office"].required = self.office_required
        if "community" in self.fields:
            self.fields["community"].queryset = _scoped(Community.objects.order_by("name"), "office_id", office_ids)
            self.fields["building"].queryset = _scoped(
                Building.objects.select_related("community").order_by("community__name", "name"),
                "community__office_id",
                office_ids,
            )

    def clean(self):
        data = super().clean()
        office, community, building = data.get("office"), data.get("community"), data.get("building")
        if community and office and community.office_id != office.pk:
            self.add_error("community", _("This community is not in the chosen office."))
        if building and community and building.community_id != community.pk:
            self.add_error("building", _("This building is not in the chosen community."))
        if building and office and not community and building.community.office_id != office.pk:
            self.add_error("building", _("This building is not in the chosen office."))
        return data

    def scope(self, **extra) -> Scope:
        data = self.cleaned_data
        return Scope(
            None if self.office_ids is None else frozenset(self.office_ids),
            office_id=data["office"].pk if data.get("office") else None,
            community_id=data["community"].pk if data.get("community") else None,
            building_id=data["building"].pk if data.get("building") else None,
            **extra,
        )


class ArrearsForm(ReportForm):
    payer = forms.ChoiceField(label=gettext_lazy("Payer"), choices=PAYER_CHOICES, required=False)
    as_of = _date_field(gettext_lazy("As of"))
    order = forms.ChoiceField(
        label=gettext_lazy("Sort by"),
        required=False,
        choices=[
            ("-total", gettext_lazy("Total owed, largest first")),
            ("total", gettext_lazy("Total owed, smallest first")),
        ],
    )

    @staticmethod
    def defaults():
        return {"as_of": timezone.localdate().isoformat(), "payer": "household", "order": "-total"}


class CollectionForm(ReportForm):
    month_from = _month_field(pgettext_lazy("month range", "From"))
    month_to = _month_field(pgettext_lazy("month range", "To"))
    group = forms.ChoiceField(
        label=gettext_lazy("Group by"),
        choices=[
            ("office", gettext_lazy("Office")),
            ("community", gettext_lazy("Community")),
            ("building", gettext_lazy("Building")),
            ("item", gettext_lazy("Charge item")),
        ],
    )
    payer = forms.ChoiceField(label=gettext_lazy("Payer"), choices=ANY_PAYER, required=False)
    order = forms.ChoiceField(
        label=gettext_lazy("Sort by"),
        required=False,
        choices=[
            ("", pgettext_lazy("sort order", "Name")),
            ("rate", gettext_lazy("Collection rate, lowest first")),
            ("-rate", gettext_lazy("Collection rate, highest first")),
        ],
    )

    @staticmethod
    def defaults():
        month = timezone.localdate().strftime("%Y-%m")
        return {"month_from": month, "month_to": month, "group": "building", "payer": "", "order": ""}

    def clean(self):
        data = super().clean()
        start, end = data.get("month_from"), data.get("month_to")
        if start and end and end < start:
            self.add_error("month_to", _("The last month is before the first."))
        if data.get("group") not in COLLECTION_GROUPS:
            self.add_error("group", _("Choose how to group the figures."))
        return data

    def period(self) -> tuple[datetime.date, datetime.date]:
        return self.cleaned_data["month_from"].replace(day=1), self.cleaned_data["month_to"].replace(day=1)


class BalancesForm(ReportForm):
    @staticmethod
    def defaults():
        return {}


class CashForm(ReportForm):
    office_required = True
    day = _date_field(gettext_lazy("Date"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["community"], self.fields["building"]

    @staticmethod
    def defaults():
        return {"day": timezone.localdate().isoformat()}


class VoucherForm(ReportForm):
    office_required = True
    date_from = _date_field(pgettext_lazy("date filter", "From"))
    date_to = _date_field(pgettext_lazy("date filter", "To"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["community"], self.fields["building"]

    @staticmethod
    def defaults():
        today = timezone.localdate()
        return {"date_from": today.replace(day=1).isoformat(), "date_to": today.isoformat()}

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end:
            if end < start:
                self.add_error("date_to", _("The end date is before the start date."))
            elif (end - start).days >= MAX_VOUCHER_DAYS:
                self.add_error("date_to", _("Export at most %(days)s days at a time.") % {"days": MAX_VOUCHER_DAYS})
        return data
