"""The "Marketplace" back-office menu, shown to the platform staff (headquarters) only."""

from __future__ import annotations

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem

from . import admin_views as views


class PlatformMenuItem(MenuItem):
    def is_shown(self, request):
        return views.may_run_platform(request.user)


class PlatformSubmenu(SubmenuMenuItem):
    def is_shown(self, request):
        return views.may_run_platform(request.user)


ENTRIES = [
    (_("Merchants"), "market_admin_merchants", "group"),
    (_("Categories"), "market_admin_categories", "tag"),
    (_("Disputed orders"), "market_admin_disputes", "warning"),
    (_("Settlements"), "market_admin_settlements", "doc-full"),
    (_("Report"), "market_admin_report", "table"),
]


@hooks.register("register_admin_menu_item")
def register_market_menu():
    menu = Menu(
        items=[
            PlatformMenuItem(label, reverse(name), name=name, icon_name=icon, order=index * 10)
            for index, (label, name, icon) in enumerate(ENTRIES)
        ]
    )
    return PlatformSubmenu(_("Marketplace"), menu, name="marketplace", icon_name="pick", order=185)


@hooks.register("register_admin_urls")
def register_market_urls():
    return [
        path("market/merchants/", views.MerchantIndexView.as_view(), name="market_admin_merchants"),
        path("market/merchants/<int:pk>/", views.MerchantDetailView.as_view(), name="market_admin_merchant"),
        path("market/merchants/<int:pk>/licence/", views.licence_file, name="market_admin_licence"),
        path("market/categories/", views.CategoryView.as_view(), name="market_admin_categories"),
        path("market/disputes/", views.DisputeView.as_view(), name="market_admin_disputes"),
        path("market/settlements/", views.SettlementView.as_view(), name="market_admin_settlements"),
        path("market/report/", views.ReportView.as_view(), name="market_admin_report"),
    ]
