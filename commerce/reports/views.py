"""Back-office report screens and their CSV/XLSX downloads (``?format=csv`` or ``xlsx``). Office-scoped.

Billing clerks and office managers report on their offices, headquarters on every office of their
company; the daily cash report is open to the front desk too. A view parses the filters, asks
``queries`` for one page (screen) or every row (download) and hands both to the same ``tables``.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from portal.access import office_ids_with_role
from portal.people.models import StaffRole

from . import exports, forms, queries, tables

REPORT_ROLES = (StaffRole.BILLING_CLERK, StaffRole.OFFICE_MANAGER)
CASH_ROLES = (StaffRole.FRONT_DESK, StaffRole.BILLING_CLERK, StaffRole.OFFICE_MANAGER)


def report_office_ids(user, roles=REPORT_ROLES):
    return office_ids_with_role(user, roles)


def may_see_reports(user, roles=REPORT_ROLES) -> bool:
    ids = report_office_ids(user, roles)
    return ids is None or bool(ids)


def _page_number(request) -> int:
    try:
        return max(1, int(request.GET.get("page", 1)))
    except (TypeError, ValueError):
        return 1


class ReportView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "reports/admin/report.html"
    header_icon = "table"
    roles = REPORT_ROLES
    form_class = forms.ReportForm
    filename = "report"
    url_name = ""

    def dispatch(self, request, *args, **kwargs):
        if not may_see_reports(request.user, self.roles):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def office_ids(self):
        ids = report_office_ids(self.request.user, self.roles)
        return None if ids is None else sorted(ids)

    def bound_form(self):
        """The filters from the query string over the defaults, so the first visit shows a report."""
        data = QueryDict(mutable=True)
        defaults = self.form_class.defaults()
        if self.form_class.office_required and (ids := self.office_ids()):
            defaults.setdefault("office", str(ids[0]))
        for key, value in defaults.items():
            data[key] = value
        for key in self.request.GET:
            if key not in ("page", "format"):
                data[key] = self.request.GET[key]
        return self.form_class(data, office_ids=self.office_ids())

    def get(self, request, *args, **kwargs):
        form = self.bound_form()
        context = {"form": form, "tables": [], "page": None}
        if form.is_valid():
            fmt = request.GET.get("format")
            if fmt in exports.FORMATS:
                return exports.response(self.export_tables(form), self.export_filename(form), fmt)
            context.update(self.screen(form, _page_number(request)))
            context["exports"] = [(fmt.upper(), self._link(format=fmt)) for fmt in exports.FORMATS]
        return self.render_to_response(self.get_context_data(**context))

    def _link(self, **params) -> str:
        query = self.request.GET.copy()
        query.pop("page", None)
        for key, value in params.items():
            query[key] = value
        return f"?{query.urlencode()}"

    def export_filename(self, form) -> str:
        return self.filename

    def screen(self, form, page: int) -> dict:
        raise NotImplementedError

    def export_tables(self, form) -> list[tables.Table]:
        raise NotImplementedError


class ArrearsView(ReportView):
    page_title = gettext_lazy("Arrears with aging")
    form_class = forms.ArrearsForm
    filename = "arrears"

    def _args(self, form):
        return form.scope(payer=form.cleaned_data["payer"] or "household"), form.cleaned_data["as_of"]

    def screen(self, form, page):
        scope, as_of = self._args(form)
        result = queries.arrears_page(scope, as_of, page=page, order=form.cleaned_data["order"] or "-total")
        return {
            "page": result,
            "tables": [tables.arrears_table(result.rows, result.totals)],
            "intro": _(
                "What households still owe on issued bills (voided bills left out), split by the age of each bill: "
                "days from the end of its billing period to the date above."
            ),
        }

    def export_tables(self, form):
        scope, as_of = self._args(form)
        return [tables.arrears_table(queries.iter_arrears(scope, as_of, order=form.cleaned_data["order"] or "-total"))]

    def export_filename(self, form):
        return f"arrears-{form.cleaned_data['as_of']:%Y%m%d}"


class CollectionView(ReportView):
    page_title = gettext_lazy("Collection rate")
    form_class = forms.CollectionForm
    filename = "collection-rate"

    def _scope(self, form):
        return form.scope(payer=form.cleaned_data["payer"], period=form.period())

    def screen(self, form, page):
        group = form.cleaned_data["group"]
        result = queries.collection_page(self._scope(form), group, page=page, order=form.cleaned_data["order"])
        for row in result.rows:
            row.bar = min(100, int(row.rate)) if row.rate is not None else 0
        return {
            "page": result,
            "tables": [tables.collection_table(group, result.rows, result.totals)],
            "chart": result.rows,
            "intro": _(
                "Receivable: bills issued for the months chosen, with their late fees and waivers. Collected: payments "
                "allocated to those bills, less refunds. By charge item, a bill's adjustments and collections are "
                "spread over its lines in proportion to their amounts, rounded to the cent per line."
            ),
        }

    def export_tables(self, form):
        group = form.cleaned_data["group"]
        rows = queries.iter_collection(self._scope(form), group, order=form.cleaned_data["order"])
        return [tables.collection_table(group, rows)]

    def export_filename(self, form):
        start, end = form.period()
        return f"collection-rate-{start:%Y%m}-{end:%Y%m}-{form.cleaned_data['group']}"


class BalancesView(ReportView):
    page_title = gettext_lazy("Prepayments and deposits")
    form_class = forms.BalancesForm
    filename = "balances"

    def screen(self, form, page):
        scope = form.scope()
        prepaid = queries.prepayments_page(scope, page=page)
        result = [tables.prepayments_table(prepaid.rows, prepaid.totals)]
        if queries.deposits_available():
            held = queries.deposits_page(scope, page=page)
            result.append(tables.deposits_table(held.rows, held.totals))
            pages = prepaid if prepaid.count >= held.count else held
        else:
            pages = prepaid
        return {
            "page": pages,
            "tables": result,
            "intro": _(
                "Prepayments: households whose account balance is negative, i.e. who paid ahead. "
                "Deposits: deposits still held, per unit and kind."
            ),
        }

    def export_tables(self, form):
        scope = form.scope()
        result = [tables.prepayments_table(queries.iter_prepayments(scope))]
        if queries.deposits_available():
            result.append(tables.deposits_table(queries.iter_deposits(scope)))
        return result


class CashView(ReportView):
    page_title = gettext_lazy("Daily cash report")
    form_class = forms.CashForm
    roles = CASH_ROLES
    filename = "cash"

    def _tables(self, form):
        return tables.cash_tables(queries.daily_cash(form.cleaned_data["office"].pk, form.cleaned_data["day"]))

    def screen(self, form, page):
        return {"tables": self._tables(form)}

    def export_tables(self, form):
        return self._tables(form)

    def export_filename(self, form):
        return f"cash-{form.cleaned_data['office'].code}-{form.cleaned_data['day']:%Y%m%d}"


class VoucherView(ReportView):
    page_title = gettext_lazy("Voucher export")
    form_class = forms.VoucherForm
    filename = "vouchers"

    def _args(self, form):
        data = form.cleaned_data
        return form.scope(), data["date_from"], data["date_to"]

    def screen(self, form, page):
        result = queries.voucher_page(*self._args(form), page=page)
        return {
            "page": result,
            "tables": [tables.voucher_table(result.rows, result.totals)],
            "intro": _(
                "One row per ledger entry, debits and credits in their own columns; every posting balances. "
                "Account codes: %(codes)s."
            )
            % {"codes": ", ".join(f"{code} {label}" for code, label in account_code_legend())},
        }

    def export_tables(self, form):
        return [tables.voucher_table(queries.iter_vouchers(*self._args(form)))]

    def export_filename(self, form):
        _scope, start, end = self._args(form)
        return f"vouchers-{form.cleaned_data['office'].code}-{start:%Y%m%d}-{end:%Y%m%d}"


def account_code_legend():
    from commerce.ledger.models import AccountKind

    seen = {}
    for kind, code in queries.ACCOUNT_CODES.items():
        label = AccountKind(kind).label
        seen.setdefault(code, []).append(str(label))
    legend = [(code, " / ".join(labels)) for code, labels in sorted(seen.items())]
    return [(f"{code}-…" if code == queries.ACCOUNT_CODES["income"] else code, label) for code, label in legend]


REPORTS = {
    "arrears": ArrearsView,
    "collection": CollectionView,
    "balances": BalancesView,
    "cash": CashView,
    "vouchers": VoucherView,
}


def report_url(name: str) -> str:
    return reverse(f"reports_{name}:index")
