"""The "Property" back-office menu: the property tree's screens and tools.

Every screen is scoped through ``portal.access``: listings show only the user's offices, any
other office's object is a 404, and choice fields offer only the user's own objects. Function
permissions are Django model permissions (Wagtail's permission policy).
"""

from __future__ import annotations

import django_filters
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import ProtectedError, RestrictedError
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.generic import DeleteView, EditView, IndexView
from wagtail.admin.views.generic.history import HistoryView
from wagtail.admin.views.generic.usage import UsageView
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from portal.access import headquarters_company_ids, is_headquarters, scope_to_offices

from . import forms, views
from .models import Building, Community, Company, Grid, Office, ParkingSpace, Region, Unit

# --- scoped generic views ------------------------------------------------------------------


class ScopedViewMixin:
    """``scope(user, queryset)`` narrows every queryset the view reads objects from."""

    scope = None
    list_select_related: tuple[str, ...] = ()
    headquarters_only = False

    def dispatch(self, request, *args, **kwargs):
        if self.headquarters_only and not is_headquarters(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def scoped(self, queryset):
        return self.scope(self.request.user, queryset)


class ScopedIndexView(ScopedViewMixin, IndexView):
    def get_base_queryset(self):
        return self.scoped(super().get_base_queryset().select_related(*self.list_select_related))


class ScopedEditView(ScopedViewMixin, EditView):
    def get_queryset(self):
        return self.scoped(super().get_queryset())


class ScopedDeleteView(ScopedViewMixin, DeleteView):
    def get_queryset(self):
        return self.scoped(super().get_queryset())

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except (ProtectedError, RestrictedError) as exc:
            blockers = sorted({str(obj._meta.verbose_name_plural) for obj in exc.protected_objects if obj is not None})
            messages.error(
                self.request,
                _("%(object)s cannot be deleted while it still has %(things)s.")
                % {"object": self.object, "things": ", ".join(blockers)},
            )
            return HttpResponseRedirect(reverse(self.index_url_name))


class ScopedHistoryView(ScopedViewMixin, HistoryView):
    def get_base_object_queryset(self):
        return self.scoped(super().get_base_object_queryset())


class ScopedUsageView(ScopedViewMixin, UsageView):
    def get_base_object_queryset(self):
        return self.scoped(super().get_base_object_queryset())


class ScopedViewSet(ModelViewSet):
    """A ModelViewSet whose views all see only what ``scope`` lets the user see."""

    index_view_class = ScopedIndexView
    edit_view_class = ScopedEditView
    delete_view_class = ScopedDeleteView
    history_view_class = ScopedHistoryView
    usage_view_class = ScopedUsageView
    copy_view_enabled = False
    list_select_related: tuple[str, ...] = ()
    headquarters_only = False
    form_class = None
    search_backend_name = None  # plain database search over ``search_fields``

    @staticmethod
    def scope(user, queryset):
        return scope_to_offices(user, queryset)

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(
            scope=self.scope,
            list_select_related=self.list_select_related,
            headquarters_only=self.headquarters_only,
            **kwargs,
        )

    def get_form_class(self, for_update=False):
        return self.form_class

    @property
    def menu_item_class(self):
        base = super().menu_item_class
        if not self.headquarters_only:
            return base

        def is_shown(item, request):
            return is_headquarters(request.user) and base.is_shown(item, request)

        return type(base.__name__, (base,), {"is_shown": is_shown})


def _in_companies(user, queryset, path):
    if getattr(user, "is_superuser", False):
        return queryset
    return queryset.filter(**{f"{path}__in": headquarters_company_ids(user)})


# --- the model screens ---------------------------------------------------------------------


class CompanyViewSet(ScopedViewSet):
    model = Company
    name = "properties_company"
    url_prefix = "properties/companies"
    icon = "globe"
    form_fields = ["name", "currency"]
    list_display = ["name", "currency"]
    search_fields = ["name"]
    headquarters_only = True

    @staticmethod
    def scope(user, queryset):
        return _in_companies(user, queryset, "pk")

    def get_form_class(self, for_update=False):
        return ModelViewSet.get_form_class(self, for_update)


class RegionViewSet(ScopedViewSet):
    model = Region
    name = "properties_region"
    url_prefix = "properties/regions"
    icon = "site"
    form_class = forms.RegionForm
    list_display = ["name", "company"]
    list_select_related = ("company",)
    search_fields = ["name"]
    headquarters_only = True

    @staticmethod
    def scope(user, queryset):
        return _in_companies(user, queryset, "company")


class OfficeViewSet(ScopedViewSet):
    model = Office
    name = "properties_office"
    url_prefix = "properties/offices"
    icon = "home"
    form_class = forms.OfficeForm
    list_display = ["name", "code", "region", "phone"]
    list_select_related = ("region",)
    search_fields = ["name", "code"]
    headquarters_only = True


class CommunityViewSet(ScopedViewSet):
    model = Community
    name = "properties_community"
    url_prefix = "properties/communities"
    icon = "group"
    form_class = forms.CommunityForm
    list_display = ["name", "code", "office", "address"]
    list_select_related = ("office",)
    search_fields = ["name", "code"]


class BuildingFilterSet(WagtailFilterSet):
    community = django_filters.ModelChoiceFilter(
        label=_("Community"), queryset=lambda request: scope_to_offices(request.user, Community.objects.all())
    )

    class Meta:
        model = Building
        fields = ["community"]


class BuildingViewSet(ScopedViewSet):
    model = Building
    name = "properties_building"
    url_prefix = "properties/buildings"
    icon = "table"
    form_class = forms.BuildingForm
    list_display = ["name", "community", "floors"]
    list_select_related = ("community",)
    filterset_class = BuildingFilterSet
    search_fields = ["name"]


class GridFilterSet(BuildingFilterSet):
    class Meta:
        model = Grid
        fields = ["community"]


class GridViewSet(ScopedViewSet):
    model = Grid
    name = "properties_grid"
    url_prefix = "properties/grids"
    icon = "form"
    form_class = forms.GridForm
    list_display = ["name", "community", "housekeeper", "description"]
    list_select_related = ("community", "housekeeper")
    filterset_class = GridFilterSet
    search_fields = ["name"]


def _scoped_choices(model, *related):
    return lambda request: scope_to_offices(request.user, model.objects.select_related(*related))


class UnitFilterSet(WagtailFilterSet):
    community = django_filters.ModelChoiceFilter(
        label=_("Community"), field_name="building__community", queryset=_scoped_choices(Community)
    )
    building = django_filters.ModelChoiceFilter(label=_("Building"), queryset=_scoped_choices(Building, "community"))
    grid = django_filters.ModelChoiceFilter(label=_("Grid"), queryset=_scoped_choices(Grid, "community"))

    class Meta:
        model = Unit
        fields = ["community", "building", "grid", "status", "unit_type"]


class LookupColumn(Column):
    cell_template_name = "properties/admin/lookup_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["url"] = reverse("properties_unit:inspect", args=[instance.pk])
        return context


class UnitIndexView(ScopedIndexView):
    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        lookup_url = self.get_inspect_url(instance)
        for button in buttons:
            if lookup_url and getattr(button, "url", None) == lookup_url:
                button.label = _("Linked lookup")
        return buttons


class UnitViewSet(ScopedViewSet):
    model = Unit
    name = "properties_unit"
    url_prefix = "properties/units"
    icon = "doc-full"
    form_class = forms.UnitForm
    index_view_class = UnitIndexView
    inspect_view_class = views.UnitLookupView
    inspect_view_enabled = True
    list_display = [
        TitleColumn("number", label=_("Unit number"), sort_key="number"),
        "building",
        "floor",
        "floor_area",
        "unit_type",
        "status",
        Column("grid", label=_("Grid"), accessor="grid.name", sort_key="grid__name"),
        Column("housekeeper", label=_("Housekeeper"), accessor="grid.housekeeper"),
        LookupColumn("lookup", label=_("Linked lookup")),
    ]
    list_select_related = ("building__community", "grid__community", "grid__housekeeper")
    filterset_class = UnitFilterSet
    search_fields = ["number"]
    list_per_page = 50
    list_export = [
        "building__community__code",
        "building__name",
        "number",
        "floor",
        "floor_area",
        "unit_type",
        "status",
        "grid__name",
    ]
    export_headings = {
        "building__community__code": _("Community code"),
        "building__name": _("Building"),
        "number": _("Unit number"),
        "floor": _("Floor"),
        "floor_area": _("Floor area"),
        "unit_type": _("Type"),
        "status": _("Status"),
        "grid__name": _("Grid"),
    }


class ParkingSpaceFilterSet(BuildingFilterSet):
    class Meta:
        model = ParkingSpace
        fields = ["community", "kind"]


class ParkingSpaceViewSet(ScopedViewSet):
    model = ParkingSpace
    name = "properties_parkingspace"
    url_prefix = "properties/parking"
    icon = "tag"
    form_class = forms.ParkingSpaceForm
    list_display = ["number", "community", "kind", "area", "unit"]
    list_select_related = ("community", "unit__building__community")
    filterset_class = ParkingSpaceFilterSet
    search_fields = ["number"]


class PropertyMenu(ModelViewSetGroup):
    menu_label = _("Property")
    menu_name = "property"
    menu_icon = "home"
    menu_order = 150
    submenu_hook = "register_property_menu_item"
    items = (
        CompanyViewSet,
        RegionViewSet,
        OfficeViewSet,
        CommunityViewSet,
        BuildingViewSet,
        GridViewSet,
        UnitViewSet,
        ParkingSpaceViewSet,
    )


@hooks.register("register_admin_viewset")
def register_property_viewsets():
    return PropertyMenu()


# --- tools: batch creation, moving units, imports --------------------------------------------


class ToolMenuItem(MenuItem):
    def is_shown(self, request):
        return views.can_use_tools(request.user)


@hooks.register("register_admin_urls")
def register_tool_urls():
    return [
        path("properties/tools/batch-units/", views.BatchCreateUnitsView.as_view(), name="properties_batch_units"),
        path("properties/tools/move-units/", views.MoveUnitsView.as_view(), name="properties_move_units"),
        path("properties/import/<slug:kind>/", views.ImportView.as_view(), name="properties_import"),
        path(
            "properties/import/<slug:kind>/template.csv",
            views.import_template,
            name="properties_import_template",
        ),
    ]


@hooks.register("register_property_menu_item")
def batch_units_menu_item():
    return ToolMenuItem(_("Create units in batch"), reverse("properties_batch_units"), icon_name="plus", order=100)


@hooks.register("register_property_menu_item")
def move_units_menu_item():
    return ToolMenuItem(_("Move units to a grid"), reverse("properties_move_units"), icon_name="resubmit", order=110)


@hooks.register("register_property_menu_item")
def import_units_menu_item():
    return ToolMenuItem(_("Import units"), reverse("properties_import", args=["units"]), icon_name="upload", order=120)


@hooks.register("register_property_menu_item")
def import_residents_menu_item():
    return ToolMenuItem(
        _("Import residents"), reverse("properties_import", args=["residents"]), icon_name="upload", order=130
    )
