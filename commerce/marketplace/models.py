"""The community marketplace (社区商城): merchants, products, carts, orders, group buys, settlements.

A merchant belongs to the platform company and chooses the communities it serves. An order is one
merchant's sale to one household; it is charged to the household as a one-off bill (so it is paid
through the portal's gateway and shows in "My bills") and confirmed only when that bill is paid.
Every state machine is an explicit ``TRANSITIONS`` table with append-only history rows.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.append_only import AppendOnlyModel, append_only_manager
from portal.state_machine import TransitionsMixin

ZERO = Decimal("0.00")


class Category(models.Model):
    """A platform product category with its default commission rate (e.g. 0.0800 for 8 %)."""

    company = models.ForeignKey(
        "properties.Company", on_delete=models.PROTECT, related_name="+", verbose_name=_("company")
    )
    name = models.CharField(_("name"), max_length=80)
    commission_rate = models.DecimalField(
        _("default commission rate"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.0500"),
        help_text=_("A fraction of the order amount: 0.0500 means five per cent."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("market category")
        verbose_name_plural = _("market categories")
        ordering = ["order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["company", "name"], name="market_category_unique_name"),
            models.CheckConstraint(
                condition=Q(commission_rate__gte=0, commission_rate__lt=1), name="market_category_rate_range"
            ),
        ]

    def __str__(self):
        return self.name


class Merchant(TransitionsMixin, models.Model):
    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied")
        APPROVED = "approved", _("Approved")
        SUSPENDED = "suspended", _("Suspended")
        REJECTED = "rejected", _("Rejected")

    TRANSITIONS = {
        Status.APPLIED: {Status.APPROVED, Status.REJECTED},
        Status.APPROVED: {Status.SUSPENDED},
        Status.SUSPENDED: {Status.APPROVED},
        Status.REJECTED: set(),
    }
    transition_refusal = _("A merchant cannot go from “%(old)s” to “%(new)s”.")

    company = models.ForeignKey(
        "properties.Company", on_delete=models.PROTECT, related_name="+", verbose_name=_("company")
    )
    name = models.CharField(_("shop name"), max_length=120)
    legal_name = models.CharField(_("registered business name"), max_length=200)
    licence_number = models.CharField(_("business licence number"), max_length=40)
    licence = models.FileField(_("business licence"), upload_to="market/licences/%Y/%m/")
    contact_name = models.CharField(_("contact person"), max_length=80)
    phone = models.CharField(_("phone"), max_length=30)
    address = models.CharField(_("address"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    categories = models.ManyToManyField(Category, related_name="merchants", verbose_name=_("categories"))
    communities = models.ManyToManyField(
        "properties.Community", related_name="merchants", verbose_name=_("communities served")
    )
    offers_delivery = models.BooleanField(_("delivers to the door"), default=True)
    offers_pickup = models.BooleanField(_("pickup"), default=False)
    pickup_point = models.CharField(_("pickup point"), max_length=200, blank=True)
    commission_rate = models.DecimalField(
        _("commission rate override"),
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("Empty: each category's default rate applies."),
    )
    stripe_account = models.CharField(
        _("Stripe connected account"),
        max_length=40,
        blank=True,
        help_text=_("acct_…: settlements can be transferred to this account through Stripe Connect."),
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.APPLIED)
    status_note = models.CharField(_("reason"), max_length=300, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("applied by")
    )
    created_at = models.DateTimeField(_("applied at"), auto_now_add=True)

    class Meta:
        verbose_name = _("merchant")
        verbose_name_plural = _("merchants")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(offers_delivery=True) | Q(offers_pickup=True), name="market_merchant_some_fulfilment"
            ),
            models.CheckConstraint(
                condition=Q(commission_rate__isnull=True) | Q(commission_rate__gte=0, commission_rate__lt=1),
                name="market_merchant_rate_range",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.APPROVED


class MerchantEvent(AppendOnlyModel):
    """One step of a merchant's life (applied, approved, suspended…)."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="events")
    old_status = models.CharField(max_length=12, blank=True)
    new_status = models.CharField(max_length=12)
    note = models.CharField(max_length=300, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    @property
    def label(self):
        return Merchant.Status(self.new_status).label


class MerchantMember(models.Model):
    """A user who works for a merchant and uses its dashboard."""

    class Role(models.TextChoices):
        OWNER = "owner", pgettext_lazy("merchant role", "Owner")
        STAFF = "staff", _("Shop staff")

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="merchant_memberships")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.STAFF)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("merchant member")
        verbose_name_plural = _("merchant members")
        constraints = [models.UniqueConstraint(fields=["merchant", "user"], name="market_one_membership")]

    def __str__(self):
        return f"{self.user} @ {self.merchant}"


class Product(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="products")
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="products", verbose_name=_("category")
    )
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(_("on sale"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name", "pk"]

    def __str__(self):
        return self.name


class ProductPhoto(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to="market/products/%Y/%m/")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self):
        return self.image.name


class Variant(models.Model):
    """A sellable form of a product (500 g, 1 kg…) with its own price and stock."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    name = models.CharField(_("variant"), max_length=80)
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2)
    stock = models.IntegerField(_("stock"), default=0)
    special_price = models.DecimalField(_("special price"), max_digits=10, decimal_places=2, null=True, blank=True)
    special_month = models.DateField(
        _("special of the month"), null=True, blank=True, help_text=_("The first day of the month of the offer.")
    )
    active = models.BooleanField(_("on sale"), default=True)

    class Meta:
        verbose_name = _("variant")
        verbose_name_plural = _("variants")
        ordering = ["price", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(stock__gte=0), name="market_stock_never_negative"),
            models.CheckConstraint(condition=Q(price__gt=0), name="market_price_positive"),
            models.CheckConstraint(
                condition=Q(special_price__isnull=True) | Q(special_price__gt=0), name="market_special_positive"
            ),
        ]

    def __str__(self):
        return f"{self.product.name} · {self.name}"

    def is_special_on(self, day) -> bool:
        return bool(
            self.special_price
            and self.special_month
            and (self.special_month.year, self.special_month.month)
            == (
                day.year,
                day.month,
            )
        )

    def price_on(self, day) -> Decimal:
        return self.special_price if self.is_special_on(day) else self.price


class CartItem(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="market_cart")
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "variant"], name="market_cart_one_line_per_variant"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="market_cart_quantity_positive"),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.variant}"


class GroupBuy(TransitionsMixin, models.Model):
    """团购: a price that holds only when enough households join before the deadline."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        SUCCEEDED = "succeeded", _("Going ahead")
        FAILED = "failed", _("Cancelled: too few households")

    TRANSITIONS = {Status.OPEN: {Status.SUCCEEDED, Status.FAILED}, Status.SUCCEEDED: set(), Status.FAILED: set()}
    transition_refusal = _("A group buy cannot go from “%(old)s” to “%(new)s”.")

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="group_buys")
    variant = models.ForeignKey(Variant, on_delete=models.PROTECT, related_name="group_buys", verbose_name=_("product"))
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    price = models.DecimalField(_("group price"), max_digits=10, decimal_places=2)
    min_households = models.PositiveIntegerField(_("minimum households"))
    deadline = models.DateTimeField(_("deadline"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("group buy")
        verbose_name_plural = _("group buys")
        ordering = ["deadline", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=0), name="market_groupbuy_price_positive"),
            models.CheckConstraint(condition=Q(min_households__gte=1), name="market_groupbuy_min_positive"),
        ]

    def __str__(self):
        return self.title


class Order(TransitionsMixin, models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting payment")
        PAID = "paid", _("Paid")
        ACCEPTED = "accepted", _("Accepted")
        READY = "ready", _("Ready for pickup")
        OUT_FOR_DELIVERY = "delivering", _("Out for delivery")
        COMPLETED = "completed", _("Completed")
        DISPUTED = "disputed", _("Disputed")
        CANCELLED = "cancelled", _("Cancelled")

    TRANSITIONS = {
        Status.PENDING: {Status.PAID, Status.CANCELLED},
        Status.PAID: {Status.ACCEPTED, Status.CANCELLED},
        Status.ACCEPTED: {Status.READY, Status.OUT_FOR_DELIVERY, Status.CANCELLED, Status.DISPUTED},
        Status.READY: {Status.COMPLETED, Status.DISPUTED},
        Status.OUT_FOR_DELIVERY: {Status.COMPLETED, Status.DISPUTED},
        Status.COMPLETED: {Status.DISPUTED},
        Status.DISPUTED: {Status.COMPLETED, Status.CANCELLED},
        Status.CANCELLED: set(),
    }
    transition_refusal = _("An order cannot go from “%(old)s” to “%(new)s”.")
    OPEN_STATUSES = (Status.PAID, Status.ACCEPTED, Status.READY, Status.OUT_FOR_DELIVERY, Status.DISPUTED)

    class Fulfilment(models.TextChoices):
        DELIVERY = "delivery", _("Delivery to the door")
        PICKUP = "pickup", _("Pickup")

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="orders")
    unit = models.ForeignKey("properties.Unit", on_delete=models.PROTECT, related_name="market_orders")
    community = models.ForeignKey("properties.Community", on_delete=models.PROTECT, related_name="+")
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="market_orders")
    group_buy = models.ForeignKey(GroupBuy, on_delete=models.PROTECT, null=True, blank=True, related_name="orders")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    fulfilment = models.CharField(_("delivery or pickup"), max_length=10, choices=Fulfilment.choices)
    note = models.CharField(_("note to the merchant"), max_length=300, blank=True)
    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2)
    commission = models.DecimalField(_("commission"), max_digits=12, decimal_places=2, default=ZERO)
    currency = models.CharField(max_length=3, default="CNY")
    bill = models.OneToOneField(
        "billing.Bill", on_delete=models.PROTECT, null=True, blank=True, related_name="market_order"
    )
    refunded = models.DecimalField(_("refunded"), max_digits=12, decimal_places=2, default=ZERO)
    settlement = models.ForeignKey("Settlement", on_delete=models.PROTECT, null=True, blank=True, related_name="orders")
    created_at = models.DateTimeField(_("ordered at"), auto_now_add=True, db_index=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True, db_index=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("market order")
        verbose_name_plural = _("market orders")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(total__gt=0), name="market_order_total_positive"),
            models.CheckConstraint(
                condition=Q(commission__gte=0, commission__lte=models.F("total")), name="market_order_commission_range"
            ),
            models.CheckConstraint(
                condition=Q(refunded__gte=0, refunded__lte=models.F("total")), name="market_order_refund_range"
            ),
            # One live join per household and group buy.
            models.UniqueConstraint(
                fields=["group_buy", "unit"],
                condition=Q(group_buy__isnull=False) & ~Q(status="cancelled"),
                name="market_one_join_per_household",
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def number(self) -> str:
        return f"M{self.pk:06d}" if self.pk else "M-"

    @property
    def net_payable(self) -> Decimal:
        return self.total - self.commission


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(Variant, on_delete=models.PROTECT, related_name="+")
    description = models.CharField(max_length=200)
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)
    quantity = models.PositiveIntegerField()
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    commission_rate = models.DecimalField(max_digits=5, decimal_places=4)

    class Meta:
        ordering = ["pk"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="market_line_quantity_positive")]

    def __str__(self):
        return f"{self.quantity} × {self.description}"


class OrderEvent(AppendOnlyModel):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    old_status = models.CharField(max_length=12, blank=True)
    new_status = models.CharField(max_length=12)
    note = models.CharField(max_length=300, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    objects = append_only_manager("Order history cannot be edited.")

    class Meta:
        ordering = ["at", "id"]

    @property
    def label(self):
        return Order.Status(self.new_status).label


class Review(models.Model):
    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="review")
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="reviews")
    rating = models.PositiveSmallIntegerField(_("rating"))
    comment = models.TextField(_("comment"), blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="market_rating_1_to_5")]

    def __str__(self):
        return f"{self.rating}★ {self.order}"


class Settlement(models.Model):
    """A merchant's statement for a period: what was sold, refunded, kept as commission, and is owed."""

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="settlements")
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    order_count = models.PositiveIntegerField(_("orders"), default=0)
    gross = models.DecimalField(_("sales"), max_digits=14, decimal_places=2, default=ZERO)
    refunds = models.DecimalField(_("refunds"), max_digits=14, decimal_places=2, default=ZERO)
    commission = models.DecimalField(_("commission"), max_digits=14, decimal_places=2, default=ZERO)
    net_payable = models.DecimalField(_("net payable"), max_digits=14, decimal_places=2, default=ZERO)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    paid_at = models.DateTimeField(_("paid out at"), null=True, blank=True)
    payout_reference = models.CharField(_("payout reference"), max_length=100, blank=True)
    paid_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        verbose_name = _("settlement")
        verbose_name_plural = _("settlements")
        ordering = ["-period_end", "merchant__name"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "period_start", "period_end"], name="market_one_settlement"),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="market_period_order"),
        ]

    def __str__(self):
        return f"{self.merchant} {self.period_start}–{self.period_end}"
