"""Forms of the resident site, the technician's phone view and the back office."""

from __future__ import annotations

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.access import resident_units
from portal.people.models import StaffMembership, StaffRole, User
from portal.properties.models import Building, Unit

from .models import MAX_PHOTOS, PriceItem, ReturnVisit, WorkOrder, WorkOrderPhoto


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


def _photos_help():
    return gettext("Up to %(max)d photos (JPEG, PNG, WebP), 10 MB each.") % {"max": MAX_PHOTOS}


class PhotosField(forms.FileField):
    """Up to six photos; their content is checked by the service, which refuses the whole batch."""

    widget = MultipleFileInput(attrs={"accept": "image/*", "multiple": True})

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        # Lazy: the form classes are built at import, before any request's language is active.
        kwargs.setdefault("help_text", lazy(_photos_help, str)())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        files = [item for item in files if item]
        if not files and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return [super(PhotosField, self).clean(item, initial) for item in files if item]


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class RequestForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Household"), queryset=Unit.objects.none(), empty_label=None)
    kind = forms.ChoiceField(label=_("What is it?"), choices=WorkOrder.Kind.choices, initial=WorkOrder.Kind.REPAIR)
    area = forms.ChoiceField(
        label=_("Where?"), choices=WorkOrder.Area.choices, initial=WorkOrder.Area.HOME, widget=forms.RadioSelect
    )
    category = forms.ChoiceField(label=_("Category"), choices=WorkOrder.Category.choices)
    location = forms.CharField(
        label=_("Exact place"),
        max_length=200,
        required=False,
        help_text=_("For example “kitchen sink” or “lift lobby, 12th floor”."),
    )
    description = forms.CharField(label=_("What is wrong?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    preferred_time = forms.DateTimeField(
        label=_("Preferred visit time"), required=False, widget=DateTimeInput(), input_formats=["%Y-%m-%dT%H:%M"]
    )
    photos = PhotosField(label=_("Photos"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = resident_units(user).order_by("pk")
        if self.fields["unit"].queryset.count() == 1:
            self.fields["unit"].widget = forms.HiddenInput()
            self.fields["unit"].initial = self.fields["unit"].queryset.first()


class UnitPickerWidget(forms.Widget):
    """A search box over the office's households (server-side autocomplete) holding the chosen unit's id.

    Without scripts the typed text is submitted as ``<name>_search`` and resolved when it matches one household.
    """

    template_name = "workorders/admin/unit_picker.html"

    class Media:
        js = ["workorders/unit_picker.js"]

    def __init__(self, *, search_url="", attrs=None):
        super().__init__(attrs)
        self.search_url = search_url

    def value_from_datadict(self, data, files, name):
        return data.get(name) or ""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        label = ""
        if value not in (None, ""):
            unit = Unit.objects.select_related("building__community").filter(pk=value).first()
            label = f"{unit.building.community.name} {unit.label}" if unit else ""
        context["widget"].update(search_url=self.search_url, label=label, search_name=f"{name}_search")
        return context


class DeskRequestForm(forms.Form):
    """The front desk records a request for a caller or visitor."""

    channel = forms.ChoiceField(
        label=_("Came in by"),
        choices=[c for c in WorkOrder.Channel.choices if c[0] != WorkOrder.Channel.ONLINE],
        initial=WorkOrder.Channel.PHONE,
    )
    unit = forms.ModelChoiceField(
        label=_("Household"),
        queryset=Unit.objects.none(),
        required=False,
        help_text=_("The caller's household; leave empty for a visitor reporting a public area."),
    )
    building = forms.ModelChoiceField(
        label=_("Building (public area)"), queryset=Building.objects.none(), required=False
    )
    caller_name = forms.CharField(label=_("Caller's name"), max_length=100, required=False)
    caller_phone = forms.CharField(label=_("Caller's phone"), max_length=40, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=WorkOrder.Kind.choices, initial=WorkOrder.Kind.REPAIR)
    area = forms.ChoiceField(label=_("Where"), choices=WorkOrder.Area.choices, initial=WorkOrder.Area.HOME)
    category = forms.ChoiceField(label=_("Category"), choices=WorkOrder.Category.choices)
    location = forms.CharField(label=_("Exact place"), max_length=200, required=False)
    description = forms.CharField(label=_("Description"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    preferred_time = forms.DateTimeField(
        label=_("Preferred visit time"), required=False, widget=DateTimeInput(), input_formats=["%Y-%m-%dT%H:%M"]
    )
    promised_at = forms.DateTimeField(
        label=_("Promised completion"),
        required=False,
        widget=DateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M"],
        help_text=_("Empty: the office's default (complaints: 2 days); at most 7 days."),
    )
    photos = PhotosField(label=_("Photos"))

    def __init__(self, *args, units, buildings, search_url="", user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["unit"].queryset = units
        self.fields["unit"].widget = UnitPickerWidget(search_url=search_url)
        self.fields["unit"].help_text = _(
            "Type the building and unit number (for example 3-1201) or the last digits of an owner's phone, "
            "then choose. Leave empty for a visitor reporting a public area."
        )
        self.fields["building"].queryset = buildings

    def clean_unit(self):
        unit = self.cleaned_data.get("unit")
        typed = (self.data.get("unit_search") or "").strip()
        if unit is not None or not typed or self.user is None:
            return unit
        from .unit_search import search

        found = [u for u in search(self.user, typed, limit=2) if self.fields["unit"].queryset.filter(pk=u.pk).exists()]
        if len(found) == 1:
            return found[0]
        if not found:
            raise forms.ValidationError(_("No household of your office matches “%(text)s”.") % {"text": typed})
        raise forms.ValidationError(
            _("Several households match “%(text)s”: choose one from the list.") % {"text": typed}
        )

    def clean(self):
        data = super().clean()
        if not data.get("unit") and not data.get("building"):
            raise forms.ValidationError(_("Choose the caller's household, or the building for a public area."))
        return data


def staff_choice(office_id, role):
    ids = StaffMembership.objects.active().filter(office_id=office_id, role=role, user__is_active=True)
    return User.objects.filter(pk__in=ids.values("user_id")).order_by("full_name", "email")


class DispatchForm(forms.Form):
    technician = forms.ModelChoiceField(label=_("Technician"), queryset=User.objects.none())

    def __init__(self, *args, office_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["technician"].queryset = staff_choice(office_id, StaffRole.TECHNICIAN)


class ReassignForm(forms.Form):
    housekeeper = forms.ModelChoiceField(label=_("Housekeeper"), queryset=User.objects.none())
    reason = forms.CharField(label=_("Reason"), max_length=300)

    def __init__(self, *args, office_id, **kwargs):
        super().__init__(*args, **kwargs)
        ids = StaffMembership.objects.active().filter(
            office_id=office_id, role__in=[StaffRole.HOUSEKEEPER, StaffRole.FRONT_DESK], user__is_active=True
        )
        self.fields["housekeeper"].queryset = User.objects.filter(pk__in=ids.values("user_id")).order_by("full_name")


class PostponeForm(forms.Form):
    until = forms.DateTimeField(label=_("New promised time"), widget=DateTimeInput(), input_formats=["%Y-%m-%dT%H:%M"])
    reason = forms.CharField(label=_("Reason (the resident sees it)"), max_length=300)


class AnswerForm(forms.Form):
    reply = forms.CharField(label=_("Answer"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    complaint_valid = forms.NullBooleanField(
        label=_("Valid complaint (the office was at fault)"),
        required=False,
        widget=forms.Select(choices=[("unknown", "–"), ("true", _("Yes")), ("false", _("No"))]),
    )


class ReturnVisitForm(forms.Form):
    channel = forms.ChoiceField(label=_("Reached by"), choices=ReturnVisit.Channel.choices)
    satisfied = forms.TypedChoiceField(
        label=_("Satisfied?"),
        choices=[("yes", _("Yes, close it")), ("no", _("No, reopen it"))],
        coerce=lambda v: v == "yes",
    )
    result = forms.CharField(label=_("What the resident said"), max_length=500)


class AcceptForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Rating"),
        choices=[(n, "★" * n) for n in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("Comment"), max_length=500, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class PhotoUploadForm(forms.Form):
    stage = forms.ChoiceField(
        label=_("Stage"),
        choices=[(WorkOrderPhoto.Stage.BEFORE, _("Before")), (WorkOrderPhoto.Stage.AFTER, _("After"))],
    )
    photos = PhotosField(label=_("Photos"), required=True)


class LineForm(forms.Form):
    price_item = forms.ModelChoiceField(
        label=_("From the price list"), queryset=PriceItem.objects.none(), required=False
    )
    name = forms.CharField(label=_("Or a material (not charged)"), max_length=100, required=False)
    quantity = forms.DecimalField(label=_("Quantity"), min_value=0.01, max_digits=9, decimal_places=2, initial=1)

    def __init__(self, *args, office_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["price_item"].queryset = PriceItem.objects.filter(office_id=office_id, active=True)

    def clean(self):
        data = super().clean()
        if not data.get("price_item") and not (data.get("name") or "").strip():
            raise forms.ValidationError(_("Choose a price-list item or name the material used."))
        return data


class FinishForm(forms.Form):
    resolution = forms.CharField(label=_("What was done"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
