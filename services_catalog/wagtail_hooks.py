"""The "Special services" back-office menu: categories, services, providers (office managers) and orders."""

from __future__ import annotations

import django_filters
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.components import Component
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import register_permission_policy

from portal.properties.models import Office
from portal.properties.wagtail_hooks import ScopedViewSet

from . import admin_views, forms, services
from .access import CatalogueRolePolicy, may_edit_catalogue, scope_catalogue
from .models import Provider, Service, ServiceCategory

for _model in (ServiceCategory, Service, Provider):
    register_permission_policy(_model, CatalogueRolePolicy(_model), exact_class=True)


def _office_filter():
    return django_filters.ModelChoiceFilter(
        label=_("Office"), queryset=lambda request: scope_catalogue(request.user, Office.objects.all(), "pk")
    )


class CategoryFilterSet(WagtailFilterSet):
    office = _office_filter()

    class Meta:
        model = ServiceCategory
        fields = ["office", "active"]


class ServiceFilterSet(WagtailFilterSet):
    office = _office_filter()
    category = django_filters.ModelChoiceFilter(
        label=_("Category"), queryset=lambda request: scope_catalogue(request.user, ServiceCategory.objects.all())
    )

    class Meta:
        model = Service
        fields = ["office", "category", "price_model", "active"]


class ProviderFilterSet(WagtailFilterSet):
    office = _office_filter()

    class Meta:
        model = Provider
        fields = ["office", "kind", "active"]


class CatalogueMenuItem(MenuItem):
    def is_shown(self, request):
        return may_edit_catalogue(request.user)


class CatalogueViewSet(ScopedViewSet):
    menu_item_class = CatalogueMenuItem

    @staticmethod
    def scope(user, queryset):
        return scope_catalogue(user, queryset)


class CategoryViewSet(CatalogueViewSet):
    model = ServiceCategory
    name = "services_category"
    url_prefix = "services/categories"
    icon = "folder-open-inverse"
    menu_label = _("Service categories")
    form_class = forms.CategoryForm
    list_display = ["name", "office", "sort_order", "active"]
    list_select_related = ("office",)
    filterset_class = CategoryFilterSet
    search_fields = ["name"]


class ServiceViewSet(CatalogueViewSet):
    model = Service
    name = "services_service"
    url_prefix = "services/services"
    icon = "clipboard-list"
    menu_label = _("Services")
    list_display = ["name", "category", "price_model", "price", "office", "active"]
    list_select_related = ("office", "category")
    filterset_class = ServiceFilterSet
    search_fields = ["name", "summary"]
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("office"), FieldPanel("category")]),
            FieldPanel("name"),
            FieldPanel("summary"),
            FieldPanel("description"),
            MultiFieldPanel(
                [
                    FieldRowPanel([FieldPanel("price_model"), FieldPanel("price")]),
                    FieldRowPanel([FieldPanel("min_quantity"), FieldPanel("max_quantity")]),
                    FieldPanel("allow_household_charge"),
                ],
                heading=_("Posted price (明码标价)"),
            ),
            InlinePanel("options", heading=_("Options"), label=_("Option")),
            InlinePanel("photos", heading=_("Photos"), label=_("Photo")),
            MultiFieldPanel(
                [
                    FieldPanel("weekdays"),
                    FieldRowPanel([FieldPanel("day_start"), FieldPanel("day_end"), FieldPanel("slot_minutes")]),
                    FieldPanel("lead_hours"),
                    FieldPanel("communities"),
                ],
                heading=_("Availability and service area"),
            ),
            MultiFieldPanel(
                [FieldRowPanel([FieldPanel("free_cancel_hours"), FieldPanel("late_cancel_keep_percent")])],
                heading=_("Cancellation policy"),
            ),
            FieldRowPanel([FieldPanel("sort_order"), FieldPanel("active")]),
        ],
        base_form_class=forms.ServiceForm,
    )

    def get_form_class(self, for_update=False):
        return ModelViewSet.get_form_class(self, for_update)


class ProviderViewSet(CatalogueViewSet):
    model = Provider
    name = "services_provider"
    url_prefix = "services/providers"
    icon = "group"
    menu_label = _("Service providers")
    form_class = forms.ProviderForm
    list_display = ["name", "kind", "merchant", "office", "capacity_per_slot", "active"]
    list_select_related = ("office", "merchant")
    filterset_class = ProviderFilterSet
    search_fields = ["name"]


class OrderMenuItem(MenuItem):
    def is_shown(self, request):
        return services.staff_may_see_orders(request.user)


class OrderViewSet(ViewSet):
    name = "services_orders"
    url_prefix = "services/orders"
    icon = "tasks"
    menu_label = _("Service orders")
    menu_item_class = OrderMenuItem

    @property
    def menu_url(self):
        return reverse("services_orders:index") + "?status=open"

    def get_urlpatterns(self):
        return [
            path("", admin_views.OrderIndexView.as_view(), name="index"),
            path("<int:pk>/", admin_views.OrderDetailView.as_view(), name="detail"),
            path("new/", admin_views.DeskOrderView.as_view(), name="new"),
        ]


class ServicesMenu(ViewSetGroup):
    menu_label = _("Special services")
    menu_name = "special_services"
    menu_icon = "clipboard-list"
    menu_order = 180
    items = (OrderViewSet, ServiceViewSet, CategoryViewSet, ProviderViewSet)


@hooks.register("register_admin_viewset")
def register_services_viewsets():
    return ServicesMenu()


class UnitServicesPanel(Component):
    """On the unit lookup: the household's latest service orders, and ordering one for a caller."""

    template_name = "services_catalog/admin/lookup_panel.html"

    def __init__(self, unit):
        self.unit = unit

    def get_context_data(self, parent_context=None):
        orders = list(self.unit.service_orders.select_related("service").order_by("-created_at", "-pk")[:5])
        return {"orders": orders, "order_url": f"{reverse('services_orders:new')}?unit={self.unit.pk}"}


@hooks.register("properties_unit_lookup_panels")
def unit_services_panel(request, unit):
    return (
        UnitServicesPanel(unit) if services.may_handle_orders(request.user, unit.building.community.office_id) else None
    )
