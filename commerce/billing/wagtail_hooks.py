"""The "Billing" back-office menu: charge items, their standards (with price tiers) and unit assignments.

Screens reuse the property back office's scoped viewsets, so each user sees and chooses only their
own offices' objects; function permissions are the ``billing`` model permissions of their role.
"""

from __future__ import annotations

import django_filters
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, ObjectList
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.base import ViewSet
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from portal.access import scope_to_offices, staff_offices
from portal.properties.wagtail_hooks import ScopedViewSet

from . import forms, one_off, one_off_views, run_views, views
from .models import ChargeItem, ChargeStandard, UnitStandardAssignment


class PreviewColumn(Column):
    cell_template_name = "billing/admin/preview_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["url"] = reverse("billing_preview", args=[instance.pk])
        return context


class ChargeItemFilterSet(WagtailFilterSet):
    office = django_filters.ModelChoiceFilter(label=_("Office"), queryset=lambda request: staff_offices(request.user))

    class Meta:
        model = ChargeItem
        fields = ["office", "kind", "active"]


class ChargeItemViewSet(ScopedViewSet):
    model = ChargeItem
    name = "billing_chargeitem"
    url_prefix = "billing/items"
    icon = "list-ul"
    form_class = forms.ChargeItemForm
    list_display = ["name", "code", "office", "kind", "cycle", "active", PreviewColumn("preview", label=_("Preview"))]
    list_select_related = ("office",)
    filterset_class = ChargeItemFilterSet
    search_fields = ["name", "code"]


class StandardFilterSet(WagtailFilterSet):
    item = django_filters.ModelChoiceFilter(
        label=_("Charge item"),
        queryset=lambda request: scope_to_offices(request.user, ChargeItem.objects.select_related("office")),
    )

    class Meta:
        model = ChargeStandard
        fields = ["item"]


class ChargeStandardViewSet(ScopedViewSet):
    model = ChargeStandard
    name = "billing_chargestandard"
    url_prefix = "billing/standards"
    icon = "decimal"
    list_display = ["name", "item", "effective_from", "effective_to", "unit_price"]
    list_select_related = ("item__office",)
    filterset_class = StandardFilterSet
    search_fields = ["name"]
    edit_handler = ObjectList(
        [
            FieldPanel("item"),
            FieldPanel("name"),
            FieldRowPanel([FieldPanel("effective_from"), FieldPanel("effective_to")]),
            FieldPanel("unit_price"),
            InlinePanel("tiers", heading=_("Price tiers (metered items)"), label=_("Tier")),
            FieldPanel("formula"),
        ],
        base_form_class=forms.ChargeStandardForm,
    )

    def get_form_class(self, for_update=False):
        return ModelViewSet.get_form_class(self, for_update)


class AssignmentViewSet(ScopedViewSet):
    model = UnitStandardAssignment
    name = "billing_assignment"
    url_prefix = "billing/assignments"
    icon = "link"
    form_class = forms.AssignmentForm
    list_display = ["unit", "item", "standard", "effective_from", "effective_to"]
    list_select_related = ("unit__building__community", "item", "standard__item")
    search_fields = ["unit__number"]


class RunMenuItem(MenuItem):
    def is_shown(self, request):
        return run_views.may_see_runs(request.user)


class BillingRunViewSet(ViewSet):
    name = "billing_runs"
    url_prefix = "billing/runs"
    icon = "cogs"
    menu_label = _("Billing runs")
    menu_item_class = RunMenuItem

    def get_urlpatterns(self):
        return [
            path("", run_views.RunIndexView.as_view(), name="index"),
            path("new/", run_views.NewRunView.as_view(), name="new"),
            path("<int:pk>/", run_views.RunDetailView.as_view(), name="detail"),
        ]


class BillingMenu(ModelViewSetGroup):
    menu_label = _("Billing")
    menu_name = "billing"
    menu_icon = "decimal"
    menu_order = 160
    items = (ChargeItemViewSet, ChargeStandardViewSet, AssignmentViewSet, BillingRunViewSet)


@hooks.register("register_admin_viewset")
def register_billing_viewsets():
    return BillingMenu()


@hooks.register("register_admin_urls")
def register_billing_urls():
    return [
        path("billing/items/<int:pk>/preview/", views.ChargePreviewView.as_view(), name="billing_preview"),
        path("billing/units/<int:unit_pk>/charge/", one_off_views.OneOffChargeView.as_view(), name="billing_one_off"),
    ]


class OneOffChargePanel(Component):
    template_name = "billing/admin/one_off_panel.html"

    def __init__(self, unit):
        self.unit = unit

    def get_context_data(self, parent_context=None):
        return {"url": reverse("billing_one_off", args=[self.unit.pk])}


@hooks.register("properties_unit_lookup_panels")
def one_off_charge_panel(request, unit):
    office = unit.building.community.office
    has_items = ChargeItem.objects.filter(office=office, kind=ChargeItem.Kind.ONE_OFF, active=True).exists()
    if not has_items or not one_off.may_charge(request.user, office):
        return None
    return OneOffChargePanel(unit)
