"""Who hears about what in the marketplace (texts in notification_events.py)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.urls import reverse

from commerce.money import format_money
from notifications.services import notify
from portal.people.models import StaffMembership, StaffRole

from .models import GroupBuy, Merchant, Order


def _merchant_users(merchant: Merchant):
    return get_user_model().objects.filter(merchant_memberships__merchant=merchant, merchant_memberships__active=True)


def _household_users(order: Order):
    from portal.people.models import ResidentMembership

    return get_user_model().objects.filter(
        pk__in=ResidentMembership.objects.active().filter(unit=order.unit).values("user")
    )


def _platform_users(merchant: Merchant):
    return get_user_model().objects.filter(
        pk__in=StaffMembership.objects.active()
        .filter(company=merchant.company, role=StaffRole.HEADQUARTERS)
        .values("user")
    )


def _order_context(order: Order, **extra):
    return {
        "number": order.number,
        "merchant": order.merchant.name,
        "total": format_money(order.total, order.currency),
        "unit": str(order.unit),
        "status": order.get_status_display(),
        **extra,
    }


def merchant_applied(merchant: Merchant):
    notify(_platform_users(merchant), "market.merchant_applied", {"merchant": merchant.name})


def merchant_status_changed(merchant: Merchant):
    notify(
        _merchant_users(merchant),
        "market.merchant_status",
        {"merchant": merchant.name, "status": merchant.get_status_display(), "note": merchant.status_note},
        url=reverse("market_merchant_home"),
    )


def order_paid(order: Order):
    notify(
        _merchant_users(order.merchant),
        "market.order_paid",
        _order_context(order),
        url=reverse("market_merchant_order", args=[order.merchant_id, order.pk]),
    )


def order_moved(order: Order):
    notify(
        _household_users(order),
        "market.order_status",
        _order_context(order),
        url=reverse("market_order", args=[order.pk]),
    )


def order_cancelled(order: Order):
    last = order.events.order_by("-at", "-id").first()
    context = _order_context(order, reason=last.note if last else "")
    users = list(_household_users(order)) + list(_merchant_users(order.merchant))
    notify(users, "market.order_cancelled", context, url=reverse("market_order", args=[order.pk]))


def order_disputed(order: Order):
    last = order.events.order_by("-at", "-id").first()
    notify(
        list(_platform_users(order.merchant)) + list(_merchant_users(order.merchant)),
        "market.order_disputed",
        _order_context(order, reason=last.note if last else ""),
    )


def group_buy_decided(group_buy: GroupBuy):
    from .services import group_buy_households

    context = {
        "title": group_buy.title,
        "households": group_buy_households(group_buy),
        "minimum": group_buy.min_households,
    }
    joined = get_user_model().objects.filter(market_orders__group_buy=group_buy).distinct()
    if group_buy.status == GroupBuy.Status.SUCCEEDED:
        notify(list(_merchant_users(group_buy.merchant)) + list(joined), "market.group_buy_succeeded", context)
    else:
        notify(list(_merchant_users(group_buy.merchant)) + list(joined), "market.group_buy_failed", context)
