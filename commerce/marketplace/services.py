"""Every state change of the marketplace: one function per change.

Money design (see also the app's README in the report): an order is charged to the household as a
one-off bill of the office's "market" charge item (``issue_charge``, key and source
``market:order:<id>``), so the resident pays it through the portal's gateway and sees it in "My
bills". When that bill is paid (the payments bill-paid hook) the order becomes paid and one posting
moves the money out of the office's income into what the platform owes the merchant
(``MERCHANT_PAYABLE``) and the platform's commission (``PLATFORM_COMMISSION``). A cancellation
reverses that posting and cancels the charge (which refunds what was paid). A settlement pays out
the merchant payable. Each merchant has its own payable account (``merchant_payable_account``), and
a settlement's net payable is read from the entries its orders left in that account.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from commerce.ledger import services as ledger
from commerce.ledger.models import AccountKind, Posting
from commerce.money import round_money
from portal import access

from .models import (
    ZERO,
    CartItem,
    Category,
    GroupBuy,
    Merchant,
    MerchantEvent,
    MerchantMember,
    Order,
    OrderEvent,
    OrderLine,
    Review,
    Settlement,
    Variant,
)

log = logging.getLogger(__name__)

CHARGE_CODE = "market"
PAYABLE_CODE = "merchant:"  # the merchant payable account's code: "merchant:<id>"
MOVED = ":moved"  # suffix of the key that moved a split from the company-wide payable (migration 0003)
MAX_QUANTITY = 99


# --- who is who ---------------------------------------------------------------------------------


def merchants_of(user):
    """The merchants a user works for (active memberships)."""
    if not getattr(user, "is_authenticated", False):
        return Merchant.objects.none()
    return Merchant.objects.filter(members__user=user, members__active=True).distinct()


def is_member(user, merchant: Merchant) -> bool:
    return merchants_of(user).filter(pk=merchant.pk).exists()


def platform_company_ids(user) -> set[int] | None:
    """Companies whose marketplace the user runs (headquarters); ``None`` means all (superuser)."""
    if getattr(user, "is_superuser", False):
        return None
    return access.headquarters_company_ids(user)


def is_platform_staff(user, company=None) -> bool:
    ids = platform_company_ids(user)
    if ids is None:
        return True
    return bool(ids) if company is None else getattr(company, "pk", company) in ids


def platform_scope(user, queryset, path: str = "company"):
    ids = platform_company_ids(user)
    if ids is None:
        return queryset
    return queryset.filter(**{f"{path}__in": ids})


def _require_platform(user, merchant: Merchant) -> None:
    if not is_platform_staff(user, merchant.company_id):
        raise PermissionDenied(_("Only the platform's staff can do this."))


def _require_member(user, merchant: Merchant) -> None:
    if not is_member(user, merchant):
        raise PermissionDenied(_("You do not work for this merchant."))


# --- merchants ----------------------------------------------------------------------------------


def _merchant_event(merchant, old, new, by, note=""):
    MerchantEvent.objects.create(
        merchant=merchant,
        old_status=old,
        new_status=new,
        note=note[:300],
        by=by if getattr(by, "is_authenticated", False) else None,
    )


@transaction.atomic
def apply(user, *, fields: dict, categories: Iterable[Category], communities: Iterable) -> Merchant:
    """A business applies to sell; the applicant becomes the merchant's owner member."""
    communities = list(communities)
    categories = list(categories)
    if not communities:
        raise ValidationError(_("Choose at least one community you will serve."), code="communities")
    if not categories:
        raise ValidationError(_("Choose at least one category."), code="categories")
    companies = {c.office.region.company_id for c in communities}
    if len(companies) != 1:
        raise ValidationError(_("Choose communities of one property company only."), code="company")
    company_id = companies.pop()
    if any(c.company_id != company_id for c in categories):
        raise ValidationError(_("Choose categories of the same platform."), code="categories")
    if not (fields.get("offers_delivery") or fields.get("offers_pickup")):
        raise ValidationError(_("Offer delivery, pickup or both."), code="fulfilment")
    if fields.get("offers_pickup") and not (fields.get("pickup_point") or "").strip():
        raise ValidationError(_("Say where customers pick their orders up."), code="pickup_point")
    merchant = Merchant(**fields, company_id=company_id, applied_by=user, status=Merchant.Status.APPLIED)
    merchant.full_clean(exclude=["categories", "communities", "company"])
    merchant.save()
    merchant.categories.set(categories)
    merchant.communities.set(communities)
    MerchantMember.objects.create(merchant=merchant, user=user, role=MerchantMember.Role.OWNER)
    _merchant_event(merchant, "", merchant.status, user, _("Application received"))
    from .notify import merchant_applied

    merchant_applied(merchant)
    return merchant


def _move_merchant(merchant: Merchant, status: str, by, note: str) -> Merchant:
    _require_platform(by, merchant)
    with transaction.atomic():
        merchant = Merchant.objects.select_for_update().get(pk=merchant.pk)
        merchant.check_transition(status)
        old = merchant.status
        merchant.status = status
        merchant.status_note = note[:300]
        merchant.save(update_fields=["status", "status_note"])
        _merchant_event(merchant, old, status, by, note)
    from .notify import merchant_status_changed

    merchant_status_changed(merchant)
    return merchant


def approve_merchant(merchant: Merchant, *, by, note: str = "") -> Merchant:
    return _move_merchant(merchant, Merchant.Status.APPROVED, by, note)


def reject_merchant(merchant: Merchant, *, by, note: str) -> Merchant:
    if not (note or "").strip():
        raise ValidationError(_("Say why the application is rejected; the applicant sees it."), code="note")
    return _move_merchant(merchant, Merchant.Status.REJECTED, by, note.strip())


def suspend_merchant(merchant: Merchant, *, by, note: str) -> Merchant:
    if not (note or "").strip():
        raise ValidationError(_("Say why the merchant is suspended."), code="note")
    return _move_merchant(merchant, Merchant.Status.SUSPENDED, by, note.strip())


def commission_rate(merchant: Merchant, category: Category) -> Decimal:
    return merchant.commission_rate if merchant.commission_rate is not None else category.commission_rate


# --- storefront ---------------------------------------------------------------------------------


def storefront_variants(community, today: datetime.date | None = None):
    """Variants on sale in a community: approved merchants serving it, active products and variants."""
    return Variant.objects.filter(
        active=True,
        product__active=True,
        product__merchant__status=Merchant.Status.APPROVED,
        product__merchant__communities=community,
    ).select_related("product__merchant", "product__category")


def _check_sellable(variant: Variant, community) -> None:
    merchant = variant.product.merchant
    if merchant.status != Merchant.Status.APPROVED:
        raise ValidationError(
            _("%(merchant)s is not selling at the moment.") % {"merchant": merchant.name}, code="merchant_closed"
        )
    if not (variant.active and variant.product.active):
        raise ValidationError(_("%(item)s is no longer on sale.") % {"item": variant}, code="inactive")
    if community is not None and not merchant.communities.filter(pk=community.pk).exists():
        raise ValidationError(
            _("%(merchant)s does not serve %(community)s.") % {"merchant": merchant.name, "community": community.name},
            code="community",
        )


def _check_quantity(quantity) -> int:
    try:
        quantity = int(quantity)
    except (TypeError, ValueError):
        raise ValidationError(_("Enter a whole number of items."), code="quantity") from None
    if quantity < 1 or quantity > MAX_QUANTITY:
        raise ValidationError(_("The quantity must be between 1 and %(max)s.") % {"max": MAX_QUANTITY}, code="quantity")
    return quantity


def add_to_cart(user, variant: Variant, quantity) -> CartItem:
    quantity = _check_quantity(quantity)
    _check_sellable(variant, None)
    with transaction.atomic():
        item, created = CartItem.objects.select_for_update().get_or_create(
            user=user, variant=variant, defaults={"quantity": quantity}
        )
        if not created:
            item.quantity = min(item.quantity + quantity, MAX_QUANTITY)
            item.save(update_fields=["quantity"])
    if item.quantity > variant.stock:
        raise ValidationError(
            _("Only %(stock)s of %(item)s left.") % {"stock": variant.stock, "item": variant}, code="stock"
        )
    return item


def set_cart_quantity(user, item_id, quantity) -> None:
    quantity = int(quantity) if str(quantity).lstrip("-").isdigit() else -1
    if quantity == 0:
        CartItem.objects.filter(user=user, pk=item_id).delete()
        return
    quantity = _check_quantity(quantity)
    CartItem.objects.filter(user=user, pk=item_id).update(quantity=quantity)


def cart_by_merchant(user, today=None) -> dict[Merchant, list[CartItem]]:
    today = today or timezone.localdate()
    groups: dict[Merchant, list[CartItem]] = defaultdict(list)
    for item in CartItem.objects.filter(user=user).select_related(
        "variant__product__merchant", "variant__product__category"
    ):
        item.unit_price = item.variant.price_on(today)
        item.amount = item.unit_price * item.quantity
        groups[item.variant.product.merchant].append(item)
    return dict(groups)


# --- orders -------------------------------------------------------------------------------------


def _take_stock(variant: Variant, quantity: int) -> None:
    """Decrement stock only if enough is left: one conditional UPDATE, safe under concurrency."""
    taken = Variant.objects.filter(pk=variant.pk, stock__gte=quantity).update(stock=F("stock") - quantity)
    if not taken:
        left = Variant.objects.filter(pk=variant.pk).values_list("stock", flat=True).first() or 0
        raise ValidationError(
            _("Only %(stock)s of %(item)s left; you asked for %(quantity)s.")
            % {"stock": left, "item": variant, "quantity": quantity},
            code="stock",
        )


def _return_stock(order: Order) -> None:
    for line in order.lines.all():
        Variant.objects.filter(pk=line.variant_id).update(stock=F("stock") + line.quantity)


def _order_event(order, old, new, by, note=""):
    OrderEvent.objects.create(
        order=order,
        old_status=old,
        new_status=new,
        note=(note or "")[:300],
        by=by if getattr(by, "is_authenticated", False) else None,
    )


def _currency(unit) -> str:
    return (unit.building.community.office.region.company.currency or "CNY").upper()


def place_order(
    user,
    unit,
    merchant: Merchant,
    items: list[tuple[Variant, int]],
    *,
    fulfilment: str,
    note: str = "",
    group_buy: GroupBuy | None = None,
    unit_price: Decimal | None = None,
) -> Order:
    """One merchant's order for one household, stock taken at once; awaits payment."""
    if not access.resident_units(user).filter(pk=unit.pk).exists():
        raise PermissionDenied(_("You can only order for your own household."))
    community = unit.building.community
    if fulfilment not in Order.Fulfilment.values:
        raise ValidationError(_("Choose delivery or pickup."), code="fulfilment")
    if fulfilment == Order.Fulfilment.DELIVERY and not merchant.offers_delivery:
        raise ValidationError(_("%(merchant)s does not deliver.") % {"merchant": merchant.name}, code="fulfilment")
    if fulfilment == Order.Fulfilment.PICKUP and not merchant.offers_pickup:
        raise ValidationError(_("%(merchant)s does not offer pickup.") % {"merchant": merchant.name}, code="fulfilment")
    if not items:
        raise ValidationError(_("The order is empty."), code="empty")
    today = timezone.localdate()
    with transaction.atomic():
        lines = []
        for variant, quantity in items:
            quantity = _check_quantity(quantity)
            if variant.product.merchant_id != merchant.pk:
                raise ValidationError(_("An item belongs to another merchant."), code="merchant")
            _check_sellable(variant, community)
            price = unit_price if unit_price is not None else variant.price_on(today)
            rate = commission_rate(merchant, variant.product.category)
            amount = round_money(price * quantity)
            lines.append((variant, quantity, price, amount, rate))
        total = sum((amount for *_rest, amount, _rate in lines), ZERO)
        commission = sum((round_money(amount * rate) for *_rest, amount, rate in lines), ZERO)
        order = Order.objects.create(
            merchant=merchant,
            unit=unit,
            community=community,
            placed_by=user,
            group_buy=group_buy,
            fulfilment=fulfilment,
            note=(note or "")[:300],
            total=total,
            commission=commission,
            currency=_currency(unit),
        )
        for variant, quantity, price, amount, rate in lines:
            _take_stock(variant, quantity)
            OrderLine.objects.create(
                order=order,
                variant=variant,
                description=str(variant)[:200],
                unit_price=price,
                quantity=quantity,
                amount=amount,
                commission_rate=rate,
            )
        _order_event(order, "", order.status, user)
    return order


def checkout(user, unit, fulfilment_by_merchant: dict[int, str], note: str = "") -> list[Order]:
    """Split the cart into one order per merchant, take the stock, charge each order to the household.

    All or nothing: one refused item (stock, a suspended merchant…) refuses the whole checkout and
    changes nothing. The cart is emptied only when every order is placed.
    """
    groups = cart_by_merchant(user)
    if not groups:
        raise ValidationError(_("Your cart is empty."), code="empty")
    with transaction.atomic():
        orders = []
        for merchant, cart_items in groups.items():
            order = place_order(
                user,
                unit,
                merchant,
                [(item.variant, item.quantity) for item in cart_items],
                fulfilment=fulfilment_by_merchant.get(merchant.pk, ""),
                note=note,
            )
            charge(order)
            orders.append(order)
        CartItem.objects.filter(user=user).delete()
    return orders


def market_item(office):
    """The office's one-off charge item that carries marketplace orders to the household's bills."""
    from commerce.billing.models import ChargeItem

    item = ChargeItem.objects.filter(office=office, code=CHARGE_CODE).first()
    if item is None:
        try:
            with transaction.atomic():
                item = ChargeItem.objects.create(
                    office=office, code=CHARGE_CODE, name=_("Marketplace order"), kind=ChargeItem.Kind.ONE_OFF
                )
        except IntegrityError:
            item = ChargeItem.objects.get(office=office, code=CHARGE_CODE)
    return item


def order_source(order: Order) -> str:
    return f"market:order:{order.pk}"


def charge(order: Order):
    """Charge the order to the household as a one-off bill (once per order)."""
    from commerce.billing.one_off import issue_charge

    if order.bill_id:
        return order.bill
    office = order.unit.building.community.office
    bill = issue_charge(
        order.unit,
        market_item(office),
        order.total,
        key=order_source(order),
        source=order_source(order),
        note=_("Marketplace order %(number)s from %(merchant)s")
        % {"number": order.number, "merchant": order.merchant.name},
        by=order.placed_by,
    )
    Order.objects.filter(pk=order.pk).update(bill=bill)
    order.bill = bill
    return bill


def _split_key(order: Order) -> str:
    return f"market:order:{order.pk}:split"


def merchant_payable_account(merchant: Merchant):
    """The ledger account of what the platform owes one merchant (made on first use)."""
    account = ledger.system_account(
        merchant.company, AccountKind.MERCHANT_PAYABLE, charge_code=f"{PAYABLE_CODE}{merchant.pk}"
    )
    name = f"{AccountKind.MERCHANT_PAYABLE.label}: {merchant.name}"[:200]
    if account.name != name:
        type(account).objects.filter(pk=account.pk).update(name=name)
        account.name = name
    return account


def owed_to(merchant: Merchant) -> Decimal:
    """What the platform owes the merchant now, per the ledger (paid orders not yet paid out)."""
    from commerce.ledger.models import Account

    account = Account.objects.filter(
        company_id=merchant.company_id,
        kind=AccountKind.MERCHANT_PAYABLE,
        charge_code=f"{PAYABLE_CODE}{merchant.pk}",
        office=None,
        unit=None,
    ).first()
    return ZERO - ledger.balance(account) if account else ZERO


def _order_keys(order_ids) -> list[str]:
    """Every posting an order can leave in the merchant payable: the split, the move of a split booked
    before per-merchant accounts (migration 0003), and their reversals."""
    keys = []
    for pk in order_ids:
        split = f"market:order:{pk}:split"
        keys += [split, f"{split}:reversal", f"{split}{MOVED}", f"{split}{MOVED}:reversal"]
    return keys


def payable_from_ledger(merchant: Merchant, order_ids) -> Decimal:
    """What the given orders left owing to the merchant in its payable account (credit = owed)."""
    from commerce.ledger.models import Entry

    account = merchant_payable_account(merchant)
    total = Entry.objects.filter(account=account, posting__idempotency_key__in=_order_keys(order_ids)).aggregate(
        total=ledger.sum_in_cents()
    )["total"]
    return ZERO - ledger.from_cents(total)


def _post_split(order: Order) -> None:
    """Move the paid amount from the office's income to the merchant's payable and the commission."""
    office = order.unit.building.community.office
    company = office.region.company
    income = ledger.system_account(company, AccountKind.INCOME, charge_code=CHARGE_CODE, office=office)
    payable = merchant_payable_account(order.merchant)
    commission = ledger.system_account(company, AccountKind.PLATFORM_COMMISSION)
    lines = [(income, order.total), (payable, -order.net_payable)]
    if order.commission:
        lines.append((commission, -order.commission))
    if order.net_payable == 0:
        lines = [(income, order.total), (commission, -order.commission)]
    ledger.post(
        key=_split_key(order),
        company=company,
        office=office,
        lines=lines,
        memo=_("Marketplace order %(number)s: %(merchant)s and commission")
        % {"number": order.number, "merchant": order.merchant.name},
        kind="market_split",
    )


def _transition(order: Order, status: str, by, note: str = "", **fields) -> Order:
    order.check_transition(status)
    old = order.status
    order.status = status
    for name, value in fields.items():
        setattr(order, name, value)
    order.save(update_fields=["status", *fields])
    _order_event(order, old, status, by, note)
    return order


def _locked(order: Order) -> Order:
    return (
        Order.objects.select_for_update()
        .select_related("merchant", "unit__building__community__office")
        .get(pk=order.pk)
    )


def mark_paid(order: Order) -> Order:
    """The order's bill is paid: confirm the order and split the money. Idempotent."""
    with transaction.atomic():
        order = _locked(order)
        if order.status != Order.Status.PENDING:
            return order
        _transition(order, Order.Status.PAID, None, _("Payment received"), paid_at=timezone.now())
        _post_split(order)
        transaction.on_commit(lambda: _notify_paid(order.pk))
    return order


def _notify_paid(order_id):
    from .notify import order_paid

    order_paid(Order.objects.select_related("merchant").get(pk=order_id))


def on_bill_paid(bill) -> None:
    """The payments bill-paid hook for sources "market:…"."""
    source = getattr(bill, "source", "") or ""
    if not source.startswith("market:order:"):
        return
    try:
        order = Order.objects.get(pk=int(source.rsplit(":", 1)[1]))
    except (Order.DoesNotExist, ValueError):
        log.warning("Bill %s names an unknown marketplace order (%s).", bill.pk, source)
        return
    mark_paid(order)


def _merchant_move(order: Order, status: str, by, note: str = "") -> Order:
    _require_member(by, order.merchant)
    with transaction.atomic():
        order = _locked(order)
        if (
            status == Order.Status.ACCEPTED
            and order.group_buy_id
            and order.group_buy.status != GroupBuy.Status.SUCCEEDED
        ):
            raise ValidationError(_("Wait until the group buy goes ahead."), code="group_buy")
        if status == Order.Status.READY and order.fulfilment != Order.Fulfilment.PICKUP:
            raise ValidationError(_("This order is delivered; mark it out for delivery."), code="fulfilment")
        if status == Order.Status.OUT_FOR_DELIVERY and order.fulfilment != Order.Fulfilment.DELIVERY:
            raise ValidationError(_("This order is picked up; mark it ready."), code="fulfilment")
        closed = {"closed_at": timezone.now()} if status == Order.Status.COMPLETED else {}
        _transition(order, status, by, note, **closed)
    from .notify import order_moved

    transaction.on_commit(lambda: order_moved(order))
    return order


def accept_order(order, *, by):
    return _merchant_move(order, Order.Status.ACCEPTED, by)


def mark_ready(order, *, by):
    return _merchant_move(order, Order.Status.READY, by)


def mark_out_for_delivery(order, *, by):
    return _merchant_move(order, Order.Status.OUT_FOR_DELIVERY, by)


def complete_order(order, *, by):
    return _merchant_move(order, Order.Status.COMPLETED, by)


def _may_cancel(order: Order, by) -> bool:
    if by is None:  # the system: expiry, failed group buys
        return True
    if is_platform_staff(by, order.merchant.company_id):
        return True
    if order.status in (Order.Status.PENDING, Order.Status.PAID) and order.placed_by_id == by.pk:
        return True
    if access.resident_units(by).filter(pk=order.unit_id).exists() and order.status in (
        Order.Status.PENDING,
        Order.Status.PAID,
    ):
        return True
    # The merchant may turn down a paid order, or cancel an accepted one by agreement with the buyer.
    return order.status in (Order.Status.PAID, Order.Status.ACCEPTED) and is_member(by, order.merchant)


def cancel_order(order: Order, *, by, reason: str) -> Order:
    """Cancel and refund: stock returns, the split is reversed, the charge is cancelled. Idempotent."""
    from commerce.billing.one_off import cancel_charge

    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why the order is cancelled."), code="reason")
    with transaction.atomic():
        order = _locked(order)
        if order.status == Order.Status.CANCELLED:
            return order
        if not _may_cancel(order, by):
            if order.status not in (Order.Status.PENDING, Order.Status.PAID):
                raise ValidationError(
                    _("The merchant has accepted this order: ask them to cancel it, or open a dispute."),
                    code="accepted",
                )
            raise PermissionDenied(_("You cannot cancel this order."))
        was_paid = order.paid_at is not None
        _transition(
            order,
            Order.Status.CANCELLED,
            by,
            reason,
            closed_at=timezone.now(),
            refunded=order.total if was_paid else ZERO,
        )
        _return_stock(order)
        for key in (_split_key(order), f"{_split_key(order)}{MOVED}"):
            posting = Posting.objects.filter(idempotency_key=key).first()
            if posting is not None:
                ledger.reverse(posting, key=f"{key}:reversal", reason=reason, by=by)
        if order.bill_id:
            cancel_charge(order.bill, reason=reason, by=by)
    from .notify import order_cancelled

    transaction.on_commit(lambda: order_cancelled(order))
    return order


def open_dispute(order: Order, *, by, reason: str) -> Order:
    if not access.resident_units(by).filter(pk=order.unit_id).exists():
        raise PermissionDenied(_("You can only dispute your own household's orders."))
    if not (reason or "").strip():
        raise ValidationError(_("Describe the problem for the platform staff."), code="reason")
    with transaction.atomic():
        order = _locked(order)
        _transition(order, Order.Status.DISPUTED, by, reason.strip())
    from .notify import order_disputed

    transaction.on_commit(lambda: order_disputed(order))
    return order


def resolve_dispute(order: Order, *, by, refund: bool, note: str) -> Order:
    _require_platform(by, order.merchant)
    if order.status != Order.Status.DISPUTED:
        raise ValidationError(_("This order is not in dispute."), code="not_disputed")
    if refund:
        return cancel_order(order, by=by, reason=note or _("Refunded after a dispute"))
    with transaction.atomic():
        order = _locked(order)
        _transition(order, Order.Status.COMPLETED, by, note or _("Dispute closed"), closed_at=timezone.now())
    return order


def review_order(order: Order, *, by, rating, comment: str = "") -> Review:
    if not access.resident_units(by).filter(pk=order.unit_id).exists():
        raise PermissionDenied(_("You can only review your own household's orders."))
    if order.status != Order.Status.COMPLETED:
        raise ValidationError(_("You can review an order once it is completed."), code="not_completed")
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise ValidationError(_("Give from 1 to 5 stars."), code="rating")
    try:
        with transaction.atomic():
            return Review.objects.create(
                order=order, merchant=order.merchant, rating=rating, comment=(comment or "").strip()[:2000], by=by
            )
    except IntegrityError:
        raise ValidationError(_("This order has already been reviewed."), code="reviewed") from None


def expire_unpaid_orders(now=None) -> int:
    """Cancel orders left unpaid for ``MARKET_UNPAID_MINUTES`` so that their stock returns to the shelf."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(minutes=settings.MARKET_UNPAID_MINUTES)
    count = 0
    for order in Order.objects.filter(status=Order.Status.PENDING, created_at__lt=cutoff, group_buy__isnull=True):
        cancel_order(order, by=None, reason=_("Not paid in time"))
        count += 1
    return count


# --- group buys ---------------------------------------------------------------------------------


def create_group_buy(by, merchant: Merchant, *, variant, title, price, min_households, deadline, description=""):
    _require_member(by, merchant)
    if variant.product.merchant_id != merchant.pk:
        raise PermissionDenied(_("This product belongs to another merchant."))
    if deadline <= timezone.now():
        raise ValidationError(_("The deadline must be in the future."), code="deadline")
    group_buy = GroupBuy(
        merchant=merchant,
        variant=variant,
        title=title,
        description=description,
        price=price,
        min_households=min_households,
        deadline=deadline,
    )
    group_buy.full_clean()
    group_buy.save()
    return group_buy


def join_group_buy(user, unit, group_buy: GroupBuy, *, fulfilment: str) -> Order:
    """A household joins: an order of one at the group price, charged now; refunded if the buy fails."""
    if group_buy.status != GroupBuy.Status.OPEN or group_buy.deadline <= timezone.now():
        raise ValidationError(_("This group buy is closed."), code="closed")
    try:
        with transaction.atomic():
            order = place_order(
                user,
                unit,
                group_buy.merchant,
                [(group_buy.variant, 1)],
                fulfilment=fulfilment,
                group_buy=group_buy,
                unit_price=group_buy.price,
            )
            charge(order)
    except IntegrityError:
        raise ValidationError(_("Your household has already joined this group buy."), code="joined") from None
    return order


def group_buy_households(group_buy: GroupBuy) -> int:
    return (
        group_buy.orders.filter(paid_at__isnull=False)
        .exclude(status=Order.Status.CANCELLED)
        .values("unit")
        .distinct()
        .count()
    )


def decide_group_buy(group_buy_id: int, now=None) -> GroupBuy:
    """At the deadline: go ahead with enough paid households, else cancel and refund every order.

    Safe to run twice: the group buy's row lock and its status decide once; each order's
    cancellation is itself idempotent (its status and the charge's cancellation).
    """
    now = now or timezone.now()
    with transaction.atomic():
        group_buy = GroupBuy.objects.select_for_update().get(pk=group_buy_id)
        if group_buy.status == GroupBuy.Status.OPEN:
            if group_buy.deadline > now:
                return group_buy
            enough = group_buy_households(group_buy) >= group_buy.min_households
            group_buy.check_transition(GroupBuy.Status.SUCCEEDED if enough else GroupBuy.Status.FAILED)
            group_buy.status = GroupBuy.Status.SUCCEEDED if enough else GroupBuy.Status.FAILED
            group_buy.decided_at = now
            group_buy.save(update_fields=["status", "decided_at"])
            from .notify import group_buy_decided

            transaction.on_commit(lambda: group_buy_decided(group_buy))
    # Unpaid joins never count; on failure every join is cancelled and refunded.
    to_cancel = group_buy.orders.exclude(status=Order.Status.CANCELLED)
    if group_buy.status == GroupBuy.Status.SUCCEEDED:
        to_cancel = to_cancel.filter(status=Order.Status.PENDING)
        reason = _("Not paid before the group buy's deadline")
    else:
        reason = _("The group buy did not reach its minimum of households")
    for order in to_cancel:
        cancel_order(order, by=None, reason=reason)
    return group_buy


def due_group_buys(now=None):
    return GroupBuy.objects.filter(status=GroupBuy.Status.OPEN, deadline__lte=now or timezone.now())


# --- settlement ---------------------------------------------------------------------------------


def settlement_orders(merchant: Merchant, period_end: datetime.date):
    """Orders ready to settle: paid before the period's end, finished (completed or refunded), not settled."""
    end = timezone.make_aware(datetime.datetime.combine(period_end + datetime.timedelta(days=1), datetime.time()))
    return Order.objects.filter(
        merchant=merchant,
        settlement__isnull=True,
        paid_at__lt=end,
        status__in=(Order.Status.COMPLETED, Order.Status.CANCELLED),
    )


def run_settlement(merchant: Merchant, period_start: datetime.date, period_end: datetime.date, *, by) -> Settlement:
    """The merchant's statement for a period; every order is settled once (its settlement column)."""
    _require_platform(by, merchant)
    if period_end < period_start:
        raise ValidationError(_("The period ends before it starts."), code="period")
    if period_end >= timezone.localdate():
        raise ValidationError(_("Settle only a period that has ended."), code="period")
    try:
        with transaction.atomic():
            settlement = Settlement.objects.create(
                merchant=merchant, period_start=period_start, period_end=period_end, created_by=by
            )
            orders = list(settlement_orders(merchant, period_end).select_for_update())
            gross = sum((o.total for o in orders), ZERO)
            refunds = sum((o.refunded for o in orders), ZERO)
            commission = sum((o.commission for o in orders if o.status == Order.Status.COMPLETED), ZERO)
            Order.objects.filter(pk__in=[o.pk for o in orders]).update(settlement=settlement)
            net_payable = payable_from_ledger(merchant, [o.pk for o in orders])
            if net_payable != gross - refunds - commission:
                log.error(
                    "Settlement of merchant %s: ledger payable %s, orders say %s",
                    merchant.pk,
                    net_payable,
                    gross - refunds - commission,
                )
                raise ValidationError(
                    _(
                        "The merchant's payable account (%(ledger)s) does not match its orders (%(orders)s); "
                        "nothing is settled. Ask the finance team to check the ledger."
                    )
                    % {"ledger": net_payable, "orders": gross - refunds - commission},
                    code="ledger_mismatch",
                )
            settlement.order_count = len(orders)
            settlement.gross, settlement.refunds, settlement.commission = gross, refunds, commission
            settlement.net_payable = net_payable
            settlement.save(update_fields=["order_count", "gross", "refunds", "commission", "net_payable"])
    except IntegrityError:
        raise ValidationError(_("This merchant's period has already been settled."), code="settled") from None
    return settlement


def record_payout(settlement: Settlement, *, by, reference: str, paid_from: str = AccountKind.CASH) -> Settlement:
    """The platform paid the merchant: clear the merchant payable against cash (or Stripe's balance), once."""
    _require_platform(by, settlement.merchant)
    reference = (reference or "").strip()
    if not reference:
        raise ValidationError(_("Enter the bank transfer reference of the payout."), code="reference")
    with transaction.atomic():
        settlement = Settlement.objects.select_for_update().select_related("merchant__company").get(pk=settlement.pk)
        if settlement.paid_at:
            raise ValidationError(_("This settlement has already been paid out."), code="paid")
        if settlement.net_payable > 0:
            company = settlement.merchant.company
            ledger.post(
                key=f"market:settlement:{settlement.pk}:payout",
                company=company,
                lines=[
                    (merchant_payable_account(settlement.merchant), settlement.net_payable),
                    (ledger.system_account(company, paid_from), -settlement.net_payable),
                ],
                memo=_("Payout to %(merchant)s, %(start)s–%(end)s")
                % {
                    "merchant": settlement.merchant.name,
                    "start": settlement.period_start,
                    "end": settlement.period_end,
                },
                by=by,
                kind="market_payout",
                reason=reference,
            )
        settlement.paid_at = timezone.now()
        settlement.payout_reference = reference[:100]
        settlement.paid_by = by
        settlement.save(update_fields=["paid_at", "payout_reference", "paid_by"])
    return settlement


# --- reports ------------------------------------------------------------------------------------


def platform_report(user, start: datetime.date, end: datetime.date, community=None) -> dict:
    """GMV, orders, commission, top merchants and products, group-buy success, by day."""
    from django.db.models import Count, Sum

    first = timezone.make_aware(datetime.datetime.combine(start, datetime.time()))
    last = timezone.make_aware(datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time()))
    orders = platform_scope(user, Order.objects.all(), "merchant__company").filter(paid_at__gte=first, paid_at__lt=last)
    if community is not None:
        orders = orders.filter(community=community)
    kept = orders.exclude(status=Order.Status.CANCELLED)
    gmv = sum((o for o in kept.values_list("total", flat=True)), ZERO)
    commission = sum((c for c in kept.filter(status=Order.Status.COMPLETED).values_list("commission", flat=True)), ZERO)
    by_day: dict[datetime.date, Decimal] = defaultdict(lambda: ZERO)
    for paid_at, total in kept.values_list("paid_at", "total"):
        by_day[timezone.localtime(paid_at).date()] += total
    days = []
    day = start
    while day <= end:
        days.append((day, by_day.get(day, ZERO)))
        day += datetime.timedelta(days=1)
    top_merchants = list(
        kept.values("merchant__name").annotate(orders=Count("pk"), gmv=Sum("total")).order_by("-gmv")[:5]
    )
    top_products = list(
        OrderLine.objects.filter(order__in=kept)
        .values("description")
        .annotate(quantity=Sum("quantity"), amount=Sum("amount"))
        .order_by("-amount")[:5]
    )
    decided = platform_scope(user, GroupBuy.objects.all(), "merchant__company").filter(
        decided_at__gte=first, decided_at__lt=last
    )
    succeeded = decided.filter(status=GroupBuy.Status.SUCCEEDED).count()
    total_decided = decided.count()
    return {
        "gmv": gmv,
        "orders": kept.count(),
        "cancelled": orders.filter(status=Order.Status.CANCELLED).count(),
        "commission": commission,
        "days": days,
        "peak": max((v for _d, v in days), default=ZERO),
        "top_merchants": top_merchants,
        "top_products": top_products,
        "group_buys_decided": total_decided,
        "group_buys_succeeded": succeeded,
        "group_buy_success": (round(100 * succeeded / total_decided) if total_decided else None),
    }


def visible_orders_for_merchant(user, merchant: Merchant):
    _require_member(user, merchant)
    return merchant.orders.all()


def resident_orders(user):
    return Order.objects.filter(unit__in=access.resident_units(user).values("pk"))


def may_see_order(user, order: Order) -> bool:
    return bool(
        access.resident_units(user).filter(pk=order.unit_id).exists()
        or is_member(user, order.merchant)
        or is_platform_staff(user, order.merchant.company_id)
    )
