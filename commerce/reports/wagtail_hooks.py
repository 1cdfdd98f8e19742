"""The "Reports" back-office menu: arrears, collection rate, balances, daily cash, vouchers."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup

from . import views


def _menu_item(roles):
    class ReportMenuItem(MenuItem):
        def is_shown(self, request):
            return views.may_see_reports(request.user, roles)

    return ReportMenuItem


def _viewset(key, label, icon, view):
    return type(
        f"{key.title()}ReportViewSet",
        (ViewSet,),
        {
            "name": f"reports_{key}",
            "url_prefix": f"reports/{key}",
            "icon": icon,
            "menu_label": label,
            "menu_item_class": _menu_item(view.roles),
            "get_urlpatterns": lambda self: [path("", view.as_view(), name="index")],
        },
    )


class ReportsMenu(ViewSetGroup):
    menu_label = _("Reports")
    menu_name = "reports"
    menu_icon = "table"
    menu_order = 180
    items = (
        _viewset("arrears", _("Arrears with aging"), "warning", views.ArrearsView),
        _viewset("collection", _("Collection rate"), "success", views.CollectionView),
        _viewset("balances", _("Prepayments and deposits"), "decimal", views.BalancesView),
        _viewset("cash", _("Daily cash report"), "date", views.CashView),
        _viewset("vouchers", _("Voucher export"), "download", views.VoucherView),
    )


@hooks.register("register_admin_viewset")
def register_report_viewsets():
    return ReportsMenu()
