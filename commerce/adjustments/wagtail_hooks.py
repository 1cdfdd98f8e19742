"""The "Late fees and waivers" back-office menu, and a link from the unit lookup (联查)."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup

from . import admin_views, waivers
from .models import AdjustmentRequest


class AdjustmentsMenuItem(MenuItem):
    def is_shown(self, request):
        return admin_views.may_see_adjustments(request.user)


class PolicyMenuItem(MenuItem):
    def is_shown(self, request):
        return admin_views.may_edit_policies(request.user)


class RequestsViewSet(ViewSet):
    name = "adjustments_requests"
    url_prefix = "adjustments/requests"
    icon = "tasks"
    menu_label = _("Waiver requests")
    menu_item_class = AdjustmentsMenuItem

    def get_urlpatterns(self):
        return [
            path("", admin_views.RequestQueueView.as_view(), name="index"),
            path("<int:pk>/decide/", admin_views.RequestActionView.as_view(), name="action"),
        ]


class BillsViewSet(ViewSet):
    name = "adjustments_bills"
    url_prefix = "adjustments/bills"
    icon = "doc-full"
    menu_label = _("Bills: late fees and waivers")
    menu_item_class = AdjustmentsMenuItem

    def get_urlpatterns(self):
        return [
            path("", admin_views.BillsView.as_view(), name="index"),
            path("<int:pk>/", admin_views.BillDetailView.as_view(), name="detail"),
        ]


class PoliciesViewSet(ViewSet):
    name = "adjustments_policies"
    url_prefix = "adjustments/policies"
    icon = "cog"
    menu_label = _("Late-fee policies")
    menu_item_class = PolicyMenuItem

    def get_urlpatterns(self):
        return [
            path("", admin_views.PolicyIndexView.as_view(), name="index"),
            path("<int:office_id>/", admin_views.PolicyEditView.as_view(), name="edit"),
        ]


class AdjustmentsMenu(ViewSetGroup):
    menu_label = _("Late fees and waivers")
    menu_name = "adjustments"
    menu_icon = "decimal"
    menu_order = 175
    items = (RequestsViewSet, BillsViewSet, PoliciesViewSet)


@hooks.register("register_admin_viewset")
def register_adjustment_viewsets():
    return AdjustmentsMenu()


class UnitAdjustmentsPanel(Component):
    template_name = "adjustments/admin/lookup_panel.html"

    def __init__(self, unit):
        self.unit = unit

    def get_context_data(self, parent_context=None):
        return {
            "url": f"{reverse('adjustments_bills:index')}?unit={self.unit.pk}",
            "open_requests": AdjustmentRequest.objects.filter(
                bill__unit=self.unit, status=AdjustmentRequest.Status.REQUESTED
            ).count(),
        }


@hooks.register("properties_unit_lookup_panels")
def unit_adjustments_panel(request, unit):
    if not unit.bills.exists():
        return None
    office = unit.building.community.office
    return UnitAdjustmentsPanel(unit) if waivers.may_request(request.user, office) else None
