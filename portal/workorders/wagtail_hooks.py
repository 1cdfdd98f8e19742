"""The "Repairs" back-office menu: dispatch board, overdue orders, record a request, KPIs, settings, prices."""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup
from wagtail.permission_policies.base import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from portal.access import has_staff_role, office_ids_with_role, staff_offices
from portal.admin_menu import MenuLinkViewSet
from portal.properties.forms import ScopedModelForm
from portal.properties.wagtail_hooks import ScopedViewSet

from . import access, admin_views
from .models import PriceItem, ServiceSettings


def manager_office_ids(user):
    return office_ids_with_role(user, access.MANAGER_ROLES)


def scope_managed(user, queryset):
    ids = manager_office_ids(user)
    return queryset if ids is None else queryset.filter(office_id__in=ids)


def managed_offices(user):
    ids = manager_office_ids(user)
    offices = staff_offices(user)
    return offices if ids is None else offices.filter(pk__in=ids)


class ManagerPolicy(ModelPermissionPolicy):
    """Service promises and price lists are set by office managers (and headquarters)."""

    def user_has_permission(self, user, action):
        return getattr(user, "is_active", False) and has_staff_role(user, access.MANAGER_ROLES)

    def user_has_any_permission(self, user, actions):
        return self.user_has_permission(user, None)


register_permission_policy(ServiceSettings, ManagerPolicy(ServiceSettings), exact_class=True)
register_permission_policy(PriceItem, ManagerPolicy(PriceItem), exact_class=True)


class ServiceSettingsForm(ScopedModelForm):
    class Meta:
        model = ServiceSettings
        fields = [
            "office",
            "dispatch_minutes",
            "arrival_minutes",
            "default_promise_days",
            "max_promise_days",
            "escalate_public_after_days",
        ]

    def scoped_querysets(self):
        return {"office": managed_offices}


class PriceItemForm(ScopedModelForm):
    class Meta:
        model = PriceItem
        fields = ["office", "kind", "name", "measure", "price", "active"]

    def scoped_querysets(self):
        return {"office": managed_offices}


class ServiceSettingsViewSet(ScopedViewSet):
    model = ServiceSettings
    name = "workorders_settings"
    url_prefix = "repairs/promise"
    icon = "time"
    menu_label = _("Service promise")
    form_class = ServiceSettingsForm
    list_display = ["office", "dispatch_minutes", "arrival_minutes", "default_promise_days", "max_promise_days"]
    list_select_related = ("office",)

    @staticmethod
    def scope(user, queryset):
        return scope_managed(user, queryset)


class PriceItemViewSet(ScopedViewSet):
    model = PriceItem
    name = "workorders_prices"
    url_prefix = "repairs/prices"
    icon = "tag"
    menu_label = _("Repair price list")
    form_class = PriceItemForm
    list_display = ["name", "kind", "price", "measure", "office", "active"]
    list_select_related = ("office",)
    search_fields = ["name"]

    @staticmethod
    def scope(user, queryset):
        return scope_managed(user, queryset)


class BoardMenuItem(MenuItem):
    def is_shown(self, request):
        return access.may_use_board(request.user)


class TechMenuItem(MenuItem):
    def is_shown(self, request):
        return access.is_technician(request.user) and not request.user.is_superuser


class BoardViewSet(ViewSet):
    name = "workorders_board"
    url_prefix = "repairs/board"
    icon = "clipboard-list"
    menu_label = _("Dispatch board")
    menu_item_class = BoardMenuItem

    def get_urlpatterns(self):
        return [
            path("", admin_views.BoardView.as_view(), name="index"),
            path("new/", admin_views.DeskRequestView.as_view(), name="new"),
            path("units/", admin_views.search_units, name="units"),
            path("kpis/", admin_views.KpiView.as_view(), name="kpis"),
            path("<int:pk>/", admin_views.OrderView.as_view(), name="detail"),
            path("<int:pk>/<slug:action>/", admin_views.OrderView.as_view(), name="action"),
        ]


class LinkViewSet(MenuLinkViewSet):
    """Only a menu entry pointing into the board's URLs."""

    menu_item_class = BoardMenuItem


class DeskViewSet(LinkViewSet):
    name = "workorders_desk_link"
    icon = "plus"
    menu_label = _("Record a request")
    url_name = "workorders_board:new"


class OverdueViewSet(LinkViewSet):
    name = "workorders_overdue_link"
    icon = "warning"
    menu_label = _("Overdue orders")
    url_name = "workorders_board:index"
    query = "?overdue=1"


class KpiViewSet(LinkViewSet):
    name = "workorders_kpi_link"
    icon = "doc-full"
    menu_label = _("Service KPIs")
    url_name = "workorders_board:kpis"


class JobsViewSet(LinkViewSet):
    name = "workorders_jobs_link"
    icon = "cogs"
    menu_label = _("My work orders")
    menu_item_class = TechMenuItem
    url_name = "workorders:jobs"


class RepairsMenu(ViewSetGroup):
    menu_label = _("Repairs")
    menu_name = "repairs"
    menu_icon = "clipboard-list"
    menu_order = 150
    items = (
        BoardViewSet,
        DeskViewSet,
        OverdueViewSet,
        KpiViewSet,
        JobsViewSet,
        ServiceSettingsViewSet,
        PriceItemViewSet,
    )


@hooks.register("register_admin_viewset")
def register_repairs_viewsets():
    return RepairsMenu()
