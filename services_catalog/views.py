"""Resident pages (the menu, ordering, my orders) and the provider person's job pages.

Views parse and authorize through ``portal.access``; every change goes through ``services``.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from commerce.money import format_money
from commerce.payments.gateways import GatewayUnavailable, get_gateway
from portal.access import get_unit_for_resident_or_404, resident_units

from . import services
from .models import Service, ServiceOrder

Status = ServiceOrder.Status


def _refusal(exc) -> str:
    return " ".join(getattr(exc, "messages", None) or [str(exc)])


def _chosen_unit(request):
    """The household the resident is ordering for: ``?unit=`` or their first one."""
    units = resident_units(request.user).order_by("pk")
    wanted = request.GET.get("unit") or request.POST.get("unit")
    if wanted:
        return get_unit_for_resident_or_404(request.user, wanted), units
    return units.first(), units


@login_required
def menu(request):
    unit, units = _chosen_unit(request)
    categories = {}
    if unit is not None:
        for service in services.services_for_unit(unit).order_by("category__sort_order", "sort_order", "name"):
            service.price_label = services.posted_price(service)
            categories.setdefault(service.category, []).append(service)
    return render(
        request,
        "services_catalog/menu.html",
        {
            "unit": unit,
            "units": units,
            "categories": categories.items(),
            "has_jobs": services.jobs_for(request.user).exists(),
        },
    )


def _service_for(unit, pk) -> Service:
    try:
        return services.services_for_unit(unit).get(pk=pk)
    except (Service.DoesNotExist, ValueError):
        raise Http404 from None


def _order_context(request, unit, service, form_data=None):
    slots = services.available_slots(service)
    data = form_data or {}
    quantity = data.get("quantity") or service.min_text
    preview, preview_error = _preview(service, quantity, data.getlist("option") if form_data else [])
    return {
        "unit": unit,
        "service": service,
        "price_label": services.posted_price(service),
        "slots": slots,
        "photos": list(service.photos.all()),
        "options": [(o, format_money(o.price)) for o in service.options.all()],
        "methods": [
            (value, label)
            for value, label in ServiceOrder.Payment.choices
            if value != ServiceOrder.Payment.HOUSEHOLD or service.allow_household_charge
        ],
        "request_key": data.get("request_key") or uuid.uuid4().hex,
        "data": data,
        "chosen_options": data.getlist("option") if form_data else [],
        "quantity": quantity,
        "preview": preview,
        "preview_error": preview_error,
        "weekdays": [label for value, label in _weekday_labels() if value in service.weekdays],
    }


def _weekday_labels():
    from .models import WEEKDAYS

    return WEEKDAYS


def _preview(service, quantity, option_ids):
    if service.is_quote:
        return "", ""
    try:
        amount = services.compute_price(
            service, services.parse_quantity(service, quantity), services.chosen_options(service, option_ids)
        )
    except ValidationError as exc:
        return "", _refusal(exc)
    return format_money(amount), ""


@login_required
@require_http_methods(["GET", "POST"])
def service_detail(request, pk):
    unit, _units = _chosen_unit(request)
    if unit is None:
        raise Http404
    service = _service_for(unit, pk)
    if request.method == "POST":
        try:
            order = services.place_order(
                request.user,
                unit,
                service,
                slot_start=services.parse_slot(request.POST.get("slot")),
                quantity=request.POST.get("quantity", "1"),
                option_ids=request.POST.getlist("option"),
                note=request.POST.get("note", ""),
                payment_method=request.POST.get("payment", ""),
                request_key=request.POST.get("request_key", ""),
            )
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _refusal(exc))
            context = _order_context(request, unit, service, request.POST)
            return render(request, "services_catalog/service.html", context, status=422)
        return _after_order(request, order)
    return render(request, "services_catalog/service.html", _order_context(request, unit, service))


@login_required
@require_POST
def price_preview(request, pk):
    """htmx: the price of the current choices, recomputed as the resident changes them."""
    unit, _units = _chosen_unit(request)
    if unit is None:
        raise Http404
    service = _service_for(unit, pk)
    preview, error = _preview(service, request.POST.get("quantity", "1"), request.POST.getlist("option"))
    return render(request, "services_catalog/_price.html", {"preview": preview, "preview_error": error})


def _after_order(request, order):
    if order.status == Status.AWAITING_PAYMENT:
        return _pay(request, order)
    if order.status == Status.QUOTE_REQUESTED:
        messages.success(
            request, _("Your quote request %(ref)s is sent; the office will answer soon.") % {"ref": order.reference}
        )
    elif order.status == Status.CONFIRMED:
        messages.success(request, _("Booked: order %(ref)s is confirmed.") % {"ref": order.reference})
    return redirect("services_catalog:order", pk=order.pk)


def _pay(request, order):
    try:
        gateway = get_gateway()
        payment = services.start_online_payment(request.user, order, gateway=gateway.name)
        return redirect(gateway.start(payment, reverse("payment_result", args=[payment.pk])))
    except (ValidationError, PermissionDenied, GatewayUnavailable) as exc:
        messages.error(request, _refusal(exc))
        return redirect("services_catalog:order", pk=order.pk)


@login_required
def my_orders(request):
    orders = services.orders_for_resident(request.user)[:100]
    for order in orders:
        order.amount_display = format_money(order.amount) if order.amount is not None else ""
    return render(
        request,
        "services_catalog/orders.html",
        {"orders": orders, "has_jobs": services.jobs_for(request.user).exists()},
    )


def _own_order(user, pk) -> ServiceOrder:
    try:
        return services.orders_for_resident(user).get(pk=pk)
    except (ServiceOrder.DoesNotExist, ValueError):
        raise Http404 from None


def _order_page(request, order, status=200):
    order = services.sync_payment(order)
    return render(
        request,
        "services_catalog/order.html",
        {
            "order": order,
            "amount": format_money(order.amount) if order.amount is not None else "",
            "kept": format_money(order.kept_on_cancel) if order.kept_on_cancel else "",
            "fee_now": format_money(services.cancellation_fee(order)),
            "fee_is_due": services.cancellation_fee(order) > 0,
            "can_cancel": order.can_become(Status.CANCELLED),
            "methods": [
                (value, label)
                for value, label in ServiceOrder.Payment.choices
                if value != ServiceOrder.Payment.HOUSEHOLD or order.service.allow_household_charge
            ],
            "options": order.options.all(),
            "events": order.events.select_related("actor"),
            "stars": range(1, 6),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def order_detail(request, pk):
    order = _own_order(request.user, pk)
    if request.method == "GET":
        return _order_page(request, order)
    action = request.POST.get("action")
    try:
        if action == "accept":
            order = services.accept_quote(request.user, order, request.POST.get("payment", ""))
            return _after_order(request, order)
        if action == "pay":
            return _pay(request, order)
        if action == "cancel":
            order = services.cancel_by_resident(request.user, order, request.POST.get("reason", ""))
            messages.success(request, _("Order %(ref)s is cancelled.") % {"ref": order.reference})
        elif action == "rate":
            services.confirm_and_rate(request.user, order, request.POST.get("rating"), request.POST.get("comment", ""))
            messages.success(request, _("Thank you for rating the service."))
        else:
            raise ValidationError(_("Unknown action."))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _refusal(exc))
        order.refresh_from_db()
        return _order_page(request, order, status=422)
    return redirect("services_catalog:order", pk=order.pk)


# --- the provider person's jobs --------------------------------------------------------------


@login_required
def jobs(request):
    return render(request, "services_catalog/jobs.html", {"jobs": services.jobs_for(request.user)[:100]})


@login_required
@require_http_methods(["GET", "POST"])
def job_detail(request, pk):
    job = get_object_or_404(services.jobs_for(request.user), pk=pk)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "start":
                services.mark_started(request.user, job)
                messages.success(request, _("Marked as started."))
            elif request.POST.get("action") == "finish":
                services.mark_finished(request.user, job, request.POST.get("note", ""))
                messages.success(request, _("Marked as finished; the resident is asked to confirm."))
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _refusal(exc))
        return redirect("services_catalog:job", pk=job.pk)
    return render(
        request, "services_catalog/job.html", {"job": job, "options": job.options.all(), "events": job.events.all()}
    )
