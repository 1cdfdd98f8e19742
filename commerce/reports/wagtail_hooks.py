"""The "Reports" back-office menu: leadership report, arrears, collection rate, balances, daily cash, vouchers."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup

from . import leadership_views, views


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


class LeadershipMenuItem(MenuItem):
    def is_shown(self, request):
        return leadership_views.may_see_leadership(request.user)


class LeadershipReportViewSet(ViewSet):
    name = "reports_leadership"
    url_prefix = "reports/leadership"
    icon = "site"
    menu_label = _("Leadership report")
    menu_item_class = LeadershipMenuItem

    def get_urlpatterns(self):
        view = leadership_views.level_view
        return [
            path("", view("company"), name="index"),
            path("office/<int:pk>/", view("office"), name="office"),
            path("community/<int:pk>/", view("community"), name="community"),
            path("building/<int:pk>/", view("building"), name="building"),
        ]


class ReportsMenu(ViewSetGroup):
    menu_label = _("Reports")
    menu_name = "reports"
    menu_icon = "table"
    menu_order = 180
    items = (
        LeadershipReportViewSet,
        _viewset("arrears", _("Arrears with aging"), "warning", views.ArrearsView),
        _viewset("collection", _("Collection rate"), "success", views.CollectionView),
        _viewset("balances", _("Prepayments and deposits"), "decimal", views.BalancesView),
        _viewset("cash", _("Daily cash report"), "date", views.CashView),
        _viewset("vouchers", _("Voucher export"), "download", views.VoucherView),
    )


@hooks.register("register_admin_viewset")
def register_report_viewsets():
    return ReportsMenu()
