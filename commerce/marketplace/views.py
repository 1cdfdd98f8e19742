"""The resident's marketplace: the storefront of their community, cart, checkout, orders, group buys."""

from __future__ import annotations

import contextlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Avg, Count, Min, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from commerce.money import format_money
from portal.access import get_unit_for_resident_or_404, resident_units

from . import services
from .forms import ReviewForm
from .models import CartItem, Category, GroupBuy, Merchant, Order, Product, Variant

PAGE_SIZE = 24


def _errors(request, exc) -> None:
    messages.error(request, " ".join(getattr(exc, "messages", None) or [str(exc)]))


def _community(request):
    """The community whose storefront the resident sees: chosen with ?community=, else their first."""
    units = list(resident_units(request.user).order_by("pk"))
    communities = list({u.building.community.pk: u.building.community for u in units}.values())
    chosen = request.GET.get("community") or request.session.get("market_community")
    community = next((c for c in communities if str(c.pk) == str(chosen)), communities[0] if communities else None)
    if community is not None:
        request.session["market_community"] = community.pk
    return community, communities, units


def _cart_count(user) -> int:
    return CartItem.objects.filter(user=user).count()


@login_required
def storefront(request):
    community, communities, _units = _community(request)
    if community is None:
        return render(request, "marketplace/no_household.html")
    today = timezone.localdate()
    variants = services.storefront_variants(community)
    products = (
        Product.objects.filter(pk__in=variants.values("product"))
        .select_related("merchant", "category")
        .prefetch_related("photos", "variants")
    )
    q = request.GET.get("q", "").strip()
    category = request.GET.get("category", "")
    merchant = request.GET.get("merchant", "")
    sort = request.GET.get("sort", "")
    fulfilment = request.GET.get("fulfilment", "")
    if q:
        products = products.filter(Q(name__icontains=q) | Q(description__icontains=q) | Q(merchant__name__icontains=q))
    if category.isdigit():
        products = products.filter(category_id=category)
    if merchant.isdigit():
        products = products.filter(merchant_id=merchant)
    if fulfilment == "delivery":
        products = products.filter(merchant__offers_delivery=True)
    elif fulfilment == "pickup":
        products = products.filter(merchant__offers_pickup=True)
    if sort == "price":
        products = products.annotate(lowest=Min("variants__price")).order_by("lowest", "pk")
    else:
        products = products.order_by("name", "pk")
    page = Paginator(products, PAGE_SIZE).get_page(request.GET.get("page"))
    for product in page:
        _decorate(product, today)
    specials = [
        v
        for v in variants.filter(special_month__year=today.year, special_month__month=today.month)
        .exclude(special_price=None)
        .select_related("product__merchant")[:8]
    ]
    for v in specials:
        v.price_display = format_money(v.special_price)
        v.was_display = format_money(v.price)
    group_buys = (
        GroupBuy.objects.filter(
            status=GroupBuy.Status.OPEN, deadline__gt=timezone.now(), merchant__communities=community
        )
        .filter(merchant__status=Merchant.Status.APPROVED)
        .select_related("variant__product", "merchant")[:6]
    )
    return render(
        request,
        "marketplace/storefront.html",
        {
            "community": community,
            "communities": communities,
            "page": page,
            "specials": specials,
            "group_buys": [_decorate_group_buy(g) for g in group_buys],
            "categories": Category.objects.filter(merchants__communities=community).distinct(),
            "merchants": Merchant.objects.filter(status=Merchant.Status.APPROVED, communities=community),
            "filters": {"q": q, "category": category, "merchant": merchant, "sort": sort, "fulfilment": fulfilment},
            "cart_count": _cart_count(request.user),
            "query": _query(request),
        },
    )


def _query(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return f"{params.urlencode()}&" if params else ""


def _decorate(product, today):
    variants = [v for v in product.variants.all() if v.active]
    prices = [v.price_on(today) for v in variants]
    product.from_price = min(prices) if prices else None
    product.from_price_display = format_money(product.from_price) if prices else ""
    product.on_special = any(v.is_special_on(today) for v in variants)
    product.in_stock = any(v.stock > 0 for v in variants)
    product.first_photo = next(iter(product.photos.all()), None)
    return product


def _decorate_group_buy(group_buy):
    group_buy.households = services.group_buy_households(group_buy)
    group_buy.price_display = format_money(group_buy.price)
    group_buy.progress = min(100, round(100 * group_buy.households / group_buy.min_households))
    return group_buy


def _visible_product(request, pk):
    community, communities, _units = _community(request)
    product = get_object_or_404(
        Product.objects.select_related("merchant", "category"),
        pk=pk,
        active=True,
        merchant__status=Merchant.Status.APPROVED,
        merchant__communities__in=communities,
    )
    return product


@login_required
def product_detail(request, pk):
    product = _visible_product(request, pk)
    today = timezone.localdate()
    variants = list(product.variants.filter(active=True))
    for v in variants:
        v.price_display = format_money(v.price_on(today))
        v.on_special = v.is_special_on(today)
        v.was_display = format_money(v.price)
    rating = product.merchant.reviews.aggregate(avg=Avg("rating"), count=Count("pk"))
    return render(
        request,
        "marketplace/product.html",
        {
            "product": product,
            "variants": variants,
            "photos": product.photos.all(),
            "rating": rating,
            "reviews": product.merchant.reviews.all()[:5],
            "cart_count": _cart_count(request.user),
        },
    )


@login_required
@require_POST
def add_to_cart(request):
    variant = get_object_or_404(Variant.objects.select_related("product__merchant"), pk=request.POST.get("variant"))
    _visible_product(request, variant.product_id)
    try:
        services.add_to_cart(request.user, variant, request.POST.get("quantity", "1"))
        messages.success(request, _("Added %(item)s to your cart.") % {"item": variant})
    except ValidationError as exc:
        _errors(request, exc)
        return redirect("market_product", variant.product_id)
    return redirect("market_cart")


@login_required
def cart(request):
    if request.method == "POST":
        try:
            for key, value in request.POST.items():
                if key.startswith("qty-"):
                    services.set_cart_quantity(request.user, key[4:], value)
        except ValidationError as exc:
            _errors(request, exc)
        return redirect("market_cart")
    groups = services.cart_by_merchant(request.user)
    orders, grand = [], services.ZERO
    for merchant, items in groups.items():
        subtotal = sum((i.amount for i in items), services.ZERO)
        grand += subtotal
        for i in items:
            i.amount_display = format_money(i.amount)
            i.price_display = format_money(i.unit_price)
        orders.append({"merchant": merchant, "items": items, "subtotal": format_money(subtotal)})
    units = resident_units(request.user).order_by("pk")
    return render(
        request,
        "marketplace/cart.html",
        {"orders": orders, "total": format_money(grand), "units": units, "fulfilments": Order.Fulfilment},
    )


def _start_payment(request, unit, bills):
    """Send the resident to the gateway for these bills, back to their orders afterwards."""
    from commerce.payments import services as payments
    from commerce.payments.gateways import get_gateway

    due = [bill for bill in bills if payments.outstanding(bill) > 0]
    if not due:
        return redirect("market_orders")
    gateway = get_gateway()
    payment = payments.pay_online(request.user, unit, due, gateway=gateway.name)
    return redirect(gateway.start(payment, reverse("market_payment_done", args=[payment.pk])))


@login_required
@require_POST
def checkout(request):
    from commerce.payments.gateways import GatewayUnavailable

    unit = get_unit_for_resident_or_404(request.user, request.POST.get("unit"))
    choices = {
        int(key.split("-", 1)[1]): value
        for key, value in request.POST.items()
        if key.startswith("fulfilment-") and key.split("-", 1)[1].isdigit()
    }
    try:
        orders = services.checkout(request.user, unit, choices, note=request.POST.get("note", ""))
    except (ValidationError, PermissionDenied) as exc:
        _errors(request, exc)
        return redirect("market_cart")
    try:
        return _start_payment(request, unit, [o.bill for o in orders])
    except (ValidationError, PermissionDenied, GatewayUnavailable) as exc:
        _errors(request, exc)
        return redirect("market_orders")


@login_required
def payment_done(request, pk):
    from commerce.payments.gateways import GatewayUnavailable, get_gateway
    from commerce.payments.models import Payment

    payment = get_object_or_404(Payment, pk=pk, unit__in=resident_units(request.user), created_by=request.user)
    if payment.gateway:
        with contextlib.suppress(GatewayUnavailable):
            payment = get_gateway(payment.gateway).handle_return(request, payment)
    if payment.status == Payment.Status.SUCCEEDED:
        messages.success(request, _("Paid. The merchant has your order."))
    elif payment.status in Payment.OPEN:
        messages.warning(request, _("The payment is still being confirmed; your order is confirmed once it is."))
    else:
        messages.error(request, _("The payment did not go through; pay the order from its page."))
    return redirect("market_orders")


def _own_order(request, pk) -> Order:
    try:
        return services.resident_orders(request.user).select_related("merchant", "unit__building__community").get(pk=pk)
    except (Order.DoesNotExist, ValueError):
        raise Http404 from None


@login_required
def orders(request):
    rows = services.resident_orders(request.user).select_related("merchant").order_by("-created_at")[:100]
    for o in rows:
        o.total_display = format_money(o.total, o.currency)
    return render(request, "marketplace/orders.html", {"orders": rows})


@login_required
def order_detail(request, pk):
    order = _own_order(request, pk)
    order.total_display = format_money(order.total, order.currency)
    lines = list(order.lines.all())
    for line in lines:
        line.amount_display = format_money(line.amount, order.currency)
    return render(
        request,
        "marketplace/order.html",
        {
            "order": order,
            "lines": lines,
            "events": order.events.all(),
            "review": getattr(order, "review", None),
            "review_form": ReviewForm(),
            "may_cancel": order.status in (Order.Status.PENDING, Order.Status.PAID),
            "may_dispute": order.can_become(Order.Status.DISPUTED),
            "may_pay": order.status == Order.Status.PENDING and order.bill_id,
        },
    )


@login_required
@require_POST
def order_action(request, pk, action):
    order = _own_order(request, pk)
    try:
        if action == "cancel":
            services.cancel_order(
                order, by=request.user, reason=request.POST.get("reason") or _("Cancelled by the buyer")
            )
            messages.success(request, _("Order cancelled. Anything paid is refunded."))
        elif action == "dispute":
            services.open_dispute(order, by=request.user, reason=request.POST.get("reason", ""))
            messages.success(request, _("The platform staff will look into it."))
        elif action == "review":
            services.review_order(
                order, by=request.user, rating=request.POST.get("rating"), comment=request.POST.get("comment", "")
            )
            messages.success(request, _("Thank you for your review."))
        elif action == "pay":
            return _start_payment(request, order.unit, [order.bill] if order.bill_id else [])
        else:
            raise Http404
    except (ValidationError, PermissionDenied) as exc:
        _errors(request, exc)
    return redirect("market_order", order.pk)


def _visible_group_buy(request, pk):
    _community_, communities, _units = _community(request)
    return get_object_or_404(
        GroupBuy.objects.select_related("variant__product", "merchant"),
        pk=pk,
        merchant__communities__in=communities,
    )


@login_required
def group_buy(request, pk):
    gb = _decorate_group_buy(_visible_group_buy(request, pk))
    joined = gb.orders.filter(unit__in=resident_units(request.user)).exclude(status=Order.Status.CANCELLED)
    units = [
        u for u in resident_units(request.user) if gb.merchant.communities.filter(pk=u.building.community_id).exists()
    ]
    return render(
        request,
        "marketplace/group_buy.html",
        {"gb": gb, "joined": joined.first(), "units": units, "fulfilments": Order.Fulfilment},
    )


@login_required
@require_POST
def join_group_buy(request, pk):
    from commerce.payments.gateways import GatewayUnavailable

    gb = _visible_group_buy(request, pk)
    unit = get_unit_for_resident_or_404(request.user, request.POST.get("unit"))
    try:
        order = services.join_group_buy(request.user, unit, gb, fulfilment=request.POST.get("fulfilment", ""))
        return _start_payment(request, unit, [order.bill])
    except (ValidationError, PermissionDenied, GatewayUnavailable) as exc:
        _errors(request, exc)
        return redirect("market_group_buy", gb.pk)
