"""The menu of special services (菜单式特约服务): categories, priced services, providers, and orders.

An office posts its services with a visible price (明码标价) and a price model; providers (the
office's own teams or outside firms) deliver them, each with a capacity per time slot. A resident's
order reserves one unit of a provider's capacity in the chosen slot (``ProviderSlot``, guarded by a
CHECK constraint and row locks), then moves through the explicit ``ServiceOrder.TRANSITIONS`` table;
every move is an append-only ``ServiceOrderEvent``.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.models import Orderable

from portal.append_only import AppendOnlyModel, append_only_manager
from portal.properties.models import Community, Office, Unit
from portal.state_machine import TransitionsMixin

WEEKDAYS = [
    ("0", _("Monday")),
    ("1", _("Tuesday")),
    ("2", _("Wednesday")),
    ("3", _("Thursday")),
    ("4", _("Friday")),
    ("5", _("Saturday")),
    ("6", _("Sunday")),
]


def plain(number: Decimal) -> str:
    """A quantity without trailing zeros and never in exponent form: 100.0 → “100”, 2.50 → “2.5”."""
    return f"{number.normalize():f}"


class ServiceCategory(models.Model):
    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="service_categories", verbose_name=_("office")
    )
    name = models.CharField(_("name"), max_length=80, help_text=_("E.g. “家政保洁 (Housekeeping)”."))
    description = models.CharField(_("short description"), max_length=200, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=10)
    active = models.BooleanField(_("shown to residents"), default=True)

    class Meta:
        verbose_name = _("service category")
        verbose_name_plural = _("service categories")
        ordering = ["office__name", "sort_order", "name"]
        constraints = [models.UniqueConstraint(fields=["office", "name"], name="servicecategory_unique_name")]

    def __str__(self):
        return self.name


class Service(ClusterableModel):
    class PriceModel(models.TextChoices):
        FIXED = "fixed", _("Fixed price")
        PER_HOUR = "per_hour", _("Per hour")
        PER_M2 = "per_m2", _("Per m²")
        PER_ITEM = "per_item", _("Per item")
        QUOTE = "quote", _("Quote on request")

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="services", verbose_name=_("office"))
    category = models.ForeignKey(
        ServiceCategory, on_delete=models.PROTECT, related_name="services", verbose_name=_("category")
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("E.g. “深度保洁 (Deep cleaning)”."))
    summary = models.CharField(_("summary"), max_length=200, help_text=_("One line shown in the menu."))
    description = models.TextField(_("description"), blank=True, help_text=_("What is included, what is not."))
    price_model = models.CharField(_("price model"), max_length=10, choices=PriceModel.choices)
    price = models.DecimalField(
        _("posted price"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("The price per hour, m², item, or for the whole job; empty only for “quote on request”."),
    )
    min_quantity = models.DecimalField(
        _("minimum quantity"),
        max_digits=8,
        decimal_places=1,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.1"))],
        help_text=_("E.g. at least 2 hours."),
    )
    max_quantity = models.DecimalField(
        _("maximum quantity"),
        max_digits=8,
        decimal_places=1,
        default=Decimal("100"),
        validators=[MinValueValidator(Decimal("0.1"))],
    )
    weekdays = models.CharField(
        _("days offered"), max_length=7, default="0123456", help_text=_("Days of the week the service is offered.")
    )
    day_start = models.TimeField(_("first slot starts"), default=datetime.time(9, 0))
    day_end = models.TimeField(_("last slot ends"), default=datetime.time(18, 0))
    slot_minutes = models.PositiveSmallIntegerField(
        _("slot length (minutes)"), default=120, validators=[MinValueValidator(15), MaxValueValidator(720)]
    )
    lead_hours = models.PositiveSmallIntegerField(
        _("lead time (hours)"),
        default=24,
        validators=[MaxValueValidator(24 * 60)],
        help_text=_("How long before a slot it must be booked."),
    )
    communities = models.ManyToManyField(
        Community,
        blank=True,
        related_name="services",
        verbose_name=_("service area"),
        help_text=_("Communities where the service is offered; none means every community of the office."),
    )
    allow_household_charge = models.BooleanField(
        _("may be charged to the household account"),
        default=True,
        help_text=_("Otherwise the resident pays online when ordering."),
    )
    free_cancel_hours = models.PositiveSmallIntegerField(
        _("free cancellation until (hours before)"), default=24, validators=[MaxValueValidator(24 * 30)]
    )
    late_cancel_keep_percent = models.PositiveSmallIntegerField(
        _("kept on a late cancellation (percent)"),
        default=0,
        validators=[MaxValueValidator(100)],
        help_text=_("The part of the price kept when the resident cancels later than that."),
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=10)
    active = models.BooleanField(_("shown to residents"), default=True)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["office__name", "category__sort_order", "sort_order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["office", "name"], name="service_unique_name"),
            models.CheckConstraint(
                condition=Q(price_model="quote") | Q(price__isnull=False), name="service_priced_unless_quote"
            ),
            models.CheckConstraint(condition=Q(min_quantity__lte=F("max_quantity")), name="service_quantity_range"),
            models.CheckConstraint(condition=Q(day_start__lt=F("day_end")), name="service_day_range"),
        ]

    def __str__(self):
        return self.name

    @property
    def is_quote(self) -> bool:
        return self.price_model == self.PriceModel.QUOTE

    @property
    def has_quantity(self) -> bool:
        return self.price_model in (self.PriceModel.PER_HOUR, self.PriceModel.PER_M2, self.PriceModel.PER_ITEM)

    @property
    def quantity_label(self) -> str:
        return {
            self.PriceModel.PER_HOUR: _("hours"),
            self.PriceModel.PER_M2: _("m²"),
            self.PriceModel.PER_ITEM: _("items"),
        }.get(self.price_model, "")

    @property
    def min_text(self) -> str:
        return plain(self.min_quantity)

    @property
    def max_text(self) -> str:
        return plain(self.max_quantity)

    def weekday_numbers(self) -> set[int]:
        return {int(d) for d in self.weekdays if d.isdigit()}

    def clean(self):
        errors = {}
        if self.price_model == self.PriceModel.QUOTE:
            if self.price is not None:
                errors["price"] = _("A service priced on request has no posted price; leave it empty.")
        elif self.price is None:
            errors["price"] = _("Post the price (明码标价); only “quote on request” may leave it empty.")
        if self.day_start and self.day_end and self.day_start >= self.day_end:
            errors["day_end"] = _("The last slot must end after the first one starts.")
        if self.min_quantity and self.max_quantity and self.min_quantity > self.max_quantity:
            errors["max_quantity"] = _("The maximum must not be below the minimum.")
        if not self.weekday_numbers():
            errors["weekdays"] = _("Offer the service on at least one day.")
        if self.category_id and self.office_id and self.category.office_id != self.office_id:
            errors["category"] = _("The category belongs to another office.")
        if errors:
            raise ValidationError(errors)


class ServicePhoto(Orderable):
    service = ParentalKey(Service, on_delete=models.CASCADE, related_name="photos", verbose_name=_("service"))
    image = models.ForeignKey(
        "wagtailimages.Image", on_delete=models.CASCADE, related_name="+", verbose_name=_("photo")
    )
    caption = models.CharField(_("caption"), max_length=120, blank=True)

    class Meta(Orderable.Meta):
        verbose_name = _("photo")
        verbose_name_plural = _("photos")


class ServiceOption(Orderable):
    """An extra the resident may tick (e.g. “bring cleaning supplies”), added once to the price."""

    service = ParentalKey(Service, on_delete=models.CASCADE, related_name="options", verbose_name=_("service"))
    name = models.CharField(_("name"), max_length=100)
    price = models.DecimalField(
        _("extra price"), max_digits=10, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(0)]
    )

    class Meta(Orderable.Meta):
        verbose_name = _("option")
        verbose_name_plural = _("options")

    def __str__(self):
        return self.name


class Provider(models.Model):
    class Kind(models.TextChoices):
        TEAM = "team", _("Office staff team")
        FIRM = "firm", _("Outside firm")

    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="service_providers", verbose_name=_("office")
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.TEAM)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    services = models.ManyToManyField(Service, blank=True, related_name="providers", verbose_name=_("services"))
    people = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="service_providers",
        verbose_name=_("people"),
        help_text=_("Accounts of the people who do the work; they see and update their jobs on the site."),
    )
    merchant = models.ForeignKey(
        "marketplace.Merchant",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_providers",
        verbose_name=_("marketplace merchant"),
        help_text=_(
            "An outside firm that is a marketplace merchant: its staff see and handle the firm's orders "
            "in the merchant dashboard."
        ),
    )
    capacity_per_slot = models.PositiveSmallIntegerField(
        _("jobs per time slot"), default=1, validators=[MinValueValidator(1), MaxValueValidator(500)]
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("service provider")
        verbose_name_plural = _("service providers")
        ordering = ["office__name", "name"]
        constraints = [models.UniqueConstraint(fields=["office", "name"], name="provider_unique_name")]

    def __str__(self):
        return self.name

    def clean(self):
        if self.merchant_id is None:
            return
        if self.kind != self.Kind.FIRM:
            raise ValidationError({"merchant": _("Only an outside firm can be a marketplace merchant.")})
        if self.office_id and self.merchant.company_id != self.office.region.company_id:
            raise ValidationError({"merchant": _("The merchant belongs to another company.")})


class ProviderSlot(models.Model):
    """How many jobs a provider holds in one slot; the CHECK keeps it within the capacity under any race."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="slots", verbose_name=_("provider"))
    start = models.DateTimeField(_("slot start"))
    capacity = models.PositiveSmallIntegerField(_("capacity"))
    booked = models.PositiveSmallIntegerField(_("booked"), default=0)

    class Meta:
        verbose_name = _("provider slot")
        verbose_name_plural = _("provider slots")
        constraints = [
            models.UniqueConstraint(fields=["provider", "start"], name="providerslot_unique"),
            models.CheckConstraint(condition=Q(booked__lte=F("capacity")), name="providerslot_within_capacity"),
            models.CheckConstraint(condition=Q(booked__gte=0), name="providerslot_not_negative"),
        ]

    def __str__(self):
        return f"{self.provider} {self.start:%Y-%m-%d %H:%M}: {self.booked}/{self.capacity}"


class ServiceOrder(TransitionsMixin, models.Model):
    class Status(models.TextChoices):
        QUOTE_REQUESTED = "quote_requested", _("Quote requested")
        QUOTED = "quoted", _("Quoted")
        AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
        CONFIRMED = "confirmed", _("Confirmed")
        ASSIGNED = "assigned", _("Assigned")
        STARTED = "started", _("Started")
        FINISHED = "finished", _("Finished")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    class Payment(models.TextChoices):
        ONLINE = "online", _("Pay online now")
        HOUSEHOLD = "household", _("Charge to my household account")

    class Channel(models.TextChoices):
        ONLINE = "online", _("Online by the resident")
        PHONE = "phone", _("Phone call to the front desk")
        WALK_IN = "walk_in", _("Walk-in at the front desk")

    TRANSITIONS = {
        Status.QUOTE_REQUESTED: {Status.QUOTED, Status.CANCELLED},
        Status.QUOTED: {Status.AWAITING_PAYMENT, Status.CONFIRMED, Status.CANCELLED},
        Status.AWAITING_PAYMENT: {Status.CONFIRMED, Status.CANCELLED},
        Status.CONFIRMED: {Status.ASSIGNED, Status.CANCELLED},
        Status.ASSIGNED: {Status.ASSIGNED, Status.STARTED, Status.CANCELLED},
        Status.STARTED: {Status.FINISHED},
        Status.FINISHED: {Status.COMPLETED},
        Status.COMPLETED: set(),
        Status.CANCELLED: set(),
    }
    OPEN = (
        Status.QUOTE_REQUESTED,
        Status.QUOTED,
        Status.AWAITING_PAYMENT,
        Status.CONFIRMED,
        Status.ASSIGNED,
        Status.STARTED,
        Status.FINISHED,
    )
    transition_refusal = _("A service order cannot go from “%(old)s” to “%(new)s”.")

    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="service_orders", verbose_name=_("office")
    )
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="orders", verbose_name=_("service"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="service_orders", verbose_name=_("unit"))
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="service_orders", verbose_name=_("ordered by")
    )
    channel = models.CharField(_("ordered by"), max_length=10, choices=Channel.choices, default=Channel.ONLINE)
    request_key = models.CharField(_("request key"), max_length=64, unique=True)
    slot_start = models.DateTimeField(_("time slot"))
    slot_end = models.DateTimeField(_("slot ends"))
    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, related_name="orders", verbose_name=_("provider"), null=True, blank=True
    )
    slot_released = models.BooleanField(_("slot released"), default=False)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="service_jobs",
        verbose_name=_("provider person"),
        null=True,
        blank=True,
    )
    price_model = models.CharField(_("price model"), max_length=10, choices=Service.PriceModel.choices)
    unit_price = models.DecimalField(_("posted price"), max_digits=10, decimal_places=2, null=True, blank=True)
    quantity = models.DecimalField(
        _("quantity"), max_digits=8, decimal_places=1, default=Decimal("1"), validators=[MinValueValidator(0)]
    )
    options_total = models.DecimalField(_("options"), max_digits=10, decimal_places=2, default=Decimal("0"))
    amount = models.DecimalField(_("price"), max_digits=12, decimal_places=2, null=True, blank=True)
    note = models.CharField(_("note for the provider"), max_length=500, blank=True)
    quote_note = models.CharField(_("quote explanation"), max_length=500, blank=True)
    payment_method = models.CharField(_("payment"), max_length=10, choices=Payment.choices, blank=True)
    pay_by = models.DateTimeField(
        _("to be paid by"), null=True, blank=True, help_text=_("An unpaid online order is cancelled after this.")
    )
    bill = models.ForeignKey(
        "billing.Bill", on_delete=models.PROTECT, related_name="+", null=True, blank=True, verbose_name=_("bill")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    rating = models.PositiveSmallIntegerField(
        _("rating"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    rating_comment = models.CharField(_("comment"), max_length=500, blank=True)
    cancel_reason = models.CharField(_("why it was cancelled"), max_length=300, blank=True)
    kept_on_cancel = models.DecimalField(
        _("kept on cancellation"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    created_at = models.DateTimeField(_("ordered at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("service order")
        verbose_name_plural = _("service orders")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="serviceorder_quantity_positive"),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0), name="serviceorder_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5), name="serviceorder_rating_1_to_5"
            ),
        ]
        indexes = [models.Index(fields=["office", "status"]), models.Index(fields=["unit", "status"])]

    def __str__(self):
        return self.reference

    @property
    def reference(self) -> str:
        return f"SV{self.pk:06d}" if self.pk else "SV"

    @property
    def quantity_text(self) -> str:
        return plain(self.quantity)

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class HeldSlot(models.Model):
    """One provider slot an order occupies: a 3-hour job from 09:00 holds the 09:00, 10:00 and 11:00 slots."""

    order = models.ForeignKey(
        ServiceOrder, on_delete=models.CASCADE, related_name="held_slots", verbose_name=_("order")
    )
    slot = models.ForeignKey(ProviderSlot, on_delete=models.PROTECT, related_name="+", verbose_name=_("slot"))

    class Meta:
        verbose_name = _("held slot")
        verbose_name_plural = _("held slots")
        constraints = [models.UniqueConstraint(fields=["order", "slot"], name="heldslot_unique")]

    def __str__(self):
        return f"{self.order} @ {self.slot}"


class ServiceOrderOption(models.Model):
    """The options ticked on an order, with their price at the time."""

    order = models.ForeignKey(ServiceOrder, on_delete=models.CASCADE, related_name="options", verbose_name=_("order"))
    option = models.ForeignKey(
        ServiceOption, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("option")
    )
    name = models.CharField(_("name"), max_length=100)
    price = models.DecimalField(_("extra price"), max_digits=10, decimal_places=2)

    class Meta:
        verbose_name = _("order option")
        verbose_name_plural = _("order options")

    def __str__(self):
        return self.name


class ServiceOrderEvent(AppendOnlyModel):
    """One move of an order, written once (history)."""

    append_only_refusal = "Service order history cannot be edited or deleted."
    objects = append_only_manager(append_only_refusal)

    order = models.ForeignKey(ServiceOrder, on_delete=models.PROTECT, related_name="events", verbose_name=_("order"))
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("order event")
        verbose_name_plural = _("order events")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.order}: {self.from_status or '·'} → {self.to_status}"

    @property
    def to_label(self) -> str:
        return ServiceOrder.Status(self.to_status).label
