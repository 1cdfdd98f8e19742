"""Back-office screens of billing runs: list, new run (dry-run preview, then confirm), progress, void."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from commerce.money import format_money
from portal.access import office_ids_with_role
from portal.properties.models import Office

from . import runs
from .models import BillingRun

RUNS_SHOWN = 100
BILLS_SHOWN = 200


def run_office_ids(user):
    """Offices whose runs the user may see and start: billing clerks, office managers, headquarters."""
    return office_ids_with_role(user, runs.RUN_ROLES)


def may_see_runs(user) -> bool:
    ids = run_office_ids(user)
    return ids is None or bool(ids)


def scoped_runs(user):
    qs = BillingRun.objects.select_related("office", "created_by")
    ids = run_office_ids(user)
    return qs if ids is None else qs.filter(office_id__in=ids)


class RunAccessMixin(WagtailAdminTemplateMixin):
    header_icon = "decimal"

    def dispatch(self, request, *args, **kwargs):
        if not may_see_runs(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": reverse("billing_runs:index"), "label": _("Billing runs")}]


class RunIndexView(RunAccessMixin, TemplateView):
    template_name = "billing/admin/run_index.html"
    page_title = gettext_lazy("Billing runs")

    def get_context_data(self, **kwargs):
        rows = list(scoped_runs(self.request.user)[:RUNS_SHOWN])
        for run in rows:
            run.total_display = format_money(runs.run_totals(run), run.office.region.company.currency or "CNY")
        return super().get_context_data(runs=rows, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": _("Billing runs")}]


class NewRunForm(forms.Form):
    office = forms.ModelChoiceField(label=gettext_lazy("Office"), queryset=Office.objects.none())
    month = forms.DateField(
        label=gettext_lazy("Month"),
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        help_text=gettext_lazy("The whole calendar month is billed."),
        error_messages={"invalid": gettext_lazy("Enter a month such as 2026-01.")},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        ids = run_office_ids(user)
        offices = Office.objects.select_related("region__company").order_by("name")
        self.fields["office"].queryset = offices if ids is None else offices.filter(pk__in=ids)
        choices = list(self.fields["office"].queryset[:2])
        if len(choices) == 1:  # a clerk of one office should not have to pick it
            self.fields["office"].initial = choices[0]


class NewRunView(RunAccessMixin, TemplateView):
    template_name = "billing/admin/run_new.html"
    page_title = gettext_lazy("New billing run")

    def get_breadcrumbs_items(self):
        return [*super().get_breadcrumbs_items(), {"url": "", "label": _("New billing run")}]

    def get(self, request, *args, **kwargs):
        today = timezone.localdate()
        form = NewRunForm(user=request.user, initial={"month": today.replace(day=1)})
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request, *args, **kwargs):
        form = NewRunForm(request.POST, user=request.user)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        office, month = form.cleaned_data["office"], form.cleaned_data["month"]
        if "confirm" in request.POST:
            try:
                run = runs.start_run(office, month, request.user)
            except ValidationError as exc:
                form.add_error(None, exc.messages[0])
            else:
                messages.success(request, _("The billing run has started."))
                return redirect("billing_runs:detail", run.pk)
        preview = runs.preview_run(office, month)
        currency = office.region.company.currency or "CNY"
        rows = [
            {"item": row.item, "units": row.units, "total": format_money(row.total, currency)} for row in preview.items
        ]
        return self.render_to_response(
            self.get_context_data(
                form=form, preview=preview, rows=rows, grand_total=format_money(preview.total, currency)
            )
        )


class RunDetailView(RunAccessMixin, TemplateView):
    template_name = "billing/admin/run_detail.html"

    def dispatch(self, request, pk):
        if not may_see_runs(request.user):
            raise PermissionDenied
        try:
            self.run = scoped_runs(request.user).select_related("office__region__company").get(pk=pk)
        except BillingRun.DoesNotExist:
            raise Http404 from None
        return super().dispatch(request, pk)

    def get_page_title(self):
        return _("Billing run %(month)s, %(office)s") % {
            "month": f"{self.run.period_start:%Y-%m}",
            "office": self.run.office,
        }

    def get_breadcrumbs_items(self):
        return [*super().get_breadcrumbs_items(), {"url": "", "label": f"{self.run.period_start:%Y-%m}"}]

    def get_template_names(self):
        if getattr(self.request, "htmx", False):
            return ["billing/admin/run_progress.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        run = self.run
        currency = run.office.region.company.currency or "CNY"
        bills = list(run.bills.select_related("unit__building__community").order_by("unit_id")[:BILLS_SHOWN])
        for bill in bills:
            bill.total_display = format_money(bill.total, bill.currency)
        return super().get_context_data(
            run=run,
            polling=run.status in (BillingRun.Status.PENDING, BillingRun.Status.RUNNING),
            total_display=format_money(runs.run_totals(run), currency),
            bills=bills,
            may_void=runs.may_void(self.request.user, run.office) and run.can_become(BillingRun.Status.VOIDED),
            **kwargs,
        )

    def post(self, request, pk):
        """Void the run (office managers and headquarters)."""
        try:
            runs.void_run(self.run, request.user, request.POST.get("reason", ""))
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
        else:
            messages.success(request, _("The billing run was voided and every bill reversed."))
        return redirect("billing_runs:detail", self.run.pk)
