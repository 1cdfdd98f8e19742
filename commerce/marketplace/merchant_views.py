"""The merchant dashboard (site pages for merchant users): products, stock, orders, group buys, statements.

Everything is reached through ``_merchant``: the merchant must be one the user works for, and every
product or order is looked up within that merchant, so another merchant's rows are a 404.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Avg, Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from commerce.money import format_money

from . import services
from .forms import ApplicationForm, GroupBuyForm, PhotoForm, ProductForm, VariantFormSet
from .models import Merchant, Order, Product, ProductPhoto


def _merchant(request, mid) -> Merchant:
    try:
        return services.merchants_of(request.user).get(pk=mid)
    except (Merchant.DoesNotExist, ValueError):
        raise Http404 from None


def _errors(request, exc):
    messages.error(request, " ".join(getattr(exc, "messages", None) or [str(exc)]))


@login_required
def merchant_home(request):
    merchants = list(services.merchants_of(request.user))
    if len(merchants) == 1:
        return redirect("market_merchant", merchants[0].pk)
    return render(request, "marketplace/merchant/home.html", {"merchants": merchants})


@login_required
def apply(request):
    form = ApplicationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            merchant = services.apply(
                request.user,
                fields=form.service_fields(),
                categories=form.cleaned_data["categories"],
                communities=form.cleaned_data["communities"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Application sent. The platform staff will review it."))
            return redirect("market_merchant", merchant.pk)
    return render(request, "marketplace/merchant/apply.html", {"form": form})


@login_required
def dashboard(request, mid):
    merchant = _merchant(request, mid)
    orders = merchant.orders.select_related("unit__building__community")
    to_act = list(orders.filter(status__in=Order.OPEN_STATUSES).order_by("created_at")[:50])
    for o in to_act:
        o.total_display = format_money(o.total, o.currency)
    rating = merchant.reviews.aggregate(avg=Avg("rating"), count=Count("pk"))
    low_stock = (
        services.Variant.objects.filter(product__merchant=merchant, active=True, stock__lte=5)
        .select_related("product")
        .order_by("stock")[:10]
    )
    return render(
        request,
        "marketplace/merchant/dashboard.html",
        {
            "merchant": merchant,
            "to_act": to_act,
            "rating": rating,
            "low_stock": low_stock,
            "events": merchant.events.all(),
        },
    )


@login_required
def products(request, mid):
    merchant = _merchant(request, mid)
    rows = merchant.products.select_related("category").prefetch_related("variants")
    return render(request, "marketplace/merchant/products.html", {"merchant": merchant, "products": rows})


@login_required
def product_edit(request, mid, pk=None):
    merchant = _merchant(request, mid)
    product = get_object_or_404(merchant.products, pk=pk) if pk else Product(merchant=merchant)
    data = request.POST if request.method == "POST" and "image" not in request.FILES else None
    form = ProductForm(data, instance=product, merchant=merchant)
    variants = VariantFormSet(data, instance=product, prefix="v")
    photo_form = PhotoForm()
    if request.method == "POST" and "image" in request.FILES and product.pk:
        photo_form = PhotoForm(request.POST, request.FILES)
        if photo_form.is_valid():
            _save_photo(product, photo_form.cleaned_data["image"])
            messages.success(request, _("Photo added."))
            return redirect("market_merchant_product", merchant.pk, product.pk)
    elif data is not None and form.is_valid() and variants.is_valid():
        with transaction.atomic():
            product = form.save()
            variants.instance = product
            variants.save()
        messages.success(request, _("Saved %(name)s.") % {"name": product.name})
        return redirect("market_merchant_product", merchant.pk, product.pk)
    return render(
        request,
        "marketplace/merchant/product_form.html",
        {"merchant": merchant, "product": product, "form": form, "variants": variants, "photo_form": photo_form},
    )


def _save_photo(product, upload) -> ProductPhoto:
    """Store the photo re-encoded like work-order photos (upright, at most 2048 px, no EXIF/GPS)."""
    try:
        from portal.workorders.photos import reencode
    except ImportError:  # pragma: no cover - the work-order app always ships it
        return ProductPhoto.objects.create(product=product, image=upload)
    content, _width, _height = reencode(upload)
    photo = ProductPhoto(product=product)
    photo.image.save(f"{uuid.uuid4().hex}.jpg", content, save=False)
    photo.save()
    return photo


@login_required
def orders(request, mid):
    merchant = _merchant(request, mid)
    status = request.GET.get("status", "")
    rows = merchant.orders.select_related("unit__building__community").order_by("-created_at")
    if status in Order.Status.values:
        rows = rows.filter(status=status)
    rows = list(rows[:200])
    for o in rows:
        o.total_display = format_money(o.total, o.currency)
    return render(
        request,
        "marketplace/merchant/orders.html",
        {"merchant": merchant, "orders": rows, "statuses": Order.Status.choices, "status": status},
    )


ACTIONS = {
    "accept": services.accept_order,
    "ready": services.mark_ready,
    "deliver": services.mark_out_for_delivery,
    "complete": services.complete_order,
}


@login_required
def order_detail(request, mid, pk):
    merchant = _merchant(request, mid)
    order = get_object_or_404(merchant.orders.select_related("unit__building__community"), pk=pk)
    order.total_display = format_money(order.total, order.currency)
    lines = list(order.lines.all())
    for line in lines:
        line.amount_display = format_money(line.amount, order.currency)
    return render(
        request,
        "marketplace/merchant/order.html",
        {"merchant": merchant, "order": order, "lines": lines, "events": order.events.all(), "S": Order.Status},
    )


@login_required
@require_POST
def order_action(request, mid, pk, action):
    merchant = _merchant(request, mid)
    order = get_object_or_404(merchant.orders, pk=pk)
    try:
        if action == "cancel":
            services.cancel_order(order, by=request.user, reason=request.POST.get("reason", ""))
        elif action in ACTIONS:
            ACTIONS[action](order, by=request.user)
        else:
            raise Http404
        messages.success(request, _("Order %(number)s updated.") % {"number": order.number})
    except (ValidationError, PermissionDenied) as exc:
        _errors(request, exc)
    return redirect("market_merchant_order", merchant.pk, order.pk)


@login_required
def group_buys(request, mid):
    merchant = _merchant(request, mid)
    form = GroupBuyForm(request.POST or None, merchant=merchant)
    if request.method == "POST" and form.is_valid():
        try:
            services.create_group_buy(request.user, merchant, **form.cleaned_data)
            messages.success(request, _("Group buy published."))
            return redirect("market_merchant_group_buys", merchant.pk)
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, exc)
    rows = list(merchant.group_buys.select_related("variant__product").order_by("-deadline"))
    for gb in rows:
        gb.households = services.group_buy_households(gb)
        gb.price_display = format_money(gb.price)
    return render(request, "marketplace/merchant/group_buys.html", {"merchant": merchant, "rows": rows, "form": form})


@login_required
def settlements(request, mid):
    merchant = _merchant(request, mid)
    rows = list(merchant.settlements.all())
    for s in rows:
        for field in ("gross", "refunds", "commission", "net_payable"):
            setattr(s, f"{field}_display", format_money(getattr(s, field)))
    owed = format_money(services.owed_to(merchant))
    return render(request, "marketplace/merchant/settlements.html", {"merchant": merchant, "rows": rows, "owed": owed})


@login_required
def reviews(request, mid):
    merchant = _merchant(request, mid)
    return render(
        request,
        "marketplace/merchant/reviews.html",
        {
            "merchant": merchant,
            "reviews": merchant.reviews.select_related("order")[:100],
            "rating": merchant.reviews.aggregate(avg=Avg("rating"), count=Count("pk")),
        },
    )
