"""The "Deposits" back-office menu and the unit lookup (联查) panel listing a unit's deposits."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.admin.viewsets.base import ViewSet

from commerce.ledger.models import Account
from commerce.money import format_money

from . import services, views
from .models import Deposit

LOOKUP_DEPOSITS_SHOWN = 20


class DepositMenuItem(MenuItem):
    def is_shown(self, request):
        return views.may_see_deposits(request.user)


class DepositViewSet(ViewSet):
    name = "deposits"
    url_prefix = "deposits"
    icon = "lock"
    menu_label = _("Deposits")
    menu_item_class = DepositMenuItem
    add_to_admin_menu = True
    menu_order = 175

    def get_urlpatterns(self):
        return [
            path("", views.DepositIndexView.as_view(), name="index"),
            path("new/", views.TakeDepositView.as_view(), name="new"),
            path("<int:pk>/", views.DepositDetailView.as_view(), name="detail"),
            path("<int:pk>/receipt/", views.DepositReceiptView.as_view(), name="receipt"),
        ]


@hooks.register("register_admin_viewset")
def register_deposit_viewset():
    return DepositViewSet()


class UnitDepositsPanel(Component):
    template_name = "deposits/admin/lookup_panel.html"

    def __init__(self, unit):
        self.unit = unit

    def get_context_data(self, parent_context=None):
        deposits = list(Deposit.objects.filter(unit=self.unit).order_by("-created_at", "-pk")[:LOOKUP_DEPOSITS_SHOWN])
        for deposit in deposits:
            deposit.amount_display = format_money(deposit.amount, deposit.currency)
            deposit.held_display = format_money(deposit.held_amount, deposit.currency)
        return {"deposits": deposits, "take_url": f"{reverse('deposits:new')}?unit={self.unit.pk}"}


@hooks.register("properties_unit_lookup_panels")
def unit_deposits_panel(request, unit):
    # Like the other money panels: a unit with neither billing nor deposits keeps the lookup's own note.
    if not Account.objects.filter(unit=unit).exists() and not Deposit.objects.filter(unit=unit).exists():
        return None
    office = unit.building.community.office
    return UnitDepositsPanel(unit) if services.may_handle(request.user, office) else None
