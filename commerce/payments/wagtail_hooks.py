"""The "Payments" back-office menu: desk payments and the list of payments with receipts."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup

from commerce.ledger.models import Account
from commerce.money import format_money
from portal.access import may_act_in_office

from . import desk_views, event_views, refund_views, services


class DeskMenuItem(MenuItem):
    def is_shown(self, request):
        return desk_views.may_take_payments(request.user)


class DeskViewSet(ViewSet):
    name = "payments_desk"
    url_prefix = "payments/desk"
    icon = "decimal"
    menu_label = _("Desk payments")
    menu_item_class = DeskMenuItem

    def get_urlpatterns(self):
        return [path("", desk_views.DeskPaymentView.as_view(), name="index")]


class PaymentListViewSet(ViewSet):
    name = "payments_list"
    url_prefix = "payments/list"
    icon = "list-ul"
    menu_label = _("Payments")
    menu_item_class = DeskMenuItem

    def get_urlpatterns(self):
        return [
            path("", desk_views.PaymentListView.as_view(), name="index"),
            path("<int:pk>/receipt/", desk_views.StaffReceiptView.as_view(), name="receipt"),
            path("<int:pk>/", refund_views.PaymentDetailView.as_view(), name="detail"),
            path("refunds/<int:pk>/send/", refund_views.SendRefundAgainView.as_view(), name="send_refund"),
        ]


class EventsMenuItem(MenuItem):
    def is_shown(self, request):
        return event_views.may_see_events(request.user)


class EventViewSet(ViewSet):
    name = "payments_events"
    url_prefix = "payments/events"
    icon = "resubmit"
    menu_label = _("Provider events")
    menu_item_class = EventsMenuItem

    def get_urlpatterns(self):
        return [
            path("", event_views.EventListView.as_view(), name="index"),
            path("<int:pk>/", event_views.EventDetailView.as_view(), name="detail"),
        ]


class PaymentsMenu(ViewSetGroup):
    menu_label = _("Payments")
    menu_name = "payments"
    menu_icon = "decimal"
    menu_order = 170
    items = (DeskViewSet, PaymentListViewSet, EventViewSet)


@hooks.register("register_admin_viewset")
def register_payment_viewsets():
    return PaymentsMenu()


class DeskPaymentLinkPanel(Component):
    """On the unit lookup (联查): what the household still owes and a link to take its payment."""

    template_name = "payments/admin/lookup_panel.html"

    def __init__(self, unit):
        self.unit = unit

    def get_context_data(self, parent_context=None):
        due = services.due_bills(self.unit)
        total = sum((bill.outstanding for bill in due), services.ZERO)
        return {
            "url": f"{reverse('payments_desk:index')}?unit={self.unit.pk}",
            "due_count": len(due),
            "total": format_money(total),
        }


@hooks.register("properties_unit_lookup_panels")
def desk_payment_panel(request, unit):
    # Like the household-account panel: nothing before billing exists, so the lookup keeps its own note.
    if not Account.objects.filter(unit=unit).exists():
        return None
    office = unit.building.community.office
    return DeskPaymentLinkPanel(unit) if may_act_in_office(request.user, services.DESK_ROLES, office) else None
