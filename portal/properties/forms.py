"""Back-office forms. Every choice of a related object is limited to the user's own offices."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from portal import uploads
from portal.access import (
    headquarters_company_ids,
    office_ids_with_role,
    office_path,
    scope_to_offices,
    staff_office_ids,
    staff_offices,
)
from portal.people.models import StaffMembership, StaffRole, User

from . import services
from .models import Building, Community, Company, Grid, Office, ParkingSpace, Region, Unit

TOOL_ROLES = [StaffRole.OFFICE_MANAGER]  # headquarters count as holding every role


def managed_office_ids(user) -> set[int] | None:
    """Offices where the user may use the batch and import tools; ``None`` means all."""
    return office_ids_with_role(user, TOOL_ROLES)


def scope_to_managed_offices(user, queryset):
    ids = managed_office_ids(user)
    return queryset if ids is None else queryset.filter(**{f"{office_path(queryset.model)}__in": ids})


def scoped_companies(user):
    qs = Company.objects.all()
    return qs if getattr(user, "is_superuser", False) else qs.filter(pk__in=headquarters_company_ids(user))


def scoped_regions(user):
    qs = Region.objects.select_related("company")
    return qs if getattr(user, "is_superuser", False) else qs.filter(company_id__in=headquarters_company_ids(user))


def housekeepers_for(user, office_id=None):
    """Users with an active housekeeper role in the user's offices (or in one office)."""
    memberships = StaffMembership.objects.active().filter(role=StaffRole.HOUSEKEEPER, user__is_active=True)
    office_ids = staff_office_ids(user)
    if office_ids is not None:
        memberships = memberships.filter(office_id__in=office_ids)
    if office_id is not None:
        memberships = memberships.filter(office_id=office_id)
    return User.objects.filter(pk__in=memberships.values("user_id")).order_by("full_name", "email")


class ScopedModelForm(WagtailAdminModelForm):
    """Limits each related-object field to what ``for_user`` may see (see ``scoped_querysets``)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.for_user
        for name, scope in self.scoped_querysets().items():
            if name in self.fields:
                self.fields[name].queryset = scope(user) if user is not None else self.fields[name].queryset.none()

    def scoped_querysets(self):
        return {}


def _offices(model, *related):
    return lambda user: scope_to_offices(user, model.objects.select_related(*related))


class RegionForm(ScopedModelForm):
    class Meta:
        model = Region
        fields = ["company", "name"]

    def scoped_querysets(self):
        return {"company": scoped_companies}


class OfficeForm(ScopedModelForm):
    class Meta:
        model = Office
        fields = ["region", "name", "code", "phone", "address"]

    def scoped_querysets(self):
        return {"region": scoped_regions}


class CommunityForm(ScopedModelForm):
    class Meta:
        model = Community
        fields = ["office", "name", "code", "address"]

    def scoped_querysets(self):
        return {"office": staff_offices}


def _keep_community_of_units(form):
    """A building or grid with units stays in its community: its units' grids would no longer match."""
    community = form.cleaned_data["community"]
    instance = form.instance
    if instance.pk and community.pk != instance.community_id and instance.units.exists():
        raise ValidationError(_("It has units: move them first, or create a new one in the other community."))
    return community


class BuildingForm(ScopedModelForm):
    class Meta:
        model = Building
        fields = ["community", "name", "floors"]

    def scoped_querysets(self):
        return {"community": _offices(Community)}

    def clean_community(self):
        return _keep_community_of_units(self)


class GridForm(ScopedModelForm):
    class Meta:
        model = Grid
        fields = ["community", "name", "housekeeper", "description"]
        help_texts = {"housekeeper": _("An active housekeeper of the community's office.")}

    def scoped_querysets(self):
        return {"community": _offices(Community), "housekeeper": housekeepers_for}

    def clean_community(self):
        return _keep_community_of_units(self)

    def clean(self):
        data = super().clean()
        community, housekeeper = data.get("community"), data.get("housekeeper")
        if community is not None and housekeeper is not None:
            try:
                services.validate_housekeeper(community, housekeeper)
            except ValidationError as exc:
                self.add_error("housekeeper", exc)
        return data


class UnitForm(ScopedModelForm):
    class Meta:
        model = Unit
        fields = ["building", "number", "floor", "floor_area", "unit_type", "status", "grid"]

    def scoped_querysets(self):
        return {"building": _offices(Building, "community"), "grid": _offices(Grid, "community")}

    def clean(self):
        data = super().clean()
        building, grid = data.get("building"), data.get("grid")
        if building is not None and grid is not None and grid.community_id != building.community_id:
            self.add_error("grid", _("Choose a grid of the building's own community."))
        return data


class ParkingSpaceForm(ScopedModelForm):
    class Meta:
        model = ParkingSpace
        fields = ["community", "number", "kind", "area", "unit"]

    def scoped_querysets(self):
        return {"community": _offices(Community), "unit": _offices(Unit, "building__community")}

    def clean(self):
        data = super().clean()
        community, unit = data.get("community"), data.get("unit")
        if community is not None and unit is not None and unit.building.community_id != community.pk:
            self.add_error("unit", _("Choose a unit of the same community."))
        return data


# --- tools ---------------------------------------------------------------------------------


class ToolForm(forms.Form):
    """A tool's form: building and grid choices are those of the offices the user manages."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if "building" in self.fields:
            self.fields["building"].queryset = scope_to_managed_offices(
                user, Building.objects.select_related("community")
            )
        if "grid" in self.fields:
            self.fields["grid"].queryset = scope_to_managed_offices(user, Grid.objects.select_related("community"))

    def _same_community(self, data):
        building, grid = data.get("building"), data.get("grid")
        if building is not None and grid is not None and grid.community_id != building.community_id:
            self.add_error("grid", _("Choose a grid of the building's own community."))

    def clean(self):
        data = super().clean()
        first, last = data.get("first_floor"), data.get("last_floor")
        if first is not None and last is not None and last < first:
            self.add_error("last_floor", _("The last floor cannot be below the first."))
        self._same_community(data)
        return data


class BatchCreateForm(ToolForm):
    building = forms.ModelChoiceField(queryset=Building.objects.none(), label=_("Building"))
    first_floor = forms.IntegerField(label=_("From floor"), min_value=1, max_value=300, initial=1)
    last_floor = forms.IntegerField(label=_("To floor"), min_value=1, max_value=300)
    units_per_floor = forms.IntegerField(label=_("Units per floor"), min_value=1, max_value=50, initial=4)
    areas = forms.CharField(
        label=_("Floor area of each unit of a floor (m²)"),
        help_text=_("One area per unit of a floor, in order, separated by commas, e.g. “88.5, 92, 92, 88.5”."),
    )
    grid = forms.ModelChoiceField(queryset=Grid.objects.none(), label=_("Grid"))
    unit_type = forms.ChoiceField(label=_("Type"), choices=Unit.UnitType.choices, initial=Unit.UnitType.APARTMENT)
    status = forms.ChoiceField(label=_("Status"), choices=Unit.Status.choices, initial=Unit.Status.SOLD)
    number_format = forms.CharField(
        label=_("Unit number format"),
        initial=services.DEFAULT_NUMBER_FORMAT,
        max_length=60,
        help_text=_(
            "{floor} is the floor, {column} the unit's place on the floor, {building} the building's name. "
            "The default {floor}{column:02d} gives 101, 102 … 1804; {floor}-{column} gives 1-1, 1-2 …"
        ),
    )

    def clean_areas(self):
        return services.parse_areas(self.cleaned_data["areas"])

    def clean_number_format(self):
        value = self.cleaned_data["number_format"].strip()
        services.check_number_format(value)
        return value

    def floors(self):
        return range(self.cleaned_data["first_floor"], self.cleaned_data["last_floor"] + 1)


class MoveUnitsForm(ToolForm):
    building = forms.ModelChoiceField(queryset=Building.objects.none(), label=_("Building"))
    first_floor = forms.IntegerField(label=_("From floor"), required=False, help_text=_("Empty: the lowest floor."))
    last_floor = forms.IntegerField(label=_("To floor"), required=False, help_text=_("Empty: the top floor."))
    grid = forms.ModelChoiceField(queryset=Grid.objects.none(), label=_("Move to grid"))

    def units(self):
        data = self.cleaned_data
        units = data["building"].units.select_related("building")
        if data.get("first_floor") is not None:
            units = units.filter(floor__gte=data["first_floor"])
        if data.get("last_floor") is not None:
            units = units.filter(floor__lte=data["last_floor"])
        return units


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("A .csv (UTF-8 or GBK) or .xlsx file whose first line holds the column names."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise ValidationError(
                _("The file is %(size).1f MB; files up to %(limit).1f MB can be imported.")
                % {"size": upload.size / 1048576, "limit": limit / 1048576}
            )
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise ValidationError(_("Upload a .csv or .xlsx file."))
        uploads.check(upload, ["csv", "xlsx"], max_bytes=limit, check_name=False)
        return upload
