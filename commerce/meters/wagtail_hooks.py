"""The "Meters" back-office menu: meters, readings (entry, import, held queue) and shared-meter apportionment."""

from __future__ import annotations

import django_filters
from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup
from wagtail.permissions import register_permission_policy

from portal.admin_menu import MenuLinkViewSet
from portal.properties.wagtail_hooks import ScopedViewSet

from . import admin_views, forms, views
from .access import MeterRolePolicy, may_use_meters, scope_for_meters
from .models import Meter

register_permission_policy(Meter, MeterRolePolicy(Meter), exact_class=True)


class MeterFilterSet(WagtailFilterSet):
    office = django_filters.ModelChoiceFilter(
        label=_("Office"), queryset=lambda request: forms.meter_offices(request.user)
    )

    class Meta:
        model = Meter
        fields = ["office", "kind", "charge_item", "active"]


class MeterViewSet(ScopedViewSet):
    model = Meter
    name = "meters_meter"
    url_prefix = "meters/meters"
    icon = "dashboard"
    menu_label = _("Meters")
    form_class = forms.MeterForm
    list_display = ["code", "kind", "unit", "charge_item", "parent", "active"]
    list_select_related = ("office", "unit__building__community", "charge_item", "parent")
    filterset_class = MeterFilterSet
    search_fields = ["code"]
    list_per_page = 50

    @staticmethod
    def scope(user, queryset):
        return scope_for_meters(user, queryset, "office")


class MeterMenuItem(MenuItem):
    def is_shown(self, request):
        return may_use_meters(request.user)


class ReadingViewSet(ViewSet):
    name = "meters_readings"
    url_prefix = "meters/readings"
    icon = "list-ul"
    menu_label = _("Meter readings")
    menu_item_class = MeterMenuItem

    def get_urlpatterns(self):
        return [
            path("", views.ReadingIndexView.as_view(), name="index"),
            path("new/", views.ReadingCreateView.as_view(), name="new"),
            path("import/", views.ReadingImportView.as_view(), name="import"),
            path("import/template.csv", views.import_template, name="template"),
            path("held/", views.HeldReadingsView.as_view(), name="held"),
            path("held/<int:pk>/", views.HeldReadingsView.as_view(), name="decide"),
            path("<int:pk>/correct/", admin_views.CorrectReadingView.as_view(), name="correct"),
            path("corrections/", admin_views.CorrectionListView.as_view(), name="corrections"),
            path("replace/", admin_views.ReplaceMeterView.as_view(), name="replace"),
        ]


class HeldViewSet(MenuLinkViewSet):
    """Only a menu entry: the queue lives under the readings' URLs."""

    name = "meters_held"
    icon = "warning"
    menu_label = _("Held readings")
    menu_item_class = MeterMenuItem
    url_name = "meters_readings:held"


class ImportViewSet(HeldViewSet):
    name = "meters_import"
    icon = "upload"
    menu_label = _("Import readings")

    url_name = "meters_readings:import"


class ApportionmentViewSet(HeldViewSet):
    name = "meters_apportionment_menu"
    icon = "table"
    menu_label = _("Shared meters (公摊)")

    url_name = "meters_apportionment"


class CorrectionsViewSet(HeldViewSet):
    name = "meters_corrections_menu"
    icon = "edit"
    menu_label = _("Reading corrections")

    url_name = "meters_readings:corrections"


class SettingsViewSet(ViewSet):
    name = "meters_settings"
    url_prefix = "meters/settings"
    icon = "cog"
    menu_label = _("Meter settings")
    menu_item_class = MeterMenuItem

    def get_urlpatterns(self):
        return [
            path("", admin_views.SettingsIndexView.as_view(), name="index"),
            path("<int:office>/", admin_views.SettingsEditView.as_view(), name="edit"),
        ]


class MeterMenu(ViewSetGroup):
    menu_label = _("Meters")
    menu_name = "meters"
    menu_icon = "dashboard"
    menu_order = 165
    items = (
        MeterViewSet,
        ReadingViewSet,
        HeldViewSet,
        ImportViewSet,
        CorrectionsViewSet,
        ApportionmentViewSet,
        SettingsViewSet,
    )


@hooks.register("register_admin_viewset")
def register_meter_viewsets():
    return MeterMenu()


@hooks.register("register_admin_urls")
def register_meter_urls():
    return [path("meters/apportionment/", views.ApportionmentView.as_view(), name="meters_apportionment")]
