"""The merchant-staff screens of an outside firm's service orders, inside the merchant dashboard.

A firm that delivers special services is a marketplace merchant linked to a provider; its users see
the orders of that provider only (``orders_for_firm``), assign one of their people, and mark the job
started and finished. Another merchant's orders are a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from commerce.marketplace import services as market
from commerce.marketplace.models import Merchant

from . import services
from .forms import AssignForm
from .models import ServiceOrder

Status = ServiceOrder.Status
SHOWN = 200


def _merchant(request, mid) -> Merchant:
    try:
        return market.merchants_of(request.user).get(pk=mid)
    except (Merchant.DoesNotExist, ValueError):
        raise Http404 from None


def _order(merchant, pk) -> ServiceOrder:
    try:
        return services.orders_for_firm(merchant).get(pk=pk)
    except (ServiceOrder.DoesNotExist, ValueError):
        raise Http404 from None


@login_required
def firm_orders(request, mid):
    merchant = _merchant(request, mid)
    orders = services.orders_for_firm(merchant)
    status = request.GET.get("status", "open")
    if status == "open":
        orders = orders.filter(status__in=ServiceOrder.OPEN).order_by("slot_start", "pk")
    elif status in Status.values:
        orders = orders.filter(status=status)
    else:
        status = ""
    return render(
        request,
        "services_catalog/firm/orders.html",
        {
            "merchant": merchant,
            "orders": list(orders[:SHOWN]),
            "status": status,
            "statuses": Status.choices,
            "to_assign": services.orders_for_firm(merchant).filter(status=Status.CONFIRMED).count(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def firm_order(request, mid, pk):
    merchant = _merchant(request, mid)
    order = _order(merchant, pk)
    people = services.provider_people(order)
    form = AssignForm(people=people, initial={"person": order.assignee_id})
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "assign":
                form = AssignForm(request.POST, people=people)
                if not form.is_valid():
                    raise ValidationError(_("Choose one of your people."))
                services.assign(request.user, order, form.cleaned_data["person"])
                messages.success(request, _("Assigned to %(person)s.") % {"person": form.cleaned_data["person"]})
            elif action == "start":
                services.mark_started(request.user, order)
                messages.success(request, _("Marked as started."))
            elif action == "finish":
                services.mark_finished(request.user, order, request.POST.get("note", ""))
                messages.success(request, _("Marked as finished; the resident is asked to confirm."))
            else:
                raise ValidationError(_("Unknown action."))
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", None) or [str(exc)]))
            order.refresh_from_db()
            status = 422
        else:
            return redirect("services_catalog:firm_order", merchant.pk, order.pk)
    return render(
        request,
        "services_catalog/firm/order.html",
        {
            "merchant": merchant,
            "order": order,
            "form": form,
            "has_people": people.exists(),
            "can_assign": order.status in (Status.CONFIRMED, Status.ASSIGNED),
            "options": order.options.all(),
            "events": order.events.select_related("actor"),
        },
        status=status,
    )
