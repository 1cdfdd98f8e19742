"""Back-office screens: late-fee policies, a bill's adjustments, waiver requests and the managers' queue.

Every screen is office-scoped through ``portal.access``: another office's bill or request is a 404.
"""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from commerce.billing.models import Bill
from commerce.money import format_money
from commerce.payments import services as payments
from portal.access import office_ids_with_role
from portal.properties.models import Community, Office, Unit

from . import latefees, waivers
from .models import AdjustmentRequest, BillAdjustment, LateFeePolicy
from .summary import bill_summary

REQUESTS_SHOWN = 200


def _ids(user, roles):
    return office_ids_with_role(user, roles)


def _any(ids) -> bool:
    return ids is None or bool(ids)


def _scoped(queryset, ids, path):
    return queryset if ids is None else queryset.filter(**{f"{path}__in": ids})


def may_see_adjustments(user) -> bool:
    return _any(_ids(user, waivers.REQUEST_ROLES))


def may_edit_policies(user) -> bool:
    return _any(_ids(user, latefees.POLICY_ROLES))


class AdjustmentsMixin(WagtailAdminTemplateMixin):
    header_icon = "decimal"
    roles = waivers.REQUEST_ROLES

    def dispatch(self, request, *args, **kwargs):
        self.office_ids = _ids(request.user, self.roles)
        if not _any(self.office_ids):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]


# Late-fee policies -------------------------------------------------------------------------------


class PolicyForm(forms.ModelForm):
    class Meta:
        model = LateFeePolicy
        fields = ["mode", "daily_rate", "due_days", "grace_days", "cap_percent", "starts_on"]
        widgets = {"starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


class PolicyIndexView(AdjustmentsMixin, TemplateView):
    template_name = "adjustments/admin/policy_index.html"
    page_title = gettext_lazy("Late-fee policies")
    roles = latefees.POLICY_ROLES

    def get_context_data(self, **kwargs):
        offices = list(_scoped(Office.objects.order_by("name"), self.office_ids, "pk"))
        policies = {p.office_id: p for p in LateFeePolicy.objects.filter(office__in=offices)}
        for office in offices:
            office.policy = policies.get(office.pk)
        return super().get_context_data(offices=offices, **kwargs)


class PolicyEditView(AdjustmentsMixin, TemplateView):
    template_name = "adjustments/admin/policy_edit.html"
    roles = latefees.POLICY_ROLES

    def _office(self):
        try:
            return _scoped(Office.objects.all(), self.office_ids, "pk").get(pk=self.kwargs["office_id"])
        except Office.DoesNotExist:
            raise Http404 from None

    def get_page_title(self):
        return _("Late-fee policy of %(office)s") % {"office": self.office}

    def _form(self, data=None):
        policy = LateFeePolicy.objects.filter(office=self.office).first() or LateFeePolicy(office=self.office)
        return PolicyForm(data, instance=policy)

    def get(self, request, *args, **kwargs):
        self.office = self._office()
        return self.render_to_response(self.get_context_data(form=self._form()))

    def post(self, request, *args, **kwargs):
        self.office = self._office()
        form = self._form(request.POST)
        if form.is_valid():
            try:
                latefees.save_policy(form.save(commit=False), request.user)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("The late-fee policy of %(office)s is saved.") % {"office": self.office})
                return redirect("adjustments_policies:index")
        return self.render_to_response(self.get_context_data(form=form))


# A unit's bills and one bill's adjustments ---------------------------------------------------------


class UnitLookupForm(forms.Form):
    community = forms.ModelChoiceField(label=gettext_lazy("Community"), queryset=Community.objects.none())
    building = forms.CharField(label=gettext_lazy("Building"), max_length=100)
    number = forms.CharField(label=gettext_lazy("Unit number"), max_length=20)

    def __init__(self, *args, office_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = _scoped(Community.objects.order_by("name"), office_ids, "office_id")

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        unit = Unit.objects.filter(
            building__community=data["community"],
            building__name=data["building"].strip(),
            number=data["number"].strip(),
        ).first()
        if unit is None:
            raise ValidationError(_("No such unit in this community."))
        data["unit"] = unit
        return data


class BillsView(AdjustmentsMixin, TemplateView):
    template_name = "adjustments/admin/bills.html"
    page_title = gettext_lazy("Late fees and waivers of bills")

    def get(self, request, *args, **kwargs):
        unit = None
        if unit_id := request.GET.get("unit"):
            try:
                unit = _scoped(
                    Unit.objects.select_related("building__community"), self.office_ids, "building__community__office"
                ).get(pk=unit_id)
            except (Unit.DoesNotExist, ValueError):
                raise Http404 from None
        lookup = UnitLookupForm(request.GET if "number" in request.GET else None, office_ids=self.office_ids)
        if unit is None and lookup.is_valid():
            return redirect(f"{reverse('adjustments_bills:index')}?unit={lookup.cleaned_data['unit'].pk}")
        context = {"lookup": lookup, "unit": unit}
        if unit is not None:
            bills = list(Bill.objects.filter(unit=unit).select_related("unit").order_by("-period_start", "-pk"))
            summaries = bill_summary(bills)
            for bill in bills:
                bill.summary = summaries[bill.pk]
            context["bills"] = bills
        return self.render_to_response(self.get_context_data(**context))


class RequestForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=AdjustmentRequest.Kind.choices)
    amount = forms.CharField(
        label=gettext_lazy("Amount"), max_length=30, required=False, help_text=gettext_lazy("Or a percentage below.")
    )
    percent = forms.CharField(
        label=gettext_lazy("Percentage of the charges"), max_length=10, required=False, help_text="%"
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300)


class LateFeeWaiverForm(forms.Form):
    amount = forms.CharField(
        label=gettext_lazy("Amount"),
        max_length=30,
        required=False,
        help_text=gettext_lazy("Empty: every late fee left on the bill."),
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300)
    token = forms.CharField(widget=forms.HiddenInput)


class BillDetailView(AdjustmentsMixin, TemplateView):
    template_name = "adjustments/admin/bill.html"

    def _bill(self):
        bills = Bill.objects.select_related("unit__building__community", "office__region__company")
        try:
            return _scoped(bills, self.office_ids, "office").get(pk=self.kwargs["pk"])
        except Bill.DoesNotExist:
            raise Http404 from None

    def get_page_title(self):
        return _("Bill %(month)s, %(unit)s") % {"month": f"{self.bill.period_start:%Y-%m}", "unit": self.bill.unit}

    def get(self, request, *args, **kwargs):
        self.bill = self._bill()
        return self._render()

    def post(self, request, *args, **kwargs):
        self.bill = self._bill()
        if request.POST.get("action") == "waive_late_fees":
            form = LateFeeWaiverForm(request.POST)
            if form.is_valid():
                try:
                    latefees.waive_late_fees(
                        self.bill,
                        request.user,
                        form.cleaned_data["reason"],
                        form.cleaned_data["amount"] or None,
                        token=form.cleaned_data["token"],
                    )
                except ValidationError as exc:
                    form.add_error(None, exc)
                else:
                    messages.success(request, _("The late fees are waived."))
                    return redirect("adjustments_bills:detail", self.bill.pk)
            return self._render(waiver_form=form)
        form = RequestForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                waivers.request_adjustment(
                    self.bill,
                    request.user,
                    data["kind"],
                    data["reason"],
                    amount=data["amount"] or None,
                    percent=data["percent"] or None,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("The request is sent to the office manager."))
                return redirect("adjustments_bills:detail", self.bill.pk)
        return self._render(request_form=form)

    def _render(self, request_form=None, waiver_form=None):
        bill, user = self.bill, self.request.user
        office = bill.office
        summary = bill_summary([bill])[bill.pk]
        context = {
            "bill": bill,
            "summary": summary,
            "lines": list(bill.lines.select_related("item")),
            "adjustments": list(
                bill.adjustments.exclude(kind=BillAdjustment.Kind.LATE_FEE).select_related("created_by", "posting")
            ),
            "late_fee_days": list(bill.adjustments.filter(kind=BillAdjustment.Kind.LATE_FEE).order_by("-accrual_date")),
            "requests": list(bill.adjustment_requests.select_related("requested_by", "decided_by")),
            "paid": format_money(payments.paid(bill), bill.currency),
        }
        if waivers.may_request(user, office) and bill.status == Bill.Status.ISSUED:
            context["request_form"] = request_form or RequestForm()
        if latefees.may_waive_late_fees(user, office) and (waiver_form or summary.late_fees_left > 0):
            context["waiver_form"] = waiver_form or LateFeeWaiverForm(initial={"token": uuid.uuid4().hex})
        return self.render_to_response(self.get_context_data(**context))


# The requests queue -------------------------------------------------------------------------------


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("Any")), *AdjustmentRequest.Status.choices],
    )


class RequestQueueView(AdjustmentsMixin, TemplateView):
    template_name = "adjustments/admin/queue.html"
    page_title = gettext_lazy("Waiver requests")

    def get_context_data(self, **kwargs):
        user = self.request.user
        status = self.request.GET.get("status", AdjustmentRequest.Status.REQUESTED)
        filters = QueueFilterForm({"status": status})
        requests = _scoped(
            AdjustmentRequest.objects.select_related(
                "bill__unit__building__community", "bill__office", "requested_by", "decided_by"
            ),
            self.office_ids,
            "bill__office",
        )
        if filters.is_valid() and filters.cleaned_data["status"]:
            requests = requests.filter(status=filters.cleaned_data["status"])
        rows = list(requests[:REQUESTS_SHOWN])
        decide_ids = _ids(user, waivers.DECIDE_ROLES)
        for row in rows:
            row.amount_display = format_money(row.amount, row.bill.currency)
            open_ = row.status == AdjustmentRequest.Status.REQUESTED
            may_decide = decide_ids is None or row.bill.office_id in decide_ids
            row.may_decide = open_ and may_decide and row.requested_by_id != user.pk
            row.may_withdraw = open_ and row.requested_by_id == user.pk
        return super().get_context_data(requests=rows, filters=filters, **kwargs)


class RequestActionView(AdjustmentsMixin, TemplateView):
    """POST approve / reject / withdraw; the service decides who may."""

    http_method_names = ["post"]

    def post(self, request, pk):
        try:
            adjustment_request = _scoped(
                AdjustmentRequest.objects.select_related("bill__office"), self.office_ids, "bill__office"
            ).get(pk=pk)
        except AdjustmentRequest.DoesNotExist:
            raise Http404 from None
        action, note = request.POST.get("action"), request.POST.get("note", "")
        try:
            if action == "approve":
                waivers.approve(adjustment_request, request.user, note)
                messages.success(request, _("Approved: the amount is taken off the bill."))
            elif action == "reject":
                waivers.reject(adjustment_request, request.user, note)
                messages.success(request, _("The request is rejected."))
            elif action == "withdraw":
                waivers.withdraw(adjustment_request, request.user)
                messages.success(request, _("The request is withdrawn."))
            else:
                raise Http404
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = reverse("adjustments_requests:index")
        return redirect(target)
