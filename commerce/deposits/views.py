"""Back-office screens of deposits: list, take a deposit, detail with its trail, refund/forfeit, receipt."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views import View
from django.views.generic import TemplateView
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from commerce.money import format_money, parse_amount
from commerce.payments.desk_views import UnitLookupForm
from portal.access import office_ids_with_role
from portal.properties.models import Unit

from . import services
from .models import Deposit

DEPOSITS_SHOWN = 200


def deposit_office_ids(user):
    return office_ids_with_role(user, services.DEPOSIT_ROLES)


def may_see_deposits(user) -> bool:
    ids = deposit_office_ids(user)
    return ids is None or bool(ids)


def scoped_deposits(user):
    qs = Deposit.objects.select_related("unit__building__community", "office__region__company", "created_by")
    ids = deposit_office_ids(user)
    return qs if ids is None else qs.filter(office_id__in=ids)


def get_deposit_or_404(user, pk) -> Deposit:
    try:
        return scoped_deposits(user).get(pk=pk)
    except (Deposit.DoesNotExist, ValueError):
        raise Http404 from None


def _show_money(deposit):
    for name in ("amount", "refunded_amount", "forfeited_amount", "held_amount"):
        setattr(deposit, f"{name}_display", format_money(getattr(deposit, name), deposit.currency))
    return deposit


class DepositAccessMixin(WagtailAdminTemplateMixin):
    header_icon = "lock"

    def dispatch(self, request, *args, **kwargs):
        if not may_see_deposits(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": reverse("deposits:index"), "label": _("Deposits")}]


class DepositFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), required=False, choices=[("", gettext_lazy("Any")), *Deposit.Status.choices]
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"), required=False, choices=[("", gettext_lazy("Any")), *Deposit.Kind.choices]
    )


class DepositIndexView(DepositAccessMixin, TemplateView):
    template_name = "deposits/admin/index.html"
    page_title = gettext_lazy("Deposits")

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": _("Deposits")}]

    def get_context_data(self, **kwargs):
        deposits = scoped_deposits(self.request.user)
        filters = DepositFilterForm(self.request.GET or None)
        if filters.is_valid():
            if status := filters.cleaned_data["status"]:
                deposits = deposits.filter(status=status)
            if kind := filters.cleaned_data["kind"]:
                deposits = deposits.filter(kind=kind)
        rows = [_show_money(d) for d in deposits[:DEPOSITS_SHOWN]]
        return super().get_context_data(deposits=rows, filters=filters, **kwargs)


class TakeDepositForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=Deposit.Kind.choices)
    amount = forms.CharField(label=gettext_lazy("Amount"), max_length=30)
    method = forms.ChoiceField(label=gettext_lazy("Received by"), choices=Deposit.Method.choices)
    payer_name = forms.CharField(label=gettext_lazy("Payer"), max_length=100)
    notes = forms.CharField(label=gettext_lazy("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_amount(self):
        amount = parse_amount(self.cleaned_data["amount"])
        if amount <= 0:
            raise ValidationError(_("The amount must be more than zero."), code="zero")
        return amount


class TakeDepositView(DepositAccessMixin, TemplateView):
    template_name = "deposits/admin/take.html"
    page_title = gettext_lazy("Take a deposit")

    def get_breadcrumbs_items(self):
        return [*super().get_breadcrumbs_items(), {"url": "", "label": _("Take a deposit")}]

    def _unit(self, request):
        unit_id = request.POST.get("unit") or request.GET.get("unit")
        if not unit_id:
            return None
        try:
            unit = Unit.objects.select_related("building__community__office").get(pk=unit_id)
        except (Unit.DoesNotExist, ValueError):
            raise Http404 from None
        if not services.may_handle(request.user, unit.building.community.office):
            raise Http404
        return unit

    def get(self, request, *args, **kwargs):
        unit = self._unit(request)
        lookup = UnitLookupForm(request.GET if "number" in request.GET else None, user=request.user)
        if unit is None and lookup.is_valid():
            return redirect(f"{reverse('deposits:new')}?unit={lookup.cleaned_data['unit'].pk}")
        form = TakeDepositForm(initial={"method": Deposit.Method.CASH}) if unit else None
        return self.render_to_response(self.get_context_data(unit=unit, lookup=lookup, form=form))

    def post(self, request, *args, **kwargs):
        unit = self._unit(request)
        if unit is None:
            raise Http404
        form = TakeDepositForm(request.POST)
        if form.is_valid():
            try:
                deposit = services.take_deposit(request.user, unit, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Deposit %(number)s taken.") % {"number": deposit.receipt_number})
                return redirect("deposits:detail", deposit.pk)
        return self.render_to_response(self.get_context_data(unit=unit, lookup=None, form=form))


class RefundForm(forms.Form):
    reason = forms.CharField(label=pgettext_lazy("deposit refund", "Note"), max_length=300, required=False)


class ForfeitForm(forms.Form):
    amount = forms.CharField(
        label=gettext_lazy("Amount kept"),
        max_length=30,
        required=False,
        help_text=gettext_lazy("Empty: keep all of it. Less than the deposit: the rest is refunded."),
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300)

    def clean_amount(self):
        text = self.cleaned_data["amount"]
        return parse_amount(text) if text.strip() else None


class DepositDetailView(DepositAccessMixin, TemplateView):
    template_name = "deposits/admin/detail.html"

    def get_page_title(self):
        return _("Deposit %(number)s") % {"number": self.deposit.receipt_number}

    def get_breadcrumbs_items(self):
        return [*super().get_breadcrumbs_items(), {"url": "", "label": self.deposit.receipt_number}]

    def dispatch(self, request, *args, pk, **kwargs):
        if may_see_deposits(request.user):
            self.deposit = get_deposit_or_404(request.user, pk)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        return self._render()

    def post(self, request, *args, **kwargs):
        deposit = self.deposit
        refund_form = forfeit_form = None
        action = request.POST.get("action")
        try:
            if action == "refund":
                refund_form = RefundForm(request.POST)
                if refund_form.is_valid():
                    services.refund_deposit(request.user, deposit, reason=refund_form.cleaned_data["reason"])
                    messages.success(request, _("The deposit was refunded."))
                    return redirect("deposits:detail", deposit.pk)
            elif action == "forfeit":
                forfeit_form = ForfeitForm(request.POST)
                if forfeit_form.is_valid():
                    services.forfeit_deposit(request.user, deposit, **forfeit_form.cleaned_data)
                    messages.success(request, _("The forfeit was recorded."))
                    return redirect("deposits:detail", deposit.pk)
            else:
                raise Http404
        except PermissionDenied as exc:
            messages.error(request, str(exc))
            return redirect("deposits:detail", deposit.pk)
        except ValidationError as exc:
            (refund_form if action == "refund" else forfeit_form).add_error(None, exc)
        return self._render(refund_form=refund_form, forfeit_form=forfeit_form)

    def _render(self, refund_form=None, forfeit_form=None):
        deposit = _show_money(self.deposit)
        events = list(deposit.events.select_related("created_by", "posting"))
        for event in events:
            event.amount_display = format_money(event.amount, deposit.currency)
        held = deposit.status == Deposit.Status.HELD
        user = self.request.user
        if refund_form is None and held and services.may_handle(user, deposit.office):
            refund_form = RefundForm()
        if forfeit_form is None and held and services.may_forfeit(user, deposit.office):
            forfeit_form = ForfeitForm()
        # A form sent back with errors stays on the page even once the deposit is closed, to say why.
        context = {"deposit": deposit, "events": events, "refund_form": refund_form, "forfeit_form": forfeit_form}
        return self.render_to_response(self.get_context_data(**context))


class DepositReceiptView(View):
    def get(self, request, pk):
        if not may_see_deposits(request.user):
            raise PermissionDenied
        deposit = _show_money(get_deposit_or_404(request.user, pk))
        events = list(deposit.events.select_related("created_by"))
        for event in events:
            event.amount_display = format_money(event.amount, deposit.currency)
        return render(
            request,
            "deposits/receipt.html",
            {"deposit": deposit, "events": events, "back_url": reverse("deposits:detail", args=[deposit.pk])},
        )
