"""Back-office screens of the platform (headquarters): merchants, categories, disputes, settlements, report.

Platform staff are the headquarters of the company that runs the marketplace; everything listed is
limited to their companies, and another company's merchant is a 404.
"""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from commerce.money import format_money
from portal import uploads
from portal.access import headquarters_company_ids
from portal.properties.models import Community

from . import connect, services
from .models import Category, Merchant, Order, Settlement


def may_run_platform(user) -> bool:
    return services.is_platform_staff(user)


class PlatformMixin(WagtailAdminTemplateMixin):
    header_icon = "pick"

    def dispatch(self, request, *args, **kwargs):
        if not may_run_platform(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]

    def fail(self, exc):
        messages.error(self.request, " ".join(getattr(exc, "messages", None) or [str(exc)]))


def platform_merchants(user):
    return services.platform_scope(user, Merchant.objects.all()).prefetch_related("categories", "communities")


class MerchantIndexView(PlatformMixin, TemplateView):
    template_name = "marketplace/admin/merchants.html"
    page_title = gettext_lazy("Merchants")

    def get_context_data(self, **kwargs):
        status = self.request.GET.get("status", "")
        rows = platform_merchants(self.request.user).order_by("status", "name")
        if status in Merchant.Status.values:
            rows = rows.filter(status=status)
        return super().get_context_data(rows=rows, statuses=Merchant.Status.choices, status=status, **kwargs)


class RateForm(forms.Form):
    commission_rate = forms.DecimalField(
        label=gettext_lazy("Commission rate override"),
        required=False,
        min_value=0,
        max_value=0.99,
        decimal_places=4,
        help_text=gettext_lazy("Empty: each category's default rate applies. 0.0600 means six per cent."),
    )


class MerchantDetailView(PlatformMixin, TemplateView):
    template_name = "marketplace/admin/merchant.html"
    page_title = gettext_lazy("Merchant")

    def merchant(self):
        return get_object_or_404(platform_merchants(self.request.user), pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        merchant = self.merchant()
        return super().get_context_data(
            merchant=merchant,
            events=merchant.events.select_related("by"),
            rate_form=RateForm(initial={"commission_rate": merchant.commission_rate}),
            S=Merchant.Status,
            **kwargs,
        )

    def post(self, request, pk):
        merchant = self.merchant()
        action, note = request.POST.get("action"), request.POST.get("note", "")
        try:
            if action == "approve":
                services.approve_merchant(merchant, by=request.user, note=note)
            elif action == "reject":
                services.reject_merchant(merchant, by=request.user, note=note)
            elif action == "suspend":
                services.suspend_merchant(merchant, by=request.user, note=note)
            elif action == "stripe":
                account = connect.check_account_id(request.POST.get("stripe_account", ""))
                Merchant.objects.filter(pk=merchant.pk).update(stripe_account=account)
            elif action == "rate":
                form = RateForm(request.POST)
                if not form.is_valid():
                    raise ValidationError(form.errors.as_text())
                Merchant.objects.filter(pk=merchant.pk).update(commission_rate=form.cleaned_data["commission_rate"])
            else:
                raise Http404
            messages.success(request, _("%(merchant)s updated.") % {"merchant": merchant.name})
        except (ValidationError, PermissionDenied) as exc:
            self.fail(exc)
        return redirect("market_admin_merchant", merchant.pk)


def licence_file(request, pk):
    if not may_run_platform(request.user):
        raise PermissionDenied
    merchant = get_object_or_404(platform_merchants(request.user), pk=pk)
    return uploads.stored_file_response(
        merchant.licence, as_attachment=True, filename=merchant.licence.name.rsplit("/", 1)[-1]
    )


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = ["name", "commission_rate", "order"]


class CategoryView(PlatformMixin, TemplateView):
    template_name = "marketplace/admin/categories.html"
    page_title = gettext_lazy("Market categories")

    def categories(self):
        return services.platform_scope(self.request.user, Category.objects.all())

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", CategoryForm())
        return super().get_context_data(rows=self.categories(), **kwargs)

    def post(self, request):
        instance = None
        if request.POST.get("pk"):
            instance = get_object_or_404(self.categories(), pk=request.POST["pk"])
        form = CategoryForm(request.POST, instance=instance)
        companies = headquarters_company_ids(request.user)
        if form.is_valid() and (instance or companies):
            category = form.save(commit=False)
            if instance is None:
                category.company_id = min(companies)
            category.save()
            messages.success(request, _("Saved %(name)s.") % {"name": category.name})
            return redirect("market_admin_categories")
        if not (instance or companies):
            form.add_error(None, _("Only headquarters staff of a company add its categories."))
        return self.render_to_response(self.get_context_data(form=form))


class DisputeView(PlatformMixin, TemplateView):
    template_name = "marketplace/admin/disputes.html"
    page_title = gettext_lazy("Disputed orders")

    def orders(self):
        return services.platform_scope(self.request.user, Order.objects.all(), "merchant__company").select_related(
            "merchant", "unit__building__community"
        )

    def get_context_data(self, **kwargs):
        rows = list(self.orders().filter(status=Order.Status.DISPUTED))
        for o in rows:
            o.total_display = format_money(o.total, o.currency)
            o.reason = (
                o.events.filter(new_status=Order.Status.DISPUTED).order_by("-at").values_list("note", flat=True).first()
            )
        return super().get_context_data(rows=rows, **kwargs)

    def post(self, request):
        order = get_object_or_404(self.orders(), pk=request.POST.get("order"))
        try:
            services.resolve_dispute(
                order,
                by=request.user,
                refund=request.POST.get("outcome") == "refund",
                note=request.POST.get("note", ""),
            )
            messages.success(request, _("Order %(number)s resolved.") % {"number": order.number})
        except (ValidationError, PermissionDenied) as exc:
            self.fail(exc)
        return redirect("market_admin_disputes")


def last_month() -> tuple[datetime.date, datetime.date]:
    first_this = timezone.localdate().replace(day=1)
    end = first_this - datetime.timedelta(days=1)
    return end.replace(day=1), end


class SettlementRunForm(forms.Form):
    merchant = forms.ModelChoiceField(label=gettext_lazy("Merchant"), queryset=Merchant.objects.none())
    period_start = forms.DateField(
        label=pgettext_lazy("date filter", "From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    period_end = forms.DateField(
        label=pgettext_lazy("date filter", "To"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["merchant"].queryset = platform_merchants(user).exclude(status=Merchant.Status.APPLIED)


class SettlementView(PlatformMixin, TemplateView):
    template_name = "marketplace/admin/settlements.html"
    page_title = gettext_lazy("Merchant settlements")

    def settlements(self):
        return services.platform_scope(self.request.user, Settlement.objects.all(), "merchant__company").select_related(
            "merchant"
        )

    def get_context_data(self, **kwargs):
        start, end = last_month()
        kwargs.setdefault(
            "form", SettlementRunForm(user=self.request.user, initial={"period_start": start, "period_end": end})
        )
        rows = list(self.settlements()[:200])
        for s in rows:
            for field in ("gross", "refunds", "commission", "net_payable"):
                setattr(s, f"{field}_display", format_money(getattr(s, field)))
        return super().get_context_data(rows=rows, **kwargs)

    def post(self, request):
        if request.POST.get("settlement"):
            settlement = get_object_or_404(self.settlements(), pk=request.POST["settlement"])
            try:
                if request.POST.get("action") == "stripe":
                    settlement = connect.transfer_settlement(settlement, by=request.user)
                    messages.success(
                        request, _("Transferred through Stripe (%(ref)s).") % {"ref": settlement.payout_reference}
                    )
                    return redirect("market_admin_settlements")
                services.record_payout(settlement, by=request.user, reference=request.POST.get("reference", ""))
                messages.success(request, _("Payout recorded."))
            except (ValidationError, PermissionDenied) as exc:
                self.fail(exc)
            return redirect("market_admin_settlements")
        form = SettlementRunForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                services.run_settlement(
                    form.cleaned_data["merchant"],
                    form.cleaned_data["period_start"],
                    form.cleaned_data["period_end"],
                    by=request.user,
                )
                messages.success(request, _("Statement made."))
                return redirect("market_admin_settlements")
            except (ValidationError, PermissionDenied) as exc:
                form.add_error(None, exc)
        return self.render_to_response(self.get_context_data(form=form))


class ReportView(PlatformMixin, TemplateView):
    template_name = "marketplace/admin/report.html"
    page_title = gettext_lazy("Marketplace report")

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        try:
            start = datetime.date.fromisoformat(self.request.GET.get("start", ""))
            end = datetime.date.fromisoformat(self.request.GET.get("end", ""))
        except ValueError:
            start, end = today - datetime.timedelta(days=29), today
        if end < start or (end - start).days > 366:
            start, end = end - datetime.timedelta(days=29), end
        communities = Community.objects.select_related("office__region")
        companies = services.platform_company_ids(self.request.user)
        if companies is not None:
            communities = communities.filter(office__region__company_id__in=companies)
        community = communities.filter(pk=self.request.GET.get("community") or 0).first()
        report = services.platform_report(self.request.user, start, end, community)
        peak = report["peak"] or 1
        width = 10
        bars = []
        for index, (day, amount) in enumerate(report["days"]):
            height = int(100 * amount / peak)
            bars.append(
                {
                    "day": day,
                    "x": index * width,
                    "y": 105 - height,
                    "w": width - 2,
                    "height": height,
                    "display": format_money(amount),
                }
            )
        for row in report["top_merchants"]:
            row["gmv_display"] = format_money(row["gmv"] or services.ZERO)
        for row in report["top_products"]:
            row["amount_display"] = format_money(row["amount"] or services.ZERO)
        return super().get_context_data(
            report=report,
            bars=bars,
            chart_width=max(1, len(bars)) * width,
            gmv=format_money(report["gmv"]),
            commission=format_money(report["commission"]),
            start=start,
            end=end,
            communities=communities,
            community=community,
            **kwargs,
        )
